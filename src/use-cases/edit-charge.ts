import { mayChange } from '../domain/authorization.js';
import type { ChargeRequest } from '../domain/charge-request.js';
import { type Result, refuse } from '../errors.js';
import { findChargeRequest } from '../persistence/charge-requests.js';
import { type ActingClicker, resolveClicker } from './acting-approver.js';
import type { UseCaseDeps } from './deps.js';
import { type ProposalInput, type ProposalResult, reviseCharge } from './propose-charge.js';

export interface ChangeClick {
  readonly requestId: string;
  readonly userId: string;
}

/** The requester, an approver or an approver's delegate may change a request; anyone else is refused. */
export async function checkChange(
  deps: Pick<UseCaseDeps, 'db' | 'approvers' | 'clock'>,
  click: ChangeClick,
): Promise<Result<{ request: ChargeRequest; clicker: ActingClicker }>> {
  const request = await findChargeRequest(deps.db, click.requestId);
  if (!request) return refuse('not_found', 'That request no longer exists.');
  const clicker = await resolveClicker(deps, deps.db, click.userId, deps.clock.now());
  const permission = mayChange(request, clicker);
  return permission.ok ? { ok: true, request, clicker } : permission;
}

/** Whether the edit form may be shown to this person for this request. */
export async function canEdit(deps: UseCaseDeps, click: ChangeClick): Promise<Result<{ request: ChargeRequest }>> {
  const checked = await checkChange(deps, click);
  if (checked.ok && checked.request.status !== 'pending_approval') {
    return refuse('wrong_state', 'Only requests waiting for approval can be edited.');
  }
  return checked;
}

/**
 * Edit from the card's modal, as of the version the form was opened on: the requester or an approver
 * (reviseCharge checks); the change is a new version, or a conflict if the request moved on meanwhile.
 */
export async function editCharge(
  deps: UseCaseDeps,
  edit: ChangeClick & { version: number; input: ProposalInput },
): Promise<ProposalResult> {
  const request = await findChargeRequest(deps.db, edit.requestId);
  if (!request) return refuse('not_found', 'That request no longer exists.');
  return reviseCharge(deps, request.reference, edit.userId, edit.input, { version: edit.version });
}
