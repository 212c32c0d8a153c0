import type { DataSource, EntityManager } from 'typeorm';
import { queueCardUpdate, type ThreadNotice } from '../outbox/outbox.js';
import {
  type TransitionInput,
  type TransitionResult,
  transitionChargeRequest,
} from '../persistence/charge-requests.js';

/**
 * The outbox rule in one place: a compare-and-set transition and, if it won, the Slack updates it
 * implies (the card re-rendered, each notice posted), in the caller's transaction.
 */
export async function transitionWithUpdates(
  manager: EntityManager,
  input: TransitionInput,
  notices: ThreadNotice[] = [],
): Promise<TransitionResult> {
  const result = await transitionChargeRequest(manager, input);
  if (result.ok) await queueCardUpdate(manager, input.id, ...notices);
  return result;
}

/** `transitionWithUpdates` in a transaction of its own; the outbox worker is woken after the commit. */
export async function changeState(
  deps: { readonly dataSource: DataSource; readonly wakeOutbox: () => void },
  input: TransitionInput,
  notices: ThreadNotice[] = [],
): Promise<TransitionResult> {
  const result = await deps.dataSource.transaction((manager) => transitionWithUpdates(manager, input, notices));
  deps.wakeOutbox();
  return result;
}
