import type { Queryable } from '../db/sql.js';
import type { Clicker } from '../domain/authorization.js';
import type { Delegation } from '../domain/delegation.js';
import { findDelegationTo } from '../persistence/delegations.js';
import type { UseCaseDeps } from './deps.js';

export type ActingClicker = Clicker & { readonly delegation?: Delegation };

/**
 * Who `userId` is as an approver at `now`: an approver acts as themselves; otherwise, during a
 * delegation's window, they act for the approver who delegated to them, as long as that person is
 * still an approver; otherwise they may be an escalation contact (who may decide escalated requests).
 * Called inside a decision's transaction with `lock`, so the delegation in force is the one the
 * decision commits with.
 */
export async function resolveClicker(
  deps: Pick<UseCaseDeps, 'approvers'>,
  db: Queryable,
  userId: string,
  now: Date,
  options: { lock?: boolean; isApprover?: boolean } = {},
): Promise<ActingClicker> {
  const isApprover = options.isApprover ?? (await deps.approvers.isApprover(userId));
  if (isApprover) return { userId, isApprover };
  const delegation = await findDelegationTo(db, userId, now, { lock: options.lock });
  if (delegation && (await deps.approvers.isApprover(delegation.delegatorId))) {
    return { userId, isApprover, actingFor: delegation.delegatorId, delegation };
  }
  return { userId, isApprover, isEscalationContact: await deps.approvers.isEscalationContact(userId) };
}

/** For the audit trail of a delegated action: for whom, under which delegation. */
export function delegationDetails(clicker: ActingClicker): Record<string, unknown> {
  return clicker.delegation ? { onBehalfOf: clicker.delegation.delegatorId, delegationId: clicker.delegation.id } : {};
}

/** For the audit trail of a decision: a delegate's (see above), or an escalation contact's. */
export function decisionDetails(clicker: ActingClicker): Record<string, unknown> {
  if (clicker.delegation || clicker.isApprover) return delegationDetails(clicker);
  return { as: 'escalation_contact' };
}
