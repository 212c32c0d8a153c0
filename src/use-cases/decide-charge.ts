import type { EntityManager } from 'typeorm';
import { ChargeRequestEntity } from '../db/entities.js';
import { mayDecide } from '../domain/authorization.js';
import { type ChargeRequest, moneyOf } from '../domain/charge-request.js';
import { describeStatus } from '../domain/charge-status.js';
import { approvalsRequired } from '../domain/policy.js';
import { queueCardUpdate } from '../outbox/outbox.js';
import { countApprovals, recordDecisionOnce } from '../persistence/approvals.js';
import { appendAudit } from '../persistence/audit.js';
import { findChargeRequest } from '../persistence/charge-requests.js';
import { transitionWithUpdates } from './change-state.js';
import type { ActionResult, ChargeDeps } from './charge-deps.js';
import { describeViolations, enforcePolicy } from './enforce-policy.js';
import { issuePaymentLink } from './payment-link.js';

export interface DecisionClick {
  readonly requestId: string;
  /** The version on the card that was clicked: a decision binds to what the approver saw. */
  readonly version: number;
  readonly userId: string;
}

/** Who clicked and whether the request is still where the card showed it. No writes. */
function checkDecision(
  deps: ChargeDeps,
  request: ChargeRequest | undefined,
  click: DecisionClick,
  isApprover: boolean,
) {
  if (!request) return { ok: false as const, message: 'That request no longer exists.' };
  const permission = mayDecide(request, { userId: click.userId, isApprover }, deps.allowSelfApproval);
  if (!permission.ok) return { ok: false as const, message: permission.reason };
  if (request.status !== 'pending_approval') {
    return {
      ok: false as const,
      message: `${request.reference} is already ${describeStatus(request.status)}. Nothing was changed.`,
    };
  }
  if (request.version !== click.version) {
    return {
      ok: false as const,
      message: `${request.reference} changed after this card was shown (now version ${request.version}). Look at the updated card and decide again.`,
    };
  }
  return { ok: true as const, request };
}

/** Locks the request row and re-reads it: decisions on one request apply one after another. */
async function lockRequest(manager: EntityManager, id: string): Promise<ChargeRequest | undefined> {
  await manager.findOne(ChargeRequestEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  return findChargeRequest(manager, id);
}

/**
 * Approve. In one transaction: lock the request, check the clicker and the version, re-check the
 * spending policy under budget locks (budgets move between proposal and approval), record the
 * decision, and once enough distinct approvers have approved this version, move to `approved` by
 * compare-and-set. Then create the payment link.
 */
export async function approveCharge(deps: ChargeDeps, click: DecisionClick): Promise<ActionResult> {
  const isApprover = await deps.approvers.isApprover(click.userId);
  const outcome = await deps.dataSource.transaction(async (manager): Promise<ActionResult & { approved?: boolean }> => {
    const checked = checkDecision(deps, await lockRequest(manager, click.requestId), click, isApprover);
    if (!checked.ok) return checked;
    const { request } = checked;
    const money = moneyOf(request);
    const violations = await enforcePolicy(manager, deps.policy, {
      stage: 'approval',
      actor: click.userId,
      requesterId: request.requesterId,
      channelId: request.channelId,
      money,
      requestId: request.id,
      createdAt: request.createdAt,
    });
    if (violations.length > 0) {
      return { ok: false, message: `Not approved: ${describeViolations(violations).join(' ')} Nothing was changed.` };
    }
    // Above the two-approver threshold the requester never counts, even where self-approval is allowed.
    const required = approvalsRequired(deps.policy.policy, money);
    if (required > 1 && click.userId === request.requesterId) {
      return {
        ok: false,
        message: `${request.reference} needs ${required} approvers other than the requester. Nothing was changed.`,
      };
    }
    const recorded = await recordDecisionOnce(manager, {
      chargeRequestId: request.id,
      version: request.version,
      approverId: click.userId,
      decision: 'approved',
      reason: null,
    });
    if (!recorded) {
      return {
        ok: false,
        message: `You already approved version ${request.version} of ${request.reference}; another approver must approve it too.`,
      };
    }
    const approvals = await countApprovals(
      manager,
      request.id,
      request.version,
      required > 1 ? request.requesterId : null,
    );
    if (approvals < required) {
      await appendAudit(manager, {
        chargeRequestId: request.id,
        actor: click.userId,
        action: 'approval_recorded',
        fromStatus: request.status,
        toStatus: request.status,
        version: request.version,
        details: { approvals, required },
      });
      await queueCardUpdate(manager, request.id, { type: 'approval_progress', by: click.userId, approvals, required });
      return {
        ok: true,
        message: `Your approval is recorded (${approvals} of ${required}). Another approver must approve ${request.reference} too.`,
      };
    }
    const moved = await transitionWithUpdates(
      manager,
      {
        id: request.id,
        action: 'approve',
        expected: { status: 'pending_approval', version: click.version },
        actor: click.userId,
        changes: { approvedAt: new Date() },
        details: { approvals, required },
      },
      [{ type: 'approved', by: click.userId }],
    );
    if (!moved.ok)
      return {
        ok: false,
        message: `${request.reference} was decided by someone else a moment ago. Nothing was changed.`,
      };
    return { ok: true, approved: true };
  });
  deps.wakeOutbox();
  if (outcome.ok && outcome.approved) await issuePaymentLink(deps, click.requestId);
  return outcome.ok ? (outcome.message ? { ok: true, message: outcome.message } : { ok: true }) : outcome;
}

/** Reject with a reason (required), bound to the clicked version like an approval. */
export async function rejectCharge(deps: ChargeDeps, click: DecisionClick & { reason: string }): Promise<ActionResult> {
  const reason = click.reason.trim();
  if (reason.length < 3) return { ok: false, message: 'Say why the request is rejected: the requester will read it.' };
  const isApprover = await deps.approvers.isApprover(click.userId);
  const outcome = await deps.dataSource.transaction(async (manager): Promise<ActionResult> => {
    const checked = checkDecision(deps, await lockRequest(manager, click.requestId), click, isApprover);
    if (!checked.ok) return checked;
    const { request } = checked;
    const moved = await transitionWithUpdates(
      manager,
      {
        id: request.id,
        action: 'reject',
        expected: { status: 'pending_approval', version: click.version },
        actor: click.userId,
        changes: { closedAt: new Date() },
        details: { reason },
      },
      [{ type: 'rejected', by: click.userId, reason }],
    );
    if (!moved.ok)
      return {
        ok: false,
        message: `${request.reference} was decided by someone else a moment ago. Nothing was changed.`,
      };
    await recordDecisionOnce(manager, {
      chargeRequestId: request.id,
      version: click.version,
      approverId: click.userId,
      decision: 'rejected',
      reason,
    });
    return { ok: true };
  });
  deps.wakeOutbox();
  return outcome;
}

/** Whether `userId` may decide this request right now (before opening the reject modal). */
export async function canDecide(deps: ChargeDeps, click: DecisionClick): Promise<ActionResult> {
  const checked = checkDecision(
    deps,
    await findChargeRequest(deps.dataSource, click.requestId),
    click,
    await deps.approvers.isApprover(click.userId),
  );
  return checked.ok ? { ok: true } : checked;
}
