import { checkTransition, describeStatus } from '../domain/charge-status.js';
import { refuse } from '../errors.js';
import type { ActionResult, UseCaseDeps } from './deps.js';
import { type ChangeClick, checkChange } from './edit-charge.js';
import { transitionWithUpdates } from './transition-with-updates.js';

/**
 * Cancel before payment: the requester or an approver. An existing payment link is deactivated at
 * Stripe first: if that fails, nothing changes, because a canceled request with a live link could
 * still be paid.
 */
export async function cancelCharge(deps: UseCaseDeps, click: ChangeClick): Promise<ActionResult> {
  const checked = await checkChange(deps, click);
  if (!checked.ok) return checked;
  const { request } = checked;
  if (!checkTransition(request.status, 'cancel').ok) {
    return refuse(
      'wrong_state',
      `${request.reference} is ${describeStatus(request.status)} and can no longer be canceled.`,
    );
  }
  let linkDeactivated = false;
  if (request.paymentLinkId) {
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
  const moved = await transitionWithUpdates(
    deps.db,
    {
      id: request.id,
      action: 'cancel',
      expected: { status: request.status, version: request.version },
      actor: click.userId,
      changes: { closedAt: deps.clock.now() },
      details: { linkDeactivated },
    },
    [{ type: 'canceled', by: click.userId, linkDeactivated }],
  );
  if (!moved.ok)
    return refuse('conflict', `${request.reference} changed a moment ago; look at the card and try again.`);
  return { ok: true };
}
