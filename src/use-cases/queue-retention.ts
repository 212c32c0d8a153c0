import type { Db } from '../db/sql.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../logger.js';
import { purgeFinishedRows, type QueueName } from '../persistence/queues.js';

/** Small batches: each DELETE holds its row locks briefly and never stalls the workers. */
const BATCH = 500;

/**
 * Deletes delivered outbox rows and processed Stripe events (and discarded dead letters) that
 * finished more than `retentionMs` ago, batch by batch. Pending and dead rows are never deleted.
 * Returns how many rows went per queue.
 */
export async function applyQueueRetention(
  deps: { db: Db; clock: Clock; logger: Logger },
  retentionMs: number,
  batch = BATCH,
): Promise<Record<QueueName, number>> {
  const cutoff = new Date(deps.clock.now().getTime() - retentionMs);
  const deleted: Record<QueueName, number> = { outbox: 0, inbox: 0 };
  for (const queue of ['outbox', 'inbox'] as const) {
    for (;;) {
      const n = await purgeFinishedRows(deps.db, queue, cutoff, batch);
      deleted[queue] += n;
      if (n < batch) break;
    }
  }
  if (deleted.outbox + deleted.inbox > 0) {
    deps.logger.info({ deleted, before: cutoff.toISOString() }, 'queue retention deleted finished rows');
  }
  return deleted;
}

/** Retention is not urgent: look hourly, or as often as the retention itself when it is shorter. */
export function retentionCheckMs(retentionMs: number): number {
  return Math.max(1_000, Math.min(3_600_000, retentionMs));
}
