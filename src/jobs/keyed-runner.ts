import type { Logger } from '../logger.js';
import { settledWithin } from './settled-within.js';

export interface KeyedRunner {
  /**
   * Runs the task for `key` soon. Already waiting: nothing more. Already running: once more after
   * this run, which may have read the state before the change that asked again.
   */
  run(key: string): void;
  /**
   * Drops what waits, lets running tasks finish up to `timeoutMs` (then abandons them, as in a
   * crash), and ignores later calls to run().
   */
  stop(timeoutMs: number): Promise<void>;
}

/**
 * Work asked for by key (a request id from a NOTIFY payload), at most `concurrency` at a time and
 * once per key at a time: a burst of wake-ups for the same key runs the task once, and a wake-up
 * while it runs runs it once more afterwards (never lost, never twice at once).
 */
export function createKeyedRunner(
  name: string,
  task: (key: string) => Promise<unknown>,
  options: { concurrency: number; logger: Logger },
): KeyedRunner {
  const waiting: string[] = [];
  /** Every key waiting or running; `rerun` once asked again while running. */
  const keys = new Map<string, 'waiting' | 'running' | 'rerun'>();
  const running = new Set<Promise<void>>();
  let stopped = false;

  const start = (key: string) => {
    keys.set(key, 'running');
    const work = Promise.resolve()
      .then(() => task(key))
      .then(
        () => undefined,
        (error: unknown) => options.logger.error({ err: error, job: name, key }, 'task failed'),
      )
      .finally(() => {
        running.delete(work);
        if (keys.get(key) === 'rerun' && !stopped) {
          keys.set(key, 'waiting');
          waiting.push(key);
        } else {
          keys.delete(key);
        }
        startWaiting();
      });
    running.add(work);
  };
  const startWaiting = () => {
    while (!stopped && running.size < options.concurrency) {
      const key = waiting.shift();
      if (key === undefined) return;
      start(key);
    }
  };

  return {
    run(key) {
      if (stopped) return;
      const state = keys.get(key);
      if (state === 'running') keys.set(key, 'rerun');
      if (state !== undefined) return;
      keys.set(key, 'waiting');
      waiting.push(key);
      startWaiting();
    },
    async stop(timeoutMs) {
      stopped = true;
      for (const key of waiting.splice(0)) keys.delete(key);
      if (running.size === 0) return;
      if (!(await settledWithin(Promise.all(running), timeoutMs))) {
        options.logger.warn(
          { job: name, running: running.size, timeoutMs },
          'stop timed out; abandoning running tasks',
        );
      }
    },
  };
}
