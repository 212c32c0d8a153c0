/**
 * PostgreSQL NOTIFY channels. A producer notifies in the transaction that queues work, so every
 * instance listening (db/notifications.ts) wakes right after the commit, and never for work that
 * was rolled back. Polling stays as the safety net for a missed notification.
 */
export const OUTBOX_CHANNEL = 'countersign_outbox';
export const INBOX_CHANNEL = 'countersign_inbox';
