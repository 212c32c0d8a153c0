import type { DataSource } from 'typeorm';
import { startWorkerLoop, type WorkerLoop } from '../jobs/worker-loop.js';
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

export type OutboxWorker = WorkerLoop;

/** Exponential backoff with jitter: 1 s, 2 s, 4 s … capped at 5 minutes. */
export function backoffSeconds(attempt: number): number {
  const base = Math.min(300, 2 ** Math.max(0, attempt - 1));
  return base * (0.75 + Math.random() * 0.5);
}

/** Delivers queued Slack updates, retrying with backoff and honouring Slack's Retry-After. */
export function startOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const { dataSource, deliver } = options;
  const maxAttempts = options.maxAttempts ?? 12;
  const leaseSeconds = options.leaseSeconds ?? 60;
  const log = options.logger.child({ component: 'outbox' });

  async function drainOnce(): Promise<number> {
    const batch = await claimDue(dataSource.manager, 10, leaseSeconds);
    for (const queued of batch) {
      const outcome = await deliver(queued.item).catch(
        (error: unknown): DeliveryOutcome => ({ ok: false, retry: true, error: String(error) }),
      );
      const about = { id: queued.id, kind: queued.item.kind, attempts: queued.attempts };
      if (outcome.ok) {
        await markDelivered(dataSource.manager, queued.id);
        log.debug(about, 'slack update delivered');
      } else if (!outcome.retry || queued.attempts >= maxAttempts) {
        await markDead(dataSource.manager, queued.id, outcome.error);
        log.error({ ...about, error: outcome.error }, 'slack update abandoned');
      } else {
        const delay = outcome.retryAfterSeconds ?? backoffSeconds(queued.attempts);
        await scheduleRetry(dataSource.manager, queued.id, delay, outcome.error);
        log.warn({ ...about, delay, error: outcome.error }, 'slack update will be retried');
      }
    }
    return batch.length;
  }

  return startWorkerLoop({ name: 'outbox', drainOnce, logger: log, pollMs: options.pollMs });
}
