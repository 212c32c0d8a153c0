import type { ChargeAction, ChargeStatus } from './charge-status.js';

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

const PAYABLE: readonly ChargeStatus[] = [
  'link_created',
  'payment_processing',
  'payment_failed',
  'canceled',
  'link_expired',
];

/**
 * Money that arrived is recorded. A request can be waiting for approval and still be paid: its link
 * expired, the requester asked again, and the customer completed a checkout opened before the
 * expiry. Then the new version is withdrawn (cancel) and the payment recorded on the request.
 */
function recordPayment(status: ChargeStatus): PlannedStep[] {
  if (status === 'pending_approval') return [{ action: 'cancel' }, { action: 'record_payment' }];
  return PAYABLE.includes(status) ? [{ action: 'record_payment' }] : [];
}

/** Statuses in which a payment arrives after its link expired (flagged `paid_after_expiry`). */
export const AFTER_LINK_EXPIRY: readonly ChargeStatus[] = ['link_expired', 'pending_approval'];

/**
 * The transitions a fact implies from the request's current status. Pure, and written so that any
 * order of delivery ends in the same state: a fact that is already reflected, or overtaken by a
 * later one, plans nothing. A refund seen before its payment first records the payment, since a
 * refunded charge was, by definition, paid.
 */
export function planPaymentSteps(status: ChargeStatus, refundedMinor: bigint, fact: PaymentFact): PlannedStep[] {
  switch (fact.kind) {
    case 'checkout_completed':
      if (fact.paymentStatus === 'unpaid') return status === 'link_created' ? [{ action: 'start_async_payment' }] : [];
      return recordPayment(status);
    case 'async_payment_succeeded':
      return recordPayment(status);
    case 'async_payment_failed':
      return status === 'link_created' || status === 'payment_processing' ? [{ action: 'fail_payment' }] : [];
    case 'refunded': {
      const full = fact.amountRefundedMinor >= fact.amountMinor;
      const refund: PlannedStep = { action: full ? 'refund_fully' : 'refund_partially' };
      if (status === 'paid') return [refund];
      const record = recordPayment(status);
      if (record.length > 0) return [...record, refund];
      // An older, smaller partial refund arriving late changes nothing.
      if (status === 'partially_refunded' && fact.amountRefundedMinor > refundedMinor) return [refund];
      return [];
    }
    case 'disputed':
      return [];
  }
}
