import { afterEach, describe, expect, test } from '@jest/globals';
import { startTestApp, type TestApp } from '../support/app.js';
import { startFakeSlack } from '../support/fake-slack.js';
import { query } from '../support/flows.js';
import { eventually } from '../support/http-fake.js';

let t: TestApp | undefined;
const databaseUrl = () => {
  if (!t) throw new Error('no app running');
  return t.databaseUrl;
};
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const outbox = (url: string) => query(url, 'SELECT kind, status, attempts, last_error FROM slack_outbox ORDER BY id');

describe('Slack updates through the outbox', () => {
  test('when Slack answers 500 and then 429 with Retry-After, then the card is delivered once after recovery', async () => {
    const slack = await startFakeSlack();
    slack.failNext('chat.postMessage', { status: 500 });
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    t = await startTestApp({ slack });
    await t.postCommand({ text: 'new 50 USD Acme Corp' });
    const started = Date.now();
    await slack.waitForCall('chat.postMessage', (c) => Array.isArray(c.args.blocks), 15_000);
    expect(slack.callsOf('chat.postMessage!failed')).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // waited as long as Retry-After asked
    const rows = await eventually(async () => {
      const r = await outbox(databaseUrl());
      return r[0]?.status === 'delivered' ? r : undefined;
    }, 'delivered');
    expect(rows).toEqual([{ kind: 'post_card', status: 'delivered', attempts: 3, last_error: null }]);
    await new Promise((r) => setTimeout(r, 300));
    expect(slack.callsOf('chat.postMessage').filter((c) => Array.isArray(c.args.blocks))).toHaveLength(1);
    await slack.close();
  });

  test('when Slack says the channel is gone, then the update is abandoned at once, not retried forever, and the requester is told', async () => {
    const slack = await startFakeSlack();
    slack.failNext('chat.postMessage', { error: 'channel_not_found' });
    t = await startTestApp({ slack });
    await t.postCommand({ text: 'new 50 USD Acme Corp' });
    const rows = await eventually(async () => {
      const r = await outbox(databaseUrl());
      return r[1]?.status === 'delivered' ? r : undefined;
    }, 'dead letter and a DM');
    expect(rows).toEqual([
      { kind: 'post_card', status: 'dead', attempts: 1, last_error: 'channel_not_found' },
      { kind: 'direct_message', status: 'delivered', attempts: 1, last_error: null },
    ]);
    await slack.close();
  });

  test('when the app stops with updates queued, then a restarted app delivers them once', async () => {
    const slack = await startFakeSlack();
    // Slack is down while the first instance runs: every post fails, the item stays queued.
    for (let i = 0; i < 20; i++) slack.failNext('chat.postMessage', { status: 500 });
    const first = await startTestApp({ slack });
    await first.postCommand({ text: 'new 75 USD Acme Corp' });
    await slack.waitForCall('chat.postMessage!failed');
    await first.stop();
    const queued = await outbox(first.databaseUrl);
    expect(queued).toMatchObject([{ kind: 'post_card', status: 'pending' }]);

    slack.calls.length = 0;
    slack.clearFailures(); // Slack is back
    t = await startTestApp({ slack, databaseUrl: first.databaseUrl });
    await slack.waitForCall('chat.postMessage', (c) => Array.isArray(c.args.blocks));
    await eventually(
      async () => ((await outbox(databaseUrl()))[0]?.status === 'delivered' ? true : undefined),
      'delivered',
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(slack.callsOf('chat.postMessage').filter((c) => Array.isArray(c.args.blocks))).toHaveLength(1);
    await slack.close();
  });

  test('when two instances share the database, then each queued update is delivered exactly once', async () => {
    const slack = await startFakeSlack();
    const first = await startTestApp({ slack });
    t = await startTestApp({ slack, databaseUrl: first.databaseUrl });
    const second = t;
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? first : second).postCommand({ text: `new ${50 + i} USD Customer ${i}` }),
      ),
    );
    const cards = () => slack.callsOf('chat.postMessage').filter((c) => Array.isArray(c.args.blocks));
    await eventually(() => (cards().length >= 12 ? true : undefined), '12 cards');
    await new Promise((r) => setTimeout(r, 500));
    expect(cards()).toHaveLength(12);
    expect(new Set(cards().map((c) => String(c.args.text).split(':')[0])).size).toBe(12);
    await first.stop();
    await slack.close();
  });
});
