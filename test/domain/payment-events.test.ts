import { describe, expect, test } from '@jest/globals';
import { type PaymentFact, planPaymentSteps } from '../../src/domain/payment-events.js';

const payment = {
  amountMinor: 120000n,
  currency: 'USD',
  payerEmail: 'pat@acme.test',
  payerName: 'Pat',
  paymentIntentId: 'pi_1',
  at: new Date('2026-11-30T10:00:00Z'),
};
const paid: PaymentFact = { kind: 'checkout_completed', paymentStatus: 'paid', payment };
const refunded: PaymentFact = { kind: 'refunded', amountRefundedMinor: 120000n, amountMinor: 120000n, payment };
const actions = (steps: { action: string }[]) => steps.map((s) => s.action);

describe('payments after a link expired', () => {
  test('when a checkout opened before the expiry is paid, then the payment is recorded', () => {
    expect(actions(planPaymentSteps('link_expired', 0n, paid))).toEqual(['record_payment']);
    expect(actions(planPaymentSteps('link_expired', 0n, { kind: 'async_payment_succeeded', payment }))).toEqual([
      'record_payment',
    ]);
    expect(actions(planPaymentSteps('link_expired', 0n, refunded))).toEqual(['record_payment', 'refund_fully']);
  });

  test('when the requester already asked again, then the new version is withdrawn and the payment recorded', () => {
    expect(actions(planPaymentSteps('pending_approval', 0n, paid))).toEqual(['cancel', 'record_payment']);
    expect(actions(planPaymentSteps('pending_approval', 0n, refunded))).toEqual([
      'cancel',
      'record_payment',
      'refund_fully',
    ]);
  });

  test('an expired request (never approved, never linked) takes no payment, and failures change nothing', () => {
    expect(planPaymentSteps('expired', 0n, paid)).toEqual([]);
    expect(planPaymentSteps('link_expired', 0n, { kind: 'async_payment_failed', payment })).toEqual([]);
    expect(planPaymentSteps('link_expired', 0n, { ...paid, paymentStatus: 'unpaid' } as PaymentFact)).toEqual([]);
  });
});
