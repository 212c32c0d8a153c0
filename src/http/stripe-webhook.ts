import express, { type Express } from 'express';
import type { Db } from '../db/sql.js';
import { refuse } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { ingestStripeEvent } from '../persistence/stripe-events.js';
import { readStripeEvent, verifyStripeSignature } from '../stripe/webhooks.js';
import { MAX_BODY_BYTES } from './body-limit.js';
import { sendRefusal } from './server.js';

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
  app.post('/stripe/webhook', express.raw({ type: () => true, limit: MAX_BODY_BYTES }), async (req, res) => {
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
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!verifyStripeSignature(body, signature, secrets)) {
      deps.metrics.webhook('invalid_signature');
      logger.warn({ ip: req.ip }, 'stripe webhook with an invalid or stale signature refused');
      sendRefusal(res, refuse('invalid_signature', 'The signature does not match, or it is stale.'), 400);
      return;
    }
    const read = readStripeEvent(body);
    if (!read.ok) {
      deps.metrics.webhook('rejected');
      logger.warn(
        { ip: req.ip, problem: read.message },
        'signed stripe webhook body is not a well-formed event; refused',
      );
      sendRefusal(res, read, 400);
      return;
    }
    const { event } = read;
    try {
      const fresh = await ingestStripeEvent(deps.db, {
        id: event.id,
        type: event.type,
        payload: body.toString('utf8'),
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
