import type { Db } from '../db/sql.js';
import type { ThreadNotice } from '../outbox/items.js';
import {
  type TransitionInput,
  type TransitionResult,
  transitionChargeRequest,
} from '../persistence/charge-requests.js';
import { queueCardUpdate } from '../persistence/outbox.js';

/**
 * The outbox rule in one place: a compare-and-set transition and, if it won, the Slack updates it
 * implies (the card re-rendered, each notice posted), committed together. Joins the caller's
 * transaction when `db` is one; every instance's outbox worker is notified on commit.
 */
export function transitionWithUpdates(
  db: Db,
  input: TransitionInput,
  notices: ThreadNotice[] = [],
): Promise<TransitionResult> {
  return db.transaction(async (tx) => {
    const result = await transitionChargeRequest(tx, input);
    if (result.ok) await queueCardUpdate(tx, input.id, ...notices);
    return result;
  });
}
