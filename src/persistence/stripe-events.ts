import type { Queryable, Tx } from '../db/sql.js';
import { INBOX_CHANNEL } from './channels.js';

/** A verified Stripe event (or reconciliation's equivalent), to store in the inbox. */
export interface InboxEvent {
  readonly id: string;
  readonly type: string;
  /**
   * The event as JSON text, as Stripe sent (and signed) it. Stored as jsonb: its content is kept,
   * not its exact text (whitespace, key order), so the signature cannot be checked again from it.
   */
  readonly payload: string;
}

export interface ClaimedEvent {
  readonly id: string;
  readonly type: string;
  /** The stored event, parsed (pg returns jsonb as a JavaScript value). */
  readonly payload: unknown;
  readonly attempts: number;
}

/**
 * Stores a verified event once (a redelivery is a no-op) and returns whether it was new; a new
 * event notifies every instance's inbox worker in the same statement.
 */
export async function ingestStripeEvent(db: Queryable, event: InboxEvent): Promise<boolean> {
  const rows = await db.query(
    `WITH stored AS (
       INSERT INTO stripe_events (id, type, payload) VALUES ($1, $2, $3::jsonb)
       ON CONFLICT (id) DO NOTHING RETURNING id)
     SELECT pg_notify($4, '') FROM stored`,
    [event.id, event.type, event.payload, INBOX_CHANNEL],
  );
  return rows.length === 1;
}

/**
 * Stores an event in the caller's transaction, claimed by it (no other worker can see it before the
 * commit), for a caller that applies it at once. Returns it, or undefined if it was already stored.
 */
export async function storeClaimedEvent(tx: Tx, event: InboxEvent): Promise<ClaimedEvent | undefined> {
  const rows = await tx.query<ClaimedEvent>(
    `INSERT INTO stripe_events (id, type, payload) VALUES ($1, $2, $3::jsonb)
     ON CONFLICT (id) DO NOTHING RETURNING id, type, payload, attempts`,
    [event.id, event.type, event.payload],
  );
  return rows[0];
}

/**
 * Claims the oldest due event (or the one named `id`) for the rest of the transaction: SKIP LOCKED
 * lets several workers and instances share the inbox, and the row lock is the lease (a crash rolls
 * the claim back). The caller applies it and marks it processed before committing.
 */
export async function claimDueEvent(tx: Tx, id?: string): Promise<ClaimedEvent | undefined> {
  return (await claimDueEvents(tx, 1, id))[0];
}

/**
 * Claims up to `limit` due events, oldest first (or only the one named `id`), for the rest of the
 * transaction; see claimDueEvent.
 */
export async function claimDueEvents(tx: Tx, limit: number, id?: string): Promise<ClaimedEvent[]> {
  // Safe to commit asynchronously: the events are already durable in the inbox and are marked
  // processed in this same transaction, so a commit lost in a crash is simply applied again.
  await tx.query('SET LOCAL synchronous_commit = off');
  return tx.query<ClaimedEvent>(
    `SELECT id, type, payload, attempts FROM stripe_events
     WHERE status = 'pending' AND next_attempt_at <= now() AND ($1::text IS NULL OR id = $1)
     ORDER BY received_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [id ?? null, limit],
  );
}

/** Marks applied events processed, with what applying each did, in one statement. */
export async function markEventsProcessed(
  tx: Tx,
  results: readonly { id: string; outcome: string; requestId: string | null }[],
): Promise<void> {
  await tx.query(
    `UPDATE stripe_events e SET status = 'processed', processed_at = now(), outcome = r.outcome,
       charge_request_id = r.request_id, last_error = NULL
     FROM unnest($1::text[], $2::text[], $3::uuid[]) AS r(id, outcome, request_id)
     WHERE e.id = r.id`,
    [results.map((r) => r.id), results.map((r) => r.outcome), results.map((r) => r.requestId)],
  );
}

/**
 * Records a failed application outside the failed transaction: the event waits `delaySeconds`
 * before its next attempt, or becomes dead (kept, with its last error, for an operator) when
 * `dead` is set.
 */
export async function recordEventFailure(
  db: Queryable,
  id: string,
  failure: { error: string; delaySeconds: number; dead: boolean },
): Promise<void> {
  await db.query(
    `UPDATE stripe_events SET attempts = attempts + 1, last_error = $2,
       next_attempt_at = now() + make_interval(secs => $3), status = CASE WHEN $4 THEN 'dead' ELSE status END
     WHERE id = $1`,
    [id, failure.error.slice(0, 1000), failure.delaySeconds, failure.dead],
  );
}
