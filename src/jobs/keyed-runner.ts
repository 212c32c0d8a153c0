import pLimit from 'p-limit';
import type { Logger } from '../logger.js';

export interface KeyedRunner {
  /** Runs the task for `key` soon, unless it is already running or waiting for that key. */
  run(key: string): void;
  /** Lets running tasks finish, up to `timeoutMs`; later calls to run() are ignored. */
  stop(timeoutMs: number): Promise<void>;
}

/**
 * Work asked for by key (a request id from a NOTIFY payload), at most `concurrency` at a time and
 * once per key at a time: a burst of wake-ups for the same key runs the task once.
 */
export function createKeyedRunner(
  name: string,
  task: (key: string) => Promise<unknown>,
  options: { concurrency: number; logger: Logger },
): KeyedRunner {
  const limit = pLimit(options.concurrency);
  const queued = new Map<string, Promise<void>>();
  let stopped = false;
  return {
    run(key) {
      if (stopped || queued.has(key)) return;
      const work = limit(() => task(key))
        .then(
          () => undefined,
          (error: unknown) => options.logger.error({ err: error, job: name, key }, 'task failed'),
        )
        .finally(() => queued.delete(key));
      queued.set(key, work);
    },
    async stop(timeoutMs) {
      stopped = true;
      limit.clearQueue();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([Promise.all([...queued.values()]), timeout]);
      clearTimeout(timer);
    },
  };
}
