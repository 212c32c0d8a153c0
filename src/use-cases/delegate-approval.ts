import type { Tx } from '../db/sql.js';
import { checkDelegation, type Delegation, delegationWindow } from '../domain/delegation.js';
import { type Result, refuse } from '../errors.js';
import { appendAudit } from '../persistence/audit.js';
import {
  findDelegationBy,
  findDelegationTo,
  insertDelegation,
  listActiveDelegations,
  lockDelegations,
  revokeDelegation,
} from '../persistence/delegations.js';
import type { UseCaseDeps } from './deps.js';

type Deps = Pick<UseCaseDeps, 'db' | 'approvers' | 'clock' | 'policy'>;

export interface DelegationCommand {
  readonly delegatorId: string;
  readonly delegateId: string;
  /** The last day (YYYY-MM-DD, REPORT_TIMEZONE) the delegate may approve. */
  readonly until: string;
  readonly reason: string | null;
  /** Countersign's own user: it can never be a delegate. */
  readonly botUserId: string | undefined;
}

/**
 * An approver hands their approval right to someone until the end of a day in REPORT_TIMEZONE. A
 * delegation they already have in force is replaced (and audited as ended). Checked and written under
 * one lock, so concurrent commands cannot make one person stand in for two approvers.
 */
export async function startDelegation(
  deps: Deps,
  command: DelegationCommand,
): Promise<Result<{ delegation: Delegation; replaced: Delegation | undefined }>> {
  const now = deps.clock.now();
  const window = delegationWindow(command.until, deps.policy.timezone, now);
  if (!window.ok) return window;
  const [delegatorIsApprover, delegateIsApprover] = await Promise.all([
    deps.approvers.isApprover(command.delegatorId),
    deps.approvers.isApprover(command.delegateId),
  ]);
  return deps.db.transaction(async (tx) => {
    await lockDelegations(tx);
    const held = await findDelegationTo(tx, command.delegateId, now);
    const allowed = checkDelegation({
      delegatorId: command.delegatorId,
      delegateId: command.delegateId,
      botUserId: command.botUserId,
      delegatorIsApprover,
      delegateIsApprover,
      delegateStandsInFor: held?.delegatorId,
    });
    if (!allowed.ok) return allowed;
    const replaced = await findDelegationBy(tx, command.delegatorId, now);
    if (replaced) await endDelegation(tx, replaced, command.delegatorId, now, 'replaced');
    const delegation = await insertDelegation(tx, {
      delegatorId: command.delegatorId,
      delegateId: command.delegateId,
      startsAt: window.startsAt,
      endsAt: window.endsAt,
      reason: command.reason,
      createdAt: now,
    });
    await appendAudit(tx, {
      chargeRequestId: null,
      actor: command.delegatorId,
      action: 'delegation_created',
      at: now,
      details: {
        delegationId: delegation.id,
        delegateId: delegation.delegateId,
        startsAt: delegation.startsAt.toISOString(),
        endsAt: delegation.endsAt.toISOString(),
        lastDay: window.lastDay,
        timezone: deps.policy.timezone,
        reason: delegation.reason,
      },
    });
    return { ok: true, delegation, replaced };
  });
}

async function endDelegation(
  tx: Tx,
  delegation: Delegation,
  by: string,
  at: Date,
  why: 'turned_off' | 'replaced',
): Promise<void> {
  if (!(await revokeDelegation(tx, delegation.id, by, at))) return;
  await appendAudit(tx, {
    chargeRequestId: null,
    actor: by,
    action: 'delegation_ended',
    at,
    details: { delegationId: delegation.id, delegateId: delegation.delegateId, why, endedAt: at.toISOString() },
  });
}

/** `/charges delegate off`: the delegator ends their delegation in force now. */
export async function stopDelegation(deps: Deps, delegatorId: string): Promise<Result<{ ended: Delegation }>> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    await lockDelegations(tx);
    const current = await findDelegationBy(tx, delegatorId, now);
    if (!current) return refuse('not_found', 'You have no delegation in force, so there is nothing to turn off.');
    await endDelegation(tx, current, delegatorId, now, 'turned_off');
    return { ok: true, ended: current };
  });
}

/** What `/charges delegate` shows: the delegation this person gave, and the one they hold, if any. */
export async function delegationsOf(
  deps: Pick<Deps, 'db' | 'clock'>,
  userId: string,
): Promise<{ given: Delegation | undefined; held: Delegation | undefined }> {
  const now = deps.clock.now();
  const [given, held] = await Promise.all([
    findDelegationBy(deps.db, userId, now),
    findDelegationTo(deps.db, userId, now),
  ]);
  return { given, held };
}

/** Every delegation in force (for `/charges policy`). */
export function activeDelegations(deps: Pick<Deps, 'db' | 'clock'>): Promise<Delegation[]> {
  return listActiveDelegations(deps.db, deps.clock.now());
}
