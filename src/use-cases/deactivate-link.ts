import type { OutboxItem } from '../outbox/items.js';
import type { DeliveryOutcome } from '../outbox/worker.js';
import { appendAudit } from '../persistence/audit.js';
import { findChargeRequest } from '../persistence/charge-requests.js';
import { classifyStripeError } from '../stripe/payment-links.js';
import type { UseCaseDeps } from './deps.js';

/**
 * Deactivates a payment link nobody may pay any more (one made while its request was canceled or
 * paid, or the current link of a request paid through an older one), as an outbox item: retried
 * with backoff while Stripe is unreachable; a refusal (a key without the permission) is kept dead,
 * which tells the admins and lets them retry it from `/charges ops` once it is fixed. Done, it is
 * on the request's audit trail.
 */
export async function deactivateLink(
  deps: Pick<UseCaseDeps, 'db' | 'stripe' | 'logger' | 'clock'>,
  item: Extract<OutboxItem, { kind: 'deactivate_link' }>,
): Promise<DeliveryOutcome> {
  if (!deps.stripe) {
    return { ok: false, retry: false, error: 'Stripe is not configured (STRIPE_SECRET_KEY): the link stays active' };
  }
  try {
    await deps.stripe.deactivatePaymentLink(item.paymentLinkId);
  } catch (error) {
    const failure = classifyStripeError(error);
    deps.logger.warn(
      { err: error, requestId: item.requestId, paymentLinkId: item.paymentLinkId },
      'could not deactivate a payment link',
    );
    return { ok: false, retry: failure.code === 'unavailable', error: failure.message };
  }
  const request = await findChargeRequest(deps.db, item.requestId);
  if (request) {
    await appendAudit(deps.db, {
      chargeRequestId: request.id,
      actor: 'system',
      action: 'deactivate_link',
      at: deps.clock.now(),
      fromStatus: request.status,
      toStatus: request.status,
      version: request.version,
      details: { paymentLinkId: item.paymentLinkId, reason: item.reason },
    });
  }
  deps.logger.info({ requestId: item.requestId, paymentLinkId: item.paymentLinkId }, 'payment link deactivated');
  return { ok: true };
}
