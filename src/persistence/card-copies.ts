import type { Queryable } from '../db/sql.js';

/** A copy of a request's card sent to someone by DM (see slack/approver-dms.ts). */
export interface CardCopy {
  readonly occasion: string;
  readonly userId: string;
  readonly channelId: string;
  readonly ts: string;
}

/** Every DM copy of a request's card, oldest first. */
export async function listCardCopies(db: Queryable, chargeRequestId: string): Promise<CardCopy[]> {
  const rows = await db.query<{ occasion: string; user_id: string; channel_id: string; ts: string }>(
    'SELECT occasion, user_id, channel_id, ts FROM card_copies WHERE charge_request_id = $1 ORDER BY id',
    [chargeRequestId],
  );
  return rows.map((r) => ({ occasion: r.occasion, userId: r.user_id, channelId: r.channel_id, ts: r.ts }));
}

/** Where a copy was posted: bookkeeping, not a state change. One copy per person per occasion. */
export async function recordCardCopy(db: Queryable, chargeRequestId: string, copy: CardCopy): Promise<void> {
  await db.query(
    `INSERT INTO card_copies (charge_request_id, occasion, user_id, channel_id, ts) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (charge_request_id, occasion, user_id) DO NOTHING`,
    [chargeRequestId, copy.occasion, copy.userId, copy.channelId, copy.ts],
  );
}
