import type { Logger } from '../logger.js';

export interface PeriodicJob {
  stop(): Promise<void>;
}

/**
 * Runs `task` now and then every `intervalMs`, never overlapping itself. Each instance runs its own
 * copy; the tasks are written to be safe when several instances run them at once.
 */
export function startPeriodic(
  name: string,
  intervalMs: number,
  task: () => Promise<unknown>,
  logger: Logger,
): PeriodicJob {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = task()
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
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
