import type { Db, Tx } from '../db/sql.js';
import { backoffSeconds } from '../jobs/backoff.js';
import { startWorkerLoop, type WorkerLoop } from '../jobs/worker-loop.js';
import type { Logger } from '../logger.js';
import {
  type ClaimedEvent,
  claimDueEvent,
  claimDueEvents,
  type InboxEvent,
  ingestStripeEvent,
  markEventsProcessed,
  recordEventFailure,
  storeClaimedEvent,
} from '../persistence/stripe-events.js';

/** What applying one event did, recorded on the event. */
export interface AppliedEvent {
  /** applied | no_change | ignored (a type we do not act on) | not_ours (a payment link of someone else). */
  readonly outcome: 'applied' | 'no_change' | 'ignored' | 'not_ours';
  readonly requestId: string | null;
}

/**
 * Applies a claimed event inside the inbox's transaction (see use-cases/record-payment-event.ts).
 * `inBatch`: other events share the transaction, so nothing slow may happen in it (no call to Stripe);
 * an event that needs one throws ApplyAlone and is applied in a transaction of its own.
 */
export type ApplyEvent = (tx: Tx, event: ClaimedEvent, inBatch: boolean) => Promise<AppliedEvent>;

/** Thrown by ApplyEvent for an event that must be applied alone (it has to ask Stripe first). */
export class ApplyAlone extends Error {
  constructor(eventId: string, why: string) {
    super(`event ${eventId} is applied on its own: ${why}`);
  }
}

export interface InboxOptions {
  readonly db: Db;
  readonly apply: ApplyEvent;
  readonly logger: Logger;
  /** After this many failed attempts an event is kept as dead for an operator. */
  readonly maxAttempts?: number;
  /** Called in the transaction that marks an event dead, so the operator's alert commits with it. */
  readonly onDead?: (tx: Tx, event: ClaimedEvent, failure: { error: string; attempts: number }) => Promise<void>;
}

export interface Inbox {
  /**
   * Applies one due event (the one named `id`, or the oldest): claimed, applied and marked processed
   * in one transaction, so a crash leaves all of it or none. Returns undefined when nothing was due.
   */
  processNext(id?: string): Promise<AppliedEvent['outcome'] | 'failed' | undefined>;
  /**
   * Applies up to `limit` due events in one transaction: claimed together, applied one after
   * another, marked processed together, so each event costs a few statements instead of a
   * transaction of its own. If any of them fails, the batch rolls back and its events are applied one
   * by one (processNext), so only the failing one waits for a retry. Returns how many were handled.
   */
  processBatch(limit: number): Promise<number>;
  /**
   * Stores an event found by other means (reconciliation) and applies it in the same transaction, so
   * the caller learns its outcome; undefined when it was already in the inbox. If applying fails, the
   * event is stored anyway for the workers to retry.
   */
  applyNew(event: InboxEvent): Promise<AppliedEvent['outcome'] | 'failed' | undefined>;
}

export function createInbox(options: InboxOptions): Inbox {
  const { db, apply } = options;
  const maxAttempts = options.maxAttempts ?? 10;
  const log = options.logger.child({ component: 'inbox' });
  const inbox: Inbox = {
    async processBatch(limit) {
      let claimed: ClaimedEvent[] = [];
      try {
        const applied = await db.transaction(async (tx) => {
          claimed = await claimDueEvents(tx, limit);
          const results: ({ id: string } & AppliedEvent)[] = [];
          for (const event of claimed) results.push({ id: event.id, ...(await apply(tx, event, true)) });
          if (results.length > 0) await markEventsProcessed(tx, results);
          return results;
        });
        for (const r of applied) log.debug({ eventId: r.id, outcome: r.outcome }, 'stripe event applied');
        if (applied.length > 0) log.info({ events: applied.length }, 'stripe events applied');
        return applied.length;
      } catch (error) {
        if (claimed.length === 0) throw error;
        if (error instanceof ApplyAlone)
          log.debug({ events: claimed.length }, `${error.message}; so is the rest of the batch`);
        else
          log.warn({ err: error, events: claimed.length }, 'a batch of stripe events failed; applying them one by one');
        for (const event of claimed) await inbox.processNext(event.id);
        return claimed.length;
      }
    },
    async applyNew(event) {
      try {
        const result = await db.transaction(async (tx) => {
          const stored = await storeClaimedEvent(tx, event);
          if (!stored) return undefined;
          const applied = await apply(tx, stored, false);
          await markEventsProcessed(tx, [{ id: stored.id, ...applied }]);
          return applied;
        });
        return result?.outcome;
      } catch (error) {
        log.error(
          { err: error, eventId: event.id, type: event.type },
          'stripe event could not be applied; queued for retry',
        );
        await ingestStripeEvent(db, event);
        return 'failed';
      }
    },
    async processNext(id) {
      let claimed: ClaimedEvent | undefined;
      try {
        const result = await db.transaction(async (tx) => {
          claimed = await claimDueEvent(tx, id);
          if (!claimed) return undefined;
          const applied = await apply(tx, claimed, false);
          await markEventsProcessed(tx, [{ id: claimed.id, ...applied }]);
          return applied;
        });
        if (claimed)
          log.info({ eventId: claimed.id, type: claimed.type, outcome: result?.outcome }, 'stripe event applied');
        return result?.outcome;
      } catch (error) {
        if (!claimed) throw error;
        const attempts = claimed.attempts + 1;
        const dead = attempts >= maxAttempts;
        const delaySeconds = backoffSeconds(attempts);
        const event = claimed;
        await db.transaction(async (tx) => {
          await recordEventFailure(tx, event.id, { error: String(error), delaySeconds, dead });
          if (dead) await options.onDead?.(tx, event, { error: String(error), attempts });
        });
        const about = { err: error, eventId: claimed.id, type: claimed.type, attempts };
        if (dead) log.error(about, 'stripe event could not be applied; kept as dead for an operator');
        else log.error({ ...about, delaySeconds }, 'stripe event could not be applied; will retry');
        return 'failed';
      }
    },
  };
  return inbox;
}

/** Drains the inbox with a few concurrent loops; woken by new events, polling as the safety net. */
export function startInboxWorker(
  inbox: Inbox,
  options: { logger: Logger; pollMs?: number; batch?: number },
): WorkerLoop {
  const batch = options.batch ?? 50;
  return startWorkerLoop({
    name: 'stripe-inbox',
    drainOnce: () => inbox.processBatch(batch),
    logger: options.logger,
    pollMs: options.pollMs,
    concurrency: 3,
  });
}
