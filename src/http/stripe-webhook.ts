import express, { type Express } from 'express';
import Stripe from 'stripe';
import type { Db } from '../db/sql.js';
import { refuse } from '../errors.js';
import type { Logger } from '../logger.js';
import { ingestStripeEvent } from '../persistence/stripe-events.js';
import { isStripeEvent, translateStripeEvent } from '../stripe/events.js';
import { MAX_BODY_BYTES } from './body-limit.js';
import { sendRefusal } from './server.js';

/** Stripe's default tolerance: a signature older than five minutes is stale. */
const TOLERANCE_SECONDS = 300;

/**
 * Whether `Stripe-Signature` verifies the raw body with one of the configured secrets (several while
 * rotating). The raw body is what was signed, so nothing may parse it first.
 *
 * @see https://docs.stripe.com/webhooks#verify-webhook-signatures-with-official-libraries
 */
export function verifyStripeSignature(rawBody: Buffer, signature: string, secrets: readonly string[]): boolean {
  return secrets.some((secret) => {
    try {
      return Stripe.webhooks.signature?.verifyHeader(rawBody, signature, secret, TOLERANCE_SECONDS) === true;
    } catch {
      return false;
    }
  });
}

/**
 * A verified body as a Stripe event, or why it is not one: JSON, the envelope (id, type, created,
 * data.object), and for the types Countersign acts on, an object it can read. Stripe never sends
 * anything else, so anything else gets a 400 at the door instead of a dead event later.
 */
function readStripeEvent(rawBody: Buffer): Stripe.Event | string {
  let value: unknown;
  try {
    value = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return 'The body is signed but is not JSON.';
  }
  if (!isStripeEvent(value)) return 'The body is signed but is not a Stripe event (id, type, created, data.object).';
  try {
    translateStripeEvent(value);
  } catch {
    return `The body is signed but its ${value.type} object lacks fields Stripe always sends.`;
  }
  return value;
}

/**
 * POST /stripe/webhook: 400 and nothing stored for a missing, forged or stale signature, or for a
 * signed body that is not an event; 413 for an oversized body; 503 when no secret is configured (an
 * unverified event is never stored); otherwise the verified event goes into the inbox (once per
 * event id) and Stripe gets its 200 at once. The inbox worker applies it.
 */
export function mountStripeWebhook(app: Express, secrets: readonly string[], deps: { db: Db }, logger: Logger): void {
  app.post('/stripe/webhook', express.raw({ type: () => true, limit: MAX_BODY_BYTES }), async (req, res) => {
    if (secrets.length === 0) {
      sendRefusal(res, refuse('webhooks_not_configured', 'Set STRIPE_WEBHOOK_SECRET to receive Stripe events.'), 503);
      return;
    }
    const signature = req.header('stripe-signature');
    if (!signature) {
      sendRefusal(res, refuse('missing_signature', 'The Stripe-Signature header is missing.'), 400);
      return;
    }
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!verifyStripeSignature(body, signature, secrets)) {
      logger.warn({ ip: req.ip }, 'stripe webhook with an invalid or stale signature refused');
      sendRefusal(res, refuse('invalid_signature', 'The signature does not match, or it is stale.'), 400);
      return;
    }
    const event = readStripeEvent(body);
    if (typeof event === 'string') {
      logger.warn({ ip: req.ip, problem: event }, 'signed stripe webhook body is not a well-formed event; refused');
      sendRefusal(res, refuse('invalid_event', event), 400);
      return;
    }
    try {
      const fresh = await ingestStripeEvent(deps.db, {
        id: event.id,
        type: event.type,
        payload: body.toString('utf8'),
      });
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
