import { type DataSource, type EntityManager, IsNull } from 'typeorm';
import { ChargeRequestEntity, type ChargeRequestRow } from '../db/entities.js';
import { type Actor, type ChargeRequest, referenceOf } from '../domain/charge-request.js';
import { type ChargeAction, type ChargeStatus, checkTransition } from '../domain/charge-status.js';
import { appendAudit } from './audit.js';

type Db = DataSource | EntityManager;
const managerOf = (db: Db): EntityManager => ('manager' in db ? db.manager : db);

export interface NewChargeRequest {
  readonly source: ChargeRequestRow['source'];
  readonly teamId: string;
  readonly channelId: string;
  readonly threadTs: string | null;
  readonly requesterId: string;
  readonly customerName: string;
  readonly customerEmail: string | null;
  readonly stripeCustomerId?: string | null;
  readonly description: string;
  readonly amountMinor: bigint;
  readonly currency: string;
}

function toChargeRequest(row: ChargeRequestRow): ChargeRequest {
  return { ...row, reference: referenceOf(row.number) };
}

/** Inserts a `pending_approval` request at version 1 and audits its creation, in one transaction. */
export async function createChargeRequest(
  db: Db,
  input: NewChargeRequest,
  actor: Actor,
  details: Record<string, unknown> = {},
): Promise<ChargeRequest> {
  return managerOf(db).transaction(async (manager) => {
    const inserted = await manager.insert(ChargeRequestEntity, {
      ...input,
      stripeCustomerId: input.stripeCustomerId ?? null,
      status: 'pending_approval',
      version: 1,
    });
    const id = String(inserted.identifiers[0]?.id);
    await appendAudit(manager, {
      chargeRequestId: id,
      actor,
      action: 'create',
      fromStatus: null,
      toStatus: 'pending_approval',
      version: 1,
      details,
    });
    return toChargeRequest(await manager.findOneByOrFail(ChargeRequestEntity, { id }));
  });
}

export async function findChargeRequest(db: Db, id: string): Promise<ChargeRequest | undefined> {
  const row = await managerOf(db).findOneBy(ChargeRequestEntity, { id });
  return row ? toChargeRequest(row) : undefined;
}

export async function findChargeRequestByNumber(db: Db, number: number): Promise<ChargeRequest | undefined> {
  const row = await managerOf(db).findOneBy(ChargeRequestEntity, { number });
  return row ? toChargeRequest(row) : undefined;
}

/** The requests of one conversation thread, oldest first. */
export async function findThreadRequests(
  db: Db,
  thread: { teamId: string; channelId: string; threadTs: string | null },
): Promise<ChargeRequest[]> {
  const rows = await managerOf(db).find(ChargeRequestEntity, {
    where: { teamId: thread.teamId, channelId: thread.channelId, threadTs: thread.threadTs ?? IsNull() },
    order: { number: 'ASC' },
    take: 50,
  });
  return rows.map(toChargeRequest);
}

/** Requests that wait on an approver (to decide, or to retry a failed link), oldest first. */
export async function findAwaitingApprover(db: Db, limit = 20): Promise<ChargeRequest[]> {
  const rows = await managerOf(db).find(ChargeRequestEntity, {
    where: [{ status: 'pending_approval' }, { status: 'link_failed' }],
    order: { createdAt: 'ASC' },
    take: limit,
  });
  return rows.map(toChargeRequest);
}

/** A requester's latest requests, newest first. */
export async function findByRequester(db: Db, requesterId: string, limit = 10): Promise<ChargeRequest[]> {
  const rows = await managerOf(db).find(ChargeRequestEntity, {
    where: { requesterId },
    order: { createdAt: 'DESC' },
    take: limit,
  });
  return rows.map(toChargeRequest);
}

/** Every request created in [start, end), oldest first, up to `limit`. */
export async function findCreatedBetween(db: Db, start: Date, end: Date, limit: number): Promise<ChargeRequest[]> {
  const rows = await managerOf(db)
    .createQueryBuilder(ChargeRequestEntity, 'r')
    .where('r.created_at >= :start AND r.created_at < :end', { start, end })
    .orderBy('r.created_at', 'ASC')
    .limit(limit)
    .getMany();
  return rows.map(toChargeRequest);
}

/** Fields a transition may change along with the status. */
export type TransitionChanges = Partial<
  Pick<
    ChargeRequestRow,
    | 'customerName'
    | 'customerEmail'
    | 'stripeCustomerId'
    | 'description'
    | 'amountMinor'
    | 'currency'
    | 'cardTs'
    | 'paymentLinkId'
    | 'paymentLinkUrl'
    | 'linkAttempt'
    | 'lastError'
    | 'amountReceivedMinor'
    | 'refundedMinor'
    | 'payerEmail'
    | 'paymentIntentId'
    | 'approvedAt'
    | 'linkCreatedAt'
    | 'paidAt'
    | 'closedAt'
  >
>;

export interface TransitionInput {
  readonly id: string;
  readonly action: ChargeAction;
  /** The state the actor saw. The update applies only if the row is still exactly there. */
  readonly expected: { readonly status: ChargeStatus; readonly version: number };
  readonly actor: Actor;
  readonly changes?: TransitionChanges;
  readonly details?: Record<string, unknown>;
}

export type TransitionResult =
  | { ok: true; request: ChargeRequest; from: ChargeStatus }
  /** `not_allowed`: the state machine forbids it. `conflict`: someone else changed the request first. */
  | { ok: false; reason: 'not_allowed' | 'conflict' | 'not_found'; message: string; current?: ChargeRequest };

/**
 * Applies one state-machine move with compare-and-set: the UPDATE names the expected status and
 * version, so of two actors racing from the same state exactly one matches a row. The audit event is
 * written in the same transaction, so the trail holds every winning move and nothing else.
 *
 * Pass an EntityManager that is inside a transaction to add more writes (outbox items) to the same
 * commit; pass the DataSource to run it in a transaction of its own.
 */
export async function transitionChargeRequest(db: Db, input: TransitionInput): Promise<TransitionResult> {
  const check = checkTransition(input.expected.status, input.action);
  if (!check.ok) {
    return { ok: false, reason: 'not_allowed', message: check.reason, current: await findChargeRequest(db, input.id) };
  }
  const run = async (manager: EntityManager): Promise<TransitionResult> => {
    const update = await manager
      .createQueryBuilder()
      .update(ChargeRequestEntity)
      .set({
        ...input.changes,
        status: check.to,
        version: check.newVersion ? () => 'version + 1' : input.expected.version,
        updatedAt: () => 'now()',
      })
      .where('id = :id AND status = :status AND version = :version', {
        id: input.id,
        status: input.expected.status,
        version: input.expected.version,
      })
      .execute();
    const current = await findChargeRequest(manager, input.id);
    if (!current) return { ok: false, reason: 'not_found', message: 'no such charge request' };
    if (update.affected !== 1) {
      return {
        ok: false,
        reason: 'conflict',
        message: `the request changed meanwhile (now ${current.status}, version ${current.version})`,
        current,
      };
    }
    await appendAudit(manager, {
      chargeRequestId: input.id,
      actor: input.actor,
      action: input.action,
      fromStatus: input.expected.status,
      toStatus: check.to,
      version: current.version,
      details: input.details,
    });
    return { ok: true, request: current, from: input.expected.status };
  };
  const manager = managerOf(db);
  return manager.queryRunner?.isTransactionActive ? run(manager) : manager.transaction(run);
}
