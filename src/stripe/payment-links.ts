import Stripe from 'stripe';
import type { ChargeRequest } from '../domain/charge-request.js';
import { type Refusal, refuse } from '../errors.js';

export interface CreatedLink {
  readonly id: string;
  readonly url: string;
  /** Stripe answered with the link it had already made for this key (Idempotent-Replayed). */
  readonly replayed: boolean;
}

/** What a Stripe failure means for us: `unavailable` (retry later) or `service_refused` (a person must fix it). */
export type StripeFailure = Refusal<'unavailable' | 'service_refused'>;

/**
 * Same request, same version, same attempt → same key, so Stripe returns the link it already made
 * (double clicks, two instances, a retry after a crash). A retry after a *permanent* failure bumps
 * the attempt: Stripe replays a stored error for a reused key.
 *
 * @see https://docs.stripe.com/api/idempotent_requests
 */
export function paymentLinkIdempotencyKey(request: Pick<ChargeRequest, 'id' | 'version' | 'linkAttempt'>): string {
  return `countersign-link-${request.id}-v${request.version}-a${request.linkAttempt}`;
}

/**
 * A payment link for exactly the approved version: inline price_data in the request's currency, one
 * completed checkout at most, and metadata that maps every later webhook back to the request.
 */
export async function createPaymentLink(stripe: Stripe, request: ChargeRequest): Promise<CreatedLink> {
  const metadata = {
    countersign_request_id: request.id,
    countersign_reference: request.reference,
    countersign_version: String(request.version),
  };
  const link = await stripe.paymentLinks.create(
    {
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: request.currency.toLowerCase(),
            // Exact: a Stripe Decimal built from the bigint, never a JavaScript number.
            unit_amount_decimal: Stripe.Decimal.from(request.amountMinor),
            product_data: {
              name: `${request.reference}: ${request.description || `Charge for ${request.customerName}`}`.slice(
                0,
                250,
              ),
            },
          },
        },
      ],
      metadata,
      payment_intent_data: { metadata },
      restrictions: { completed_sessions: { limit: 1 } },
    },
    { idempotencyKey: paymentLinkIdempotencyKey(request) },
  );
  return { id: link.id, url: link.url, replayed: link.lastResponse?.headers?.['idempotent-replayed'] === 'true' };
}

/** Deactivates a link so nobody can pay it any more (cancel). Idempotent at Stripe. */
export async function deactivatePaymentLink(stripe: Stripe, linkId: string): Promise<void> {
  await stripe.paymentLinks.update(linkId, { active: false });
}

/** Plain words for a Stripe error, and whether waiting can fix it. */
export function classifyStripeError(error: unknown): StripeFailure {
  if (error instanceof Stripe.errors.StripeAuthenticationError) {
    return refuse(
      'service_refused',
      'Stripe rejected our API key. An admin must fix STRIPE_SECRET_KEY, then press Retry.',
    );
  }
  if (error instanceof Stripe.errors.StripePermissionError) {
    return refuse(
      'service_refused',
      `Our Stripe key is not allowed to create payment links (${error.message}). An admin must grant "Payment Links: write", then press Retry.`,
    );
  }
  if (
    error instanceof Stripe.errors.StripeInvalidRequestError ||
    error instanceof Stripe.errors.StripeIdempotencyError
  ) {
    return refuse('service_refused', `Stripe refused the payment link: ${error.message}`);
  }
  if (error instanceof Stripe.errors.StripeError) {
    return refuse('unavailable', `Stripe is not answering right now (${error.type}).`);
  }
  return refuse('unavailable', error instanceof Error ? error.message : String(error));
}
