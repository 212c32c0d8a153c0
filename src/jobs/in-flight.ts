/**
 * Work that runs after Slack has been acknowledged (an agent turn, a click's approval) is tracked, so
 * shutdown can let it finish before the database closes, and tests can wait until nothing is left
 * to do instead of sleeping.
 */
export interface InFlight {
  /** Runs `work`, counting it as in flight until it settles. */
  track<T>(work: Promise<T>): Promise<T>;
  /** Resolves once nothing is in flight (at once if nothing is), or after `timeoutMs`. */
  idle(timeoutMs?: number): Promise<void>;
  readonly size: number;
}

export function createInFlight(): InFlight {
  const running = new Set<Promise<unknown>>();
  return {
    track(work) {
      // Counted by its settling, whatever the outcome; the caller still gets (and handles) `work` itself.
      const settled = work.then(
        () => undefined,
        () => undefined,
      );
      running.add(settled);
      void settled.then(() => running.delete(settled));
      return work;
    },
    async idle(timeoutMs = Number.POSITIVE_INFINITY) {
      const deadline = Date.now() + timeoutMs;
      while (running.size > 0 && Date.now() < deadline) {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          if (Number.isFinite(timeoutMs)) timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        });
        await Promise.race([Promise.all([...running]), timeout]);
        clearTimeout(timer);
      }
    },
    get size() {
      return running.size;
    },
  };
}
