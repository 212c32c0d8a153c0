import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startTestApp, type TestApp } from '../support/app.js';
import { query } from '../support/flows.js';
import { eventually } from '../support/http-fake.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp(); // no model configured at all
});
afterAll(async () => {
  await t?.stop();
});

const rows = (sql: string) => query(t.databaseUrl, sql);

describe('/charges', () => {
  test('when a member runs /charges new without any model configured, then the same proposal and card appear', async () => {
    const res = await t.postCommand({ text: 'new 1,200 USD Acme Corp — Q3 onboarding workshop' });
    expect(res.status).toBe(200);
    const ack = await t.slack.waitForCall('response_url');
    expect(ack.args).toMatchObject({ response_type: 'ephemeral' });
    expect(String(ack.args.text)).toMatch(/^Proposed CR-\d+\. The approval card is being posted/);
    const card = await t.slack.waitForCall('chat.postMessage', (c) => Array.isArray(c.args.blocks));
    expect(card.args.channel).toBe('C0SALES');
    expect(card.args.thread_ts).toBeUndefined(); // the card starts the request's thread
    expect(JSON.stringify(card.args.blocks)).toContain('$1,200.00 USD');
    expect(JSON.stringify(card.args.blocks)).toContain('requested via /charges new');
    const [row] = await rows("SELECT * FROM charge_requests WHERE source = 'command'");
    expect(row).toMatchObject({
      amount_minor: '120000',
      currency: 'USD',
      customer_name: 'Acme Corp',
      description: 'Q3 onboarding workshop',
      requester_id: 'U0REQUESTER',
    });
  });

  test('when the amount is bad, then the reply names the problem and nothing is created', async () => {
    const before = await rows('SELECT id FROM charge_requests');
    t.slack.calls.length = 0;
    await t.postCommand({ text: 'new 12.345 USD Acme Corp' });
    await t.postCommand({ text: 'new 100 XYZ Acme Corp' });
    await t.postCommand({ text: 'new -5 USD Acme Corp' });
    await t.postCommand({ text: 'new 1000000 USD Acme Corp' });
    await t.postCommand({ text: 'new 1200 USD' });
    const replies = await eventually(() => {
      const texts = t.slack.callsOf('response_url').map((c) => String(c.args.text));
      return texts.length >= 5 ? texts : undefined;
    }, 'five replies');
    expect(replies).toHaveLength(5);
    expect(replies.join('\n')).toMatch(/could be read two ways/);
    expect(replies.join('\n')).toMatch(/"XYZ" is not a currency/);
    expect(replies.join('\n')).toMatch(/Amounts must be positive/);
    expect(replies.join('\n')).toMatch(/above Stripe's maximum/);
    expect(replies.join('\n')).toMatch(/Who is the customer\?/);
    expect(await rows('SELECT id FROM charge_requests')).toEqual(before);
  });

  test('help lists the subcommands; unknown subcommands point to help', async () => {
    t.slack.calls.length = 0;
    await t.postCommand({ text: 'help' });
    const help = await t.slack.waitForCall('response_url');
    expect(JSON.stringify(help.args.blocks)).toContain('/charges new');
    t.slack.calls.length = 0;
    await t.postCommand({ text: 'frobnicate <!channel>' });
    const unknown = await t.slack.waitForCall('response_url');
    expect(unknown.args.text).toBe("I don't know `frobnicate`. Try `/charges help`.");
  });

  test('a mention without a configured model explains how to propose without it', async () => {
    t.slack.calls.length = 0;
    const { eventEnvelope, mentionEvent } = await import('../support/fake-slack.js');
    await t.postEvent(eventEnvelope(mentionEvent('charge Acme $5', { ts: '1700000020.000100' })));
    const reply = await t.slack.waitForCall('chat.postMessage');
    expect(reply.args.text).toMatch(/no AI model is configured \(OPENAI_API_KEY\)\. Use `\/charges new/);
  });
});
