import { countedApprover, holdsApprovalRight } from '../domain/authorization.js';
import { AWAITING_APPROVER_STATUSES, AWAITING_DECISION_STATUSES } from '../domain/charge-status.js';
import { type Page, pageAwaitingApprover } from '../persistence/charge-requests.js';
import { type ActingClicker, resolveClicker } from './acting-approver.js';
import type { UseCaseDeps } from './deps.js';

/**
 * What waits for this person, oldest first, with its true size: requests they could act on now — not
 * their own (nor, for a delegate, their approver's), and not those they (or their delegate, or the
 * approver they stand in for) already approved at the current version. Undefined for someone who
 * holds no approval right.
 */
export async function approverQueue(
  deps: Pick<UseCaseDeps, 'db' | 'approvers' | 'clock' | 'allowSelfApproval'>,
  userId: string,
  limit: number,
): Promise<{ clicker: ActingClicker; queue: Page | undefined }> {
  const clicker = await resolveClicker(deps, deps.db, userId, deps.clock.now());
  if (!holdsApprovalRight(clicker)) return { clicker, queue: undefined };
  const excludeRequesters = clicker.actingFor ? [userId, clicker.actingFor] : deps.allowSelfApproval ? [] : [userId];
  const queue = await pageAwaitingApprover(deps.db, {
    statuses: AWAITING_APPROVER_STATUSES,
    decidingStatuses: AWAITING_DECISION_STATUSES,
    approverId: countedApprover(clicker),
    excludeRequesters,
    limit,
  });
  return { clicker, queue };
}
