import type { DataSource } from 'typeorm';
import type { Logger } from '../logger.js';
import { claimDue, markDead, markDelivered, type OutboxItem, scheduleRetry } from './outbox.js';

/** What a delivery attempt concluded. `retry` may carry the delay Slack asked for (Retry-After). */
export type DeliveryOutcome = { ok: true } | { ok: false; retry: boolean; error: string; retryAfterSeconds?: number };

export type Deliver = (item: OutboxItem) => Promise<DeliveryOutcome>;

export interface OutboxWorkerOptions {
  readonly dataSource: DataSource;
  readonly deliver: Deliver;
  readonly logger: Logger;
  /** How often to look for due items when nothing woke the worker. */
  readonly pollMs?: number;
  readonly maxAttempts?: number;
  readonly leaseSeconds?: number;
}

export interface OutboxWorker {
  /** Look for work now (called after a commit that queued something). */
  wake(): void;
  /** Finish the batch in hand, then stop. */
  stop(): Promise<void>;
}

/** Exponential backoff with jitter: 1 s, 2 s, 4 s … capped at 5 minutes. */
export function backoffSeconds(attempt: number): number {
  const base = Math.min(300, 2 ** Math.max(0, attempt - 1));
  return base * (0.75 + Math.random() * 0.5);
}

export function startOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const { dataSource, deliver, logger } = options;
  const pollMs = options.pollMs ?? 1000;
  const maxAttempts = options.maxAttempts ?? 12;
  const leaseSeconds = options.leaseSeconds ?? 60;
  const log = logger.child({ component: 'outbox' });

  let stopped = false;
  let wakeUp: (() => void) | undefined;
  let pendingWake = false;

  async function drainOnce(): Promise<number> {
    const batch = await claimDue(dataSource.manager, 10, leaseSeconds);
    for (const queued of batch) {
      const outcome = await deliver(queued.item).catch(
        (error: unknown): DeliveryOutcome => ({ ok: false, retry: true, error: String(error) }),
      );
      if (outcome.ok) {
        await markDelivered(dataSource.manager, queued.id);
        log.debug({ id: queued.id, kind: queued.item.kind }, 'slack update delivered');
      } else if (!outcome.retry || queued.attempts >= maxAttempts) {
        await markDead(dataSource.manager, queued.id, outcome.error);
        log.error(
          { id: queued.id, kind: queued.item.kind, attempts: queued.attempts, error: outcome.error },
          'slack update abandoned',
        );
      } else {
        const delay = outcome.retryAfterSeconds ?? backoffSeconds(queued.attempts);
        await scheduleRetry(dataSource.manager, queued.id, delay, outcome.error);
        log.warn(
          { id: queued.id, kind: queued.item.kind, attempts: queued.attempts, delay, error: outcome.error },
          'slack update will be retried',
        );
      }
    }
    return batch.length;
  }

  const loop = (async () => {
    while (!stopped) {
      pendingWake = false;
      let drained = 0;
      try {
        drained = await drainOnce();
      } catch (error) {
        if (!stopped) log.error({ err: error }, 'outbox poll failed');
      }
      if (stopped) break;
      if (drained > 0 || pendingWake) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = undefined;
    }
  })();

  return {
    wake() {
      pendingWake = true;
      wakeUp?.();
    },
    async stop() {
      stopped = true;
      wakeUp?.();
      await loop;
    },
  };
}
