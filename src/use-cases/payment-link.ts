import { holdsApprovalRight } from '../domain/authorization.js';
import type { ChargeRequest } from '../domain/charge-request.js';
import { refuse } from '../errors.js';
import type { Logger } from '../logger.js';
import { LINKS_CHANNEL, notify } from '../persistence/channels.js';
import {
  advanceLinkAttempt,
  findChargeRequest,
  findUnchangedSince,
  recordLinkFailure,
} from '../persistence/charge-requests.js';
import { enqueue } from '../persistence/outbox.js';
import type { StripeGateway } from '../stripe/gateway.js';
import { type CreatedLink, classifyStripeError } from '../stripe/payment-links.js';
import { resolveClicker } from './acting-approver.js';
import type { ActionResult, UseCaseDeps } from './deps.js';
import { transitionWithUpdates } from './transition-with-updates.js';

/**
 * Server errors under one key after which the key is given up even without Stripe's replay header
 * (a proxy in front of Stripe may drop it): Stripe answered each time, so nothing is still running.
 */
const SERVER_ERRORS_BEFORE_NEXT_KEY = 3;

type Attempt =
  | { ok: true; link: CreatedLink; under: ChargeRequest }
  /** `keySpent`: retrying this key can only get the same failure (`reason`) again. */
  | { ok: false; keySpent: boolean; reason?: string };

/**
 * Creates the Stripe payment link of an approved request and records it. Safe to call any number of
 * times from anywhere (the click handler, the sweep, another instance): the idempotency key makes
 * Stripe return one link per request, version and attempt, and the compare-and-set records it once.
 *
 * Stripe stores the first answer for a key, 500s included, and replays it to every retry. So when it
 * replays a failure (or keeps failing under one key), retrying that key is pointless: Countersign asks
 * Stripe whether it made a link for this request and version anyway and uses it, or else moves to
 * the next attempt number (a fresh key).
 */
export async function issuePaymentLink(deps: UseCaseDeps, requestId: string): Promise<void> {
  // One instance works on a request's link at a time (the others find the lock taken and move on);
  // the idempotency key and the compare-and-set would keep it to one link anyway.
  await deps.db.withSessionLock(`countersign:link:${requestId}`, () => issueUnlocked(deps, requestId));
}

async function issueUnlocked(deps: UseCaseDeps, requestId: string): Promise<void> {
  const request = await findChargeRequest(deps.db, requestId);
  if (request?.status !== 'approved') return;
  const log = deps.logger.child({ reference: request.reference, version: request.version });
  const { stripe } = deps;
  if (!stripe) {
    await failLink(deps, request, 'Stripe is not configured: an admin must set STRIPE_SECRET_KEY, then press Retry.');
    return;
  }
  let attempt = await createUnder(deps, stripe, request, log);
  if (!attempt.ok && attempt.keySpent) attempt = await recoverLink(deps, stripe, request, attempt.reason, log);
  if (attempt.ok) await recordLink(deps, attempt.under, attempt.link, log);
}

/** One call to Stripe under the request's current key; a failure is recorded and classified. */
async function createUnder(
  deps: UseCaseDeps,
  stripe: StripeGateway,
  request: ChargeRequest,
  log: Logger,
): Promise<Attempt> {
  try {
    const link = await stripe.createPaymentLink(request);
    deps.metrics?.paymentLink(link.replayed ? 'replayed' : 'created');
    return { ok: true, link, under: request };
  } catch (error) {
    const failure = classifyStripeError(error);
    const about = { err: error, linkAttempt: request.linkAttempt, replayed: failure.replayed };
    if (failure.code === 'service_refused') {
      log.warn(about, 'payment link creation failed permanently');
      deps.metrics?.paymentLink('failed');
      await failLink(deps, request, failure.message);
      return { ok: false, keySpent: false };
    }
    const failures = await recordLinkFailure(deps.db, request, {
      reason: failure.message,
      serverError: failure.serverError,
      at: deps.clock.now(),
    });
    const keySpent = failure.replayed || (failures ?? 0) >= SERVER_ERRORS_BEFORE_NEXT_KEY;
    log.warn(
      { ...about, failures },
      keySpent
        ? 'Stripe will only replay this failure for this key: looking for a link it may have made'
        : 'payment link creation failed; will retry with the same key',
    );
    return { ok: false, keySpent, reason: failure.message };
  }
}

/**
 * After the current key is spent: the link Stripe made for this request and version despite the
 * error, if any; otherwise the next attempt number and one try under it. The attempt moves by
 * compare-and-set from the one whose failure was seen, so of two instances recovering at once only
 * one moves on, and no link can be made under the next key before the search under the last one.
 */
async function recoverLink(
  deps: UseCaseDeps,
  stripe: StripeGateway,
  request: ChargeRequest,
  reason: string | undefined,
  log: Logger,
): Promise<Attempt> {
  let found: CreatedLink | undefined;
  try {
    found = await stripe.findPaymentLink(request);
  } catch (error) {
    log.warn({ err: error }, 'could not list payment links to look for this one; will try again');
    return { ok: false, keySpent: true };
  }
  if (found) {
    log.info({ paymentLinkId: found.id }, 'Stripe had made the link despite the error; using it');
    return { ok: true, link: found, under: request };
  }
  const next = await advanceLinkAttempt(deps.db, request, 'system', deps.clock.now(), {
    from: request.linkAttempt,
    to: request.linkAttempt + 1,
    reason: reason ?? 'Stripe replayed a stored failure for this idempotency key',
  });
  // Another instance moved on first: its attempt under the next key is on its way.
  if (!next) return { ok: false, keySpent: false };
  log.info({ linkAttempt: next.linkAttempt }, 'no link was made under the spent key; trying the next one');
  return createUnder(deps, stripe, next, log);
}

async function recordLink(deps: UseCaseDeps, request: ChargeRequest, link: CreatedLink, log: Logger): Promise<void> {
  const moved = await transitionWithUpdates(
    deps.db,
    {
      id: request.id,
      action: 'create_link',
      expected: { status: 'approved', version: request.version },
      actor: 'system',
      at: deps.clock.now(),
      changes: { paymentLinkId: link.id, paymentLinkUrl: link.url, linkCreatedAt: deps.clock.now(), lastError: null },
      details: { paymentLinkId: link.id, linkAttempt: request.linkAttempt },
    },
    [{ type: 'link_created', url: link.url }],
  );
  if (moved.ok) {
    log.info({ paymentLinkId: link.id }, 'payment link created');
  } else if (moved.current && moved.current.paymentLinkId !== link.id) {
    // Canceled, or paid through an older link, while Stripe was making this one: nobody may pay it.
    // (Another instance that recorded this very link is the one case to leave alone.)
    const reason = `made while the request became ${moved.current.status}`;
    log.warn({ paymentLinkId: link.id, status: moved.current.status }, 'deactivating a payment link nobody may pay');
    await enqueue(deps.db, [{ kind: 'deactivate_link', requestId: request.id, paymentLinkId: link.id, reason }]);
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
      at: deps.clock.now(),
      changes: { lastError: reason },
      details: { reason },
    },
    [{ type: 'link_failed', reason }],
  );
}

/**
 * A new link after a permanent failure (a fixed key, a granted permission), or after the payment
 * failed at the bank (its link has had its one checkout): approvers and their delegates only.
 */
export async function retryPaymentLink(
  deps: UseCaseDeps,
  click: { requestId: string; userId: string },
): Promise<ActionResult> {
  const request = await findChargeRequest(deps.db, click.requestId);
  if (!request) return refuse('not_found', 'That request no longer exists.');
  if (!holdsApprovalRight(await resolveClicker(deps, deps.db, click.userId, deps.clock.now()))) {
    return refuse(
      'forbidden',
      `Only finance approvers can retry the payment link of ${request.reference}. Nothing was changed.`,
    );
  }
  const moved = await deps.db.transaction(async (tx) => {
    const retried = await transitionWithUpdates(tx, {
      id: request.id,
      action: 'retry_link',
      expected: { status: request.status, version: request.version },
      actor: click.userId,
      at: deps.clock.now(),
      // A new attempt number means a new idempotency key: Stripe would replay the stored failure.
      changes: { linkAttempt: request.linkAttempt + 1, linkFailures: 0, lastError: null, linkDelayedAt: null },
      details: request.paymentLinkId ? { replaces: request.paymentLinkId } : {},
    });
    if (!retried.ok) return retried;
    if (request.status === 'payment_failed' && request.paymentLinkId) {
      // Its one checkout is used up; still, no old link is left active beside the new one.
      const item = { requestId: request.id, paymentLinkId: request.paymentLinkId, reason: 'replaced' };
      await enqueue(tx, [{ kind: 'deactivate_link', ...item }]);
    }
    await notify(tx, LINKS_CHANNEL, request.id);
    return retried;
  });
  if (!moved.ok) return refuse(moved.code, `${request.reference} cannot be retried now: ${moved.message}.`);
  return { ok: true };
}

/**
 * Finds approved requests that have waited a while without a link (a transient Stripe failure, or a
 * crash between the Stripe call and the database write) and tries again: with the same key, or the
 * next one once Stripe only replays a failure for it.
 */
export async function sweepApprovedRequests(deps: UseCaseDeps, olderThanSeconds = 10): Promise<number> {
  const before = new Date(deps.clock.now().getTime() - olderThanSeconds * 1000);
  const waiting = await findUnchangedSince(deps.db, 'approved', before, 20);
  for (const request of waiting) await issuePaymentLink(deps, request.id);
  return waiting.length;
}
