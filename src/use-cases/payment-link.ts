import type { ChargeRequest } from '../domain/charge-request.js';
import { refuse } from '../errors.js';
import { findChargeRequest, findUnchangedSince } from '../persistence/charge-requests.js';
import { classifyStripeError } from '../stripe/payment-links.js';
import type { ActionResult, UseCaseDeps } from './deps.js';
import { transitionWithUpdates } from './transition-with-updates.js';

/**
 * Creates the Stripe payment link of an approved request and records it. Safe to call any number of
 * times from anywhere (the click handler, the sweep, another instance): the idempotency key makes
 * Stripe return one link per request, version and attempt, and the compare-and-set records it once.
 */
export async function issuePaymentLink(deps: UseCaseDeps, requestId: string): Promise<void> {
  const request = await findChargeRequest(deps.db, requestId);
  if (request?.status !== 'approved') return;
  const log = deps.logger.child({ reference: request.reference, version: request.version });
  if (!deps.stripe) {
    await failLink(deps, request, 'Stripe is not configured: an admin must set STRIPE_SECRET_KEY, then press Retry.');
    return;
  }
  let link: { id: string; url: string; replayed: boolean };
  try {
    link = await deps.stripe.createPaymentLink(request);
    deps.metrics?.paymentLink(link.replayed ? 'replayed' : 'created');
  } catch (error) {
    const failure = classifyStripeError(error);
    if (failure.code === 'unavailable') {
      // Stays approved: the sweep retries with the same idempotency key, so no second link can appear.
      log.warn({ err: error }, 'payment link creation failed; will retry');
      return;
    }
    log.warn({ err: error }, 'payment link creation failed permanently');
    deps.metrics?.paymentLink('failed');
    await failLink(deps, request, failure.message);
    return;
  }

  const moved = await transitionWithUpdates(
    deps.db,
    {
      id: request.id,
      action: 'create_link',
      expected: { status: 'approved', version: request.version },
      actor: 'system',
      changes: { paymentLinkId: link.id, paymentLinkUrl: link.url, linkCreatedAt: deps.clock.now(), lastError: null },
      details: { paymentLinkId: link.id, linkAttempt: request.linkAttempt },
    },
    [{ type: 'link_created', url: link.url }],
  );
  if (moved.ok) {
    log.info({ paymentLinkId: link.id }, 'payment link created');
  } else if (moved.current?.paymentLinkId !== link.id && moved.current?.status === 'canceled') {
    // Canceled while Stripe was creating the link: nobody may pay it.
    await deps.stripe
      .deactivatePaymentLink(link.id)
      .catch((error: unknown) =>
        log.error({ err: error, paymentLinkId: link.id }, 'could not deactivate the link of a canceled request'),
      );
  }
}

async function failLink(deps: UseCaseDeps, request: ChargeRequest, reason: string): Promise<void> {
  await transitionWithUpdates(
    deps.db,
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
  deps: UseCaseDeps,
  click: { requestId: string; userId: string },
): Promise<ActionResult> {
  const request = await findChargeRequest(deps.db, click.requestId);
  if (!request) return refuse('not_found', 'That request no longer exists.');
  if (!(await deps.approvers.isApprover(click.userId))) {
    return refuse(
      'forbidden',
      `Only finance approvers can retry the payment link of ${request.reference}. Nothing was changed.`,
    );
  }
  const moved = await transitionWithUpdates(deps.db, {
    id: request.id,
    action: 'retry_link',
    expected: { status: request.status, version: request.version },
    actor: click.userId,
    // A new attempt number means a new idempotency key: Stripe would replay the stored failure.
    changes: { linkAttempt: request.linkAttempt + 1, lastError: null },
  });
  if (!moved.ok) return refuse(moved.code, `${request.reference} cannot be retried now: ${moved.message}.`);
  await issuePaymentLink(deps, request.id);
  return { ok: true };
}

/**
 * Finds approved requests that have waited a while without a link (a transient Stripe failure, or a
 * crash between the Stripe call and the database write) and tries again with the same key.
 */
export async function sweepApprovedRequests(deps: UseCaseDeps, olderThanSeconds = 10): Promise<number> {
  const before = new Date(deps.clock.now().getTime() - olderThanSeconds * 1000);
  const waiting = await findUnchangedSince(deps.db, 'approved', before, 20);
  for (const request of waiting) await issuePaymentLink(deps, request.id);
  return waiting.length;
}
