import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import Stripe from 'stripe';
import type { Database } from '../../src/db/database.js';
import { createChargeRequest } from '../../src/persistence/charge-requests.js';
import { createPaymentLink, paymentLinkIdempotencyKey } from '../../src/stripe/payment-links.js';
import { openTestDatabase } from '../support/database.js';
import { FakeStripe, stripeFixture } from '../support/fake-stripe.js';
import { newRequest } from '../support/fixtures.js';
import { eventually } from '../support/http-fake.js';

/**
 * The fake Stripe must be no kinder than Stripe: driven here by the real `stripe` client, parameters
 * are validated against stripe@23.1.0's schemas and idempotency keys behave as Stripe v1 keeps them.
 *
 * `as never` marks parameters the SDK's types rightly forbid: these tests send them anyway, through the
 * same typed methods, as a caller with a bug would.
 */
let stripe: FakeStripe;
let db: Database;

beforeAll(async () => {
  stripe = await FakeStripe.start();
  db = await openTestDatabase();
});
afterAll(async () => {
  await stripe?.close();
  await db?.close();
});

function client(options: { maxNetworkRetries?: number; key?: string } = {}): Stripe {
  const base = new URL(stripe.apiBase);
  return new Stripe(options.key ?? 'sk_test_contract123', {
    host: base.hostname,
    port: Number(base.port),
    protocol: 'http',
    maxNetworkRetries: options.maxNetworkRetries ?? 0,
  });
}

const linkParams = (overrides: Partial<Stripe.PaymentLinkCreateParams> = {}): Stripe.PaymentLinkCreateParams => ({
  line_items: [
    {
      quantity: 1,
      price_data: { currency: 'usd', unit_amount_decimal: Stripe.Decimal.from(1999n), product_data: { name: 'Work' } },
    },
  ],
  metadata: { countersign_request_id: 'r1' },
  ...overrides,
});

/** The error the client throws, as Stripe answered it. */
async function stripeError(call: Promise<unknown>) {
  const error = await call.then(
    () => {
      throw new Error('Stripe accepted a request it refuses');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Stripe.errors.StripeError);
  return error as InstanceType<typeof Stripe.errors.StripeError>;
}

const key = () => `contract-${Math.random().toString(36).slice(2)}`;

describe('the payment link the app creates', () => {
  test('the exact body stripe-node sends for createPaymentLink is accepted, and the link has Stripe’s shape', async () => {
    const request = await createChargeRequest(
      db.db,
      newRequest({ description: 'Q3 onboarding workshop', amountMinor: 123456n, currency: 'EUR' }),
      'U0REQUESTER',
    );
    const created = await createPaymentLink(client(), request);
    const call = stripe.createCalls().at(-1);
    expect(call).toMatchObject({ idempotencyKey: paymentLinkIdempotencyKey(request), status: 200, replayed: false });
    expect(call?.params).toEqual({
      line_items: [
        {
          quantity: '1',
          price_data: {
            currency: 'eur',
            unit_amount_decimal: '123456',
            product_data: { name: `${request.reference}: Q3 onboarding workshop` },
          },
        },
      ],
      metadata: {
        countersign_request_id: request.id,
        countersign_reference: request.reference,
        countersign_version: '1',
        countersign_link_attempt: '0',
      },
      payment_intent_data: {
        metadata: {
          countersign_request_id: request.id,
          countersign_reference: request.reference,
          countersign_version: '1',
          countersign_link_attempt: '0',
        },
      },
      restrictions: { completed_sessions: { limit: '1' } },
    });
    const link = stripe.links.find((l) => l.id === created.id);
    // Every field of Stripe's example payment link is there, with ours filled in.
    expect(Object.keys(link ?? {}).sort()).toEqual([...Object.keys(stripeFixture('payment_link')), 'params'].sort());
    expect(link).toMatchObject({
      currency: 'eur',
      metadata: { countersign_request_id: request.id },
      restrictions: { completed_sessions: { count: 0, limit: 1 } },
    });
  });
});

describe('parameters', () => {
  test('an unknown parameter: 400 parameter_unknown, named as Stripe names it', async () => {
    const error = await stripeError(
      client().paymentLinks.create({ ...linkParams(), colour: 'blue' } as Stripe.PaymentLinkCreateParams),
    );
    expect(error).toMatchObject({
      statusCode: 400,
      type: 'StripeInvalidRequestError',
      code: 'parameter_unknown',
      param: 'colour',
      message: 'Received unknown parameter: colour',
    });
    const nested = await stripeError(
      client().paymentLinks.create(
        linkParams({
          line_items: [
            { quantity: 1, price_data: { currency: 'usd', unit_amount: 5, product_data: { name: 'x', sku: 'y' } } },
          ],
        } as never),
      ),
    );
    expect(nested).toMatchObject({ code: 'parameter_unknown', param: 'line_items[0][price_data][product_data][sku]' });
  });

  test('bad values get parameter_invalid_* codes', async () => {
    const fractional = await stripeError(
      client().paymentLinks.create(
        linkParams({
          line_items: [{ quantity: 1.5, price_data: { currency: 'usd', unit_amount: 5, product_data: { name: 'x' } } }],
        }),
      ),
    );
    expect(fractional).toMatchObject({ code: 'parameter_invalid_integer', param: 'line_items[0][quantity]' });
    const empty = await stripeError(
      client().paymentLinks.create(
        linkParams({
          line_items: [{ quantity: 1, price_data: { currency: '', unit_amount: 5, product_data: { name: 'x' } } }],
        }),
      ),
    );
    expect(empty).toMatchObject({
      code: 'parameter_invalid_string_empty',
      param: 'line_items[0][price_data][currency]',
    });
    const decimal = await stripeError(
      client().paymentLinks.create(
        linkParams({
          line_items: [
            {
              quantity: 1,
              price_data: { currency: 'usd', unit_amount_decimal: '12,5' as never, product_data: { name: 'x' } },
            },
          ],
        }),
      ),
    );
    expect(decimal).toMatchObject({
      param: 'line_items[0][price_data][unit_amount_decimal]',
      message: 'Invalid decimal: 12,5',
    });
    const missing = await stripeError(client().paymentLinks.create({} as Stripe.PaymentLinkCreateParams));
    expect(missing).toMatchObject({ code: 'parameter_missing', param: 'line_items' });
    const limit = await stripeError(client().paymentLinks.list({ limit: 0 }));
    expect(limit).toMatchObject({ code: 'parameter_invalid_integer', param: 'limit' });
  });

  test('exactly one of price / price_data per line item', async () => {
    const both = await stripeError(
      client().paymentLinks.create(
        linkParams({
          line_items: [
            {
              quantity: 1,
              price: 'price_1',
              price_data: { currency: 'usd', unit_amount: 5, product_data: { name: 'x' } },
            },
          ],
        }),
      ),
    );
    expect(both).toMatchObject({ code: 'parameters_exclusive', param: 'line_items[0][price_data]' });
    const neither = await stripeError(client().paymentLinks.create(linkParams({ line_items: [{ quantity: 1 }] })));
    expect(neither).toMatchObject({ code: 'parameter_missing', param: 'line_items[0][price]' });
    const noAmount = await stripeError(
      client().paymentLinks.create(
        linkParams({ line_items: [{ quantity: 1, price_data: { currency: 'usd', product_data: { name: 'x' } } }] }),
      ),
    );
    expect(noAmount).toMatchObject({ code: 'parameter_missing', param: 'line_items[0][price_data][unit_amount]' });
    await client().paymentLinks.create(linkParams({ line_items: [{ quantity: 2, price: 'price_1' }] }));
  });

  test.each([
    ['51 keys', Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])), /up to 50 keys/],
    ['a 41-character key', { ['k'.repeat(41)]: 'v' }, /must be a string under 40 characters/],
    ['a 501-character value', { k: 'v'.repeat(501) }, /must be a string under 500 characters/],
  ])('metadata with %s is refused, wherever it is', async (_name, metadata, message) => {
    for (const params of [linkParams({ metadata }), linkParams({ payment_intent_data: { metadata } })]) {
      const error = await stripeError(client().paymentLinks.create(params));
      expect(error.statusCode).toBe(400);
      expect(error.message).toMatch(message);
    }
    const atLimits = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`${'k'.repeat(38)}${i}`.slice(-40), 'v'.repeat(500)]),
    );
    await client().paymentLinks.create(linkParams({ metadata: atLimits }));
  });

  test('a refused request is not stored: the same key succeeds once the parameters are right', async () => {
    const idempotencyKey = key();
    await stripeError(client().paymentLinks.create({ ...linkParams(), colour: 'x' } as never, { idempotencyKey }));
    await client().paymentLinks.create(linkParams(), { idempotencyKey });
  });

  test('no API key, or a malformed one: 401', async () => {
    const error = await stripeError(client({ key: 'pk_test_publishable' }).paymentLinks.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });
});

describe('idempotency (Stripe v1)', () => {
  test('a 500 is stored and replayed to every retry with its key, with Idempotent-Replayed: true', async () => {
    const idempotencyKey = key();
    const before = stripe.links.length;
    stripe.failNext('POST /v1/payment_links', { status: 500, type: 'api_error', message: 'boom' });
    // Even a client that retries 500s stops: Stripe says a stored failure is not worth retrying.
    const first = await stripeError(
      client({ maxNetworkRetries: 2 }).paymentLinks.create(linkParams(), { idempotencyKey }),
    );
    expect(first).toMatchObject({ statusCode: 500, type: 'StripeAPIError' });
    expect(first.headers?.['idempotent-replayed']).toBeUndefined();
    const retry = await stripeError(client().paymentLinks.create(linkParams(), { idempotencyKey }));
    expect(retry).toMatchObject({ statusCode: 500, message: 'boom' });
    expect(retry.headers?.['idempotent-replayed']).toBe('true');
    expect(stripe.links).toHaveLength(before);
    expect(stripe.requests.filter((r) => r.idempotencyKey === idempotencyKey).map((r) => r.replayed)).toEqual([
      false,
      true,
    ]);
  });

  test('a success is replayed: the same link, not a second one', async () => {
    const idempotencyKey = key();
    const a = await client().paymentLinks.create(linkParams(), { idempotencyKey });
    const b = await client().paymentLinks.create(linkParams(), { idempotencyKey });
    expect(b.id).toBe(a.id);
    expect(b.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(stripe.links.filter((l) => l.id === a.id)).toHaveLength(1);
  });

  test('a retry while the first request with the key still runs gets 409 idempotency_error', async () => {
    const idempotencyKey = key();
    const release = stripe.holdNext('POST /v1/payment_links');
    const first = client().paymentLinks.create(linkParams(), { idempotencyKey });
    await eventually(
      () => (stripe.requests.some((r) => r.idempotencyKey === idempotencyKey) ? true : undefined),
      'the first request held at Stripe',
    );
    const conflict = await stripeError(client().paymentLinks.create(linkParams(), { idempotencyKey }));
    release();
    // stripe-node classifies by status: a 409 is a StripeAPIError carrying Stripe's idempotency_error.
    expect(conflict).toMatchObject({
      statusCode: 409,
      code: 'idempotency_key_in_use',
      raw: { type: 'idempotency_error' },
    });
    const link = await first;
    expect((await client().paymentLinks.create(linkParams(), { idempotencyKey })).id).toBe(link.id);
  });

  test('the same key with other parameters, or on another endpoint, gets 400 idempotency_error', async () => {
    const idempotencyKey = key();
    const link = await client().paymentLinks.create(linkParams(), { idempotencyKey });
    const other = await stripeError(
      client().paymentLinks.create(linkParams({ metadata: { countersign_request_id: 'r2' } }), { idempotencyKey }),
    );
    expect(other).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(other).toMatchObject({ statusCode: 400 });
    expect(other.message).toMatch(/same parameters/);
    const elsewhere = await stripeError(client().paymentLinks.update(link.id, { active: false }, { idempotencyKey }));
    expect(elsewhere).toMatchObject({ statusCode: 400, type: 'StripeIdempotencyError' });
  });

  test('a dropped connection stores nothing: the client’s retry with the same key creates the link', async () => {
    const before = stripe.links.length;
    stripe.dropNext('POST /v1/payment_links');
    await client({ maxNetworkRetries: 1 }).paymentLinks.create(linkParams());
    expect(stripe.links).toHaveLength(before + 1);
  });
});

describe('finding a link again by its metadata', () => {
  test('GET /v1/payment_links lists newest first, with metadata, active filter and cursor pagination', async () => {
    const mine = await client().paymentLinks.create(linkParams({ metadata: { countersign_request_id: 'find-me' } }));
    const newer = await client().paymentLinks.create(linkParams({ metadata: { countersign_request_id: 'newer' } }));
    await client().paymentLinks.update(newer.id, { active: false });

    const first = await client().paymentLinks.list({ limit: 1 });
    expect(first).toMatchObject({ object: 'list', has_more: true, url: '/v1/payment_links' });
    expect(first.data.map((l) => l.id)).toEqual([newer.id]);
    const next = await client().paymentLinks.list({ limit: 1, starting_after: newer.id });
    expect(next.data[0]).toMatchObject({ id: mine.id, metadata: { countersign_request_id: 'find-me' } });
    const back = await client().paymentLinks.list({ limit: 1, ending_before: mine.id });
    expect(back.data.map((l) => l.id)).toEqual([newer.id]);

    const active = await client().paymentLinks.list({ active: true, limit: 100 });
    expect(active.data.map((l) => l.id)).toContain(mine.id);
    expect(active.data.map((l) => l.id)).not.toContain(newer.id);

    const found: string[] = [];
    for await (const link of client().paymentLinks.list({ limit: 2 })) {
      if (link.metadata?.countersign_request_id === 'find-me') found.push(link.id);
    }
    expect(found).toEqual([mine.id]);

    const unknownCursor = await stripeError(client().paymentLinks.list({ starting_after: 'plink_nope' }));
    expect(unknownCursor).toMatchObject({ statusCode: 400, code: 'resource_missing' });
    const unknownFilter = await stripeError(client().paymentLinks.list({ metadata: { a: 'b' } } as never));
    expect(unknownFilter).toMatchObject({ code: 'parameter_unknown', param: 'metadata' });
  });

  test('checkout sessions and customer search validate their parameters too', async () => {
    await client().checkout.sessions.list({ payment_link: 'plink_x', status: 'complete', limit: 10 });
    expect(await stripeError(client().checkout.sessions.list({ paid: true } as never))).toMatchObject({
      code: 'parameter_unknown',
      param: 'paid',
    });
    const found = await client().customers.search({ query: 'name~"Acme"', limit: 5 });
    expect(found.data[0]).toMatchObject({ id: 'cus_acme', object: 'customer', name: 'Acme Corp' });
    expect(await stripeError(client().customers.search({} as never))).toMatchObject({
      code: 'parameter_missing',
      param: 'query',
    });
  });
});
