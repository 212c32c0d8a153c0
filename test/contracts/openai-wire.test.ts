import { createOpenAI } from '@ai-sdk/openai';
import { afterEach, describe, expect, test } from '@jest/globals';
import { generateText, isStepCount, streamText } from 'ai';
import { createAgentTools, type ProposeToolInput } from '../../src/agent/tools.js';
import { refuse } from '../../src/errors.js';
import {
  type FakeOpenAI,
  type ModelWire,
  proposeInParallel,
  proposeOnce,
  startFakeOpenAI,
} from '../support/fake-openai.js';
import { vendorText } from '../support/vendor.js';

/**
 * The fake model server replays recorded OpenAI and Groq wire traffic, templated with our tool calls;
 * the real AI SDK client (@ai-sdk/openai, as the app configures it) must accept all of it.
 */
let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const acme = { customer_name: 'Acme Corp', amount: '1,200', currency: 'USD', description: 'Q3 onboarding workshop' };

/** The app's own tools, with ports that record what the model proposed and create nothing. */
function appTools() {
  const proposed: ProposeToolInput[] = [];
  const tools = createAgentTools({
    propose: async (input) => {
      proposed.push(input);
      return refuse('invalid_input', 'this is a contract test');
    },
    revise: async () => refuse('not_found', 'no'),
    threadRequests: async () => [],
    onProposal: () => undefined,
  });
  return { tools, proposed };
}

async function model(script: Parameters<typeof startFakeOpenAI>[0], api: 'responses' | 'chat', wire?: ModelWire) {
  fake = await startFakeOpenAI(script, wire ? { wire } : {});
  const provider = createOpenAI({ apiKey: 'sk-test-fake-key-000000', baseURL: fake.baseUrl });
  return api === 'chat' ? provider.chat('gpt-5-mini') : provider('gpt-5-mini');
}

describe('Responses API', () => {
  test('the recorded stream replays with its ids, sequence numbers and usage, and our propose_charge call', async () => {
    const { tools, proposed } = appTools();
    const result = streamText({
      model: await model(proposeOnce(acme, 'Done.'), 'responses'),
      prompt: 'charge Acme Corp $1,200 for the Q3 onboarding workshop',
      tools,
      stopWhen: isStepCount(3),
    });
    expect(await result.text).toBe('Done.');
    expect(proposed).toEqual([acme]);
    const steps = await result.steps;
    expect(steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop']);
    // Ids and usage as recorded: the first and the fourth response of the recorded run.
    const recorded = vendorText('openai/responses-function-call.chunks.txt');
    expect(steps[0]?.response.id).toBe('resp_01830d662ab3856501693c321345c88190b0de00f3b9975691');
    expect(steps[0]?.toolCalls[0]?.toolCallId).toBe('call_AB6AaRZ1FYZB2RwS6A5vbdqn');
    expect(recorded).toContain(steps[1]?.response.id ?? '?');
    expect(steps[0]?.usage).toMatchObject({ inputTokens: 134, outputTokens: 28 });
    expect(steps[1]?.usage).toMatchObject({ inputTokens: 299, outputTokens: 12 });
  });

  test('on the wire: the recorded events in their order, sequence numbers and ids; only name and arguments are ours', async () => {
    fake = await startFakeOpenAI(proposeOnce(acme));
    const res = await fetch(`${fake.baseUrl}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5-mini', input: [{ role: 'user', content: 'charge Acme' }], stream: true }),
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const frames = (await res.text()).split('\n\n').filter(Boolean);
    expect(frames.at(-1)).toBe('data: [DONE]');
    const served = frames.slice(0, -1).map((f) => JSON.parse(f.replace(/^data: /, '')) as Record<string, unknown>);
    const recorded = vendorText('openai/responses-function-call.chunks.txt')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const firstResponse = recorded.slice(
      0,
      recorded.findIndex((e, i) => i > 0 && e.type === 'response.created'),
    );
    const shape = (e: Record<string, unknown>) => [
      e.type,
      e.sequence_number,
      e.item_id ?? null,
      e.output_index ?? null,
    ];
    expect(served.map(shape)).toEqual(firstResponse.map(shape));
    const done = served.find((e) => e.type === 'response.function_call_arguments.done');
    expect(done?.arguments).toBe(JSON.stringify(acme));
    const deltas = served.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => e.delta);
    expect(deltas.join('')).toBe(JSON.stringify(acme));
    const completed = served.at(-1) as { response: { usage: unknown; output: { name?: string }[] } };
    expect(completed.response.usage).toEqual((firstResponse.at(-1) as { response: { usage: unknown } }).response.usage);
    expect(completed.response.output.map((o) => o.name ?? null)).toEqual([null, 'propose_charge']);
  });

  test('two identical propose_charge calls in one step both arrive, each with its own call id', async () => {
    const { tools, proposed } = appTools();
    const result = streamText({
      model: await model(proposeInParallel(acme, 2, 'Both noted.'), 'responses'),
      prompt: 'charge Acme twice by mistake',
      tools,
      stopWhen: isStepCount(3),
    });
    expect(await result.text).toBe('Both noted.');
    const [first] = await result.steps;
    expect(first?.toolCalls.map((c) => c.toolName)).toEqual(['propose_charge', 'propose_charge']);
    expect(new Set(first?.toolCalls.map((c) => c.toolCallId)).size).toBe(2);
    expect(proposed).toEqual([acme, acme]);
    // OpenAI checks that both calls got their output in the next request; the fake does too.
    const followUp = fake?.requests[1]?.body.input as { type?: string; call_id?: string }[];
    expect(followUp.filter((i) => i.type === 'function_call_output').map((i) => i.call_id)).toEqual(
      first?.toolCalls.map((c) => c.toolCallId),
    );
  });

  test('generateText (stream: false, as the app calls it) accepts the recorded non-streamed response', async () => {
    const { tools, proposed } = appTools();
    const result = await generateText({
      model: await model(proposeInParallel(acme, 2, 'Proposed.'), 'responses', 'recorded'),
      prompt: 'charge Acme',
      tools,
      stopWhen: isStepCount(3),
    });
    expect(fake?.requests.map((r) => r.body.stream ?? false)).toEqual([false, false]);
    expect(result.text).toBe('Proposed.');
    expect(proposed).toEqual([acme, acme]);
    // The recorded response's own usage, per step.
    expect(result.steps.map((s) => s.usage.inputTokens)).toEqual([865, 865]);
    expect(result.steps[1]?.response.id).toMatch(/^resp_0f35ed53160b395301693cc957829881909359e7f80cdd20b5/);
  });

  test('a conversation whose tool call has no output is refused, as OpenAI refuses it', async () => {
    fake = await startFakeOpenAI(proposeOnce(acme));
    const res = await fetch(`${fake.baseUrl}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-5-mini',
        input: [
          { role: 'user', content: 'charge Acme' },
          { type: 'function_call', call_id: 'call_1', name: 'propose_charge', arguments: '{}' },
        ],
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { type: 'invalid_request_error', message: 'No tool output found for function call call_1.' },
    });
  });
});

describe('Chat Completions (OPENAI_API=chat)', () => {
  test('the recorded Groq tool-call stream and OpenAI text stream replay with our call and text', async () => {
    const { tools, proposed } = appTools();
    const result = streamText({
      model: await model(proposeOnce(acme, 'Proposed in words.'), 'chat'),
      prompt: 'charge Acme',
      tools,
      stopWhen: isStepCount(3),
    });
    expect(await result.text).toBe('Proposed in words.');
    expect(proposed).toEqual([acme]);
    const steps = await result.steps;
    expect(steps[0]?.toolCalls[0]?.toolCallId).toBe('tk85n1k4m');
    expect(steps[0]?.usage).toMatchObject({ inputTokens: 210, outputTokens: 15 });
    expect(steps[1]?.usage).toMatchObject({ inputTokens: 16, outputTokens: 300 });
  });

  test('two parallel calls in one chat step', async () => {
    const { tools, proposed } = appTools();
    const result = streamText({
      model: await model(proposeInParallel(acme), 'chat'),
      prompt: 'charge Acme',
      tools,
      stopWhen: isStepCount(3),
    });
    await result.text;
    expect(proposed).toEqual([acme, acme]);
    const messages = fake?.requests[1]?.body.messages as { role: string; tool_call_id?: string }[];
    expect(messages.filter((m) => m.role === 'tool')).toHaveLength(2);
  });

  test('generateText against chat, recorded identity and usage', async () => {
    const { tools, proposed } = appTools();
    const result = await generateText({
      model: await model(proposeOnce(acme, 'OK then.'), 'chat', 'recorded'),
      prompt: 'charge Acme',
      tools,
      stopWhen: isStepCount(3),
    });
    expect(result.text).toBe('OK then.');
    expect(proposed).toEqual([acme]);
    expect(result.steps[0]?.response.id).toBe('chatcmpl-b610d559-f156-4aca-8827-24b4fe6af54f');
  });
});
