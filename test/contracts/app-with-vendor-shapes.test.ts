import { afterEach, describe, expect, test } from '@jest/globals';
import { startTestApp, type TestApp } from '../support/app.js';
import { type FakeOpenAI, proposeOnce, startFakeOpenAI } from '../support/fake-openai.js';
import {
  buttonClick,
  eventEnvelope,
  homeOpenedEvent,
  mentionEvent,
  messageEvent,
  slashCommandFields,
  viewSubmission,
} from '../support/fake-slack.js';
import { query } from '../support/flows.js';
import { eventually } from '../support/http-fake.js';
import { isObject, type JsonObject, vendorJson, vendorText } from '../support/vendor.js';

/**
 * The real app fed Slack's payloads with every field Slack has been seen to send (the java-slack-sdk
 * samples), and the model's recorded answers as OpenAI sends them.
 */
let t: TestApp | undefined;
let model: FakeOpenAI | undefined;
afterEach(async () => {
  await t?.stop();
  await model?.close();
  t = undefined;
  model = undefined;
});

/** Every key path of a sample (arrays by their first item). */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length ? keyPaths(value[0], `${prefix}[]`) : [];
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const here = prefix ? `${prefix}.${key}` : key;
    return [here, ...keyPaths(item, here)];
  });
}

const sample = (name: string) => vendorJson<JsonObject>(`slack/payloads/${name}.json`);

/** Sample fields a builder may leave out: present in Slack's payloads only in another variant. */
function missingFields(built: unknown, sampleName: string, allowedMissing: readonly string[], under = ''): string[] {
  const have = new Set(keyPaths(built));
  const base = under ? (sample(sampleName)[under] as unknown) : sample(sampleName);
  return keyPaths(base)
    .map((p) => (under ? `${under}.${p}` : p))
    .filter((p) => !have.has(p))
    .filter(
      (p) =>
        !allowedMissing.some((allowed) => p === allowed || p.startsWith(`${allowed}.`) || p.startsWith(`${allowed}[]`)),
    );
}

describe('request builders keep every field of Slack’s samples', () => {
  test('block_actions', () => {
    const built = buttonClick('approve', 'id:1', 'U0FIN1', 'https://x.test/r');
    expect(
      missingFields(built, 'BlockActionPayload', [
        'view',
        'function_data',
        'bot_access_token',
        'interactivity',
        'enterprise',
        'container.thread_ts',
        'container.view_id',
        'container.attachment_id',
        'message.subtype',
        'message.thread_ts',
        'message.parent_user_id',
        'message.edited',
        'message.root',
      ]),
    ).toEqual([]);
  });

  test('view_submission', () => {
    const built = viewSubmission('reject', 'id:1', 'U0FIN1', { reason: 'x' });
    expect(
      missingFields(built, 'ViewSubmissionPayload', [
        'function_data',
        'bot_access_token',
        'interactivity',
        'enterprise',
      ]),
    ).toEqual([]);
  });

  test('app_mention and message events, and their envelope', () => {
    const mention = eventEnvelope(mentionEvent('hi', { ts: '1.1' }));
    expect(
      missingFields(mention, 'AppMentionPayload', [
        'event.thread_ts',
        'event.subtype',
        'event.bot_id',
        'event.bot_profile',
        'event.app_id',
        'event.username',
      ]),
    ).toEqual([]);
    const message = eventEnvelope(messageEvent('hi', { ts: '1.2' }));
    expect(
      missingFields(message, 'MessagePayload', [
        'event.thread_ts',
        'event.parent_user_id',
        'event.bot_id',
        'event.bot_profile',
      ]),
    ).toEqual([]);
    expect(missingFields(eventEnvelope(homeOpenedEvent('U1')), 'AppHomeOpenedPayload', [])).toEqual([]);
  });

  test('slash command fields', () => {
    expect(Object.keys(slashCommandFields()).sort()).toEqual(Object.keys(sample('SlashCommandPayload')).sort());
  });
});

describe('the app tolerates every field Slack sends', () => {
  test('a slash command with all of Slack’s fields is answered', async () => {
    t = await startTestApp();
    // postCommand merges its own fields under these: every field of the sample reaches the app.
    await t.postCommand(slashCommandFields({ text: 'help', response_url: t.slack.responseUrl('full-sample') }));
    const answer = await t.slack.waitForCall('response_url', (c) => c.args.path === '/response/full-sample');
    expect(JSON.stringify(answer.args.blocks)).toContain('/charges new');
    expect(t.slack.callsOf('response_url!failed')).toEqual([]);
  });

  test('App Home opened with the sample’s view fields publishes the Home tab', async () => {
    t = await startTestApp();
    await t.postEvent(eventEnvelope(homeOpenedEvent('U0SOMEONE')));
    const published = await t.slack.waitForCall('views.publish', (c) => c.args.user_id === 'U0SOMEONE');
    expect(String(published.args.view)).toContain('"type":"home"');
    expect(t.slack.callsOf('views.publish!failed')).toEqual([]);
  });
});

describe('the app against the recorded OpenAI response', () => {
  test('a mention is answered through the recorded non-streamed Responses JSON (reasoning item, real usage)', async () => {
    model = await startFakeOpenAI(
      proposeOnce({ customer_name: 'Acme Corp', amount: '1,200', currency: 'USD', description: 'workshop' }),
      { wire: 'recorded' },
    );
    t = await startTestApp({ env: { OPENAI_API_KEY: 'sk-test-fake-key-000000', OPENAI_BASE_URL: model.baseUrl } });
    await t.postEvent(
      eventEnvelope(mentionEvent('charge Acme Corp $1,200 for the workshop', { ts: '1700000500.000100' })),
    );
    await t.slack.waitForCall('chat.postMessage', (c) => Array.isArray(c.args.blocks));
    const url = t.databaseUrl;
    const [run] = await eventually(async () => {
      const rows = await query<{ outcome: string; input_tokens: number; output_tokens: number }>(
        url,
        'SELECT outcome, input_tokens, output_tokens FROM agent_runs',
      );
      return rows.length ? rows : undefined;
    }, 'agent run recorded');
    // Two requests (tool call, then words), each with the recording's own usage.
    const recorded = vendorJson<{ usage: { input_tokens: number; output_tokens: number } }>(
      'openai/responses-function-call.json',
    ).usage;
    expect(run).toEqual({
      outcome: 'proposed',
      input_tokens: recorded.input_tokens * 2,
      output_tokens: recorded.output_tokens * 2,
    });
    expect(model.requests.map((r) => r.body.stream ?? false)).toEqual([false, false]);
  });

  test('with OPENAI_API=chat, a mention becomes a card through the recorded Chat Completions identity and usage', async () => {
    model = await startFakeOpenAI(
      proposeOnce({ customer_name: 'Acme Corp', amount: '1,200', currency: 'USD', description: 'workshop' }),
      { wire: 'recorded' },
    );
    t = await startTestApp({
      env: { OPENAI_API_KEY: 'sk-test-fake-key-000000', OPENAI_BASE_URL: model.baseUrl, OPENAI_API: 'chat' },
    });
    await t.postEvent(
      eventEnvelope(mentionEvent('charge Acme Corp $1,200 for the workshop', { ts: '1700000600.000100' })),
    );
    const card = await t.slack.waitForCall('chat.postMessage', (c) => Array.isArray(c.args.blocks));
    expect(JSON.stringify(card.args.blocks)).toContain('charge_approve');
    expect(String(card.args.text)).toMatch(/^CR-\d+: \$1,200\.00 USD for Acme Corp/);
    const url = t.databaseUrl;
    const [run] = await eventually(async () => {
      const rows = await query<{ outcome: string; input_tokens: number; output_tokens: number }>(
        url,
        'SELECT outcome, input_tokens, output_tokens FROM agent_runs',
      );
      return rows.length ? rows : undefined;
    }, 'agent run recorded');
    // The tool call stands for the recorded Groq stream, the words for the recorded OpenAI text stream.
    const toolCall = lastUsage('openai/chat-compatible-tool-call.groq.chunks.txt');
    const words = lastUsage('openai/chat-text.chunks.txt');
    expect(run).toEqual({
      outcome: 'proposed',
      input_tokens: toolCall.prompt_tokens + words.prompt_tokens,
      output_tokens: toolCall.completion_tokens + words.completion_tokens,
    });
    expect(model.requests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
  });
});

/** The usage a recorded Chat Completions stream reports (its last chunk that carries one). */
function lastUsage(path: string): { prompt_tokens: number; completion_tokens: number } {
  const usages = vendorText(path)
    .split('\n')
    .map((line) => line.replace(/^data: /, '').trim())
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { usage?: { prompt_tokens: number; completion_tokens: number } })
    .flatMap((chunk) => (chunk.usage ? [chunk.usage] : []));
  const usage = usages.at(-1);
  if (!usage) throw new Error(`no usage in ${path}`);
  return usage;
}
