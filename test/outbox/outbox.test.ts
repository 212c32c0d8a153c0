import { describe, expect, test } from '@jest/globals';
import { startTestApp } from '../support/app.js';
import { startFakeSlack } from '../support/fake-slack.js';
import { query, settled } from '../support/flows.js';
import { eventually } from '../support/http-fake.js';
import { stopAfterEach } from '../support/lifecycle.js';

const stopLater = stopAfterEach();

// These tests follow the card through the outbox; approvers' DMs have their own (test/slack/approver-dms.test.ts).
const outbox = (url: string) =>
  query(url, `SELECT kind, status, attempts, last_error FROM slack_outbox WHERE kind <> 'dm_card' ORDER BY id`);
const CARDS_IN_CHANNELS = { APPROVAL_NOTIFY: 'channel' };

describe('Slack updates through the outbox', () => {
  test('when Slack answers 500 and then 429 with Retry-After, then the card is delivered once after recovery', async () => {
    const slack = stopLater(await startFakeSlack());
    slack.failNext('chat.postMessage', { status: 500 });
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const t = stopLater(await startTestApp({ slack, env: CARDS_IN_CHANNELS }));
    await t.postCommand({ text: 'new 50 USD Acme Corp' });
    const started = Date.now();
    await slack.waitForCall('chat.postMessage', (c) => Array.isArray(c.args.blocks), 15_000);
    expect(slack.callsOf('chat.postMessage!failed')).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // waited as long as Retry-After asked
    const rows = await eventually(async () => {
      const r = await outbox(t.databaseUrl);
      return r[0]?.status === 'delivered' ? r : undefined;
    }, 'delivered');
    expect(rows).toEqual([{ kind: 'post_card', status: 'delivered', attempts: 3, last_error: null }]);
    await settled(t);
    expect(slack.callsOf('chat.postMessage').filter((c) => Array.isArray(c.args.blocks))).toHaveLength(1);
  });

  test('when Slack never answers a call, then the call times out and the update is retried later instead of holding the worker', async () => {
    const slack = stopLater(await startFakeSlack());
    slack.failNext('chat.postMessage', { hang: true });
    const t = stopLater(await startTestApp({ slack, env: CARDS_IN_CHANNELS, app: { slackTimeoutMs: 300 } }));
    await t.postCommand({ text: 'new 50 USD Acme Corp' });
    await slack.waitForCall('chat.postMessage!hung');
    const card = await slack.waitForCall('chat.postMessage', (c) => Array.isArray(c.args.blocks));
    expect(card.args.channel).toBe('C0SALES');
    const rows = await eventually(async () => {
      const r = await outbox(t.databaseUrl);
      return r[0]?.status === 'delivered' ? r : undefined;
    }, 'delivered on the next attempt');
    expect(rows).toEqual([{ kind: 'post_card', status: 'delivered', attempts: 2, last_error: null }]);
    await settled(t);
    expect(slack.callsOf('chat.postMessage').filter((c) => Array.isArray(c.args.blocks))).toHaveLength(1);
  });

  test('when Slack says the channel is gone, then the update is abandoned at once, not retried forever, and the requester is told', async () => {
    const slack = stopLater(await startFakeSlack());
    slack.failNext('chat.postMessage', { error: 'channel_not_found' });
    const t = stopLater(await startTestApp({ slack, env: CARDS_IN_CHANNELS }));
    await t.postCommand({ text: 'new 50 USD Acme Corp' });
    const rows = await eventually(async () => {
      const r = await outbox(t.databaseUrl);
      return r[1]?.status === 'delivered' ? r : undefined;
    }, 'dead letter and a DM');
    expect(rows).toEqual([
      { kind: 'post_card', status: 'dead', attempts: 1, last_error: 'channel_not_found' },
      { kind: 'direct_message', status: 'delivered', attempts: 1, last_error: null },
    ]);
  });

  test('when the app stops with updates queued, then a restarted app delivers them once', async () => {
    const slack = stopLater(await startFakeSlack());
    // Slack is down while the first instance runs: every post fails, the item stays queued.
    for (let i = 0; i < 20; i++) slack.failNext('chat.postMessage', { status: 500 });
    const first = await startTestApp({ slack, env: CARDS_IN_CHANNELS });
    await first.postCommand({ text: 'new 75 USD Acme Corp' });
    await slack.waitForCall('chat.postMessage!failed');
    await first.stop();
    const queued = await outbox(first.databaseUrl);
    expect(queued).toMatchObject([{ kind: 'post_card', status: 'pending' }]);

    slack.calls.length = 0;
    slack.clearFailures(); // Slack is back
    const t = stopLater(await startTestApp({ slack, databaseUrl: first.databaseUrl, env: CARDS_IN_CHANNELS }));
    await slack.waitForCall('chat.postMessage', (c) => Array.isArray(c.args.blocks));
    await eventually(
      async () => ((await outbox(t.databaseUrl))[0]?.status === 'delivered' ? true : undefined),
      'delivered',
    );
    await settled(t);
    expect(slack.callsOf('chat.postMessage').filter((c) => Array.isArray(c.args.blocks))).toHaveLength(1);
  });

  test('when two instances share the database, then each queued update (cards and approvers’ DMs) is delivered exactly once', async () => {
    const slack = stopLater(await startFakeSlack());
    const first = stopLater(await startTestApp({ slack }));
    const second = stopLater(await startTestApp({ slack, databaseUrl: first.databaseUrl }));
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? first : second).postCommand({ text: `new ${50 + i} USD Customer ${i}` }),
      ),
    );
    const posts = () => slack.callsOf('chat.postMessage').filter((c) => Array.isArray(c.args.blocks));
    const cards = () => posts().filter((c) => c.args.channel === 'C0SALES');
    const dms = () => posts().filter((c) => String(c.args.channel).startsWith('D'));
    await eventually(() => (cards().length >= 12 && dms().length >= 36 ? true : undefined), '12 cards, 36 DMs');
    await Promise.all([settled(first), settled(second)]);
    expect(cards()).toHaveLength(12);
    expect(new Set(cards().map((c) => String(c.args.text).split(':')[0])).size).toBe(12);
    // Each of the three approvers once per request.
    expect(dms()).toHaveLength(36);
    expect(new Set(dms().map((c) => `${String(c.args.channel)} ${String(c.args.text).split(':')[0]}`)).size).toBe(36);
  });
});
