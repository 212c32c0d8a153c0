import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import Stripe from 'stripe';
import { MAX_BODY_BYTES } from '../../src/http/body-limit.js';
import { SIGNING_SECRET, startTestApp, type TestApp } from '../support/app.js';
import { buttonClick, eventEnvelope, mentionEvent, slackSignature, slashCommandFields } from '../support/fake-slack.js';
import { query } from '../support/flows.js';
import { checkoutSession, stripeEvent, WEBHOOK_SECRETS } from '../support/stripe-events.js';

/**
 * What every route does with input no honest client sends: bodies over the limit, signed bodies that
 * are not events or payloads. Always a 4xx, never a 5xx or a hang, and the app stays up.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRETS.join(',') } });
});
afterAll(async () => {
  await t?.stop();
});

interface Answer {
  status: number;
  body: string;
}

/** A raw HTTP request: with Content-Length, or chunked (no length announced), as a client may send. */
function send(
  method: string,
  path: string,
  body: string,
  headers: Record<string, string> = {},
  chunked = false,
): Promise<Answer> {
  const url = new URL(t.base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        method,
        headers: chunked ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        let data = '';
        res.on('data', (chunk) => {
          data += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${method} ${path}`)));
    const bytes = Buffer.from(body);
    if (chunked) {
      for (let i = 0; i < bytes.length; i += 64 * 1024) req.write(bytes.subarray(i, i + 64 * 1024));
      req.end();
    } else {
      req.end(bytes);
    }
  });
}

const signedSlack = (body: string, contentType: string) => ({
  'content-type': contentType,
  ...slackSignature(SIGNING_SECRET, body),
});
const signedStripe = (body: string) => ({
  'content-type': 'application/json; charset=utf-8',
  'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret: WEBHOOK_SECRETS[1] ?? '' }),
});
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = 'application/x-www-form-urlencoded';

describe('bodies over the limit', () => {
  const fiveMegabytes = JSON.stringify(eventEnvelope(mentionEvent('x'.repeat(5 * 1024 * 1024), { ts: '1.5' })));

  test.each([
    ['GET', '/healthz'],
    ['GET', '/readyz'],
    ['POST', '/no-such-route'],
    ['POST', '/slack/events'],
    ['POST', '/stripe/webhook'],
  ])('when a 5 MB body comes to %s %s, then 413, at once', async (method, path) => {
    const headers =
      path === '/slack/events' ? signedSlack(fiveMegabytes, 'application/json') : signedStripe(fiveMegabytes);
    const answer = await send(method, path, fiveMegabytes, headers);
    expect(answer).toEqual({
      status: 413,
      body: JSON.stringify({
        error: 'body_too_large',
        message: `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`,
      }),
    });
  });

  test.each([['/slack/events'], ['/stripe/webhook']])(
    'when a 5 MB body comes to POST %s without a length (chunked), then 413 too',
    async (path) => {
      const headers =
        path === '/slack/events' ? signedSlack(fiveMegabytes, 'application/json') : signedStripe(fiveMegabytes);
      expect((await send('POST', path, fiveMegabytes, headers, true)).status).toBe(413);
    },
  );

  test('a body just under the limit is still read (here: refused for its signature, 401)', async () => {
    const body = JSON.stringify(eventEnvelope(mentionEvent('y'.repeat(MAX_BODY_BYTES - 20_000), { ts: '1.6' })));
    expect(Buffer.byteLength(body)).toBeLessThan(MAX_BODY_BYTES);
    expect((await send('POST', '/slack/events', body, { 'content-type': 'application/json' })).status).toBe(401);
  });

  test('after all of that the app is up, and nothing was stored or run', async () => {
    expect((await send('GET', '/healthz', '')).status).toBe(200);
    expect(await query(t.databaseUrl, 'SELECT id FROM stripe_events')).toEqual([]);
    expect(await query(t.databaseUrl, 'SELECT id FROM conversation_messages')).toEqual([]);
  });
});

describe('POST /slack/events: signed, but not what Slack sends', () => {
  const click = buttonClick('charge_approve', 'x:1', 'U0FIN1', 'https://x.test/r');
  test.each<[string, string, string, RegExp]>([
    ['JSON that does not parse', '{"type":"event_callback",', 'application/json', /not JSON/],
    ['JSON null', 'null', 'application/json', /not an Events API request/],
    ['an empty object', '{}', 'application/json', /not an Events API request/],
    ['an envelope without an event', '{"type":"event_callback"}', 'application/json', /not an Events API request/],
    [
      'an event without a type',
      '{"type":"event_callback","event":{}}',
      'application/json',
      /not an Events API request/,
    ],
    [
      'a mention without channel, ts or text',
      JSON.stringify({ type: 'event_callback', event: { type: 'app_mention', user: 'U1' } }),
      'application/json',
      /app_mention event: channel/,
    ],
    ['a form with neither payload nor command', form({ a: 'b' }), FORM, /neither a payload nor a slash command/],
    ['a payload that is not JSON', form({ payload: '{"type":' }), FORM, /payload is not JSON/],
    ['a payload without a type', form({ payload: '{}' }), FORM, /payload has no type/],
    [
      'a button click without actions',
      form({ payload: JSON.stringify({ ...click, actions: [] }) }),
      FORM,
      /block_actions payload: actions/,
    ],
    [
      'a button click without a user',
      form({ payload: JSON.stringify({ ...click, user: undefined }) }),
      FORM,
      /block_actions payload: user/,
    ],
    [
      'a modal submission without a view',
      form({ payload: '{"type":"view_submission","user":{"id":"U1"}}' }),
      FORM,
      /view_submission payload: view/,
    ],
    ['a slash command without its fields', form({ command: '/charges', text: 'help' }), FORM, /slash command: user_id/],
  ])('when the body is %s, then 400 and nothing runs', async (_what, body, contentType, problem) => {
    const answer = await send('POST', '/slack/events', body, signedSlack(body, contentType));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({
      error: 'invalid_payload',
      message: expect.stringMatching(problem),
    });
  });

  test('the same bodies unsigned get 401, and well-formed ones from Slack’s samples still work', async () => {
    expect((await send('POST', '/slack/events', '{}', { 'content-type': 'application/json' })).status).toBe(401);
    const command = form(slashCommandFields({ text: 'help', response_url: t.slack.responseUrl('ok') }));
    expect((await send('POST', '/slack/events', command, signedSlack(command, FORM))).status).toBe(200);
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'abc', token: 'x' });
    expect(await send('POST', '/slack/events', challenge, signedSlack(challenge, 'application/json'))).toMatchObject({
      status: 200,
      body: expect.stringContaining('abc'),
    });
    expect(t.slack.calls.filter((c) => c.method.startsWith('chat.'))).toEqual([]);
  });
});

describe('POST /stripe/webhook: signed, but not an event', () => {
  test.each<[string, string, RegExp]>([
    ['not JSON', 'this is not json', /is not JSON/],
    ['JSON that is not an event', JSON.stringify({ hello: 'world' }), /is not a Stripe event/],
    [
      'an event without its time',
      JSON.stringify({ ...stripeEvent('checkout.session.completed', checkoutSession('plink_x')), created: undefined }),
      /is not a Stripe event/,
    ],
    [
      'a refund whose charge lacks its amounts',
      JSON.stringify(stripeEvent('charge.refunded', { id: 'ch_1', object: 'charge' })),
      /charge\.refunded object lacks fields/,
    ],
  ])('when the signed body is %s, then 400 invalid_event and nothing is stored', async (_what, body, message) => {
    const answer = await send('POST', '/stripe/webhook', body, signedStripe(body));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: 'invalid_event', message: expect.stringMatching(message) });
    expect(await query(t.databaseUrl, 'SELECT id FROM stripe_events')).toEqual([]);
  });
});
