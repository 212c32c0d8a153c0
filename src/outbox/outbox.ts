import type { EntityManager } from 'typeorm';
import { toJson } from '../persistence/audit.js';

/**
 * Slack updates that follow a state change. They are inserted in the same transaction as the change,
 * so a committed change always has its update queued, and no commit ever waits on Slack.
 * Cards are rendered from the database at delivery time, so a late or repeated delivery shows the
 * request as it is now, never a stale state.
 */
export type OutboxItem =
  /** Post the approval card (in `threadTs`, or top-level when the request has no thread yet). */
  | { kind: 'post_card'; requestId: string }
  /** Re-render every posted copy of the card. */
  | { kind: 'update_card'; requestId: string }
  /** A message in the request's thread, rendered by the Slack layer from this notice. */
  | { kind: 'thread_reply'; requestId: string; notice: ThreadNotice };

/** Facts for a thread message; the words and the escaping live in src/slack/blocks/thread-notice.ts. */
export type ThreadNotice =
  | { type: 'revised'; version: number; changes: { field: string; from: string; to: string }[] }
  | { type: 'approved'; by: string }
  | { type: 'approval_progress'; by: string; approvals: number; required: number }
  | { type: 'rejected'; by: string; reason: string }
  | { type: 'link_created'; url: string }
  | { type: 'link_failed'; reason: string }
  | { type: 'canceled'; by: string; linkDeactivated: boolean }
  | {
      type: 'paid';
      amountMinor: string | null;
      currency: string | null;
      payer: string | null;
      /** The amount or currency received differs from the approved one. */
      mismatch: boolean;
      afterCancel: boolean;
    }
  | { type: 'payment_processing' }
  | { type: 'payment_failed' }
  | { type: 'refunded'; amountMinor: string; full: boolean }
  | { type: 'disputed'; reason: string };

export interface QueuedItem {
  readonly id: string;
  readonly item: OutboxItem;
  readonly attempts: number;
}

/**
 * Queues `item` in the caller's transaction. `dedupeKey` makes a retried producer (a webhook
 * delivered twice, a click processed twice) queue the update once.
 */
export async function enqueue(manager: EntityManager, item: OutboxItem, dedupeKey?: string): Promise<void> {
  await manager.query(
    `INSERT INTO slack_outbox (kind, payload, dedupe_key) VALUES ($1, $2::jsonb, $3)
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [item.kind, toJson(item), dedupeKey ?? null],
  );
}

/** The Slack side of a state change: re-render every copy of the card, then post each notice in the thread. */
export async function queueCardUpdate(
  manager: EntityManager,
  requestId: string,
  ...notices: ThreadNotice[]
): Promise<void> {
  await enqueue(manager, { kind: 'update_card', requestId });
  for (const notice of notices) await enqueue(manager, { kind: 'thread_reply', requestId, notice });
}

/**
 * Claims up to `limit` due items. Claiming pushes `next_attempt_at` out by `leaseSeconds`, so other
 * workers (other instances) skip them while this one delivers; if this process dies, the lease
 * expires and another worker picks them up. SKIP LOCKED keeps concurrent claimers from waiting.
 */
export async function claimDue(manager: EntityManager, limit: number, leaseSeconds: number): Promise<QueuedItem[]> {
  // Wrapped in a CTE so the driver returns plain rows (TypeORM reshapes UPDATE … RETURNING results).
  const rows: { id: string; payload: OutboxItem; attempts: number }[] = await manager.query(
    `WITH claimed AS (
       UPDATE slack_outbox SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
       WHERE id IN (
         SELECT id FROM slack_outbox WHERE status = 'pending' AND next_attempt_at <= now()
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id, payload, attempts)
     SELECT * FROM claimed ORDER BY id`,
    [limit, leaseSeconds],
  );
  return rows
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map((r) => ({ id: String(r.id), item: r.payload, attempts: r.attempts }));
}

export async function markDelivered(manager: EntityManager, id: string): Promise<void> {
  await manager.query(
    `UPDATE slack_outbox SET status = 'delivered', delivered_at = now(), last_error = NULL WHERE id = $1`,
    [id],
  );
}

export async function scheduleRetry(
  manager: EntityManager,
  id: string,
  delaySeconds: number,
  error: string,
): Promise<void> {
  await manager.query(
    `UPDATE slack_outbox SET next_attempt_at = now() + make_interval(secs => $2), last_error = $3 WHERE id = $1`,
    [id, delaySeconds, error.slice(0, 1000)],
  );
}

export async function markDead(manager: EntityManager, id: string, error: string): Promise<void> {
  await manager.query(`UPDATE slack_outbox SET status = 'dead', last_error = $2 WHERE id = $1`, [
    id,
    error.slice(0, 1000),
  ]);
}
