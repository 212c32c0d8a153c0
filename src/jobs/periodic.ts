import type { Db } from '../db/sql.js';
import type { Logger } from '../logger.js';
import { settledWithin } from './settled-within.js';

/** As SHUTDOWN_TIMEOUT_MS by default; the app passes its configured value. */
const DEFAULT_STOP_TIMEOUT_MS = 10_000;

export interface PeriodicJob {
  /**
   * No more runs; a run in progress may finish for up to `timeoutMs`, then it is abandoned (as in a
   * crash: its transaction rolls back when the database closes) and a warning names the job.
   */
  stop(timeoutMs?: number): Promise<void>;
}

export interface PeriodicOptions {
  /**
   * Run on one instance at a time: each run takes this PostgreSQL advisory lock (session-level, on
   * a connection of its own) and is skipped while another instance holds it.
   */
  readonly singleton?: { readonly db: Db; readonly lockKey: string };
}

/**
 * Runs `task` now and then every `intervalMs`, never overlapping itself. Without `singleton`, every
 * instance runs its own copy, so the task must be safe when several instances run it at once.
 */
export function startPeriodic(
  name: string,
  intervalMs: number,
  task: () => Promise<unknown>,
  logger: Logger,
  options: PeriodicOptions = {},
): PeriodicJob {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const { singleton } = options;
  const once = singleton
    ? async () => {
        const run = await singleton.db.withSessionLock(singleton.lockKey, task);
        if (!run.ran) logger.debug({ job: name }, 'periodic job skipped: another instance is running it');
      }
    : task;
  const tick = () => {
    running = once()
      .then(
        () => undefined,
        (error: unknown) => logger.error({ err: error, job: name }, 'periodic job failed'),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  tick();
  return {
    async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS) {
      stopped = true;
      clearTimeout(timer);
      if (!(await settledWithin(running, timeoutMs))) {
        logger.warn({ job: name, timeoutMs }, 'periodic job still running at shutdown; abandoning it');
      }
    },
  };
}
