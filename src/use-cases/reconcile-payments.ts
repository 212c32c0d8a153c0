import { PAYABLE_LINK_STATUSES } from '../domain/charge-status.js';
import type { Inbox } from '../inbox/worker.js';
import { findOpenPaymentLinks } from '../persistence/charge-requests.js';
import type { StripeGateway } from '../stripe/gateway.js';
import type { UseCaseDeps } from './deps.js';

export interface ReconcileSummary {
  /** Open payment links asked about. */
  readonly checked: number;
  /** Payments (or payment starts) recorded that no webhook had brought. */
  readonly recorded: number;
}

/**
 * Catches missed webhooks: asks Stripe for the completed checkout sessions of every open payment
 * link and applies them through the inbox, the same idempotent path as webhooks. Safe on several
 * instances at once: each session is stored under one id, and the transitions are compare-and-set.
 */
export async function reconcilePayments(
  deps: Pick<UseCaseDeps, 'db' | 'logger'> & { stripe: StripeGateway; inbox: Inbox },
): Promise<ReconcileSummary> {
  const links = await findOpenPaymentLinks(deps.db, PAYABLE_LINK_STATUSES, 500);
  let recorded = 0;
  for (const link of links) {
    for (const event of await deps.stripe.completedCheckoutEvents(link)) {
      if ((await deps.inbox.applyNew(event)) === 'applied') recorded += 1;
    }
  }
  if (recorded > 0) deps.logger.warn({ recorded }, 'reconciliation recorded payments that no webhook brought');
  return { checked: links.length, recorded };
}
