import Stripe from 'stripe';

/** Stripe's default tolerance: a signature older than five minutes is stale. */
const TOLERANCE_SECONDS = 300;

/**
 * Verifies `Stripe-Signature` against each configured secret (several while rotating) and returns
 * the event, or undefined. The raw body is what was signed, so nothing may parse it first.
 *
 * @see https://docs.stripe.com/webhooks#verify-webhook-signatures-with-official-libraries
 */
export function verifyStripeEvent(rawBody: Buffer, signature: string, secrets: readonly string[]): unknown {
  for (const secret of secrets) {
    try {
      return Stripe.webhooks.constructEvent(rawBody, signature, secret, TOLERANCE_SECONDS);
    } catch {
      // try the next secret
    }
  }
  return undefined;
}
