import { mayDecide } from '../domain/authorization.js';
import { describeStatus } from '../domain/charge-status.js';
import { enqueue } from '../outbox/outbox.js';
import { recordDecision } from '../persistence/approvals.js';
import { findChargeRequest, transitionChargeRequest } from '../persistence/charge-requests.js';
import type { ActionResult, ChargeDeps } from './charge-deps.js';
import { issuePaymentLink } from './payment-link.js';

export interface DecisionClick {
  readonly requestId: string;
  /** The version on the card that was clicked: an approval binds to what the approver saw. */
  readonly version: number;
  readonly userId: string;
}

/** Checks everything that does not need a write: who clicked, and whether the card is current. */
async function checkDecision(deps: ChargeDeps, click: DecisionClick) {
  const request = await findChargeRequest(deps.dataSource, click.requestId);
  if (!request) return { ok: false as const, message: 'That request no longer exists.' };
  const permission = mayDecide(
    request,
    { userId: click.userId, isApprover: await deps.approvers.isApprover(click.userId) },
    deps.allowSelfApproval,
  );
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

/**
 * Approve: one compare-and-set from pending_approval at the clicked version, so of any number of
 * concurrent clicks (two approvers, two instances) exactly one wins; then the payment link.
 */
export async function approveCharge(deps: ChargeDeps, click: DecisionClick): Promise<ActionResult> {
  const checked = await checkDecision(deps, click);
  if (!checked.ok) return checked;
  const { request } = checked;
  const moved = await deps.dataSource.transaction(async (manager) => {
    const result = await transitionChargeRequest(manager, {
      id: request.id,
      action: 'approve',
      expected: { status: 'pending_approval', version: click.version },
      actor: click.userId,
      changes: { approvedAt: new Date() },
    });
    if (result.ok) {
      await recordDecision(manager, {
        chargeRequestId: request.id,
        version: click.version,
        approverId: click.userId,
        decision: 'approved',
        reason: null,
      });
      await enqueue(manager, { kind: 'update_card', requestId: request.id });
      await enqueue(manager, {
        kind: 'thread_reply',
        requestId: request.id,
        notice: { type: 'approved', by: click.userId },
      });
    }
    return result;
  });
  deps.wakeOutbox();
  if (!moved.ok) {
    return {
      ok: false,
      message: `${request.reference} was decided by someone else a moment ago. Nothing was changed.`,
    };
  }
  await issuePaymentLink(deps, request.id);
  return { ok: true };
}

/** Reject with a reason (required), bound to the clicked version like an approval. */
export async function rejectCharge(deps: ChargeDeps, click: DecisionClick & { reason: string }): Promise<ActionResult> {
  const reason = click.reason.trim();
  if (reason.length < 3) return { ok: false, message: 'Say why the request is rejected: the requester will read it.' };
  const checked = await checkDecision(deps, click);
  if (!checked.ok) return checked;
  const { request } = checked;
  const moved = await deps.dataSource.transaction(async (manager) => {
    const result = await transitionChargeRequest(manager, {
      id: request.id,
      action: 'reject',
      expected: { status: 'pending_approval', version: click.version },
      actor: click.userId,
      changes: { closedAt: new Date() },
      details: { reason },
    });
    if (result.ok) {
      await recordDecision(manager, {
        chargeRequestId: request.id,
        version: click.version,
        approverId: click.userId,
        decision: 'rejected',
        reason,
      });
      await enqueue(manager, { kind: 'update_card', requestId: request.id });
      await enqueue(manager, {
        kind: 'thread_reply',
        requestId: request.id,
        notice: { type: 'rejected', by: click.userId, reason },
      });
    }
    return result;
  });
  deps.wakeOutbox();
  if (!moved.ok)
    return {
      ok: false,
      message: `${request.reference} was decided by someone else a moment ago. Nothing was changed.`,
    };
  return { ok: true };
}

/** Whether `userId` may decide this request right now (used before opening the reject modal). */
export async function canDecide(deps: ChargeDeps, click: DecisionClick): Promise<ActionResult> {
  const checked = await checkDecision(deps, click);
  return checked.ok ? { ok: true } : checked;
}
