import type { Logger } from '../logger.js';

export interface WorkerLoop {
  /** Look for work now (called after a commit that queued something). */
  wake(): void;
  /** Finish the work in hand, then stop. */
  stop(): Promise<void>;
}

/**
 * Calls `drainOnce` until it reports no work, then sleeps `pollMs` or until woken. `drainOnce`
 * claims its own work from the database (SKIP LOCKED), so several loops, in one process or many,
 * can share a queue.
 */
export function startWorkerLoop(options: {
  readonly name: string;
  readonly drainOnce: () => Promise<number>;
  readonly logger: Logger;
  readonly pollMs?: number;
  readonly concurrency?: number;
}): WorkerLoop {
  const pollMs = options.pollMs ?? 1000;
  let stopped = false;
  const sleepers = new Set<() => void>();
  let pendingWake = false;

  const loop = async () => {
    while (!stopped) {
      pendingWake = false;
      let drained = 0;
      try {
        drained = await options.drainOnce();
      } catch (error) {
        if (!stopped) options.logger.error({ err: error, worker: options.name }, 'worker poll failed');
      }
      if (stopped) break;
      if (drained > 0 || pendingWake) continue;
      await new Promise<void>((resolve) => {
        const wakeUp = () => {
          clearTimeout(timer);
          sleepers.delete(wakeUp);
          resolve();
        };
        const timer = setTimeout(wakeUp, pollMs);
        sleepers.add(wakeUp);
      });
    }
  };
  const loops = Array.from({ length: options.concurrency ?? 1 }, loop);

  const wakeAll = () => {
    for (const wakeUp of [...sleepers]) wakeUp();
  };
  return {
    wake() {
      pendingWake = true;
      wakeAll();
    },
    async stop() {
      stopped = true;
      wakeAll();
      await Promise.all(loops);
    },
  };
}
