import type Stripe from 'stripe';
import { ingestStripeEvent, type PaymentEventDeps, processStripeEvent } from './record-payment-event.js';

export interface ReconcileSummary {
  /** Open payment links asked about. */
  readonly checked: number;
  /** Payments (or payment starts) recorded that no webhook had brought. */
  readonly recorded: number;
}

/**
 * Catches missed webhooks: asks Stripe for the completed checkout sessions of every open payment
 * link and applies them through the same idempotent path as webhooks. Safe on several instances at
 * once: each session is recorded under one id, and the transitions are compare-and-set.
 */
export async function reconcilePayments(deps: PaymentEventDeps & { stripe: Stripe }): Promise<ReconcileSummary> {
  const open: { payment_link_id: string }[] = await deps.dataSource.query(
    `SELECT payment_link_id FROM charge_requests
     WHERE status IN ('link_created', 'payment_processing') AND payment_link_id IS NOT NULL
     ORDER BY link_created_at LIMIT 500`,
  );
  let recorded = 0;
  for (const { payment_link_id: paymentLink } of open) {
    const sessions = await deps.stripe.checkout.sessions.list({
      payment_link: paymentLink,
      status: 'complete',
      limit: 10,
    });
    for (const session of sessions.data) {
      // The payment status is part of the id: "unpaid" (async started) and later "paid" are two facts.
      const id = `reconcile:${session.id}:${session.payment_status}`;
      const type = 'checkout.session.completed';
      // Shaped like the webhook Stripe would have sent, so the same inbox applies it the same way.
      const payload = JSON.stringify({
        id,
        object: 'event',
        type,
        created: session.created,
        data: { object: session },
      });
      await ingestStripeEvent(deps.dataSource, { id, type, payload });
      if ((await processStripeEvent(deps, id)) === 'applied') recorded += 1;
    }
  }
  if (recorded > 0) deps.logger.warn({ recorded }, 'reconciliation recorded payments that no webhook brought');
  return { checked: open.length, recorded };
}
