import Stripe from 'stripe';
import { type Result, refuse } from '../errors.js';
import { isStripeEvent, translateStripeEvent } from './events.js';

/** Stripe's default tolerance: a signature older than five minutes is stale. */
const TOLERANCE_SECONDS = 300;

/**
 * Whether `Stripe-Signature` verifies the raw body with one of the configured secrets (several while
 * rotating). The raw body is what was signed, so nothing may parse it first.
 *
 * @see https://docs.stripe.com/webhooks#verify-webhook-signatures-with-official-libraries
 */
export function verifyStripeSignature(rawBody: Buffer, signature: string, secrets: readonly string[]): boolean {
  return secrets.some((secret) => {
    try {
      return Stripe.webhooks.signature?.verifyHeader(rawBody, signature, secret, TOLERANCE_SECONDS) === true;
    } catch {
      return false;
    }
  });
}

/**
 * A verified body as a Stripe event, or why it is not one: JSON, the envelope (id, type, created,
 * data.object), and for the types Countersign acts on, an object it can read. Stripe never sends
 * anything else, so anything else gets a 400 at the door instead of a dead event later.
 */
export function readStripeEvent(rawBody: Buffer): Result<{ event: Stripe.Event }, 'invalid_event'> {
  let value: unknown;
  try {
    value = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return refuse('invalid_event', 'The body is signed but is not JSON.');
  }
  if (!isStripeEvent(value)) {
    return refuse('invalid_event', 'The body is signed but is not a Stripe event (id, type, created, data.object).');
  }
  try {
    translateStripeEvent(value);
  } catch {
    return refuse('invalid_event', `The body is signed but its ${value.type} object lacks fields Stripe always sends.`);
  }
  return { ok: true, event: value };
}
