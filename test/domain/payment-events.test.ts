import { describe, expect, test } from '@jest/globals';
import { type ChargeStatus, checkTransition } from '../../src/domain/charge-status.js';
import type { ChargeFlag } from '../../src/domain/flags.js';
import {
  extraPaymentUpdate,
  isOtherPayment,
  type PaymentFact,
  planPaymentSteps,
} from '../../src/domain/payment-events.js';

const payment = {
  amountMinor: 120000n,
  currency: 'USD',
  payerEmail: 'pat@acme.test',
  payerName: 'Pat',
  paymentIntentId: 'pi_1',
  at: new Date('2026-11-01T10:00:00Z'),
};

const FACTS = {
  paid: { kind: 'checkout_completed', paymentStatus: 'paid', payment },
  started: { kind: 'checkout_completed', paymentStatus: 'unpaid', payment },
  cleared: { kind: 'async_payment_succeeded', payment },
  bounced: { kind: 'async_payment_failed', payment },
  partial: { kind: 'refunded', amountRefundedMinor: 20000n, amountMinor: 120000n, payment },
  full: { kind: 'refunded', amountRefundedMinor: 120000n, amountMinor: 120000n, payment },
  disputed: { kind: 'disputed', reason: 'fraudulent', paymentIntentId: 'pi_1' },
} satisfies Record<string, PaymentFact>;

type FactName = keyof typeof FACTS;

/** Applies facts as the use case does: each planned step must be a legal move, and refunds record their total. */
function run(names: readonly FactName[], from: ChargeStatus = 'link_created') {
  let status = from;
  let refundedMinor = 0n;
  for (const name of names) {
    const fact = FACTS[name];
    for (const step of planPaymentSteps(status, refundedMinor, fact)) {
      const move = checkTransition(status, step.action);
      if (!move.ok) throw new Error(`${name}: planned an illegal move: ${move.message}`);
      status = move.to;
      if (fact.kind === 'refunded' && step.action !== 'record_payment') refundedMinor = fact.amountRefundedMinor;
    }
  }
  return { status, refundedMinor };
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('planPaymentSteps', () => {
  const orders = (names: FactName[]) => permutations(names).map((order) => order.join(' '));
  const parse = (order: string) => order.split(' ') as FactName[];

  test.each(orders(['paid', 'partial', 'full', 'disputed']))(
    'paid, partial refund, full refund and dispute in the order "%s" end fully refunded',
    (order) => {
      expect(run(parse(order))).toEqual({ status: 'refunded', refundedMinor: 120000n });
    },
  );

  test.each(orders(['started', 'cleared', 'partial']))(
    'an asynchronous payment that clears and is partly refunded ends partially refunded in any order ("%s")',
    (order) => {
      expect(run(parse(order))).toEqual({ status: 'partially_refunded', refundedMinor: 20000n });
    },
  );

  test('every fact delivered twice changes nothing the second time', () => {
    const once = run(['started', 'cleared', 'partial', 'disputed']);
    const twice = run(['started', 'started', 'cleared', 'cleared', 'partial', 'partial', 'disputed', 'disputed']);
    expect(twice).toEqual(once);
  });

  test('an asynchronous payment that fails ends failed whichever arrives first; a later success still records it', () => {
    expect(run(['started', 'bounced']).status).toBe('payment_failed');
    expect(run(['bounced', 'started']).status).toBe('payment_failed');
    expect(run(['started', 'bounced', 'cleared']).status).toBe('paid');
  });

  test('a late, smaller partial refund after a larger one plans nothing', () => {
    expect(run(['paid', 'full', 'partial'])).toEqual({ status: 'refunded', refundedMinor: 120000n });
    const afterLarger = run(['paid', 'partial']);
    expect(planPaymentSteps('partially_refunded', 50000n, FACTS.partial)).toEqual([]);
    expect(afterLarger.status).toBe('partially_refunded');
  });

  test('a payment arriving after cancellation is still recorded (money that arrived is on the record)', () => {
    expect(run(['paid'], 'canceled').status).toBe('paid');
  });

  test('no fact moves a request that never had a link (approved, rejected, expired undecided)', () => {
    for (const from of ['approved', 'rejected', 'expired'] as const) {
      for (const fact of Object.values(FACTS)) expect(planPaymentSteps(from, 0n, fact)).toEqual([]);
    }
  });

  test('a dispute alone plans no status move (it is recorded beside the status)', () => {
    expect(planPaymentSteps('paid', 0n, FACTS.disputed)).toEqual([]);
  });
});

const paid: PaymentFact = FACTS.paid;
const refunded: PaymentFact = FACTS.full;
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
    // Waiting for approval, approved while its link is being made, or its link failed: all withdrawn.
    for (const status of ['pending_approval', 'approved', 'link_failed'] as const) {
      expect(actions(planPaymentSteps(status, 0n, paid, true))).toEqual(['cancel', 'record_payment']);
    }
    expect(actions(planPaymentSteps('pending_approval', 0n, refunded, true))).toEqual([
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

describe('a payment other than the recorded one', () => {
  const other = { ...payment, paymentIntentId: 'pi_2', amountMinor: 90000n };
  const OTHER = {
    paid: { kind: 'checkout_completed', paymentStatus: 'paid', payment: other },
    started: { kind: 'checkout_completed', paymentStatus: 'unpaid', payment: other },
    partial: { kind: 'refunded', amountRefundedMinor: 30000n, amountMinor: 90000n, payment: other },
    full: { kind: 'refunded', amountRefundedMinor: 90000n, amountMinor: 90000n, payment: other },
    disputed: { kind: 'disputed', reason: 'duplicate', paymentIntentId: 'pi_2' },
  } satisfies Record<string, PaymentFact>;
  type OtherName = keyof typeof OTHER;

  const flagsAfter = (names: readonly OtherName[]) =>
    names.reduce<ChargeFlag[]>((flags, name) => extraPaymentUpdate(flags, OTHER[name])?.flags ?? flags, []);

  test('only a paid request with another payment intent recorded has one', () => {
    expect(isOtherPayment({ status: 'paid', paymentIntentId: 'pi_1' }, OTHER.paid)).toBe(true);
    expect(isOtherPayment({ status: 'refunded', paymentIntentId: 'pi_1' }, OTHER.disputed)).toBe(true);
    expect(isOtherPayment({ status: 'paid', paymentIntentId: 'pi_1' }, FACTS.paid)).toBe(false);
    expect(isOtherPayment({ status: 'payment_processing', paymentIntentId: 'pi_1' }, OTHER.paid)).toBe(false);
    expect(isOtherPayment({ status: 'paid', paymentIntentId: null }, OTHER.paid)).toBe(false);
  });

  test.each(permutations(['paid', 'partial', 'full', 'disputed'] as OtherName[]).map((o) => o.join(' ')))(
    'its payment, refunds and dispute in the order "%s" end in one flag holding all of it',
    (order) => {
      expect(flagsAfter(order.split(' ') as OtherName[])).toEqual([
        {
          code: 'extra_payment',
          facts: {
            payment_intent: 'pi_2',
            amount_minor: '90000',
            currency: 'USD',
            refunded_minor: '90000',
            dispute_reason: 'duplicate',
          },
        },
      ]);
    },
  );

  test('a fact delivered twice, a payment still in progress and an older refund add nothing', () => {
    const once = flagsAfter(['paid']);
    expect(extraPaymentUpdate(once, OTHER.paid)).toBeUndefined();
    expect(extraPaymentUpdate([], OTHER.started)).toBeUndefined();
    expect(extraPaymentUpdate(flagsAfter(['full']), OTHER.partial)).toBeUndefined();
  });

  test('other flags are kept, and each payment intent has its own flag', () => {
    const kept: ChargeFlag = { code: 'paid_after_expiry' };
    const third: PaymentFact = {
      kind: 'checkout_completed',
      paymentStatus: 'paid',
      payment: { ...other, paymentIntentId: 'pi_3' },
    };
    const after = extraPaymentUpdate(extraPaymentUpdate([kept], OTHER.paid)?.flags ?? [], third)?.flags;
    expect(after?.map((f) => [f.code, f.facts?.payment_intent])).toEqual([
      ['paid_after_expiry', undefined],
      ['extra_payment', 'pi_2'],
      ['extra_payment', 'pi_3'],
    ]);
  });
});
