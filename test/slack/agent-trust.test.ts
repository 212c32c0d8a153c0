import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ADMINS, startTestApp, type TestApp } from '../support/app.js';
import { type FakeOpenAI, proposeInParallel, proposeOnce, startFakeOpenAI } from '../support/fake-openai.js';
import { eventEnvelope, mentionEvent } from '../support/fake-slack.js';
import { query, settled } from '../support/flows.js';
import { eventually } from '../support/http-fake.js';

/**
 * The whole way through: Slack events, the real OpenAI client against the recorded wire, PostgreSQL,
 * and what approvers and admins see (card, confirmation, audit, CSV, report).
 */

const ADMIN = ADMINS[0] ?? '';
const acme = { customer_name: 'Acme Corp', amount: '1,200', currency: 'USD', description: 'Q3 onboarding workshop' };
const isCard = (c: { args: Record<string, unknown> }) => Array.isArray(c.args.blocks);

let t: TestApp;
let model: FakeOpenAI;

beforeAll(async () => {
  model = await startFakeOpenAI(proposeInParallel(acme), { wire: 'recorded' });
  t = await startTestApp({
    env: { OPENAI_API_KEY: 'sk-test-fake-key-000000', OPENAI_BASE_URL: model.baseUrl, ADMIN_USER_IDS: ADMIN },
  });
});
afterAll(async () => {
  await t?.stop();
  await model?.close();
});

const requests = () =>
  query<{ number: number; channel_id: string; flags: { code: string }[]; requester_words: string | null }>(
    t.databaseUrl,
    'SELECT number, channel_id, flags, requester_words FROM charge_requests ORDER BY number',
  );

/** The card of request `number` as last posted or updated. */
async function cardOf(number: number) {
  const call = await t.slack.waitForCall(
    'chat.postMessage',
    (c) => isCard(c) && String(c.args.text).startsWith(`CR-${number}:`),
  );
  return JSON.stringify(call.args.blocks);
}

async function command(text: string, user = ADMIN) {
  const id = `${user}-${Math.random().toString(36).slice(2)}`;
  await t.postCommand({ text, user_id: user, channel_id: 'C0FINANCE', response_url: t.slack.responseUrl(id) });
  const answer = await eventually(() => {
    const calls = t.slack.callsOf('response_url').filter((c) => c.args.path === `/response/${id}`);
    return calls.find((c) => !/^:(hourglass|mag)/.test(String(c.args.text)));
  }, `answer to ${text}`);
  return { text: String(answer.args.text), blocks: JSON.stringify(answer.args.blocks ?? []) };
}

describe('one charge per intent, end to end', () => {
  test('when the model answers with two identical parallel propose_charge calls, then one request and one card, quoting the requester', async () => {
    await t.postEvent(
      eventEnvelope(
        mentionEvent('charge Acme Corp $1,200 for the Q3 onboarding workshop', { ts: '1700400001.000100' }),
      ),
    );
    const reply = await t.slack.waitForCall('chat.postMessage', (c) => !isCard(c));
    expect(reply.args.text).toBe('Proposed; it now waits for approval.');
    const rows = await requests();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      flags: [],
      requester_words: 'charge Acme Corp $1,200 for the Q3 onboarding workshop',
    });
    const card = await cardOf(rows[0]?.number ?? 0);
    expect(card).toContain("*In the requester's words*\\n> charge Acme Corp $1,200 for the Q3 onboarding workshop");
    expect(card).not.toContain('card_flags');
    await settled(t);
    expect(t.slack.callsOf('chat.postMessage').filter((c) => isCard(c) && c.args.channel === 'C0SALES')).toHaveLength(
      1,
    );

    // Both calls were answered on the wire (OpenAI requires it): one proposed, one already proposed.
    const followUp = model.requests[1]?.body.input as { type?: string; output?: string }[];
    const outputs = followUp.filter((i) => i.type === 'function_call_output').map((i) => JSON.parse(String(i.output)));
    expect(outputs.map((o) => o.status).sort()).toEqual(['already_proposed', 'proposed']);
    expect(outputs.find((o) => o.status === 'already_proposed')?.reference).toBe(`CR-${rows[0]?.number}`);
    await eventually(
      async () => ((await query(t.databaseUrl, 'SELECT 1 FROM agent_runs')).length ? true : undefined),
      'run',
    );
  });

  test('when the same charge comes again through /charges new in another channel, then its card flags the duplicate, with a link, above the buttons and in the confirmation', async () => {
    const [first] = await requests();
    await t.postCommand({
      text: 'new 1,200 USD ACME corp. — Q3 onboarding workshop',
      user_id: 'U0OTHER',
      channel_id: 'C0OTHER',
      response_url: t.slack.responseUrl('dup-new'),
    });
    const second = await eventually(async () => (await requests())[1], 'second request');
    expect(second.flags.map((f) => f.code)).toEqual(['possible_duplicate']);
    const card = await cardOf(second.number);
    expect(card).toContain(
      `*Possible duplicate* of <https://test.slack.com/archives/C0SALES/p1700400001000100|CR-${first?.number}> (waiting for approval, the same day, in <#C0SALES>)`,
    );
    const blocks = JSON.parse(card) as {
      type: string;
      block_id?: string;
      elements?: { confirm?: { text: { text: string } } }[];
    }[];
    const actions = blocks.findIndex((b) => b.type === 'actions');
    expect(blocks[actions - 1]?.block_id).toBe('card_flags');
    expect(blocks[actions]?.elements?.[0]?.confirm?.text.text).toContain(
      `:warning: possible duplicate of CR-${first?.number}`,
    );
    expect(card).not.toContain('card_requester_words');
  });

  test('when the model proposes what the requester did not say, then the flags are stored, audited, exported and counted', async () => {
    model.script(proposeOnce(acme, 'Proposed again.'));
    await t.postEvent(eventEnvelope(mentionEvent('do the same for them as last time', { ts: '1700400002.000100' })));
    const third = await eventually(async () => (await requests())[2], 'third request');
    expect(third.flags.map((f) => f.code)).toEqual([
      'possible_duplicate',
      'amount_not_stated',
      'currency_not_stated',
      'customer_not_stated',
    ]);
    const card = await cardOf(third.number);
    expect(card).toContain("*Amount not stated*: $1,200.00 USD is not in the requester's words");
    expect(card).toContain("not in the requester's words: amount, currency, customer");

    const audit = await command(`audit CR-${third.number}`);
    expect(audit.blocks).toContain('*create* pending approval (v1)');
    expect(audit.blocks).toContain('amount_not_stated');

    const before = t.slack.callsOf('file_upload').length;
    await command('export 7d');
    const csv = String(t.slack.callsOf('file_upload')[before]?.args.content);
    const [header, ...lines] = csv.split('\r\n').filter(Boolean);
    expect(header?.split(',').at(-1)).toBe('flags');
    expect(lines.map((l) => l.split(',').at(-1))).toEqual([
      '',
      'possible_duplicate',
      'possible_duplicate;amount_not_stated;currency_not_stated;customer_not_stated',
    ]);

    const report = await command('report 7d');
    expect(report.blocks).toContain('flagged: 2');
  });
});
