import type { Db } from '../db/sql.js';
import { mayAdminister } from '../domain/authorization.js';
import { referenceOf } from '../domain/charge-request.js';
import { refuse } from '../errors.js';
import { appendAudit } from '../persistence/audit.js';
import {
  type DeadLetter,
  discardDeadLetter as discardRow,
  listDeadLetters,
  type OperationsSnapshot,
  type QueueName,
  readOperationsSnapshot,
  reviveDeadLetter,
} from '../persistence/queues.js';
import type { ActionResult } from './deps.js';

export interface DeadLetterDeps {
  readonly db: Db;
  readonly adminUserIds: readonly string[];
}

export interface DeadLetterClick {
  readonly queue: QueueName;
  readonly id: string;
  readonly userId: string;
}

/** What `/charges ops` shows: both queues' health and their dead letters. */
export async function queueOverview(db: Db): Promise<{ snapshot: OperationsSnapshot; deadLetters: DeadLetter[] }> {
  const [snapshot, deadLetters] = await Promise.all([readOperationsSnapshot(db), listDeadLetters(db, 10)]);
  return { snapshot, deadLetters };
}

/**
 * Retry: the dead letter goes back to its queue with fresh attempts, and the workers (on whatever
 * instance runs them) deliver or apply it now. Admins only; on the audit trail in the same commit.
 */
export function retryDeadLetter(deps: DeadLetterDeps, click: DeadLetterClick): Promise<ActionResult> {
  return act(
    deps,
    click,
    'retry_dead_letter',
    reviveDeadLetter,
    (what) => `${what} is queued again; it is being tried now.`,
  );
}

/** Discard: off the dead list for good; the audit trail keeps what it was and who discarded it. */
export function discardDeadLetter(deps: DeadLetterDeps, click: DeadLetterClick): Promise<ActionResult> {
  return act(
    deps,
    click,
    'discard_dead_letter',
    discardRow,
    (what) => `${what} was discarded and will not be tried again.`,
  );
}

async function act(
  deps: DeadLetterDeps,
  click: DeadLetterClick,
  action: string,
  change: (db: Db, queue: QueueName, id: string) => Promise<DeadLetter | undefined>,
  done: (what: string) => string,
): Promise<ActionResult> {
  const allowed = mayAdminister(deps.adminUserIds, click.userId);
  if (!allowed.ok) return allowed;
  return deps.db.transaction(async (tx) => {
    const letter = await change(tx, click.queue, click.id);
    if (!letter) {
      return refuse(
        'already_done',
        'That item is no longer dead (someone retried or discarded it). Nothing was changed.',
      );
    }
    await appendAudit(tx, {
      chargeRequestId: letter.requestId,
      actor: click.userId,
      action,
      details: {
        queue: letter.queue,
        id: letter.id,
        kind: letter.kind,
        lastError: letter.lastError,
        attempts: letter.attempts,
      },
    });
    const about = letter.requestNumber === null ? '' : ` for ${referenceOf(letter.requestNumber)}`;
    const what = letter.queue === 'outbox' ? `The Slack update${about}` : `The Stripe event ${letter.id}${about}`;
    return { ok: true, message: done(what) };
  });
}
