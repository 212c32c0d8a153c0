import type { Db, Tx } from '../db/sql.js';
import { backoffSeconds } from '../jobs/backoff.js';
import { startWorkerLoop, type WorkerLoop } from '../jobs/worker-loop.js';
import type { Logger } from '../logger.js';
import {
  type ClaimedEvent,
  claimDueEvent,
  type InboxEvent,
  ingestStripeEvent,
  markEventProcessed,
  recordEventFailure,
  storeClaimedEvent,
} from '../persistence/stripe-events.js';

/** What applying one event did, recorded on the event. */
export interface AppliedEvent {
  /** applied | no_change | ignored (a type we do not act on) | not_ours (a payment link of someone else). */
  readonly outcome: 'applied' | 'no_change' | 'ignored' | 'not_ours';
  readonly requestId: string | null;
}

/** Applies a claimed event inside the inbox's transaction (see use-cases/record-payment-event.ts). */
export type ApplyEvent = (tx: Tx, event: ClaimedEvent) => Promise<AppliedEvent>;

export interface InboxOptions {
  readonly db: Db;
  readonly apply: ApplyEvent;
  readonly logger: Logger;
  /** After this many failed attempts an event is kept as dead for an operator. */
  readonly maxAttempts?: number;
}

export interface Inbox {
  /**
   * Applies one due event (the one named `id`, or the oldest): claimed, applied and marked processed
   * in one transaction, so a crash leaves all of it or none. Returns undefined when nothing was due.
   */
  processNext(id?: string): Promise<AppliedEvent['outcome'] | 'failed' | undefined>;
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
  return {
    async applyNew(event) {
      try {
        const result = await db.transaction(async (tx) => {
          const stored = await storeClaimedEvent(tx, event);
          if (!stored) return undefined;
          const applied = await apply(tx, stored);
          await markEventProcessed(tx, stored.id, applied.outcome, applied.requestId);
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
          const applied = await apply(tx, claimed);
          await markEventProcessed(tx, claimed.id, applied.outcome, applied.requestId);
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
        await recordEventFailure(db, claimed.id, { error: String(error), delaySeconds, dead });
        const about = { err: error, eventId: claimed.id, type: claimed.type, attempts };
        if (dead) log.error(about, 'stripe event could not be applied; kept as dead for an operator');
        else log.error({ ...about, delaySeconds }, 'stripe event could not be applied; will retry');
        return 'failed';
      }
    },
  };
}

/** Drains the inbox with a few concurrent loops; woken by new events, polling as the safety net. */
export function startInboxWorker(
  inbox: Inbox,
  options: { logger: Logger; pollMs?: number; batch?: number },
): WorkerLoop {
  const batch = options.batch ?? 50;
  return startWorkerLoop({
    name: 'stripe-inbox',
    drainOnce: async () => {
      let processed = 0;
      while (processed < batch && (await inbox.processNext()) !== undefined) processed += 1;
      return processed;
    },
    logger: options.logger,
    pollMs: options.pollMs,
    concurrency: 3,
  });
}
