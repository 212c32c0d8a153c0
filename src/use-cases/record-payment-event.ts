import type Stripe from 'stripe';
import type { DataSource, EntityManager } from 'typeorm';
import { ChargeRequestEntity } from '../db/entities.js';
import type { ChargeAction } from '../domain/charge-status.js';
import { type PaymentFact, planPaymentSteps } from '../domain/payment-events.js';
import type { Logger } from '../logger.js';
import { queueCardUpdate, type ThreadNotice } from '../outbox/outbox.js';
import { appendAudit } from '../persistence/audit.js';
import { findChargeRequest, type TransitionChanges, transitionChargeRequest } from '../persistence/charge-requests.js';
import { type RequestLocator, translateStripeEvent } from '../stripe/events.js';

export interface PaymentEventDeps {
  readonly dataSource: DataSource;
  readonly wakeOutbox: () => void;
  /** Used only to look up a payment intent's metadata when nothing else maps an event. */
  readonly stripe: Stripe | undefined;
  readonly logger: Logger;
}

export type PaymentEventOutcome = 'ignored' | 'not_ours' | 'applied' | 'no_change';

/** A verified Stripe event (or reconciliation's equivalent), as stored in the inbox. */
export interface InboxEvent {
  readonly id: string;
  readonly type: string;
  /** The event as JSON text, exactly as Stripe sent (and signed) it. */
  readonly payload: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_ATTEMPTS = 10;

/** Finds our request: by payment link, then payment intent, then our metadata (ours, or the intent's). */
export async function locateRequest(
  manager: EntityManager,
  stripe: Stripe | undefined,
  locator: RequestLocator,
): Promise<string | undefined> {
  const by = async (column: string, value: string | null) => {
    if (!value) return undefined;
    const rows: { id: string }[] = await manager.query(`SELECT id FROM charge_requests WHERE ${column} = $1`, [value]);
    return rows[0]?.id;
  };
  const found =
    (await by('payment_link_id', locator.paymentLinkId)) ??
    (await by('payment_intent_id', locator.paymentIntentId)) ??
    (locator.requestId && UUID.test(locator.requestId) ? await by('id', locator.requestId) : undefined);
  if (found || !locator.paymentIntentId || !stripe) return found;
  // Rare (a dispute seen before its payment): the intent carries our metadata from the payment link.
  const intent = await stripe.paymentIntents.retrieve(locator.paymentIntentId).catch(() => undefined);
  const fromIntent = intent?.metadata?.countersign_request_id;
  return fromIntent && UUID.test(fromIntent) ? by('id', fromIntent) : undefined;
}

/**
 * Stores a verified event once (a redelivery is a no-op) and returns whether it was new. This is
 * all the webhook does before answering, so Stripe gets its 2xx at once, however busy we are.
 */
export async function ingestStripeEvent(dataSource: DataSource, event: InboxEvent): Promise<boolean> {
  const rows: unknown[] = await dataSource.query(
    `INSERT INTO stripe_events (id, type, payload) VALUES ($1, $2, $3::jsonb) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [event.id, event.type, event.payload],
  );
  return rows.length === 1;
}

/**
 * Applies one unprocessed event: claimed with SKIP LOCKED (several workers and instances share the
 * inbox), applied, and marked processed in the same transaction, so a crash leaves either all of it
 * or none. `id` applies that event; without it, the oldest waiting one. Returns undefined when there
 * was nothing to do.
 */
export async function processStripeEvent(
  deps: PaymentEventDeps,
  id?: string,
): Promise<PaymentEventOutcome | undefined> {
  let claimed: { id: string; type: string; payload: Stripe.Event } | undefined;
  try {
    const outcome = await deps.dataSource.transaction(async (manager) => {
      // Safe to commit asynchronously: the event is already durable in the inbox and is marked
      // processed in this same transaction, so a commit lost in a crash is simply applied again.
      await manager.query('SET LOCAL synchronous_commit = off');
      const rows: { id: string; type: string; payload: Stripe.Event }[] = await manager.query(
        `SELECT id, type, payload FROM stripe_events
         WHERE processed_at IS NULL AND attempts < $1 ${id ? 'AND id = $2' : ''}
         ORDER BY received_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
        id ? [MAX_ATTEMPTS, id] : [MAX_ATTEMPTS],
      );
      claimed = rows[0];
      if (!claimed) return undefined;
      const translated = translateStripeEvent(claimed.payload);
      const requestId = translated ? await locateRequest(manager, deps.stripe, translated.locator) : undefined;
      const result: PaymentEventOutcome = !translated
        ? 'ignored'
        : !requestId
          ? 'not_ours'
          : await applyFact(manager, requestId, claimed.id, translated.fact);
      await manager.query(
        'UPDATE stripe_events SET processed_at = now(), outcome = $2, charge_request_id = $3, last_error = NULL WHERE id = $1',
        [claimed.id, result, requestId ?? null],
      );
      return result;
    });
    if (outcome === 'applied') deps.wakeOutbox();
    if (claimed) deps.logger.info({ eventId: claimed.id, type: claimed.type, outcome }, 'stripe event applied');
    return outcome;
  } catch (error) {
    if (!claimed) throw error;
    // Left unprocessed for the next attempt; after MAX_ATTEMPTS it waits for an operator.
    await deps.dataSource.query('UPDATE stripe_events SET attempts = attempts + 1, last_error = $2 WHERE id = $1', [
      claimed.id,
      String(error).slice(0, 1000),
    ]);
    deps.logger.error(
      { err: error, eventId: claimed.id, type: claimed.type },
      'stripe event could not be applied; will retry',
    );
    return 'no_change';
  }
}

/** Drains the inbox; used by the worker loop. */
export async function drainStripeEvents(deps: PaymentEventDeps, limit = 50): Promise<number> {
  let processed = 0;
  while (processed < limit && (await processStripeEvent(deps)) !== undefined) processed += 1;
  return processed;
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
  await queueCardUpdate(manager, requestId, ...notices);
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
