import type Stripe from 'stripe';
import type { DataSource, EntityManager } from 'typeorm';
import { ChargeRequestEntity } from '../db/entities.js';
import type { ChargeAction } from '../domain/charge-status.js';
import { type PaymentFact, planPaymentSteps } from '../domain/payment-events.js';
import type { Logger } from '../logger.js';
import { enqueue, type ThreadNotice } from '../outbox/outbox.js';
import { appendAudit } from '../persistence/audit.js';
import { findChargeRequest, type TransitionChanges, transitionChargeRequest } from '../persistence/charge-requests.js';
import type { RequestLocator, TranslatedEvent } from '../stripe/events.js';

export interface PaymentEventDeps {
  readonly dataSource: DataSource;
  readonly wakeOutbox: () => void;
  /** Used only to look up a payment intent's metadata when nothing else maps an event. */
  readonly stripe: Stripe | undefined;
  readonly logger: Logger;
}

export type PaymentEventOutcome = 'duplicate' | 'ignored' | 'not_ours' | 'applied' | 'no_change';

export interface IncomingPaymentEvent {
  /** Stripe's event id (or a reconciliation id): recorded once, in the same transaction as its effect. */
  readonly id: string;
  readonly type: string;
  /** Undefined for event types Countersign does not act on. */
  readonly translated: TranslatedEvent | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Finds our request: by payment link, then payment intent, then our metadata (ours, or the intent's). */
export async function locateRequest(deps: PaymentEventDeps, locator: RequestLocator): Promise<string | undefined> {
  const by = async (column: string, value: string | null) => {
    if (!value) return undefined;
    const rows: { id: string }[] = await deps.dataSource.query(`SELECT id FROM charge_requests WHERE ${column} = $1`, [
      value,
    ]);
    return rows[0]?.id;
  };
  const found =
    (await by('payment_link_id', locator.paymentLinkId)) ??
    (await by('payment_intent_id', locator.paymentIntentId)) ??
    (locator.requestId && UUID.test(locator.requestId) ? await by('id', locator.requestId) : undefined);
  if (found || !locator.paymentIntentId || !deps.stripe) return found;
  const intent = await deps.stripe.paymentIntents.retrieve(locator.paymentIntentId).catch(() => undefined);
  const fromIntent = intent?.metadata?.countersign_request_id;
  return fromIntent && UUID.test(fromIntent) ? by('id', fromIntent) : undefined;
}

/**
 * Applies one Stripe event exactly once. The event id is inserted in the same transaction as the
 * state change it causes and the Slack updates it implies, so a redelivery is a no-op and a crash
 * leaves either all of it or none. The request row is locked, so concurrent events for one request
 * apply one after another.
 */
export async function recordPaymentEvent(
  deps: PaymentEventDeps,
  event: IncomingPaymentEvent,
): Promise<PaymentEventOutcome> {
  const requestId = event.translated ? await locateRequest(deps, event.translated.locator) : undefined;
  const outcome = await deps.dataSource.transaction(async (manager): Promise<PaymentEventOutcome> => {
    const inserted: unknown[] = await manager.query(
      `INSERT INTO stripe_events (id, type, charge_request_id) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [event.id, event.type, requestId ?? null],
    );
    if (inserted.length === 0) return 'duplicate';
    if (!event.translated) return 'ignored';
    if (!requestId) return 'not_ours';
    return applyFact(manager, requestId, event.id, event.translated.fact);
  });
  if (outcome === 'applied') deps.wakeOutbox();
  deps.logger.info({ eventId: event.id, type: event.type, outcome, requestId }, 'stripe event');
  return outcome;
}

async function applyFact(
  manager: EntityManager,
  requestId: string,
  eventId: string,
  fact: PaymentFact,
): Promise<PaymentEventOutcome> {
  await manager.findOne(ChargeRequestEntity, { where: { id: requestId }, lock: { mode: 'pessimistic_write' } });
  let current = await findChargeRequest(manager, requestId);
  if (!current) return 'not_ours';
  const notices: ThreadNotice[] = [];

  if (fact.kind === 'disputed') {
    if (current.disputed) return 'no_change';
    await manager.update(ChargeRequestEntity, { id: requestId }, { disputed: true });
    await appendAudit(manager, {
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

  for (const step of planPaymentSteps(current.status, current.refundedMinor, fact)) {
    const wasCanceled = current.status === 'canceled';
    const moved = await transitionChargeRequest(manager, {
      id: requestId,
      action: step.action,
      expected: { status: current.status, version: current.version },
      actor: 'stripe',
      changes: changesFor(step.action, fact),
      details: { eventId, fact: fact.kind },
    });
    if (!moved.ok) throw new Error(`payment transition ${step.action} failed under lock: ${moved.message}`);
    current = moved.request;
    notices.push(noticeFor(step.action, fact, current, wasCanceled));
  }
  if (notices.length === 0) return 'no_change';
  await enqueue(manager, { kind: 'update_card', requestId });
  for (const notice of notices) await enqueue(manager, { kind: 'thread_reply', requestId, notice });
  return 'applied';
}

function changesFor(action: ChargeAction, fact: PaymentFact): TransitionChanges {
  if (fact.kind === 'disputed') return {};
  const p = fact.payment;
  switch (action) {
    case 'record_payment':
      return {
        amountReceivedMinor: p.amountMinor,
        payerEmail: p.payerEmail,
        paymentIntentId: p.paymentIntentId,
        paidAt: p.at,
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

function noticeFor(
  action: ChargeAction,
  fact: PaymentFact,
  request: { amountMinor: bigint; currency: string },
  wasCanceled: boolean,
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
