import type { Queryable } from '../db/sql.js';
import type { OpsAlert, OutboxItem, ThreadNotice } from '../outbox/items.js';
import { OUTBOX_CHANNEL } from './channels.js';
import { toJson } from './json.js';

export interface QueuedItem {
  readonly id: string;
  readonly item: OutboxItem;
  readonly attempts: number;
}

/**
 * Queues items in the caller's transaction (one statement, in order) and, with the same commit,
 * notifies every instance's outbox worker: NOTIFY is delivered only if the transaction commits.
 */
export async function enqueue(db: Queryable, items: readonly OutboxItem[]): Promise<void> {
  if (items.length === 0) return;
  await db.query(
    `WITH queued AS (
       INSERT INTO slack_outbox (kind, payload)
       SELECT kind, payload FROM unnest($1::text[], $2::jsonb[]) WITH ORDINALITY AS item(kind, payload, ord)
       ORDER BY ord
       RETURNING id)
     SELECT pg_notify($3, '') FROM (SELECT 1 FROM queued LIMIT 1) AS any_queued`,
    [items.map((i) => i.kind), items.map(toJson), OUTBOX_CHANNEL],
  );
}

/** The Slack side of a state change: re-render every copy of the card, then post each notice in the thread. */
export function queueCardUpdate(db: Queryable, requestId: string, ...notices: ThreadNotice[]): Promise<void> {
  return enqueue(db, [
    { kind: 'update_card', requestId },
    ...notices.map((notice): OutboxItem => ({ kind: 'thread_reply', requestId, notice })),
  ]);
}

/** Tells every admin (ADMIN_USER_IDS) by DM, one item each, in the caller's transaction; nobody if none are named. */
export function queueOpsAlerts(db: Queryable, adminUserIds: readonly string[], alert: OpsAlert): Promise<void> {
  return enqueue(
    db,
    adminUserIds.map((userId): OutboxItem => ({ kind: 'ops_alert', userId, alert })),
  );
}

/** Whether an item of `kind` for the request still waits to be delivered (or is being delivered now). */
export async function hasPendingItem(db: Queryable, kind: OutboxItem['kind'], requestId: string): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM slack_outbox WHERE status = 'pending' AND kind = $1 AND payload ->> 'requestId' = $2 LIMIT 1`,
    [kind, requestId],
  );
  return rows.length > 0;
}

/**
 * Claims up to `limit` due items. Claiming pushes `next_attempt_at` out by `leaseSeconds`, so other
 * workers (other instances) skip them while this one delivers; if this process dies, the lease
 * expires and another worker picks them up. SKIP LOCKED keeps concurrent claimers from waiting.
 */
export async function claimDueItems(db: Queryable, limit: number, leaseSeconds: number): Promise<QueuedItem[]> {
  const rows = await db.query<{ id: string; payload: OutboxItem; attempts: number }>(
    `UPDATE slack_outbox SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
     WHERE id IN (
       SELECT id FROM slack_outbox WHERE status = 'pending' AND next_attempt_at <= now()
       ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING id, payload, attempts`,
    [limit, leaseSeconds],
  );
  return rows
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map((r) => ({ id: String(r.id), item: r.payload, attempts: r.attempts }));
}

export async function markDelivered(db: Queryable, id: string): Promise<void> {
  await db.query(
    `UPDATE slack_outbox SET status = 'delivered', delivered_at = now(), last_error = NULL WHERE id = $1`,
    [id],
  );
}

export async function scheduleRetry(db: Queryable, id: string, delaySeconds: number, error: string): Promise<void> {
  await db.query(
    `UPDATE slack_outbox SET next_attempt_at = now() + make_interval(secs => $2), last_error = $3 WHERE id = $1`,
    [id, delaySeconds, error.slice(0, 1000)],
  );
}

export async function markDead(db: Queryable, id: string, error: string): Promise<void> {
  await db.query(`UPDATE slack_outbox SET status = 'dead', last_error = $2 WHERE id = $1`, [id, error.slice(0, 1000)]);
}
