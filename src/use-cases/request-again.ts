import { checkTransition, describeStatus } from '../domain/charge-status.js';
import { refuse } from '../errors.js';
import { enqueue } from '../persistence/outbox.js';
import type { ActionResult, UseCaseDeps } from './deps.js';
import { type ChangeClick, checkChange } from './edit-charge.js';
import { approvalOccasion } from './propose-charge.js';
import { transitionWithUpdates } from './transition-with-updates.js';

/**
 * "Request again" after the payment link expired unpaid: the requester (or an approver) asks for the
 * same charge again. It becomes a new version waiting for approval (earlier approvals no longer count),
 * a new wait begins (reminders, escalation and expiry count from now), and approvers are told again.
 *
 * The expired link's id stays on the request: a customer who completes a checkout opened before the
 * expiry is still recorded against it (see domain/payment-events.ts).
 */
export async function requestAgain(deps: UseCaseDeps, click: ChangeClick): Promise<ActionResult> {
  const checked = await checkChange(deps, click);
  if (!checked.ok) return checked;
  const { request } = checked;
  if (!checkTransition(request.status, 'request_again').ok) {
    return refuse(
      'wrong_state',
      `${request.reference} is ${describeStatus(request.status)}; only a request whose payment link expired can be asked for again.`,
    );
  }
  const now = deps.clock.now();
  return deps.db.transaction(async (tx): Promise<ActionResult> => {
    const moved = await transitionWithUpdates(
      tx,
      {
        id: request.id,
        action: 'request_again',
        expected: { status: request.status, version: request.version },
        actor: click.userId,
        at: now,
        changes: {
          awaitingApprovalSince: now,
          escalatedAt: null,
          approvedAt: null,
          linkCreatedAt: null,
          paymentLinkUrl: null,
          closedAt: null,
          // A late link of the new version is announced again, and its server errors counted afresh.
          linkDelayedAt: null,
          linkFailures: 0,
        },
        details: { expiredLinkId: request.paymentLinkId },
      },
      [{ type: 'requested_again', by: click.userId, version: request.version + 1 }],
    );
    if (!moved.ok) {
      return refuse('conflict', `${request.reference} changed a moment ago; look at the card and try again.`);
    }
    await enqueue(tx, [
      { kind: 'dm_card', requestId: request.id, occasion: approvalOccasion(moved.request), to: 'approvers' },
    ]);
    return { ok: true };
  });
}
