import type { Db, Tx } from '../db/sql.js';
import { backoffSeconds } from '../jobs/backoff.js';
import { startWorkerLoop, type WorkerLoop } from '../jobs/worker-loop.js';
import type { Logger } from '../logger.js';
import { claimDueItems, markDead, markDelivered, type QueuedItem, scheduleRetry } from '../persistence/outbox.js';
import type { OutboxItem } from './items.js';

/**
 * What a delivery attempt concluded. `retry` may carry the delay Slack asked for (Retry-After);
 * `handled` says what was done about a failure that will not be retried (a fallback, who was told).
 */
export type DeliveryOutcome =
  | { ok: true }
  | { ok: false; retry: boolean; error: string; retryAfterSeconds?: number; handled?: string };

export type Deliver = (item: OutboxItem) => Promise<DeliveryOutcome>;

/** Why an item died: refused for good (`retry: false`), or out of attempts (`retry: true`). */
export type DeadDelivery = Extract<DeliveryOutcome, { ok: false }>;

export interface OutboxWorkerOptions {
  readonly db: Db;
  readonly deliver: Deliver;
  readonly logger: Logger;
  /** How often to look for due items when nothing woke the worker. */
  readonly pollMs?: number;
  readonly maxAttempts?: number;
  readonly leaseSeconds?: number;
  /**
   * Called in the transaction that marks an item dead, so whoever must hear of it (admins, the
   * requester) is queued with the same commit.
   */
  readonly onDead?: (tx: Tx, item: QueuedItem, why: DeadDelivery) => Promise<void>;
}

/** Delivers queued Slack updates, retrying with backoff and honouring Slack's Retry-After. */
export function startOutboxWorker(options: OutboxWorkerOptions): WorkerLoop {
  const { db, deliver } = options;
  const maxAttempts = options.maxAttempts ?? 12;
  const leaseSeconds = options.leaseSeconds ?? 60;
  const log = options.logger.child({ component: 'outbox' });

  async function drainOnce(): Promise<number> {
    const batch = await claimDueItems(db, 10, leaseSeconds);
    for (const queued of batch) {
      const outcome = await deliver(queued.item).catch(
        (error: unknown): DeliveryOutcome => ({ ok: false, retry: true, error: String(error) }),
      );
      const about = { id: queued.id, kind: queued.item.kind, attempts: queued.attempts };
      if (outcome.ok) {
        await markDelivered(db, queued.id);
        log.debug(about, 'slack update delivered');
      } else if (!outcome.retry || queued.attempts >= maxAttempts) {
        await db.transaction(async (tx) => {
          await markDead(tx, queued.id, outcome.error);
          await options.onDead?.(tx, queued, outcome);
        });
        const requestId = 'requestId' in queued.item ? queued.item.requestId : undefined;
        log.error(
          { ...about, requestId, error: outcome.error, handled: outcome.handled },
          outcome.retry
            ? `slack update abandoned after ${queued.attempts} attempts (${outcome.error}); kept as dead`
            : `Slack refused the update for good (${outcome.error}); kept as dead`,
        );
      } else {
        const delay = outcome.retryAfterSeconds ?? backoffSeconds(queued.attempts);
        await scheduleRetry(db, queued.id, delay, outcome.error);
        log.warn({ ...about, delay, error: outcome.error }, 'slack update will be retried');
      }
    }
    return batch.length;
  }

  return startWorkerLoop({ name: 'outbox', drainOnce, logger: log, pollMs: options.pollMs });
}
