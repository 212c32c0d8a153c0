import Stripe from 'stripe';
import type { ChargeRequest } from '../domain/charge-request.js';
import { type Refusal, refuse } from '../errors.js';

export interface CreatedLink {
  readonly id: string;
  readonly url: string;
  /** Stripe answered with the link it had already made for this key (Idempotent-Replayed). */
  readonly replayed: boolean;
}

/**
 * What a Stripe failure means for us: `unavailable` (retry later) or `service_refused` (a person must
 * fix it), and what it says about the idempotency key it was made under.
 */
export type StripeFailure = Refusal<'unavailable' | 'service_refused'> & {
  /**
   * Stripe replayed the answer it stored for this key (`Idempotent-Replayed: true`): the request
   * under this key has finished, and the same key will only ever get this failure again.
   */
  readonly replayed: boolean;
  /** Stripe itself answered with a server error (its Request-Id is on it), rather than a proxy or nothing at all. */
  readonly serverError: boolean;
};

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
    countersign_link_attempt: String(request.linkAttempt),
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
  // The SDK takes any JSON answer without an `error` as success, whatever its status: a proxy's
  // 502 `{"message": "Bad gateway"}` would otherwise be recorded as a link without id or URL.
  const status = link.lastResponse?.statusCode;
  if (!isLink(link)) {
    throw new Error(
      `Stripe's answer (HTTP ${status ?? '?'}) was not a payment link; a proxy in front of Stripe may have answered instead`,
    );
  }
  return { id: link.id, url: link.url, replayed: link.lastResponse?.headers?.['idempotent-replayed'] === 'true' };
}

function isLink(link: { id?: unknown; url?: unknown }): link is { id: string; url: string } {
  return typeof link.id === 'string' && link.id.startsWith('plink_') && typeof link.url === 'string';
}

/**
 * The link Stripe made for this request, version and attempt (a new link after a failed payment is
 * the same version's next attempt), found by the metadata every link of ours carries. Payment links cannot be filtered by metadata, so every page is read, newest first (links
 * are made only for approved versions, so this is rare and short in practice).
 *
 * @see https://docs.stripe.com/api/payment-link/list
 */
export async function findPaymentLink(
  stripe: Stripe,
  request: Pick<ChargeRequest, 'id' | 'version' | 'linkAttempt'>,
): Promise<CreatedLink | undefined> {
  // Only active links: one made under the spent key is still active, and the active links are few
  // (LINK_EXPIRES_AFTER deactivates the rest), where the account's whole history only grows.
  for await (const link of stripe.paymentLinks.list({ active: true, limit: 100 })) {
    if (
      link.metadata?.countersign_request_id === request.id &&
      link.metadata.countersign_version === String(request.version) &&
      link.metadata.countersign_link_attempt === String(request.linkAttempt)
    ) {
      return { id: link.id, url: link.url, replayed: true };
    }
  }
  return undefined;
}

/** Deactivates a link so nobody can pay it any more (cancel). Idempotent at Stripe. */
export async function deactivatePaymentLink(stripe: Stripe, linkId: string): Promise<void> {
  await stripe.paymentLinks.update(linkId, { active: false });
}

/** Stripe's "No such …" (404 resource_missing): the object does not exist for this key. */
export function isResourceMissing(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';
}

/** Plain words for a Stripe error, whether waiting can fix it, and what it says about its key. */
export function classifyStripeError(error: unknown): StripeFailure {
  const answer =
    error instanceof Stripe.errors.StripeError
      ? {
          replayed: error.headers?.['idempotent-replayed'] === 'true',
          // Stripe's own answer carries its Request-Id; a 5xx without one came from a proxy or load
          // balancer in front of Stripe, which says nothing about whether our request ran.
          serverError: (error.statusCode ?? 0) >= 500 && Boolean(error.requestId),
        }
      : { replayed: false, serverError: false };
  const failure = (code: StripeFailure['code'], message: string): StripeFailure => ({
    ...refuse(code, message),
    ...answer,
  });
  if (error instanceof Stripe.errors.StripeAuthenticationError) {
    return failure(
      'service_refused',
      'Stripe rejected our API key. An admin must fix STRIPE_SECRET_KEY, then press Retry.',
    );
  }
  if (error instanceof Stripe.errors.StripePermissionError) {
    return failure(
      'service_refused',
      `Our Stripe key is not allowed to change payment links (${error.message}). An admin must grant "Payment Links: write", then press Retry.`,
    );
  }
  if (
    error instanceof Stripe.errors.StripeInvalidRequestError ||
    error instanceof Stripe.errors.StripeIdempotencyError
  ) {
    return failure('service_refused', `Stripe refused the payment link: ${error.message}`);
  }
  if (error instanceof Stripe.errors.StripeError) {
    // 409 (the first request with this key still running) lands here too: waiting is right.
    return failure(
      'unavailable',
      error.statusCode
        ? `Stripe answered ${error.statusCode} (${error.type}): ${error.message}`
        : `Stripe could not be reached: ${error.message}`,
    );
  }
  return failure('unavailable', error instanceof Error ? error.message : String(error));
}
