import express, { type Express } from 'express';
import Stripe from 'stripe';
import type { DataSource } from 'typeorm';
import type { Logger } from '../logger.js';
import { ingestStripeEvent } from '../use-cases/record-payment-event.js';

/** Stripe's default tolerance: a signature older than five minutes is stale. */
const TOLERANCE_SECONDS = 300;

/**
 * Verifies `Stripe-Signature` against each configured secret (several while rotating) and returns
 * the event, or undefined. The raw body is what was signed, so nothing may parse it first.
 *
 * @see https://docs.stripe.com/webhooks#verify-webhook-signatures-with-official-libraries
 */
export function verifyStripeEvent(
  rawBody: Buffer,
  signature: string,
  secrets: readonly string[],
): Stripe.Event | undefined {
  for (const secret of secrets) {
    try {
      return Stripe.webhooks.constructEvent(rawBody, signature, secret, TOLERANCE_SECONDS);
    } catch {
      // try the next secret
    }
  }
  return undefined;
}

/**
 * POST /stripe/webhook: 400 and nothing stored for a missing, forged or stale signature; 503 when no
 * secret is configured (an unverified event is never stored); otherwise the verified event goes into
 * the inbox (once per event id) and Stripe gets its 200 at once. The inbox worker applies it.
 */
export function mountStripeWebhook(
  app: Express,
  secrets: readonly string[],
  deps: { dataSource: DataSource; wakeInbox: () => void },
  logger: Logger,
): void {
  app.post('/stripe/webhook', express.raw({ type: '*/*', limit: '1mb' }), async (req, res) => {
    if (secrets.length === 0) {
      res.status(503).json({ error: 'webhooks_not_configured', fix: 'set STRIPE_WEBHOOK_SECRET' });
      return;
    }
    const signature = req.header('stripe-signature');
    if (!signature) {
      res.status(400).json({ error: 'missing_signature' });
      return;
    }
    const body: unknown = req.body;
    const event = Buffer.isBuffer(body) ? verifyStripeEvent(body, signature, secrets) : undefined;
    if (!event) {
      logger.warn({ ip: req.ip }, 'stripe webhook with an invalid or stale signature refused');
      res.status(400).json({ error: 'invalid_signature' });
      return;
    }
    try {
      const fresh = await ingestStripeEvent(deps.dataSource, {
        id: event.id,
        type: event.type,
        payload: (body as Buffer).toString('utf8'),
      });
      res.json({ received: true, duplicate: !fresh });
      if (fresh) deps.wakeInbox();
    } catch (error) {
      logger.error(
        { err: error, eventId: event.id, type: event.type },
        'stripe webhook could not be stored; Stripe will retry',
      );
      res.status(500).json({ error: 'storage_failed' });
    }
  });
}
