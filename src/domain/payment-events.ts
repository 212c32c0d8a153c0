import {
  type ChargeAction,
  type ChargeStatus,
  NEW_VERSION_WITHOUT_LINK,
  RECEIVED_STATUSES,
  TRANSITIONS,
} from './charge-status.js';
import type { ChargeFlag } from './flags.js';

/**
 * What a Stripe event tells us, reduced to the facts that matter here. Produced from webhooks and
 * from reconciliation alike, so both apply the same rules.
 */
export type PaymentFact =
  | {
      kind: 'checkout_completed';
      paymentStatus: 'paid' | 'unpaid' | 'no_payment_required';
      payment: PaymentDetails;
    }
  | { kind: 'async_payment_succeeded'; payment: PaymentDetails }
  | { kind: 'async_payment_failed'; payment: PaymentDetails }
  | { kind: 'refunded'; amountRefundedMinor: bigint; amountMinor: bigint; payment: PaymentDetails }
  | { kind: 'disputed'; reason: string; paymentIntentId: string | null };

export interface PaymentDetails {
  readonly amountMinor: bigint | null;
  /** ISO code, upper case. */
  readonly currency: string | null;
  readonly payerEmail: string | null;
  readonly payerName: string | null;
  readonly paymentIntentId: string | null;
  readonly at: Date;
}

export interface PlannedStep {
  readonly action: ChargeAction;
}

/** Where a payment is recorded straight away (see TRANSITIONS.record_payment). */
const PAYABLE: readonly ChargeStatus[] = TRANSITIONS.record_payment.from;

/**
 * Money that arrived is recorded, whatever became of the request meanwhile. (A request that never
 * had a link cannot have been paid: nothing is planned for it.)
 */
function recordPayment(status: ChargeStatus, hadLink: boolean): PlannedStep[] {
  if (NEW_VERSION_WITHOUT_LINK.includes(status)) {
    return hadLink ? [{ action: 'cancel' }, { action: 'record_payment' }] : [];
  }
  return PAYABLE.includes(status) ? [{ action: 'record_payment' }] : [];
}

/**
 * The transitions a fact implies from the request's current status. Pure, and written so that any
 * order of delivery ends in the same state: a fact that is already reflected, or overtaken by a
 * later one, plans nothing. A refund seen before its payment first records the payment, since a
 * refunded charge was, by definition, paid.
 */
export function planPaymentSteps(
  status: ChargeStatus,
  refundedMinor: bigint,
  fact: PaymentFact,
  /** The request has (or had, before Request again) a payment link. */
  hadLink = false,
): PlannedStep[] {
  switch (fact.kind) {
    case 'checkout_completed':
      if (fact.paymentStatus === 'unpaid') return status === 'link_created' ? [{ action: 'start_async_payment' }] : [];
      return recordPayment(status, hadLink);
    case 'async_payment_succeeded':
      return recordPayment(status, hadLink);
    case 'async_payment_failed':
      return status === 'link_created' || status === 'payment_processing' ? [{ action: 'fail_payment' }] : [];
    case 'refunded': {
      const full = fact.amountRefundedMinor >= fact.amountMinor;
      const refund: PlannedStep = { action: full ? 'refund_fully' : 'refund_partially' };
      if (status === 'paid') return [refund];
      const record = recordPayment(status, hadLink);
      if (record.length > 0) return [...record, refund];
      // An older, smaller partial refund arriving late changes nothing.
      if (status === 'partially_refunded' && fact.amountRefundedMinor > refundedMinor) return [refund];
      return [];
    }
    case 'disputed':
      return [];
  }
}

/** The payment intent a fact is about, when Stripe named one. */
export function intentOf(fact: PaymentFact): string | null {
  return fact.kind === 'disputed' ? fact.paymentIntentId : fact.payment.paymentIntentId;
}

/**
 * Whether a fact is about a payment other than the one recorded on the request: a second payment
 * (an older link and the current one both paid, or a checkout opened twice), its refund or its
 * dispute. Such facts never move the request; they are kept beside it (`extra_payment`).
 */
export function isOtherPayment(
  request: { status: ChargeStatus; paymentIntentId: string | null },
  fact: PaymentFact,
): boolean {
  const intent = intentOf(fact);
  return (
    intent !== null &&
    request.paymentIntentId !== null &&
    intent !== request.paymentIntentId &&
    RECEIVED_STATUSES.includes(request.status)
  );
}

/** What happened to a payment beyond the recorded one, as told in the thread. */
export type ExtraPaymentEvent = 'received' | 'refunded' | 'disputed';

/**
 * The request's flags after a fact about another payment: one `extra_payment` flag per payment
 * intent, holding what is known of it (amount, refunded, disputed). Undefined when the fact adds
 * nothing (delivered twice, an older refund, a payment still in progress), so any order of
 * delivery ends with the same flag.
 */
export function extraPaymentUpdate(
  flags: readonly ChargeFlag[],
  fact: PaymentFact,
): { flags: ChargeFlag[]; event: ExtraPaymentEvent; flag: ChargeFlag } | undefined {
  const intent = intentOf(fact);
  if (intent === null) return undefined;
  const index = flags.findIndex((f) => f.code === 'extra_payment' && f.facts?.payment_intent === intent);
  const known = flags[index]?.facts ?? { payment_intent: intent };
  const facts: Record<string, string | number | boolean> = { ...known };
  let event: ExtraPaymentEvent | undefined;
  switch (fact.kind) {
    case 'checkout_completed':
    case 'async_payment_succeeded':
      if (fact.kind === 'checkout_completed' && fact.paymentStatus === 'unpaid') return undefined;
      if (index < 0) event = 'received';
      break;
    case 'refunded': {
      const before = typeof known.refunded_minor === 'string' ? BigInt(known.refunded_minor) : 0n;
      if (fact.amountRefundedMinor > before) {
        facts.refunded_minor = fact.amountRefundedMinor.toString();
        event = index < 0 ? 'received' : 'refunded';
      }
      break;
    }
    case 'disputed':
      if (known.dispute_reason === undefined) {
        facts.dispute_reason = fact.reason;
        event = index < 0 ? 'received' : 'disputed';
      }
      break;
    case 'async_payment_failed':
      return undefined;
  }
  if (!event) return undefined;
  if (fact.kind !== 'disputed') {
    facts.amount_minor ??= fact.payment.amountMinor?.toString() ?? '';
    facts.currency ??= fact.payment.currency ?? '';
  }
  const flag: ChargeFlag = { code: 'extra_payment', facts };
  const next = [...flags];
  if (index < 0) next.push(flag);
  else next[index] = flag;
  return { flags: next, event, flag };
}
