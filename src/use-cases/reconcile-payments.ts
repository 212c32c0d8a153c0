import { CLOSED_LINK_STATUSES, PAYABLE_LINK_STATUSES } from '../domain/charge-status.js';
import type { Inbox } from '../inbox/worker.js';
import { findOpenPaymentLinks } from '../persistence/charge-requests.js';
import type { StripeGateway } from '../stripe/gateway.js';
import type { UseCaseDeps } from './deps.js';

export interface ReconcileSummary {
  /** Payment links asked about (open, or closed in the last two days). */
  readonly checked: number;
  /** Payments (or payment starts) recorded that no webhook had brought. */
  readonly recorded: number;
}

/**
 * How long a link closed without a payment (canceled, expired, failed) is still asked about: a
 * Checkout Session the customer opened before can complete until it expires, 24 hours after it was
 * opened by default; twice that leaves room for a late webhook.
 *
 * @see https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-expires_at
 */
export const CLOSED_LINKS_CHECKED_FOR_MS = 48 * 3_600_000;

/**
 * Catches missed webhooks: asks Stripe for the completed checkout sessions of every open payment
 * link, and of links closed in the last two days, and applies them through the inbox, the same
 * idempotent path as webhooks. Safe on several instances at once: each session is stored under one
 * id, and the transitions are compare-and-set.
 */
export async function reconcilePayments(
  deps: Pick<UseCaseDeps, 'db' | 'logger' | 'clock'> & { stripe: StripeGateway; inbox: Inbox },
): Promise<ReconcileSummary> {
  const links = await findOpenPaymentLinks(deps.db, 500, {
    open: PAYABLE_LINK_STATUSES,
    closed: CLOSED_LINK_STATUSES,
    closedSince: new Date(deps.clock.now().getTime() - CLOSED_LINKS_CHECKED_FOR_MS),
  });
  let recorded = 0;
  for (const link of links) {
    for (const event of await deps.stripe.completedCheckoutEvents(link)) {
      if ((await deps.inbox.applyNew(event)) === 'applied') recorded += 1;
    }
  }
  if (recorded > 0) deps.logger.warn({ recorded }, 'reconciliation recorded payments that no webhook brought');
  return { checked: links.length, recorded };
}
