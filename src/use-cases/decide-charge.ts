import { mayDecide } from '../domain/authorization.js';
import { type ChargeRequest, moneyOf } from '../domain/charge-request.js';
import { describeStatus } from '../domain/charge-status.js';
import { approvalsRequired } from '../domain/policy.js';
import { type Refusal, type Result, refuse } from '../errors.js';
import { countApprovals, recordDecisionOnce } from '../persistence/approvals.js';
import { appendAudit } from '../persistence/audit.js';
import { findChargeRequest, lockChargeRequest } from '../persistence/charge-requests.js';
import { queueCardUpdate } from '../persistence/outbox.js';
import type { ActionResult, UseCaseDeps } from './deps.js';
import { enforcePolicy } from './enforce-policy.js';
import { issuePaymentLink } from './payment-link.js';
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
  isApprover: boolean,
): Result<{ request: ChargeRequest }> {
  if (!request) return refuse('not_found', 'That request no longer exists.');
  const permission = mayDecide(request, { userId: click.userId, isApprover }, deps.allowSelfApproval);
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

/**
 * Approve. In one transaction: lock the request, check the clicker and the version, re-check the
 * spending policy under budget locks (budgets move between proposal and approval), record the
 * decision, and once enough distinct approvers have approved this version, move to `approved` by
 * compare-and-set. Then create the payment link.
 */
export async function approveCharge(deps: UseCaseDeps, click: DecisionClick): Promise<ActionResult> {
  const isApprover = await deps.approvers.isApprover(click.userId);
  const now = deps.clock.now();
  const outcome = await deps.db.transaction(async (tx): Promise<Result<{ message?: string; approved?: true }>> => {
    const checked = checkDecision(deps, await lockChargeRequest(tx, click.requestId), click, isApprover);
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
      approverId: click.userId,
      decision: 'approved',
      reason: null,
    });
    if (!recorded) {
      return refuse(
        'already_done',
        `You already approved version ${request.version} of ${request.reference}; another approver must approve it too.`,
      );
    }
    const approvals = await countApprovals(tx, request.id, request.version, required > 1 ? request.requesterId : null);
    if (approvals < required) {
      await appendAudit(tx, {
        chargeRequestId: request.id,
        actor: click.userId,
        action: 'approval_recorded',
        fromStatus: request.status,
        toStatus: request.status,
        version: request.version,
        details: { approvals, required },
      });
      await queueCardUpdate(tx, request.id, { type: 'approval_progress', by: click.userId, approvals, required });
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
        changes: { approvedAt: now },
        details: { approvals, required },
      },
      [{ type: 'approved', by: click.userId }],
    );
    return moved.ok ? { ok: true, approved: true } : decidedMeanwhile(request);
  });
  if (!outcome.ok) return outcome;
  if (outcome.approved) await issuePaymentLink(deps, click.requestId);
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
  return deps.db.transaction(async (tx): Promise<ActionResult> => {
    const checked = checkDecision(deps, await lockChargeRequest(tx, click.requestId), click, isApprover);
    if (!checked.ok) return checked;
    const { request } = checked;
    const moved = await transitionWithUpdates(
      tx,
      {
        id: request.id,
        action: 'reject',
        expected: { status: 'pending_approval', version: click.version },
        actor: click.userId,
        changes: { closedAt: deps.clock.now() },
        details: { reason },
      },
      [{ type: 'rejected', by: click.userId, reason }],
    );
    if (!moved.ok) return decidedMeanwhile(request);
    await recordDecisionOnce(tx, {
      chargeRequestId: request.id,
      version: click.version,
      approverId: click.userId,
      decision: 'rejected',
      reason,
    });
    return { ok: true };
  });
}

/** Whether `userId` may decide this request right now (before opening the reject modal). */
export async function canDecide(deps: UseCaseDeps, click: DecisionClick): Promise<Result<{ request: ChargeRequest }>> {
  return checkDecision(
    deps,
    await findChargeRequest(deps.db, click.requestId),
    click,
    await deps.approvers.isApprover(click.userId),
  );
}
