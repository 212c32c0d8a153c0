import express, { type Express } from 'express';
import Stripe from 'stripe';
import type { Db } from '../db/sql.js';
import { refuse } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { ingestStripeEvent } from '../persistence/stripe-events.js';
import { isStripeEvent } from '../stripe/events.js';
import { sendRefusal } from './server.js';

/** Stripe's default tolerance: a signature older than five minutes is stale. */
const TOLERANCE_SECONDS = 300;

/** Stripe's events are a few kilobytes; anything far larger is not from Stripe. */
export const WEBHOOK_BODY_LIMIT = '1mb';

/**
 * Verifies `Stripe-Signature` against each configured secret (several while rotating) and returns
 * the event, or undefined. The raw body is what was signed, so nothing may parse it first.
 *
 * @see https://docs.stripe.com/webhooks#verify-webhook-signatures-with-official-libraries
 */
export function verifyStripeEvent(rawBody: Buffer, signature: string, secrets: readonly string[]): unknown {
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
 * POST /stripe/webhook: 400 and nothing stored for a missing, forged or stale signature, or for a
 * signed body that is not an event; 413 for an oversized body; 503 when no secret is configured (an
 * unverified event is never stored); otherwise the verified event goes into the inbox (once per
 * event id) and Stripe gets its 200 at once. The inbox worker applies it.
 */
export function mountStripeWebhook(
  app: Express,
  secrets: readonly string[],
  deps: { db: Db; metrics: Metrics },
  logger: Logger,
): void {
  app.post('/stripe/webhook', express.raw({ type: '*/*', limit: WEBHOOK_BODY_LIMIT }), async (req, res) => {
    if (secrets.length === 0) {
      deps.metrics.webhook('rejected');
      sendRefusal(res, refuse('webhooks_not_configured', 'Set STRIPE_WEBHOOK_SECRET to receive Stripe events.'), 503);
      return;
    }
    const signature = req.header('stripe-signature');
    if (!signature) {
      deps.metrics.webhook('invalid_signature');
      sendRefusal(res, refuse('missing_signature', 'The Stripe-Signature header is missing.'), 400);
      return;
    }
    const body: unknown = req.body;
    const event = Buffer.isBuffer(body) ? verifyStripeEvent(body, signature, secrets) : undefined;
    if (!event) {
      deps.metrics.webhook('invalid_signature');
      logger.warn({ ip: req.ip }, 'stripe webhook with an invalid or stale signature refused');
      sendRefusal(res, refuse('invalid_signature', 'The signature does not match, or it is stale.'), 400);
      return;
    }
    if (!isStripeEvent(event)) {
      deps.metrics.webhook('rejected');
      logger.warn({ ip: req.ip }, 'signed stripe webhook body is not an event; refused');
      sendRefusal(res, refuse('invalid_event', 'The body is signed but is not a Stripe event.'), 400);
      return;
    }
    try {
      const fresh = await ingestStripeEvent(deps.db, {
        id: event.id,
        type: event.type,
        payload: (body as Buffer).toString('utf8'),
      });
      deps.metrics.webhook(fresh ? 'stored' : 'duplicate');
      res.json({ received: true, duplicate: !fresh });
    } catch (error) {
      logger.error(
        { err: error, eventId: event.id, type: event.type },
        'stripe webhook could not be stored; Stripe will retry',
      );
      res.status(500).json({ error: 'storage_failed' });
    }
  });
}
