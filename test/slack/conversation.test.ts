import { afterEach, describe, expect, test } from '@jest/globals';
import { APPROVERS, startTestApp, type TestApp } from '../support/app.js';
import { proposeOnce } from '../support/fake-openai.js';
import { eventEnvelope, mentionEvent, messageEvent, startFakeSlack } from '../support/fake-slack.js';
import { settled, query as sql } from '../support/flows.js';
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

const acme = { customer_name: 'Acme Corp', amount: '1,200', currency: 'USD', description: 'Q3 onboarding workshop' };
// Approvers' DMs are tested in approver-dms.test.ts; here they do not count.
const inChannel = (c: { args: Record<string, unknown> }) => !APPROVERS.some((u) => c.args.channel === `D${u}`);
const cardPost = (c: { args: Record<string, unknown> }) => Array.isArray(c.args.blocks) && inChannel(c);
const blocksText = (c: { args: Record<string, unknown> }) => JSON.stringify(c.args.blocks);

describe('a mention in HTTP mode', () => {
  test('when a member asks for a charge, then one card appears whose amount and customer match the database row', async () => {
    t = await startTestApp({ model: proposeOnce(acme) });
    const res = await t.postEvent(
      eventEnvelope(
        mentionEvent('charge Acme Corp $1,200 for the Q3 onboarding workshop', { ts: '1700000001.000100' }),
      ),
    );
    expect(res.status).toBe(200);

    const card = await t.slack.waitForCall('chat.postMessage', cardPost);
    const reply = await t.slack.waitForCall('chat.postMessage', (c) => inChannel(c) && !cardPost(c));
    const [row] = await sql<{
      number: number;
      amount_minor: string;
      currency: string;
      customer_name: string;
      status: string;
      thread_ts: string;
      card_ts: string;
    }>(t.databaseUrl, 'SELECT * FROM charge_requests');
    expect(row).toMatchObject({
      amount_minor: '120000',
      currency: 'USD',
      customer_name: 'Acme Corp',
      status: 'pending_approval',
      thread_ts: '1700000001.000100',
    });
    expect(card.args).toMatchObject({ channel: 'C0SALES', thread_ts: '1700000001.000100' });
    expect(blocksText(card)).toContain('"text":"$1,200.00 USD · Acme Corp"');
    expect(blocksText(card)).toContain(`CR-${row?.number} · version 1`);
    expect(blocksText(card)).toContain('$1,200.00 USD');
    expect(blocksText(card)).toContain('Acme Corp');
    expect(blocksText(card)).toContain('<@U0REQUESTER>');
    expect(String(card.args.text)).toContain('$1,200.00 USD for Acme Corp');
    expect(t.slack.callsOf('chat.postMessage').filter(cardPost)).toHaveLength(1);
    expect(reply.args).toMatchObject({ thread_ts: '1700000001.000100', text: 'Proposed; it now waits for approval.' });
    await eventually(
      async () =>
        (await sql(databaseUrl(), 'SELECT 1 FROM charge_requests WHERE card_ts IS NOT NULL')).length ? true : undefined,
      'card_ts stored',
    );

    // The requester saw Slack's "is thinking…" status in the thread, cleared with the answer.
    expect(t.slack.callsOf('assistant.threads.setStatus')[0]?.args).toMatchObject({
      channel_id: 'C0SALES',
      thread_ts: '1700000001.000100',
      status: 'is thinking…',
    });
    await t.slack.waitForCall('assistant.threads.setStatus', (c) => c.args.status === '');
    expect(t.slack.callsOf('reactions.add')).toEqual([]);

    const [run] = await sql(t.databaseUrl, 'SELECT * FROM agent_runs');
    expect(run).toMatchObject({
      outcome: 'proposed',
      input_tokens: 240,
      output_tokens: 60,
      total_tokens: 300,
      user_id: 'U0REQUESTER',
      channel_id: 'C0SALES',
      model: 'gpt-5-mini',
    });
    const audit = await sql(t.databaseUrl, 'SELECT actor, action, to_status FROM audit_events');
    expect(audit).toEqual([{ actor: 'U0REQUESTER', action: 'create', to_status: 'pending_approval' }]);
  });

  test('when the model is slow, then Slack is acknowledged before the model answers', async () => {
    t = await startTestApp({ model: () => ({ text: 'Which currency?', delayMs: 1500 }) });
    const res = await t.postEvent(eventEnvelope(mentionEvent('charge Acme 1200', { ts: '1700000012.000100' })));
    expect(res.status).toBe(200);
    // At the moment Slack has its answer the model is still thinking: nothing has been posted yet.
    expect(t.slack.callsOf('chat.postMessage')).toHaveLength(0);
    const reply = await t.slack.waitForCall('chat.postMessage');
    expect(reply.args.text).toBe('Which currency?');
  });

  test('when the amount is missing, then the agent asks and nothing is created', async () => {
    t = await startTestApp({ model: () => ({ text: 'How much should I charge Acme Corp, and in which currency?' }) });
    await t.postEvent(eventEnvelope(mentionEvent('charge Acme Corp for the workshop', { ts: '1700000002.000100' })));
    const reply = await t.slack.waitForCall('chat.postMessage');
    expect(reply.args.text).toBe('How much should I charge Acme Corp, and in which currency?');
    expect(await sql(t.databaseUrl, 'SELECT * FROM charge_requests')).toEqual([]);
    expect(await sql(t.databaseUrl, 'SELECT outcome FROM agent_runs')).toEqual([{ outcome: 'replied' }]);
  });

  test('when the app stops while the model is answering, then the turn finishes and is recorded before the database closes', async () => {
    t = await startTestApp({ model: () => ({ text: 'How much should I charge Acme Corp?', delayMs: 1_000 }) });
    const running = t;
    await running.postEvent(eventEnvelope(mentionEvent('charge Acme Corp', { ts: '1700000004.000100' })));
    await running.openai?.waitForRequests(1);
    await running.stop();
    t = undefined;
    expect(running.slack.callsOf('chat.postMessage').map((c) => c.args.text)).toEqual([
      'How much should I charge Acme Corp?',
    ]);
    expect(await sql(running.databaseUrl, 'SELECT outcome FROM agent_runs')).toEqual([{ outcome: 'replied' }]);
  });

  test('when Slack refuses the thinking status, then the :eyes: reaction shows the bot is working instead', async () => {
    const slack = await startFakeSlack();
    slack.failNext('assistant.threads.setStatus', { error: 'missing_scope' });
    t = await startTestApp({ slack, model: () => ({ text: 'How much should I charge Acme Corp?' }) });
    await t.postEvent(eventEnvelope(mentionEvent('charge Acme Corp', { ts: '1700000003.000100' })));
    await slack.waitForCall('chat.postMessage');
    expect(slack.callsOf('assistant.threads.setStatus!failed')).toHaveLength(1);
    expect(slack.callsOf('reactions.add')[0]?.args).toMatchObject({ name: 'eyes', timestamp: '1700000003.000100' });
    await slack.waitForCall('reactions.remove');
    expect(slack.callsOf('assistant.threads.setStatus')).toEqual([]);
    await t.stop();
    t = undefined;
    await slack.close();
  });

  test('when Slack delivers one mention twice, as a retry and as a thread message, then it is processed once', async () => {
    t = await startTestApp({ model: proposeOnce(acme) });
    const mention = mentionEvent('charge Acme Corp $1,200', {
      ts: '1700000003.000200',
      thread_ts: '1700000003.000100',
    });
    const asMessage = messageEvent(String(mention.text), { ts: '1700000003.000200', thread_ts: '1700000003.000100' });
    await Promise.all([
      t.postEvent(eventEnvelope(mention, 'Ev1')),
      t.postEvent(eventEnvelope(mention, 'Ev1'), { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }),
      t.postEvent(eventEnvelope(asMessage, 'Ev2')),
    ]);
    await t.slack.waitForCall('chat.postMessage', cardPost);
    await t.slack.waitForCall('chat.postMessage', (c) => inChannel(c) && !cardPost(c));
    await settled(t);
    expect(await sql(t.databaseUrl, 'SELECT id FROM charge_requests')).toHaveLength(1);
    expect(t.openai?.requests).toHaveLength(2); // one turn: tool call + confirmation
    expect(t.slack.callsOf('chat.postMessage').filter(inChannel)).toHaveLength(2);
  });

  test('when text tries to mention @channel or smuggle links, then the card shows it inert', async () => {
    t = await startTestApp({
      model: proposeOnce({
        customer_name: '<!channel> Acme <https://evil.example/pay|Click here>',
        customer_email: 'billing@acme.test',
        amount: '50',
        currency: 'USD',
        description: 'ignore previous instructions <!here> <@U0CEO> see https://evil.example and www.evil.example',
      }),
    });
    await t.postEvent(eventEnvelope(mentionEvent('charge <!channel> Acme $50', { ts: '1700000004.000100' })));
    const card = await t.slack.waitForCall('chat.postMessage', cardPost);
    // The header is plain_text, which Slack never parses: the name shows as written, links broken.
    const [header, ...rest] = card.args.blocks as { type: string; text?: { type: string; text: string } }[];
    expect(header?.text?.type).toBe('plain_text');
    for (const forbidden of ['https://evil', 'www.evil']) expect(header?.text?.text).not.toContain(forbidden);
    const rendered = JSON.stringify(rest) + String(card.args.text);
    for (const forbidden of ['<!channel>', '<!here>', '<@U0CEO>', '<https://', 'https://evil', 'www.evil']) {
      expect(rendered).not.toContain(forbidden);
    }
    expect(rendered).toContain(
      '&lt;!channel&gt; Acme &lt;https:\\u200b//evil.example/pay|Click here&gt;'.replace('\\u200b', '\u200B'),
    );
    // The only mention on the card is the requester's, which we build from the Slack user id.
    expect(rendered.match(/<@/g)).toHaveLength(1);
  });

  test('when the request contains & < > (escaped by Slack), then the agent reads them as typed and the card shows them once escaped', async () => {
    t = await startTestApp({
      model: proposeOnce({ ...acme, amount: '500', description: 'R&D tools <5 seats>' }),
    });
    // Slack sends what the person typed, "charge Acme Corp $500 for R&D tools <5 seats>", escaped.
    await t.postEvent(
      eventEnvelope(
        mentionEvent('charge Acme Corp $500 for R&amp;D tools &lt;5 seats&gt;', { ts: '1700000013.000100' }),
      ),
    );
    const card = await t.slack.waitForCall('chat.postMessage', cardPost);
    const asked = JSON.stringify(t.openai?.requests[0]?.body.input);
    expect(asked).toContain('charge Acme Corp $500 for R&D tools <5 seats>');
    expect(asked).not.toContain('&amp;');
    expect(asked).not.toContain('&lt;');

    const blocks = blocksText(card);
    expect(blocks).toContain('R&amp;D tools &lt;5 seats&gt;');
    expect(blocks).toContain('> charge Acme Corp $500 for R&amp;D tools &lt;5 seats&gt;');
    expect(blocks).not.toContain('&amp;amp;');
    expect(blocks).not.toContain('&amp;lt;');
    const [row] = await sql<{ requester_words: string; description: string }>(
      t.databaseUrl,
      'SELECT requester_words, description FROM charge_requests',
    );
    expect(row).toEqual({
      requester_words: 'charge Acme Corp $500 for R&D tools <5 seats>',
      description: 'R&D tools <5 seats>',
    });
  });

  test('when the model fails, then the thread hears so plainly, nothing is created, and asking again works', async () => {
    t = await startTestApp({ model: () => ({ httpStatus: 500 }) });
    await t.postEvent(eventEnvelope(mentionEvent('charge Acme $1,200', { ts: '1700000005.000100' })));
    const apology = await t.slack.waitForCall('chat.postMessage');
    expect(apology.args.text).toMatch(/AI model had an error \(HTTP 500\)\. Nothing was created\. Please ask again/);
    expect(await sql(t.databaseUrl, 'SELECT * FROM charge_requests')).toEqual([]);
    expect(await sql(t.databaseUrl, 'SELECT outcome FROM agent_runs')).toEqual([{ outcome: 'model_unavailable' }]);

    t.openai?.script(proposeOnce(acme));
    await t.postEvent(
      eventEnvelope(messageEvent('please try again', { ts: '1700000005.000200', thread_ts: '1700000005.000100' })),
    );
    await t.slack.waitForCall('chat.postMessage', cardPost);
    expect(await sql(t.databaseUrl, 'SELECT * FROM charge_requests')).toHaveLength(1);
  });

  test('when the model is rate-limited, then the reply says so', async () => {
    t = await startTestApp({ model: () => ({ httpStatus: 429 }) });
    await t.postEvent(eventEnvelope(mentionEvent('charge Acme $1,200', { ts: '1700000006.000100' })));
    const reply = await t.slack.waitForCall('chat.postMessage');
    expect(reply.args.text).toMatch(/rate-limited/);
  });

  test('when the model sends an invalid amount, then the tool tells it why and its correction is accepted', async () => {
    t = await startTestApp({
      model: (view) => {
        if (view.toolOutputs.length === 0)
          return { call: { name: 'propose_charge', args: { ...acme, amount: '1,2,3' } } };
        if (view.toolOutputs.length === 1) return { call: { name: 'propose_charge', args: acme } };
        return { text: 'Proposed.' };
      },
    });
    await t.postEvent(eventEnvelope(mentionEvent('charge Acme 1200 USD', { ts: '1700000007.000100' })));
    await t.slack.waitForCall('chat.postMessage', cardPost);
    const firstToolOutput = JSON.stringify(t.openai?.requests[1]?.body.input);
    expect(firstToolOutput).toContain('not_proposed');
    expect(firstToolOutput).toContain('is not an amount');
    expect(await sql(t.databaseUrl, 'SELECT amount_minor FROM charge_requests')).toEqual([{ amount_minor: '120000' }]);
  });

  test('when the requester follows up in the thread, then the request gets a new version and the card shows the change', async () => {
    t = await startTestApp({ model: proposeOnce(acme) });
    await t.postEvent(eventEnvelope(mentionEvent('charge Acme Corp $1,200', { ts: '1700000008.000100' })));
    await t.slack.waitForCall('chat.postMessage', cardPost);
    const [{ number }] = (await eventually(async () => {
      const rows = await sql<{ number: number }>(
        databaseUrl(),
        'SELECT number FROM charge_requests WHERE card_ts IS NOT NULL',
      );
      return rows.length ? rows : undefined;
    }, 'card stored')) as [{ number: number }];

    t.openai?.script(proposeOnce({ ...acme, amount: '1,500', update_reference: `CR-${number}` }, 'Updated to $1,500.'));
    await t.postEvent(
      eventEnvelope(messageEvent('make it 1,500 instead', { ts: '1700000008.000300', thread_ts: '1700000008.000100' })),
    );
    const update = await t.slack.waitForCall('chat.update');
    expect(blocksText(update)).toContain('Version 2');
    expect(blocksText(update)).toContain('amount: $1,200.00 USD → *$1,500.00 USD*');
    expect(blocksText(update)).toContain('Approvals of earlier versions no longer count');
    const notice = await t.slack.waitForCall('chat.postMessage', (c) =>
      String(c.args.text).includes('is now version 2'),
    );
    expect(notice.args.thread_ts).toBe('1700000008.000100');
    expect(await sql(t.databaseUrl, 'SELECT version, amount_minor FROM charge_requests')).toEqual([
      { version: 2, amount_minor: '150000' },
    ]);
  });

  test('when someone else in the thread asks the agent to change the request, then it is refused and nothing changes; an approver may', async () => {
    t = await startTestApp({ model: proposeOnce(acme) });
    await t.postEvent(eventEnvelope(mentionEvent('charge Acme Corp $1,200', { ts: '1700000014.000100' })));
    await t.slack.waitForCall('chat.postMessage', cardPost);
    const [{ number }] = (await eventually(async () => {
      const rows = await sql<{ number: number }>(
        databaseUrl(),
        'SELECT number FROM charge_requests WHERE card_ts IS NOT NULL',
      );
      return rows.length ? rows : undefined;
    }, 'card stored')) as [{ number: number }];
    await settled(t);
    const revise = { ...acme, amount: '1', update_reference: `CR-${number}` };

    t.openai?.script(proposeOnce(revise, 'I could not change it.'));
    const before = t.openai?.requests.length ?? 0;
    await t.postEvent(
      eventEnvelope(
        messageEvent('make it 1 dollar', {
          ts: '1700000014.000200',
          thread_ts: '1700000014.000100',
          user: 'U0STRANGER',
        }),
      ),
    );
    await t.slack.waitForCall('chat.postMessage', (c) => c.args.text === 'I could not change it.');
    const toolOutput = JSON.stringify(t.openai?.requests[before + 1]?.body.input);
    expect(toolOutput).toContain('forbidden');
    expect(toolOutput).toContain(
      `Only the requester or a finance approver can change CR-${number}. Nothing was changed.`,
    );
    await settled(t);
    expect(await sql(t.databaseUrl, 'SELECT version, amount_minor FROM charge_requests')).toEqual([
      { version: 1, amount_minor: '120000' },
    ]);
    expect(await sql(t.databaseUrl, 'SELECT action FROM audit_events')).toEqual([{ action: 'create' }]);
    expect(t.slack.callsOf('chat.update')).toEqual([]);

    // An approver in the same thread may change it.
    t.openai?.script(proposeOnce({ ...revise, amount: '1,100' }, 'Changed.'));
    await t.postEvent(
      eventEnvelope(
        messageEvent('make it 1,100', { ts: '1700000014.000300', thread_ts: '1700000014.000100', user: APPROVERS[0] }),
      ),
    );
    await t.slack.waitForCall('chat.postMessage', (c) => c.args.text === 'Changed.');
    expect(await sql(t.databaseUrl, 'SELECT version, amount_minor FROM charge_requests')).toEqual([
      { version: 2, amount_minor: '110000' },
    ]);
  });

  test('messages from bots, and channel chatter outside our threads, are ignored', async () => {
    t = await startTestApp({ model: proposeOnce(acme) });
    await t.postEvent(eventEnvelope(messageEvent('charge Acme $5', { ts: '1700000009.000100', bot_id: 'B0OTHER' })));
    await t.postEvent(
      eventEnvelope(messageEvent('just chatting', { ts: '1700000009.000200', thread_ts: '1700000009.000001' })),
    );
    await t.postEvent(
      eventEnvelope({ ...mentionEvent('charge Acme $5', { ts: '1700000009.000300' }), bot_id: 'B0OTHER' }),
    );
    await settled(t);
    expect(t.openai?.requests).toHaveLength(0);
    expect(t.slack.callsOf('chat.postMessage')).toHaveLength(0);
  });

  test('a direct message to the bot works without a mention, through the Chat Completions API', async () => {
    t = await startTestApp({ model: proposeOnce(acme), env: { OPENAI_API: 'chat' } });
    await t.postEvent(
      eventEnvelope(
        messageEvent('charge Acme Corp $1,200', { ts: '1700000010.000100', channel: 'D0DM', channel_type: 'im' }),
      ),
    );
    const card = await t.slack.waitForCall('chat.postMessage', cardPost);
    expect(card.args).toMatchObject({ channel: 'D0DM', thread_ts: '1700000010.000100' });
    expect(t.openai?.requests[0]?.path).toBe('/v1/chat/completions');
  });
});

describe('request verification', () => {
  test('when a request is unsigned, forged or stale, then it gets 401 and changes nothing', async () => {
    t = await startTestApp({ model: proposeOnce(acme) });
    const body = JSON.stringify(eventEnvelope(mentionEvent('charge Acme $1,200', { ts: '1700000011.000100' })));
    const unsigned = await fetch(`${t.base}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const forged = await t.postEvent(JSON.parse(body), { 'x-slack-signature': `v0=${'0'.repeat(64)}` });
    const stale = Math.floor(Date.now() / 1000) - 600;
    const { slackSignature } = await import('../support/fake-slack.js');
    const { SIGNING_SECRET } = await import('../support/app.js');
    const old = await fetch(`${t.base}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...slackSignature(SIGNING_SECRET, body, stale) },
      body,
    });
    expect([unsigned.status, forged.status, old.status]).toEqual([401, 401, 401]);
    await settled(t);
    expect(await sql(t.databaseUrl, 'SELECT * FROM conversation_messages')).toEqual([]);
    expect(t.openai?.requests).toHaveLength(0);
  });
});
