import type { ChargeRequest } from '../domain/charge-request.js';
import { checkTransition, describeStatus, LIVE_LINK_STATUSES } from '../domain/charge-status.js';
import { type Result, refuse } from '../errors.js';
import { type ActingClicker, delegationDetails } from './acting-approver.js';
import type { ActionResult, UseCaseDeps } from './deps.js';
import { type ChangeClick, checkChange } from './edit-charge.js';
import { transitionWithUpdates } from './transition-with-updates.js';

export interface CancelClick extends ChangeClick {
  /** The version on the card whose Cancel was clicked. */
  readonly version: number;
}

const REASON_REQUIRED = 'Say why you cancel it: the requester will read it.';

/**
 * Whether this person may cancel this request now, and whether they must say why: an approver (or a
 * delegate) canceling someone's request owes the requester a reason; the requester's own reason is optional.
 */
export async function canCancel(
  deps: UseCaseDeps,
  click: CancelClick,
): Promise<Result<{ request: ChargeRequest; clicker: ActingClicker; reasonRequired: boolean }>> {
  const checked = await checkChange(deps, click);
  if (!checked.ok) return checked;
  const { request, clicker } = checked;
  if (!checkTransition(request.status, 'cancel').ok) {
    return refuse(
      'wrong_state',
      `${request.reference} is ${describeStatus(request.status)} and can no longer be canceled.`,
    );
  }
  if (request.version !== click.version) {
    return refuse(
      'conflict',
      `${request.reference} changed after this card was shown (now version ${request.version}). Look at the updated card first.`,
    );
  }
  return { ok: true, request, clicker, reasonRequired: click.userId !== request.requesterId };
}

/**
 * Cancel before payment: the requester or an approver, the latter with a reason. An existing payment
 * link is deactivated at Stripe first: if that fails, nothing changes, because a canceled request
 * with a live link could still be paid. Who canceled and why is stored, audited and shown on the card.
 */
export async function cancelCharge(deps: UseCaseDeps, click: CancelClick & { reason: string }): Promise<ActionResult> {
  const allowed = await canCancel(deps, click);
  if (!allowed.ok) return allowed;
  const { request, clicker, reasonRequired } = allowed;
  const reason = click.reason.trim();
  if (reasonRequired && reason.length < 3) {
    return refuse('invalid_input', REASON_REQUIRED, [{ field: 'reason', message: REASON_REQUIRED }]);
  }
  let linkDeactivated = false;
  // Only a link that may still take a payment: an expired one (Request again) or one replaced after
  // a failed payment is already off, and a link still being made is deactivated by its maker.
  if (request.paymentLinkId && LIVE_LINK_STATUSES.includes(request.status)) {
    if (!deps.stripe) {
      return refuse(
        'not_configured',
        'Stripe is not configured, so the payment link cannot be deactivated. Nothing was changed.',
      );
    }
    try {
      await deps.stripe.deactivatePaymentLink(request.paymentLinkId);
      linkDeactivated = true;
    } catch (error) {
      deps.logger.warn({ err: error, reference: request.reference }, 'could not deactivate payment link');
      return refuse(
        'unavailable',
        `Stripe did not deactivate the payment link of ${request.reference}; nothing was changed. Try again in a minute.`,
      );
    }
  }
  const now = deps.clock.now();
  const moved = await transitionWithUpdates(
    deps.db,
    {
      id: request.id,
      action: 'cancel',
      expected: { status: request.status, version: request.version },
      actor: click.userId,
      at: now,
      changes: { closedAt: now, canceledBy: click.userId, cancelReason: reason || null },
      details: { linkDeactivated, reason: reason || null, ...delegationDetails(clicker) },
    },
    [{ type: 'canceled', by: click.userId, linkDeactivated, reason: reason || null }],
  );
  if (!moved.ok)
    return refuse('conflict', `${request.reference} changed a moment ago; look at the card and try again.`);
  return { ok: true };
}
