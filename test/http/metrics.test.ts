import { afterEach, describe, expect, test } from '@jest/globals';
import { CARD_ACTIONS } from '../../src/slack/blocks/approval-card.js';
import { APPROVERS, startTestApp, type TestApp } from '../support/app.js';
import { proposeOnce } from '../support/fake-openai.js';
import { eventEnvelope, mentionEvent } from '../support/fake-slack.js';
import { FakeStripe } from '../support/fake-stripe.js';
import { click, query, waitForStatus } from '../support/flows.js';
import { eventually } from '../support/http-fake.js';
import { checkoutSession, postStripeEvent, stripeEvent, WEBHOOK_SECRETS } from '../support/stripe-events.js';

let app: TestApp | undefined;
let stripe: FakeStripe | undefined;
afterEach(async () => {
  await app?.stop();
  await stripe?.close();
  app = undefined;
  stripe = undefined;
});

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Prometheus text exposition → samples (comments skipped). */
function parseSamples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match?.[1] || !match[3]) throw new Error(`not a sample: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

/** The value of the one sample with exactly these labels. */
function sampleValue(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = samples.filter(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} is ambiguous`);
  return found[0]?.value;
}

async function scrape(t: TestApp, token?: string): Promise<Sample[]> {
  const res = await fetch(`${t.base}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseSamples(await res.text());
}

const queuesDrained = (t: TestApp) =>
  eventually(async () => {
    const [row] = await query<{ waiting: string }>(
      t.databaseUrl,
      `SELECT (SELECT count(*) FROM slack_outbox WHERE status = 'pending')
            + (SELECT count(*) FROM stripe_events WHERE status = 'pending') AS waiting`,
    );
    return row?.waiting === '0' ? true : undefined;
  }, 'queues drained');

describe('GET /metrics', () => {
  test('when a request goes from proposal through approval and link to a paid webhook, then the series count it', async () => {
    stripe = await FakeStripe.start();
    app = await startTestApp({
      stripe,
      model: proposeOnce({ customer_name: 'Acme Corp', amount: '1,200', currency: 'USD', description: 'Workshop' }),
      env: {
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRETS.join(','),
        POLICY_HARD_CAP: 'USD:50000',
        ADMIN_USER_IDS: 'U0ADMIN',
      },
    });
    const t = app;

    // Proposal by the agent, approval, link.
    await t.postEvent(
      eventEnvelope(mentionEvent('charge Acme Corp $1,200 for the workshop', { ts: '1700000001.000100' })),
    );
    const request = await eventually(async () => {
      const [row] = await query<{ id: string }>(
        t.databaseUrl,
        'SELECT id FROM charge_requests WHERE card_ts IS NOT NULL',
      );
      return row;
    }, 'card posted');
    await click(t, CARD_ACTIONS.approve, `${request.id}:1`, APPROVERS[0] ?? '');
    await waitForStatus(t, request.id, 'link_created');
    const [linked] = await query<{ payment_link_id: string }>(
      t.databaseUrl,
      'SELECT payment_link_id FROM charge_requests WHERE id = $1',
      [request.id],
    );

    // The webhook: stored once, delivered again (duplicate), and one forgery.
    const paid = stripeEvent('checkout.session.completed', checkoutSession(linked?.payment_link_id ?? ''));
    expect((await postStripeEvent(t.base, paid)).status).toBe(200);
    expect((await postStripeEvent(t.base, paid)).status).toBe(200);
    expect((await postStripeEvent(t.base, paid, { secret: 'whsec_forged' })).status).toBe(400);
    await waitForStatus(t, request.id, 'paid');

    // A policy refusal.
    await t.postCommand({ text: 'new 90,000 USD Globex — too much' });
    await t.slack.waitForCall('response_url', (c) => /hard cap/i.test(String(c.args.text)));
    await queuesDrained(t);

    const samples = await scrape(t);
    const value = (name: string, labels?: Record<string, string>) => sampleValue(samples, name, labels);
    expect({
      created: value('countersign_payment_links_total', { outcome: 'created' }),
      replayed: value('countersign_payment_links_total', { outcome: 'replayed' }),
      failed: value('countersign_payment_links_total', { outcome: 'failed' }),
    }).toEqual({ created: 1, replayed: 0, failed: 0 });
    expect({
      stored: value('countersign_webhooks_total', { result: 'stored' }),
      duplicate: value('countersign_webhooks_total', { result: 'duplicate' }),
      invalid: value('countersign_webhooks_total', { result: 'invalid_signature' }),
      rejected: value('countersign_webhooks_total', { result: 'rejected' }),
    }).toEqual({ stored: 1, duplicate: 1, invalid: 1, rejected: 0 });
    expect(value('countersign_policy_refusals_total', { rule: 'hard_cap' })).toBe(1);
    expect(value('countersign_model_calls_total', { outcome: 'proposed' })).toBe(1);
    // Two model requests (the tool call, then the words), 120 in and 30 out each.
    expect(value('countersign_model_tokens_total', { kind: 'input' })).toBe(240);
    expect(value('countersign_model_tokens_total', { kind: 'output' })).toBe(60);
    expect(value('countersign_requests', { status: 'paid' })).toBe(1);
    expect(value('countersign_requests', { status: 'pending_approval' })).toBe(0);
    for (const gauge of [
      'countersign_outbox_depth',
      'countersign_outbox_oldest_age_seconds',
      'countersign_outbox_dead',
      'countersign_inbox_depth',
      'countersign_inbox_lag_seconds',
      'countersign_inbox_dead',
    ]) {
      expect([gauge, value(gauge)]).toEqual([gauge, 0]);
    }
    const webhookRequests = value('countersign_http_request_duration_seconds_count', {
      route: '/stripe/webhook',
      status: '200',
    });
    expect(webhookRequests).toBe(2);
    expect(value('countersign_http_request_duration_seconds_count', { route: '/stripe/webhook', status: '400' })).toBe(
      1,
    );
    expect(value('countersign_http_request_duration_seconds_count', { route: '/slack/events', status: '200' })).toBe(3);
    // prom-client's default process metrics are there too.
    expect(value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'nodejs_heap_size_used_bytes')).toBe(true);
  });

  test('when a Slack update waits and another has died, then the queue gauges show it', async () => {
    app = await startTestApp();
    const t = app;
    await query(
      t.databaseUrl,
      `INSERT INTO slack_outbox (kind, payload, status, created_at, next_attempt_at)
       VALUES ('update_card', '{}', 'pending', now() - interval '90 seconds', now() + interval '1 hour'),
              ('update_card', '{}', 'dead', now(), now())`,
    );
    await query(
      t.databaseUrl,
      `INSERT INTO stripe_events (id, type, payload, status, received_at, next_attempt_at)
       VALUES ('evt_waiting', 'charge.refunded', '{}', 'pending', now() - interval '120 seconds', now() + interval '1 hour')`,
    );
    const samples = await scrape(t);
    expect(sampleValue(samples, 'countersign_outbox_depth')).toBe(1);
    expect(sampleValue(samples, 'countersign_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(90);
    expect(sampleValue(samples, 'countersign_outbox_dead')).toBe(1);
    expect(sampleValue(samples, 'countersign_inbox_depth')).toBe(1);
    expect(sampleValue(samples, 'countersign_inbox_lag_seconds')).toBeGreaterThanOrEqual(120);
    expect(sampleValue(samples, 'countersign_inbox_dead')).toBe(0);
  });

  test('when METRICS_TOKEN is set, then only its bearer gets the metrics', async () => {
    app = await startTestApp({ env: { METRICS_TOKEN: 'scrape-token-0123456789' } });
    const without = await fetch(`${app.base}/metrics`);
    const wrong = await fetch(`${app.base}/metrics`, { headers: { authorization: 'Bearer scrape-token-wrong-00000' } });
    expect([without.status, wrong.status]).toEqual([401, 401]);
    expect(without.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await without.json()).toEqual({
      error: 'unauthorized',
      message: 'GET /metrics needs the METRICS_TOKEN bearer token.',
    });
    const samples = await scrape(app, 'scrape-token-0123456789');
    expect(sampleValue(samples, 'countersign_outbox_depth')).toBe(0);
    // Health checks stay open for orchestrators.
    expect((await fetch(`${app.base}/readyz`)).status).toBe(200);
  });
});
