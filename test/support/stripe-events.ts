import Stripe from 'stripe';
import { stripeFixture } from './fake-stripe.js';

export const WEBHOOK_SECRETS = ['whsec_previous_secret_0001', 'whsec_current_secret_0002'];

let counter = 0;
const now = () => Math.floor(Date.now() / 1000);

/**
 * A Stripe event envelope as Stripe sends it, around an object built on Stripe's example objects
 * (test/fixtures/vendor/stripe/fixtures3.json), so handlers see every field Stripe sends.
 *
 * @see https://docs.stripe.com/api/events/object
 */
export function stripeEvent(type: string, object: Record<string, unknown>, id = `evt_${++counter}${Date.now()}`) {
  return {
    ...stripeFixture('event'),
    id,
    object: 'event',
    // The version stripe@23.1.0 pins: webhook endpoints created with it receive events in this shape.
    api_version: Stripe.API_VERSION,
    created: now(),
    livemode: false,
    pending_webhooks: 1,
    // Events a customer causes (paying, disputing) come from no API request of ours.
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

/** A completed Checkout Session of a payment link (Stripe's example session, paid by default). */
export function checkoutSession(paymentLink: string, overrides: Record<string, unknown> = {}) {
  const fixture = stripeFixture('checkout.session');
  const id = `cs_test_${++counter}${Math.random().toString(36).slice(2, 10)}`;
  return {
    ...fixture,
    id,
    object: 'checkout.session',
    mode: 'payment',
    status: 'complete',
    payment_status: 'paid',
    payment_link: paymentLink,
    amount_subtotal: 120000,
    amount_total: 120000,
    currency: 'usd',
    payment_intent: `pi_${paymentLink}`,
    customer_details: {
      ...(fixture.customer_details as Record<string, unknown>),
      email: 'pat@acme.test',
      name: 'Pat Payer',
    },
    metadata: {},
    created: now(),
    expires_at: now() + 24 * 3600,
    url: null,
    ...overrides,
  };
}

/**
 * A charge of a payment intent, with our request id in its metadata. Captured and paid; `refunded`
 * follows `amount_refunded` unless overridden, as Stripe sets it.
 */
export function charge(paymentIntent: string, requestId: string, overrides: Record<string, unknown> = {}) {
  const fixture = stripeFixture('charge');
  const amount = typeof overrides.amount === 'number' ? overrides.amount : 120000;
  const refundedAmount = typeof overrides.amount_refunded === 'number' ? overrides.amount_refunded : 0;
  return {
    ...fixture,
    id: `ch_${paymentIntent}`,
    object: 'charge',
    amount,
    amount_captured: amount,
    amount_refunded: refundedAmount,
    captured: true,
    paid: true,
    refunded: refundedAmount >= amount,
    status: 'succeeded',
    currency: 'usd',
    payment_intent: paymentIntent,
    billing_details: {
      ...(fixture.billing_details as Record<string, unknown>),
      email: 'pat@acme.test',
      name: 'Pat Payer',
    },
    metadata: { countersign_request_id: requestId },
    created: now(),
    ...overrides,
  };
}

/** A dispute opened on a payment intent's charge (Stripe's example dispute). */
export function dispute(paymentIntent: string, overrides: Record<string, unknown> = {}) {
  return {
    ...stripeFixture('dispute'),
    id: `dp_${++counter}${Math.random().toString(36).slice(2, 10)}`,
    object: 'dispute',
    amount: 120000,
    currency: 'usd',
    charge: `ch_${paymentIntent}`,
    payment_intent: paymentIntent,
    reason: 'fraudulent',
    status: 'needs_response',
    metadata: {},
    created: now(),
    ...overrides,
  };
}

/** POSTs an event to /stripe/webhook signed as Stripe signs it (or with the header given). */
export async function postStripeEvent(
  base: string,
  event: unknown,
  options: { secret?: string; timestamp?: number; signature?: string | null } = {},
): Promise<Response> {
  const payload = JSON.stringify(event);
  const header =
    options.signature === undefined
      ? Stripe.webhooks.generateTestHeaderString({
          payload,
          secret: options.secret ?? WEBHOOK_SECRETS[1] ?? '',
          timestamp: options.timestamp,
        })
      : options.signature;
  return fetch(`${base}/stripe/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      ...(header === null ? {} : { 'stripe-signature': header }),
    },
    body: payload,
  });
}
