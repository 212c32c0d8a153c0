import type Stripe from 'stripe';
import type { ChargeRequest } from '../domain/charge-request.js';
import type { InboxEvent } from '../persistence/stripe-events.js';
import { searchCustomers } from './client.js';
import { completedSessionEvent } from './events.js';
import {
  type CreatedLink,
  createPaymentLink,
  deactivatePaymentLink,
  findPaymentLink,
  isResourceMissing,
} from './payment-links.js';

export interface CustomerMatch {
  readonly id: string;
  readonly name: string | null;
  readonly email: string | null;
}

/**
 * Everything the use cases ask of Stripe, in our words. The SDK stays behind this interface (and in
 * src/stripe/), so use cases read as the story and tests can reach them without Stripe's types.
 */
export interface StripeGateway {
  /** Creates the payment link of an approved version; throws Stripe's error (see classifyStripeError). */
  createPaymentLink(request: ChargeRequest): Promise<CreatedLink>;
  /** The link Stripe made for this request, version and attempt (by our metadata), if it made one. */
  findPaymentLink(request: Pick<ChargeRequest, 'id' | 'version' | 'linkAttempt'>): Promise<CreatedLink | undefined>;
  /** Stops a link from accepting payments. Idempotent at Stripe. */
  deactivatePaymentLink(linkId: string): Promise<void>;
  /**
   * Our request id from a payment intent's metadata (a dispute seen before its payment); undefined
   * when the intent does not exist or is not ours. Throws when Stripe cannot answer.
   */
  requestIdOfPaymentIntent(paymentIntentId: string): Promise<string | undefined>;
  /** The completed checkout sessions of a link, shaped as the webhook events Stripe would have sent. */
  completedCheckoutEvents(paymentLinkId: string): Promise<InboxEvent[]>;
  /** Read-only customer search for the agent. */
  searchCustomers(query: string): Promise<CustomerMatch[]>;
}

export function createStripeGateway(client: Stripe): StripeGateway {
  return {
    createPaymentLink: (request) => createPaymentLink(client, request),
    findPaymentLink: (request) => findPaymentLink(client, request),
    deactivatePaymentLink: (linkId) => deactivatePaymentLink(client, linkId),
    async requestIdOfPaymentIntent(paymentIntentId) {
      try {
        const intent = await client.paymentIntents.retrieve(paymentIntentId);
        return intent.metadata?.countersign_request_id;
      } catch (error) {
        // Only "no such payment intent" means it is not ours; anything else (Stripe down, a key
        // without the permission) is thrown, and the event is retried rather than dropped as not ours.
        if (isResourceMissing(error)) return undefined;
        throw error;
      }
    },
    async completedCheckoutEvents(paymentLinkId) {
      const sessions = await client.checkout.sessions.list({
        payment_link: paymentLinkId,
        status: 'complete',
        limit: 10,
      });
      return sessions.data.map(completedSessionEvent);
    },
    searchCustomers: (query) => searchCustomers(client, query),
  };
}
