import Stripe from 'stripe';

export const WEBHOOK_SECRETS = ['whsec_previous_secret_0001', 'whsec_current_secret_0002'];

let counter = 0;

/** A Stripe event envelope as Stripe sends it. */
export function stripeEvent(type: string, object: Record<string, unknown>, id = `evt_${++counter}${Date.now()}`) {
  return {
    id,
    object: 'event',
    api_version: '2026-10-29.clover',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

export function checkoutSession(paymentLink: string, overrides: Record<string, unknown> = {}) {
  return {
    id: `cs_test_${++counter}`,
    object: 'checkout.session',
    mode: 'payment',
    status: 'complete',
    payment_status: 'paid',
    payment_link: paymentLink,
    amount_total: 120000,
    currency: 'usd',
    payment_intent: `pi_${paymentLink}`,
    customer_details: { email: 'pat@acme.test', name: 'Pat Payer' },
    metadata: {},
    created: Math.floor(Date.now() / 1000),
    ...overrides,
  };
}

export function charge(paymentIntent: string, requestId: string, overrides: Record<string, unknown> = {}) {
  return {
    id: `ch_${paymentIntent}`,
    object: 'charge',
    amount: 120000,
    amount_refunded: 0,
    currency: 'usd',
    payment_intent: paymentIntent,
    billing_details: { email: 'pat@acme.test', name: 'Pat Payer' },
    metadata: { countersign_request_id: requestId },
    created: Math.floor(Date.now() / 1000),
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
    headers: { 'content-type': 'application/json', ...(header === null ? {} : { 'stripe-signature': header }) },
    body: payload,
  });
}
