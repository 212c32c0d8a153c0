import type Stripe from 'stripe';
import type { PaymentDetails, PaymentFact } from '../domain/payment-events.js';
import type { InboxEvent } from '../persistence/stripe-events.js';

/** How to find our request for an event: the payment link, the payment intent, or our metadata. */
export interface RequestLocator {
  readonly paymentLinkId: string | null;
  readonly paymentIntentId: string | null;
  readonly requestId: string | null;
}

export interface TranslatedEvent {
  readonly fact: PaymentFact;
  readonly locator: RequestLocator;
}

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  typeof value === 'string' ? value : (value?.id ?? null);

const upper = (currency: string | null | undefined) => (currency ? currency.toUpperCase() : null);

/** Stripe sends integer minor units; they become bigint at the edge, before any arithmetic. */
const minor = (amount: number | null | undefined) => (typeof amount === 'number' ? BigInt(amount) : null);

function sessionPayment(session: Stripe.Checkout.Session, created: number): PaymentDetails {
  return {
    amountMinor: minor(session.amount_total),
    currency: upper(session.currency),
    payerEmail: session.customer_details?.email ?? null,
    payerName: session.customer_details?.name ?? null,
    paymentIntentId: idOf(session.payment_intent),
    at: new Date(created * 1000),
  };
}

export function sessionLocator(session: Stripe.Checkout.Session): RequestLocator {
  return {
    paymentLinkId: idOf(session.payment_link),
    paymentIntentId: idOf(session.payment_intent),
    requestId: session.metadata?.countersign_request_id ?? null,
  };
}

const KNOWN_PAYMENT_STATUSES = ['paid', 'unpaid', 'no_payment_required'] as const;

/** A completed checkout session, from a webhook or from reconciliation's list of sessions. */
export function translateCompletedSession(
  session: Stripe.Checkout.Session,
  created: number,
): TranslatedEvent | undefined {
  // A payment status this code does not know is not guessed at: the event is left alone.
  const paymentStatus = KNOWN_PAYMENT_STATUSES.find((s) => s === session.payment_status);
  if (!paymentStatus) return undefined;
  return {
    fact: { kind: 'checkout_completed', paymentStatus, payment: sessionPayment(session, created) },
    locator: sessionLocator(session),
  };
}

/**
 * Whether a verified body has the shape of an event: an id, a type, a time and a data object. Stripe signs
 * what it sends, so anything else is refused at the door (400) rather than stored.
 */
export function isStripeEvent(value: unknown): value is Stripe.Event {
  const event = value as { id?: unknown; type?: unknown; created?: unknown; data?: { object?: unknown } } | null;
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof event.id === 'string' &&
    event.id.length > 0 &&
    event.id.length <= 255 &&
    typeof event.type === 'string' &&
    event.type.length > 0 &&
    typeof event.created === 'number' &&
    typeof event.data?.object === 'object' &&
    event.data.object !== null
  );
}

/** The events Countersign acts on; every other type (or shape) is acknowledged and ignored. */
export function translateStripeEvent(value: unknown): TranslatedEvent | undefined {
  if (!isStripeEvent(value)) return undefined;
  const event = value;
  switch (event.type) {
    case 'checkout.session.completed':
      return translateCompletedSession(event.data.object, event.created);
    case 'checkout.session.async_payment_succeeded':
      return {
        fact: { kind: 'async_payment_succeeded', payment: sessionPayment(event.data.object, event.created) },
        locator: sessionLocator(event.data.object),
      };
    case 'checkout.session.async_payment_failed':
      return {
        fact: { kind: 'async_payment_failed', payment: sessionPayment(event.data.object, event.created) },
        locator: sessionLocator(event.data.object),
      };
    case 'charge.refunded': {
      const charge = event.data.object;
      return {
        fact: {
          kind: 'refunded',
          amountRefundedMinor: BigInt(charge.amount_refunded),
          amountMinor: BigInt(charge.amount),
          payment: {
            amountMinor: BigInt(charge.amount),
            currency: upper(charge.currency),
            payerEmail: charge.billing_details?.email ?? null,
            payerName: charge.billing_details?.name ?? null,
            paymentIntentId: idOf(charge.payment_intent),
            at: new Date(charge.created * 1000),
          },
        },
        locator: {
          paymentLinkId: null,
          paymentIntentId: idOf(charge.payment_intent),
          requestId: charge.metadata?.countersign_request_id ?? null,
        },
      };
    }
    case 'charge.dispute.created': {
      const dispute = event.data.object;
      return {
        fact: { kind: 'disputed', reason: dispute.reason, paymentIntentId: idOf(dispute.payment_intent) },
        locator: {
          paymentLinkId: null,
          paymentIntentId: idOf(dispute.payment_intent),
          requestId: dispute.metadata?.countersign_request_id ?? null,
        },
      };
    }
    default:
      return undefined;
  }
}

/**
 * A completed checkout session found by reconciliation, as the `checkout.session.completed` event
 * Stripe would have sent, so the inbox applies it the same way. The payment status is part of the
 * id: "unpaid" (an asynchronous payment started) and later "paid" are two facts.
 */
export function completedSessionEvent(session: Stripe.Checkout.Session): InboxEvent {
  const id = `reconcile:${session.id}:${session.payment_status}`;
  const type = 'checkout.session.completed';
  return {
    id,
    type,
    payload: JSON.stringify({ id, object: 'event', type, created: session.created, data: { object: session } }),
  };
}
