import type { ChargeRequest } from '../domain/charge-request.js';
import { findChargeRequest } from '../persistence/charge-requests.js';
import { classifyStripeError, createPaymentLink, deactivatePaymentLink } from '../stripe/payment-links.js';
import { changeState } from './change-state.js';
import type { ActionResult, ChargeDeps } from './charge-deps.js';

/**
 * Creates the Stripe payment link of an approved request and records it. Safe to call any number of
 * times from anywhere (the click handler, the sweep, another instance): the idempotency key makes
 * Stripe return one link per request, version and attempt, and the compare-and-set records it once.
 */
export async function issuePaymentLink(deps: ChargeDeps, requestId: string): Promise<void> {
  const request = await findChargeRequest(deps.dataSource, requestId);
  if (request?.status !== 'approved') return;
  const log = deps.logger.child({ reference: request.reference, version: request.version });
  if (!deps.stripe) {
    await failLink(deps, request, 'Stripe is not configured: an admin must set STRIPE_SECRET_KEY, then press Retry.');
    return;
  }
  let link: { id: string; url: string };
  try {
    link = await createPaymentLink(deps.stripe, request);
  } catch (error) {
    const failure = classifyStripeError(error);
    if (failure.kind === 'transient') {
      // Stays approved: the sweep retries with the same idempotency key, so no second link can appear.
      log.warn({ err: error }, 'payment link creation failed; will retry');
      return;
    }
    log.warn({ err: error }, 'payment link creation failed permanently');
    await failLink(deps, request, failure.message);
    return;
  }

  const moved = await changeState(
    deps,
    {
      id: request.id,
      action: 'create_link',
      expected: { status: 'approved', version: request.version },
      actor: 'system',
      changes: { paymentLinkId: link.id, paymentLinkUrl: link.url, linkCreatedAt: new Date(), lastError: null },
      details: { paymentLinkId: link.id, linkAttempt: request.linkAttempt },
    },
    [{ type: 'link_created', url: link.url }],
  );
  if (moved.ok) {
    log.info({ paymentLinkId: link.id }, 'payment link created');
  } else if (moved.current?.paymentLinkId !== link.id && moved.current?.status === 'canceled') {
    // Canceled while Stripe was creating the link: nobody may pay it.
    await deactivatePaymentLink(deps.stripe, link.id).catch((error: unknown) =>
      log.error({ err: error, paymentLinkId: link.id }, 'could not deactivate the link of a canceled request'),
    );
  }
}

async function failLink(deps: ChargeDeps, request: ChargeRequest, reason: string): Promise<void> {
  await changeState(
    deps,
    {
      id: request.id,
      action: 'fail_link',
      expected: { status: 'approved', version: request.version },
      actor: 'system',
      changes: { lastError: reason },
      details: { reason },
    },
    [{ type: 'link_failed', reason }],
  );
}

/** Retry after a permanent failure (a fixed key, a granted permission): approvers only. */
export async function retryPaymentLink(
  deps: ChargeDeps,
  click: { requestId: string; userId: string },
): Promise<ActionResult> {
  const request = await findChargeRequest(deps.dataSource, click.requestId);
  if (!request) return { ok: false, message: 'That request no longer exists.' };
  if (!(await deps.approvers.isApprover(click.userId))) {
    return {
      ok: false,
      message: `Only finance approvers can retry the payment link of ${request.reference}. Nothing was changed.`,
    };
  }
  const moved = await changeState(deps, {
    id: request.id,
    action: 'retry_link',
    expected: { status: request.status, version: request.version },
    actor: click.userId,
    // A new attempt number means a new idempotency key: Stripe would replay the stored failure.
    changes: { linkAttempt: request.linkAttempt + 1, lastError: null },
  });
  if (!moved.ok) return { ok: false, message: `${request.reference} cannot be retried now: ${moved.message}.` };
  await issuePaymentLink(deps, request.id);
  return { ok: true };
}

/**
 * Finds approved requests that have waited a while without a link (a transient Stripe failure, or a
 * crash between the Stripe call and the database write) and tries again with the same key.
 */
export async function sweepApprovedRequests(deps: ChargeDeps, olderThanSeconds = 10): Promise<number> {
  const rows: { id: string }[] = await deps.dataSource.query(
    `SELECT id FROM charge_requests WHERE status = 'approved' AND updated_at < now() - make_interval(secs => $1)
     ORDER BY updated_at LIMIT 20`,
    [olderThanSeconds],
  );
  for (const row of rows) await issuePaymentLink(deps, row.id);
  return rows.length;
}
