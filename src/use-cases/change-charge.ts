import { mayChange } from '../domain/authorization.js';
import { checkTransition, describeStatus } from '../domain/charge-status.js';
import { findChargeRequest } from '../persistence/charge-requests.js';
import { deactivatePaymentLink } from '../stripe/payment-links.js';
import { changeState } from './change-state.js';
import type { ActionResult, ChargeDeps } from './charge-deps.js';
import { type ProposalInput, type ProposalResult, reviseCharge } from './propose-charge.js';

type Change = { requestId: string; userId: string };

/** The requester or an approver may change a request; anyone else is refused. */
async function checkChange(deps: ChargeDeps, change: Change) {
  const request = await findChargeRequest(deps.dataSource, change.requestId);
  if (!request) return { ok: false as const, message: 'That request no longer exists.' };
  const isApprover = await deps.approvers.isApprover(change.userId);
  const permission = mayChange(request, { userId: change.userId, isApprover });
  return permission.ok ? { ok: true as const, request } : { ok: false as const, message: permission.reason };
}

/** Whether the edit form may be shown to this person for this request. */
export async function canEdit(deps: ChargeDeps, change: Change): Promise<ActionResult> {
  const checked = await checkChange(deps, change);
  if (!checked.ok) return checked;
  if (checked.request.status !== 'pending_approval') {
    return { ok: false, message: 'Only requests waiting for approval can be edited.' };
  }
  return { ok: true };
}

/** Edit from the card's modal: the requester or an approver; the change is a new version. */
export async function editCharge(deps: ChargeDeps, edit: Change & { input: ProposalInput }): Promise<ProposalResult> {
  const checked = await checkChange(deps, edit);
  if (!checked.ok) return { ok: false, problems: [checked.message] };
  return reviseCharge(deps, checked.request.reference, edit.userId, edit.input);
}

/**
 * Cancel before payment. An existing payment link is deactivated at Stripe first: if that fails,
 * nothing changes, because a canceled request with a live link could still be paid.
 */
export async function cancelCharge(deps: ChargeDeps, click: Change): Promise<ActionResult> {
  const checked = await checkChange(deps, click);
  if (!checked.ok) return checked;
  const { request } = checked;
  if (!checkTransition(request.status, 'cancel').ok) {
    return {
      ok: false,
      message: `${request.reference} is ${describeStatus(request.status)} and can no longer be canceled.`,
    };
  }
  let linkDeactivated = false;
  if (request.paymentLinkId) {
    if (!deps.stripe) {
      return {
        ok: false,
        message: 'Stripe is not configured, so the payment link cannot be deactivated. Nothing was changed.',
      };
    }
    try {
      await deactivatePaymentLink(deps.stripe, request.paymentLinkId);
      linkDeactivated = true;
    } catch (error) {
      deps.logger.warn({ err: error, reference: request.reference }, 'could not deactivate payment link');
      return {
        ok: false,
        message: `Stripe did not deactivate the payment link of ${request.reference}; nothing was changed. Try again in a minute.`,
      };
    }
  }
  const moved = await changeState(
    deps,
    {
      id: request.id,
      action: 'cancel',
      expected: { status: request.status, version: request.version },
      actor: click.userId,
      changes: { closedAt: new Date() },
      details: { linkDeactivated },
    },
    [{ type: 'canceled', by: click.userId, linkDeactivated }],
  );
  if (!moved.ok)
    return { ok: false, message: `${request.reference} changed a moment ago; look at the card and try again.` };
  return { ok: true };
}
