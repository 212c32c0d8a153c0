import { createServer, request as forward, type Server } from 'node:http';
import { afterEach, describe, expect, test } from '@jest/globals';
import Stripe from 'stripe';
import { CARD_ACTIONS } from '../../src/slack/blocks/approval-card.js';
import { APPROVERS, type TestApp, type TestAppOptions } from '../support/app.js';
import { click, propose, query, waitForStatus } from '../support/flows.js';
import { eventually } from '../support/http-fake.js';
import { useServices } from '../support/services.js';

const [FIN1 = ''] = APPROVERS;
const STRIPE_500 = { status: 500, type: 'api_error', message: 'An unknown error occurred' };

const services = useServices();
let proxy: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
  proxy = undefined;
});

const start = (options: TestAppOptions = {}) => services.start(options);

/**
 * Each create call as (key suffix, status, replayed), in order. A 409 (a retry that overlapped the
 * first request with its key, when a sweep meets a slow click) is Stripe saying "wait": left out.
 */
const creates = (requestId: string) =>
  (services.stripe.createCalls() ?? [])
    .filter((c) => c.status !== 409)
    .map((c) => ({
      key: c.idempotencyKey?.replace(`countersign-link-${requestId}-`, ''),
      status: c.status,
      replayed: c.replayed,
    }));

const keyMoves = (app: TestApp) =>
  query(app.databaseUrl, "SELECT actor, details FROM audit_events WHERE action = 'advance_link_attempt'");

const listCalls = () =>
  (services.stripe.requests ?? []).filter((r) => r.method === 'GET' && r.path === '/v1/payment_links');

describe('a payment link after Stripe replays a stored 500', () => {
  test('when Stripe made the link despite answering 500, then the replay leads to that link and no second one is made', async () => {
    const app = await start();
    services.stripe.failNext('POST /v1/payment_links', STRIPE_500, { afterExecuting: true });
    const request = await propose(app);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await waitForStatus(app, request.id, 'link_created');

    expect(services.stripe.links).toHaveLength(1);
    const [row] = await query(app.databaseUrl, 'SELECT payment_link_id, link_attempt FROM charge_requests');
    expect(row).toEqual({ payment_link_id: services.stripe.links[0]?.id, link_attempt: 0 });
    expect(creates(request.id)).toEqual([
      { key: 'v1-a0', status: 500, replayed: false },
      { key: 'v1-a0', status: 500, replayed: true },
    ]);
    expect(await keyMoves(app)).toEqual([]);
    await app.slack.waitForCall('chat.postMessage', (c) =>
      String(c.args.text).includes(services.stripe.links[0]?.url ?? '?'),
    );
  });

  test('when Stripe has many links, then the search pages through them to this request’s link', async () => {
    const app = await start();
    services.stripe.failNext('POST /v1/payment_links', STRIPE_500, { afterExecuting: true });
    const release = services.stripe.holdNext('GET /v1/payment_links');
    const request = await propose(app);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await services.stripe.waitForLinks(1);
    // 250 links of someone else made after ours: ours is on the third page of 100, newest first.
    const client = stripeClient();
    for (let i = 0; i < 250; i++) {
      await client.paymentLinks.create({
        line_items: [
          { quantity: 1, price_data: { currency: 'usd', unit_amount: 500, product_data: { name: `Other ${i}` } } },
        ],
        metadata: { order: String(i) },
      });
    }
    release?.();
    await waitForStatus(app, request.id, 'link_created');
    const [row] = await query(app.databaseUrl, 'SELECT payment_link_id FROM charge_requests');
    expect(row?.payment_link_id).toBe(services.stripe.links[0]?.id);
    expect(listCalls().filter((c) => typeof c.params.starting_after === 'string').length).toBeGreaterThanOrEqual(2);
    expect(services.stripe.createCalls().filter((c) => c.idempotencyKey?.startsWith('countersign-'))).toHaveLength(2);
  });

  test.each([
    ['made no link', false],
    ['made the link anyway', true],
  ])(
    'when two instances recover the same request at once and Stripe %s, then exactly one link and one key move at most',
    async (_what, made) => {
      const first = await start();
      const second = await start({ databaseUrl: first.databaseUrl });
      services.stripe.failNext('POST /v1/payment_links', STRIPE_500, { afterExecuting: made });
      // Both instances' workers and sweeps get the replay; while one searches (held here), the other
      // finds the request's lock taken (issuePaymentLink) and leaves it.
      const releases = [
        services.stripe.holdNext('GET /v1/payment_links'),
        services.stripe.holdNext('GET /v1/payment_links'),
      ];
      const request = await propose(first);
      await click(first, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
      await eventually(() => (listCalls().length >= 1 ? true : undefined), 'an instance searching');
      for (const release of releases) release?.();
      await waitForStatus(first, request.id, 'link_created');
      await eventually(
        () => (listCalls().every((c) => c.status !== undefined) ? true : undefined),
        'both searches answered',
      );
      await first.app.stop();
      await second.app.stop();

      expect(services.stripe.links).toHaveLength(1);
      const [row] = await query(first.databaseUrl, 'SELECT payment_link_id, link_attempt FROM charge_requests');
      expect(row).toEqual({ payment_link_id: services.stripe.links[0]?.id, link_attempt: made ? 0 : 1 });
      expect(await keyMoves(first)).toHaveLength(made ? 0 : 1);
      // Under the next key the link is made once; a later sweep may only get it replayed.
      expect(creates(request.id).filter((c) => c.key === 'v1-a1' && !c.replayed)).toHaveLength(made ? 0 : 1);
      expect(await query(first.databaseUrl, "SELECT 1 FROM audit_events WHERE action = 'create_link'")).toHaveLength(1);
    },
  );

  test('when a proxy in front of Stripe drops the replay header, then three server errors under one key move to the next', async () => {
    const base = new URL((await services.prepare()).stripe.apiBase);
    proxy = createServer((req, res) => {
      const upstream = forward(
        { host: base.hostname, port: base.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          const { 'idempotent-replayed': _dropped, ...headers } = answer.headers;
          res.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy?.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as { port: number };
    const app = await start({ env: { STRIPE_API_BASE: `http://127.0.0.1:${port}` } });
    services.stripe.failNext('POST /v1/payment_links', STRIPE_500);
    const request = await propose(app);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await waitForStatus(app, request.id, 'link_created');
    expect(services.stripe.links).toHaveLength(1);
    expect(creates(request.id)).toEqual([
      { key: 'v1-a0', status: 500, replayed: false },
      { key: 'v1-a0', status: 500, replayed: true },
      { key: 'v1-a0', status: 500, replayed: true },
      { key: 'v1-a1', status: 200, replayed: false },
    ]);
    expect(await keyMoves(app)).toHaveLength(1);
  });

  test('when a proxy in front of Stripe answers errors itself (no Stripe Request-Id), then the key is kept and no broken link is recorded', async () => {
    const base = new URL((await services.prepare()).stripe.apiBase);
    // What our five attempts (each with the SDK's two retries) meet instead of Stripe: a gateway's
    // Stripe-shaped error, its HTML page, and a JSON answer the SDK takes for success.
    const answers = [
      [504, 'application/json', JSON.stringify({ error: { type: 'api_error', message: 'upstream timed out' } })],
      [502, 'text/html', '<html><body>502 Bad Gateway</body></html>'],
      [504, 'application/json', JSON.stringify({ error: { type: 'api_error', message: 'upstream timed out' } })],
      [502, 'application/json', JSON.stringify({ message: 'Bad gateway' })],
      [504, 'application/json', JSON.stringify({ error: { type: 'api_error', message: 'upstream timed out' } })],
    ] as const;
    let refused = 0;
    proxy = createServer((req, res) => {
      const answer = answers[Math.floor(refused / 3)];
      if (req.method === 'POST' && req.url === '/v1/payment_links' && answer) {
        refused += 1;
        req.resume();
        res.writeHead(answer[0], { 'content-type': answer[1] });
        res.end(answer[2]);
        return;
      }
      req.pipe(
        forward(
          { host: base.hostname, port: base.port, path: req.url, method: req.method, headers: req.headers },
          (upstream) => {
            res.writeHead(upstream.statusCode ?? 502, upstream.headers);
            upstream.pipe(res);
          },
        ),
      );
    });
    await new Promise<void>((resolve) => proxy?.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as { port: number };
    const app = await start({ env: { STRIPE_API_BASE: `http://127.0.0.1:${port}` } });
    const request = await propose(app);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    // Five failed attempts, each followed by the sweep's wait: longer than waitForStatus waits.
    await eventually(
      async () =>
        (await query(app.databaseUrl, "SELECT 1 FROM charge_requests WHERE status = 'link_created'")).length
          ? true
          : undefined,
      'the link, once the proxy lets the request through',
      30_000,
    );
    expect(refused).toBe(15);
    expect(creates(request.id)).toEqual([{ key: 'v1-a0', status: 200, replayed: false }]);
    expect(await keyMoves(app)).toEqual([]);
    // No search for a link made under a spent key (the access check at startup lists one link).
    expect(listCalls().filter((c) => c.params.limit !== '1')).toEqual([]);
    const [row] = await query(app.databaseUrl, 'SELECT payment_link_id FROM charge_requests');
    expect(row).toEqual({ payment_link_id: services.stripe.links[0]?.id });
  });
});

function stripeClient(): Stripe {
  const base = new URL(services.stripe.apiBase ?? '');
  return new Stripe('sk_test_otheraccount1', { host: base.hostname, port: Number(base.port), protocol: 'http' });
}
