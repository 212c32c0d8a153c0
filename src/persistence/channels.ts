import type { Queryable } from '../db/sql.js';

/**
 * PostgreSQL NOTIFY channels. A producer notifies in the transaction that queues work, so every
 * instance listening (db/notifications.ts) wakes right after the commit, and never for work that
 * was rolled back. Polling stays as the safety net for a missed notification.
 */
export const OUTBOX_CHANNEL = 'countersign_outbox';
export const INBOX_CHANNEL = 'countersign_inbox';
/** An approved request wants its payment link (the payload is its id); a worker creates it. */
export const LINKS_CHANNEL = 'countersign_links';

/** Notifies `channel` (with the caller's transaction, when it is one: only if it commits). */
export async function notify(db: Queryable, channel: string, payload = ''): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [channel, payload]);
}
