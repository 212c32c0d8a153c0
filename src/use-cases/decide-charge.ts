import type { Queryable } from '../db/sql.js';
import { countedApprover, mayDecide } from '../domain/authorization.js';
import { type ChargeRequest, moneyOf } from '../domain/charge-request.js';
import { describeStatus } from '../domain/charge-status.js';
import { approvalsRequired } from '../domain/policy.js';
import { type Refusal, type Result, refuse } from '../errors.js';
import { countApprovals, findDecision, recordDecisionOnce } from '../persistence/approvals.js';
import { appendAudit } from '../persistence/audit.js';
import { LINKS_CHANNEL, notify } from '../persistence/channels.js';
import { findChargeRequest, lockChargeRequest } from '../persistence/charge-requests.js';
import { queueCardUpdate } from '../persistence/outbox.js';
import { type ActingClicker, decisionDetails, resolveClicker } from './acting-approver.js';
import type { ActionResult, UseCaseDeps } from './deps.js';
import { enforcePolicy } from './enforce-policy.js';
import { transitionWithUpdates } from './transition-with-updates.js';

export interface DecisionClick {
  readonly requestId: string;
  /** The version on the card that was clicked: a decision binds to what the approver saw. */
  readonly version: number;
  readonly userId: string;
}

/** Who clicked and whether the request is still where the card showed it. No writes. */
function checkDecision(
  deps: Pick<UseCaseDeps, 'allowSelfApproval'>,
  request: ChargeRequest | undefined,
  click: DecisionClick,
  clicker: ActingClicker,
): Result<{ request: ChargeRequest }> {
  if (!request) return refuse('not_found', 'That request no longer exists.');
  const permission = mayDecide(request, clicker, deps.allowSelfApproval);
  if (!permission.ok) return permission;
  if (request.status !== 'pending_approval') {
    return refuse(
      'wrong_state',
      `${request.reference} is already ${describeStatus(request.status)}. Nothing was changed.`,
    );
  }
  if (request.version !== click.version) {
    return refuse(
      'conflict',
      `${request.reference} changed after this card was shown (now version ${request.version}). Look at the updated card and decide again.`,
    );
  }
  return { ok: true, request };
}

const decidedMeanwhile = (request: ChargeRequest): Refusal =>
  refuse('conflict', `${request.reference} was decided by someone else a moment ago. Nothing was changed.`);

/** Why a second approval by the same approver (in person or through their delegate) does not count. */
async function alreadyApproved(tx: Queryable, request: ChargeRequest, clicker: ActingClicker): Promise<Refusal> {
  const existing = await findDecision(tx, request.id, request.version, countedApprover(clicker));
  const what = `version ${request.version} of ${request.reference}`;
  const message = clicker.actingFor
    ? `The approver you stand in for has already approved ${what}, and the two of you count as one approver. Another approver must approve it too.`
    : existing?.delegateId
      ? `Your delegate already approved ${what} for you, and the two of you count as one approver. Another approver must approve it too.`
      : `You already approved ${what}; another approver must approve it too.`;
  return refuse('already_done', message);
}

/**
 * Approve. In one transaction: lock the request, resolve who the clicker acts as (an approver, or a
 * delegate standing in for one), check them and the version, re-check the spending policy under
 * budget locks (budgets move between proposal and approval), record the decision of the approver who
 * counts, and once enough distinct approvers have approved this version, move to `approved` by
 * compare-and-set. A worker then creates the payment link (see payment-link.ts).
 */
export async function approveCharge(deps: UseCaseDeps, click: DecisionClick): Promise<ActionResult> {
  const isApprover = await deps.approvers.isApprover(click.userId);
  const now = deps.clock.now();
  const outcome = await deps.db.transaction(async (tx): Promise<Result<{ message?: string }>> => {
    const locked = await lockChargeRequest(tx, click.requestId);
    const clicker = await resolveClicker(deps, tx, click.userId, now, { lock: true, isApprover });
    const checked = checkDecision(deps, locked, click, clicker);
    if (!checked.ok) return checked;
    const { request } = checked;
    const money = moneyOf(request);
    const refused = await enforcePolicy(tx, deps, {
      stage: 'approval',
      actor: click.userId,
      requesterId: request.requesterId,
      channelId: request.channelId,
      money,
      requestId: request.id,
      createdAt: request.createdAt,
      now,
    });
    if (refused) return refuse('policy_refused', `Not approved: ${refused.message} Nothing was changed.`);
    // Above the two-approver threshold the requester never counts, even where self-approval is allowed.
    const required = approvalsRequired(deps.policy.rules, money);
    if (required > 1 && click.userId === request.requesterId) {
      return refuse(
        'forbidden',
        `${request.reference} needs ${required} approvers other than the requester. Nothing was changed.`,
      );
    }
    const recorded = await recordDecisionOnce(tx, {
      chargeRequestId: request.id,
      version: request.version,
      approverId: countedApprover(clicker),
      delegateId: clicker.actingFor ? click.userId : null,
      decision: 'approved',
      reason: null,
      at: now,
    });
    if (!recorded) return alreadyApproved(tx, request, clicker);
    const approvals = await countApprovals(tx, request.id, request.version, required > 1 ? request.requesterId : null);
    const onBehalfOf = clicker.actingFor;
    if (approvals < required) {
      await appendAudit(tx, {
        chargeRequestId: request.id,
        actor: click.userId,
        action: 'approval_recorded',
        fromStatus: request.status,
        toStatus: request.status,
        version: request.version,
        details: { approvals, required, ...decisionDetails(clicker) },
        at: now,
      });
      await queueCardUpdate(tx, request.id, {
        type: 'approval_progress',
        by: click.userId,
        ...(onBehalfOf ? { onBehalfOf } : {}),
        approvals,
        required,
      });
      return {
        ok: true,
        message: `Your approval is recorded (${approvals} of ${required}). Another approver must approve ${request.reference} too.`,
      };
    }
    const moved = await transitionWithUpdates(
      tx,
      {
        id: request.id,
        action: 'approve',
        expected: { status: 'pending_approval', version: click.version },
        actor: click.userId,
        at: now,
        changes: { approvedAt: now },
        details: { approvals, required, ...decisionDetails(clicker) },
      },
      [{ type: 'approved', by: click.userId, ...(onBehalfOf ? { onBehalfOf } : {}) }],
    );
    if (!moved.ok) return decidedMeanwhile(request);
    // The link is made by a worker, woken when this commits: the click does no more than record.
    await notify(tx, LINKS_CHANNEL, request.id);
    return { ok: true };
  });
  if (!outcome.ok) return outcome;
  return outcome.message ? { ok: true, message: outcome.message } : { ok: true };
}

/** Reject with a reason (required), bound to the clicked version like an approval. */
export async function rejectCharge(
  deps: UseCaseDeps,
  click: DecisionClick & { reason: string },
): Promise<ActionResult> {
  const reason = click.reason.trim();
  if (reason.length < 3) {
    return refuse('invalid_input', 'Say why the request is rejected: the requester will read it.', [
      { field: 'reason', message: 'Say why the request is rejected: the requester will read it.' },
    ]);
  }
  const isApprover = await deps.approvers.isApprover(click.userId);
  const now = deps.clock.now();
  return deps.db.transaction(async (tx): Promise<ActionResult> => {
    const locked = await lockChargeRequest(tx, click.requestId);
    const clicker = await resolveClicker(deps, tx, click.userId, now, { lock: true, isApprover });
    const checked = checkDecision(deps, locked, click, clicker);
    if (!checked.ok) return checked;
    const { request } = checked;
    const onBehalfOf = clicker.actingFor;
    const moved = await transitionWithUpdates(
      tx,
      {
        id: request.id,
        action: 'reject',
        expected: { status: 'pending_approval', version: click.version },
        actor: click.userId,
        at: now,
        changes: { closedAt: now },
        details: { reason, ...decisionDetails(clicker) },
      },
      [{ type: 'rejected', by: click.userId, ...(onBehalfOf ? { onBehalfOf } : {}), reason }],
    );
    if (!moved.ok) return decidedMeanwhile(request);
    await recordDecisionOnce(tx, {
      chargeRequestId: request.id,
      version: click.version,
      approverId: countedApprover(clicker),
      delegateId: onBehalfOf ? click.userId : null,
      decision: 'rejected',
      reason,
      at: now,
    });
    return { ok: true };
  });
}

/** Whether `userId` may decide this request right now (before opening the reject modal). */
export async function canDecide(deps: UseCaseDeps, click: DecisionClick): Promise<Result<{ request: ChargeRequest }>> {
  const clicker = await resolveClicker(deps, deps.db, click.userId, deps.clock.now());
  return checkDecision(deps, await findChargeRequest(deps.db, click.requestId), click, clicker);
}
