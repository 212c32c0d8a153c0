import type { Tx } from '../db/sql.js';
import type { ChargeRequest } from '../domain/charge-request.js';
import {
  AFTER_LINK_EXPIRY,
  type ChargeAction,
  LIVE_LINK_STATUSES,
  NEW_VERSION_WITHOUT_LINK,
} from '../domain/charge-status.js';
import type { ChargeFlag } from '../domain/flags.js';
import { extraPaymentUpdate, isOtherPayment, type PaymentFact, planPaymentSteps } from '../domain/payment-events.js';
import { type AppliedEvent, ApplyAlone } from '../inbox/worker.js';
import type { ThreadNotice } from '../outbox/items.js';
import { appendAudit } from '../persistence/audit.js';
import {
  lockChargeRequestFor,
  markDisputed,
  setFlags,
  type TransitionChanges,
  transitionChargeRequest,
} from '../persistence/charge-requests.js';
import { enqueue, queueCardUpdate } from '../persistence/outbox.js';
import type { ClaimedEvent } from '../persistence/stripe-events.js';
import { translateStripeEvent } from '../stripe/events.js';
import type { StripeGateway } from '../stripe/gateway.js';

export type PaymentOutcome = 'applied' | 'no_change';

/**
 * Applies one payment fact to a request the caller has locked, in its transaction: plan the moves
 * the fact implies from where the request stands (domain/payment-events.ts: any order of delivery
 * ends in the same state), apply each by compare-and-set, and queue the card update and notices.
 */
export async function recordPaymentEvent(
  tx: Tx,
  payment: {
    locked: ChargeRequest;
    eventId: string;
    fact: PaymentFact;
    /** The payment link the event came through, when Stripe names it (checkout sessions do). */
    paymentLinkId?: string | null;
  },
): Promise<PaymentOutcome> {
  const { eventId, fact } = payment;
  if (isOtherPayment(payment.locked, fact)) return recordExtraPayment(tx, payment);
  let current = payment.locked;
  const requestId = current.id;
  const notices: ThreadNotice[] = [];

  if (fact.kind === 'disputed') {
    if (!(await markDisputed(tx, requestId, fact.reason))) return 'no_change';
    await appendAudit(tx, {
      chargeRequestId: requestId,
      actor: 'stripe',
      action: 'dispute',
      fromStatus: current.status,
      toStatus: current.status,
      version: current.version,
      details: { eventId, reason: fact.reason },
    });
    notices.push({ type: 'disputed', reason: fact.reason });
  }

  // A link that may still take a payment, when this payment did not (demonstrably) come through it:
  // it is deactivated once the payment is recorded, so the customer cannot pay twice.
  const staleLink =
    current.paymentLinkId &&
    LIVE_LINK_STATUSES.includes(current.status) &&
    payment.paymentLinkId !== current.paymentLinkId
      ? current.paymentLinkId
      : null;
  // Money that arrives after the link expired (through it, or through an older link than the
  // current one) is recorded all the same, and flagged.
  const expiry = {
    afterExpiry: AFTER_LINK_EXPIRY.includes(current.status) || (staleLink !== null && payment.paymentLinkId != null),
    withdrawn: NEW_VERSION_WITHOUT_LINK.includes(current.status),
  };
  let recorded = false;
  for (const step of planPaymentSteps(current.status, current.refundedMinor, fact, current.paymentLinkId !== null)) {
    const wasCanceled = current.status === 'canceled';
    const moved = await transitionChargeRequest(tx, {
      id: requestId,
      action: step.action,
      expected: { status: current.status, version: current.version },
      actor: 'stripe',
      changes: changesFor(
        step.action,
        fact,
        current,
        expiry.afterExpiry ? { paidThrough: payment.paymentLinkId } : undefined,
      ),
      details: { eventId, fact: fact.kind },
    });
    if (!moved.ok) throw new Error(`payment transition ${step.action} failed under lock: ${moved.message}`);
    current = moved.request;
    recorded ||= step.action === 'record_payment';
    // Withdrawing the new version is told in the payment's notice.
    if (step.action !== 'cancel') {
      notices.push(
        noticeFor(step.action, fact, current, wasCanceled, {
          ...expiry,
          linkDeactivated: recorded && staleLink !== null,
        }),
      );
    }
  }
  if (notices.length === 0) return 'no_change';
  if (recorded && staleLink) {
    await enqueue(tx, [
      { kind: 'deactivate_link', requestId, paymentLinkId: staleLink, reason: 'paid through another link' },
    ]);
  }
  await queueCardUpdate(tx, requestId, ...notices);
  return 'applied';
}

/**
 * A second payment on a paid request (or the refund or dispute of one): the request keeps the payment
 * it recorded; the other is flagged `extra_payment`, audited and told in the thread, so finance can
 * refund it. Nothing is dropped and nothing moves.
 */
async function recordExtraPayment(
  tx: Tx,
  payment: { locked: ChargeRequest; eventId: string; fact: PaymentFact },
): Promise<PaymentOutcome> {
  const { locked, eventId, fact } = payment;
  const update = extraPaymentUpdate(locked.flags, fact);
  if (!update) return 'no_change';
  await setFlags(tx, locked.id, update.flags);
  await appendAudit(tx, {
    chargeRequestId: locked.id,
    actor: 'stripe',
    action: 'extra_payment',
    fromStatus: locked.status,
    toStatus: locked.status,
    version: locked.version,
    details: { eventId, fact: fact.kind, event: update.event, ...update.flag.facts },
  });
  await queueCardUpdate(tx, locked.id, { type: 'extra_payment', facts: update.flag.facts ?? {} });
  return 'applied';
}

/**
 * What the inbox does with a stored Stripe event: translate it into a payment fact (types we do not
 * act on are `ignored`), find our request (links that are not ours are `not_ours`), record it.
 */
export async function applyStripeEvent(
  tx: Tx,
  stripe: StripeGateway | undefined,
  event: ClaimedEvent,
  inBatch = false,
): Promise<AppliedEvent> {
  const translated = translateStripeEvent(event.payload);
  if (!translated) return { outcome: 'ignored', requestId: null };
  const { locator } = translated;
  let locked = await lockChargeRequestFor(tx, locator);
  if (!locked && locator.paymentIntentId && stripe) {
    // Rare (a dispute seen before its payment): the intent carries our metadata from the payment link.
    // Asking Stripe takes a while: never inside a transaction other events share.
    if (inBatch) throw new ApplyAlone(event.id, 'its payment intent must be looked up at Stripe');
    const fromIntent = await stripe.requestIdOfPaymentIntent(locator.paymentIntentId);
    locked = fromIntent
      ? await lockChargeRequestFor(tx, { paymentLinkId: null, paymentIntentId: null, requestId: fromIntent })
      : undefined;
  }
  if (!locked) return { outcome: 'not_ours', requestId: null };
  const outcome = await recordPaymentEvent(tx, {
    locked,
    eventId: event.id,
    fact: translated.fact,
    paymentLinkId: locator.paymentLinkId,
  });
  return { outcome, requestId: locked.id };
}

function changesFor(
  action: ChargeAction,
  fact: PaymentFact,
  request: ChargeRequest,
  /** Set when the payment arrived after its link expired: the link it came through, if Stripe named it. */
  afterExpiry: { paidThrough?: string | null } | undefined,
): TransitionChanges {
  if (fact.kind === 'disputed') return {};
  const p = fact.payment;
  switch (action) {
    case 'record_payment':
      return {
        amountReceivedMinor: p.amountMinor,
        payerEmail: p.payerEmail,
        paymentIntentId: p.paymentIntentId,
        paidAt: p.at,
        ...(afterExpiry
          ? { flags: [...request.flags, paidAfterExpiry(afterExpiry.paidThrough ?? request.paymentLinkId)] }
          : {}),
      };
    case 'start_async_payment':
      return { paymentIntentId: p.paymentIntentId };
    case 'refund_fully':
    case 'refund_partially':
      return fact.kind === 'refunded' ? { refundedMinor: fact.amountRefundedMinor } : {};
    default:
      return {};
  }
}

/** The link the money came through (the event's, else the request's). */
function paidAfterExpiry(paymentLinkId: string | null): ChargeFlag {
  return { code: 'paid_after_expiry', facts: paymentLinkId ? { paymentLinkId } : {} };
}

function noticeFor(
  action: ChargeAction,
  fact: PaymentFact,
  request: { amountMinor: bigint; currency: string },
  wasCanceled: boolean,
  expiry: { afterExpiry: boolean; withdrawn: boolean; linkDeactivated: boolean },
): ThreadNotice {
  if (fact.kind === 'disputed') return { type: 'disputed', reason: fact.reason };
  const p = fact.payment;
  switch (action) {
    case 'record_payment':
      return {
        type: 'paid',
        amountMinor: p.amountMinor?.toString() ?? null,
        currency: p.currency,
        payer: p.payerEmail ?? p.payerName,
        mismatch: p.amountMinor !== request.amountMinor || (p.currency !== null && p.currency !== request.currency),
        afterCancel: wasCanceled,
        ...(expiry.afterExpiry ? { afterExpiry: true, withdrawn: expiry.withdrawn } : {}),
        ...(expiry.linkDeactivated ? { linkDeactivated: true } : {}),
      };
    case 'start_async_payment':
      return { type: 'payment_processing' };
    case 'fail_payment':
      return { type: 'payment_failed' };
    default:
      return {
        type: 'refunded',
        amountMinor: fact.kind === 'refunded' ? fact.amountRefundedMinor.toString() : '0',
        full: action === 'refund_fully',
      };
  }
}
