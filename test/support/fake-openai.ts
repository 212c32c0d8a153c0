import type { ServerResponse } from 'node:http';
import { eventually, type FakeServer, sendJson, startFakeServer } from './http-fake.js';
import { isObject, type JsonObject, vendorJson, vendorText } from './vendor.js';

/** What the scripted model sees of a request: user texts and the outputs of tools it called. */
export interface ModelView {
  readonly userTexts: string[];
  readonly toolOutputs: unknown[];
  readonly instructions: string;
  readonly toolNames: string[];
}

export interface ToolCallSpec {
  readonly name: string;
  readonly args: Record<string, unknown>;
}

/** One model response: words, one tool call, several tool calls in the same step (parallel), or an HTTP error. */
export type ModelTurn = (
  | { text: string }
  | { call: ToolCallSpec }
  | { calls: readonly ToolCallSpec[] }
  | { httpStatus: number }
) & { delayMs?: number };

export type ModelScript = (view: ModelView) => ModelTurn;

/**
 * How non-streamed answers are shaped. `scripted`: compact JSON with round usage (120 in, 30 out per
 * request). `recorded`: the recorded OpenAI response (responses-function-call.json, its ids, reasoning
 * item and usage) with only the text or the tool calls templated. Streamed requests (`stream: true`)
 * always replay the recorded streams, since a stream has no other honest shape.
 */
export type ModelWire = 'scripted' | 'recorded';

export interface FakeOpenAIOptions {
  readonly wire?: ModelWire;
}

export interface ModelRequest {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

/**
 * A loopback OpenAI-compatible server: POST /v1/responses (Responses API) and /v1/chat/completions,
 * in the wire format @ai-sdk/openai parses, driven by a script. Streams are the recorded OpenAI and
 * Groq streams (test/fixtures/vendor/openai) with the text or tool name and arguments templated,
 * keeping ids, sequence numbers, usage and event order as recorded.
 *
 * Like OpenAI it refuses a conversation whose tool results do not match the tool calls it made
 * (400 invalid_request_error), so parallel tool calls must each get their own result.
 *
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 * @see https://platform.openai.com/docs/guides/function-calling#parallel-function-calling
 */
export async function startFakeOpenAI(initial: ModelScript, options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const fake = new FakeOpenAI(initial, options.wire ?? 'scripted');
  fake.attach(
    await startFakeServer((req, res, raw) => {
      if (req.method === 'GET') return fake.listModels(req.url ?? '/', req.headers.authorization, res);
      return fake.handle(req.url ?? '/', raw, res);
    }),
  );
  return fake;
}

export class FakeOpenAI {
  readonly requests: ModelRequest[] = [];
  /** Output items this server produced, by item id (for `item_reference` inputs) and calls by call_id. */
  private readonly items = new Map<string, JsonObject>();
  private readonly calls = new Set<string>();
  private readonly ids = new IdBook();
  private scripted = 0;
  private server: FakeServer | undefined;
  /** Model list requests (GET /v1/models), kept apart from the model requests above. */
  modelListings = 0;
  /** When set, GET /v1/models refuses the key with 401 invalid_api_key, as OpenAI answers a revoked key. */
  rejectKeys = false;

  constructor(
    private currentScript: ModelScript,
    private readonly wire: ModelWire,
  ) {}

  /** @internal startFakeOpenAI's wiring. */
  attach(server: FakeServer): void {
    this.server = server;
  }

  get baseUrl(): string {
    if (!this.server) throw new Error('fake OpenAI is not started');
    return `${this.server.url}/v1`;
  }

  script(s: ModelScript): void {
    this.currentScript = s;
  }

  waitForRequests(count: number): Promise<number> {
    return eventually(
      () => (this.requests.length >= count ? this.requests.length : undefined),
      `${count} model requests`,
    );
  }

  close(): Promise<void> {
    return this.server?.close() ?? Promise.resolve();
  }

  /**
   * GET /v1/models: the models this key may use (what startup asks to check the key).
   *
   * @see https://platform.openai.com/docs/api-reference/models/list
   */
  listModels(url: string, authorization: string | undefined, res: ServerResponse): void {
    const path = new URL(url, 'http://x').pathname;
    if (!path.endsWith('/models')) {
      sendJson(res, 404, { error: { message: `Invalid URL (GET ${path})`, type: 'invalid_request_error' } });
      return;
    }
    this.modelListings += 1;
    if (this.rejectKeys || !/^Bearer \S+$/.test(authorization ?? '')) {
      sendJson(res, 401, {
        error: {
          message:
            'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      });
      return;
    }
    sendJson(res, 200, {
      object: 'list',
      data: [{ id: 'gpt-5-mini', object: 'model', created: 1_754_425_928, owned_by: 'system' }],
    });
  }

  /** @internal One HTTP request to the fake. */
  async handle(url: string, raw: string, res: ServerResponse): Promise<void> {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw || '{}') as Record<string, unknown>;
    } catch {
      return invalidRequest(res, 'We could not parse the JSON body of your request.');
    }
    const path = new URL(url, 'http://x').pathname;
    this.requests.push({ path, body });
    const chat = path.endsWith('/chat/completions');
    if (!chat && !path.endsWith('/responses')) {
      return sendJson(res, 404, { error: { message: `Invalid URL (POST ${path})`, type: 'invalid_request_error' } });
    }
    if (typeof body.model !== 'string' || !body.model) {
      return invalidRequest(res, "Missing required parameter: 'model'.", 'model');
    }
    const problem = chat ? this.chatConversationProblem(body) : this.responsesInputProblem(body);
    if (problem) return invalidRequest(res, problem.message, problem.param);

    const turn = this.currentScript(chat ? viewOfChat(body) : this.viewOfResponses(body));
    if (turn.delayMs) await new Promise((r) => setTimeout(r, turn.delayMs));
    if ('httpStatus' in turn) {
      return sendJson(res, turn.httpStatus, {
        error: { message: `fake failure ${turn.httpStatus}`, type: 'server_error', code: 'fake' },
      });
    }
    const stream = body.stream === true;
    const n = this.scripted++;
    if (chat) {
      if (stream) return sendEvents(res, chatStream(turn, this.ids));
      return sendJson(
        res,
        200,
        this.wire === 'recorded' ? recordedChatJson(turn, this.ids) : scriptedChatJson(turn, n, body),
      );
    }
    if (stream) {
      const events = responsesStream(turn, this.ids);
      for (const event of events) if (event.type === 'response.output_item.done') this.remember(event.item);
      return sendEvents(res, events);
    }
    const response =
      this.wire === 'recorded' ? recordedResponsesJson(turn, this.ids) : scriptedResponsesJson(turn, n, body);
    for (const item of response.output as unknown[]) this.remember(item);
    return sendJson(res, 200, response);
  }

  private remember(item: unknown): void {
    if (!isObject(item) || typeof item.id !== 'string') return;
    this.items.set(item.id, item);
    if (item.type === 'function_call' && typeof item.call_id === 'string') this.calls.add(item.call_id);
  }

  /** Input items with `item_reference`s resolved to the items this server produced. */
  private resolvedInput(body: Record<string, unknown>): JsonObject[] {
    const input = Array.isArray(body.input) ? body.input : [];
    return input.filter(isObject).map((item) => {
      if (item.type !== 'item_reference' || typeof item.id !== 'string') return item;
      return this.items.get(item.id) ?? item;
    });
  }

  /**
   * OpenAI's checks of a Responses conversation: references must exist, every function call must have
   * its output, and every output must answer a call.
   */
  private responsesInputProblem(body: Record<string, unknown>): { message: string; param: string } | undefined {
    if (body.input === undefined) return { message: "Missing required parameter: 'input'.", param: 'input' };
    const input = this.resolvedInput(body);
    const unresolved = input.find((i) => i.type === 'item_reference');
    if (unresolved) return { message: `Item with id '${String(unresolved.id)}' not found.`, param: 'input' };
    const called = new Set(input.filter((i) => i.type === 'function_call').map((i) => String(i.call_id)));
    const answered = new Set(input.filter((i) => i.type === 'function_call_output').map((i) => String(i.call_id)));
    for (const id of answered) {
      if (!called.has(id) && !this.calls.has(id)) {
        return { message: `No tool call found for function call output with call_id ${id}.`, param: 'input' };
      }
    }
    for (const id of called) {
      if (!answered.has(id)) return { message: `No tool output found for function call ${id}.`, param: 'input' };
    }
    return undefined;
  }

  /** OpenAI's checks of a Chat Completions conversation: tool messages answer each preceding tool call. */
  private chatConversationProblem(body: Record<string, unknown>): { message: string; param: string } | undefined {
    const messages = Array.isArray(body.messages) ? body.messages.filter(isObject) : [];
    if (!messages.length) return { message: "Missing required parameter: 'messages'.", param: 'messages' };
    let open = new Set<string>();
    for (const [i, message] of messages.entries()) {
      if (message.role === 'tool') {
        if (!open.delete(String(message.tool_call_id))) {
          return {
            message:
              "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
            param: `messages.[${i}].role`,
          };
        }
        continue;
      }
      if (open.size) {
        return {
          message: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(', ')}`,
          param: 'messages',
        };
      }
      const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isObject) : [];
      open = new Set(toolCalls.map((c) => String(c.id)));
    }
    return undefined;
  }

  private viewOfResponses(body: Record<string, unknown>): ModelView {
    const input = this.resolvedInput(body);
    return {
      userTexts: input.filter((i) => i.role === 'user').map((i) => textOf(i.content)),
      toolOutputs: input.filter((i) => i.type === 'function_call_output').map((i) => parseOutput(i.output)),
      instructions: String(
        body.instructions ??
          input
            .filter((i) => i.role === 'system' || i.role === 'developer')
            .map((i) => textOf(i.content))
            .join('\n'),
      ),
      toolNames: ((body.tools ?? []) as { name?: string }[]).map((t) => t.name ?? ''),
    };
  }
}

function invalidRequest(res: ServerResponse, message: string, param: string | null = null): void {
  sendJson(res, 400, { error: { message, type: 'invalid_request_error', param, code: null } });
}

/** Server-sent events as OpenAI streams them: one `data:` line per event, then `data: [DONE]`. */
function sendEvents(res: ServerResponse, events: readonly unknown[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  for (const event of events) res.write(`data: ${JSON.stringify(event)}\n\n`);
  res.end('data: [DONE]\n\n');
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p as { text?: string }).text ?? '').join('');
  return '';
}

function parseOutput(output: unknown): unknown {
  try {
    return typeof output === 'string' ? JSON.parse(output) : output;
  } catch {
    return output;
  }
}

function viewOfChat(body: Record<string, unknown>): ModelView {
  const messages = (body.messages ?? []) as Record<string, unknown>[];
  return {
    userTexts: messages.filter((m) => m.role === 'user').map((m) => textOf(m.content)),
    toolOutputs: messages.filter((m) => m.role === 'tool').map((m) => parseOutput(m.content)),
    instructions: messages
      .filter((m) => m.role === 'system')
      .map((m) => textOf(m.content))
      .join('\n'),
    toolNames: ((body.tools ?? []) as { function?: { name?: string } }[]).map((t) => t.function?.name ?? ''),
  };
}

const callsOf = (turn: ModelTurn): readonly ToolCallSpec[] =>
  'calls' in turn ? turn.calls : 'call' in turn ? [turn.call] : [];

// ---------------------------------------------------------------------------------------------------
// Scripted JSON (compact, round usage)

const SCRIPTED_USAGE = { input: 120, output: 30 };

function scriptedChatJson(turn: ModelTurn, n: number, body: Record<string, unknown>) {
  const calls = callsOf(turn);
  const message =
    'text' in turn
      ? { role: 'assistant', content: turn.text }
      : {
          role: 'assistant',
          content: null,
          tool_calls: calls.map((call, i) => ({
            id: `call_${n}_${i}`,
            type: 'function',
            function: { name: call.name, arguments: JSON.stringify(call.args) },
          })),
        };
  return {
    id: `chatcmpl-${n}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: String(body.model),
    choices: [{ index: 0, message, finish_reason: 'text' in turn ? 'stop' : 'tool_calls' }],
    usage: {
      prompt_tokens: SCRIPTED_USAGE.input,
      completion_tokens: SCRIPTED_USAGE.output,
      total_tokens: SCRIPTED_USAGE.input + SCRIPTED_USAGE.output,
    },
  };
}

function scriptedResponsesJson(turn: ModelTurn, n: number, body: Record<string, unknown>) {
  const output =
    'text' in turn
      ? [
          {
            type: 'message',
            role: 'assistant',
            id: `msg_${n}`,
            status: 'completed',
            content: [{ type: 'output_text', text: turn.text, annotations: [] }],
          },
        ]
      : callsOf(turn).map((call, i) => ({
          type: 'function_call',
          id: `fc_${n}_${i}`,
          call_id: `call_${n}_${i}`,
          name: call.name,
          arguments: JSON.stringify(call.args),
          status: 'completed',
        }));
  return {
    id: `resp_${n}`,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    model: String(body.model),
    status: 'completed',
    output,
    incomplete_details: null,
    usage: {
      input_tokens: SCRIPTED_USAGE.input,
      output_tokens: SCRIPTED_USAGE.output,
      total_tokens: SCRIPTED_USAGE.input + SCRIPTED_USAGE.output,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// The recordings, templated

type Event = JsonObject & { type: string };

const lines = (file: string): Event[] =>
  vendorText(`openai/${file}`)
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Event);

/** The four streamed responses of the recorded multi-step run, each from sequence_number 0. */
function recordedRun(): Event[][] {
  const run: Event[][] = [];
  for (const event of lines('responses-function-call.chunks.txt')) {
    if (event.type === 'response.created') run.push([]);
    run.at(-1)?.push(event);
  }
  return run;
}

/**
 * Hands out the recordings' ids: the first use keeps the recorded id, every later use gets a suffix,
 * so no id repeats across requests, as a real server never repeats one.
 */
class IdBook {
  private readonly uses = new Map<string, number>();
  private readonly counters = new Map<string, number>();

  /** A copy of `value` with its ids (resp_, rs_, fc_, msg_, call_, chatcmpl-, and `extra`) made fresh. */
  fresh<T>(value: T, extra: readonly string[] = []): T {
    let text = JSON.stringify(value);
    // Values only (after a colon): keys such as "call_id" look like ids too.
    const found = text.matchAll(/:"((?:resp|rs|fc|msg|call)_[A-Za-z0-9]+|chatcmpl-[A-Za-z0-9-]+)"/g);
    const ids = new Set([...[...found].map((m) => m[1] ?? ''), ...extra]);
    for (const id of ids) {
      const use = this.uses.get(id) ?? 0;
      this.uses.set(id, use + 1);
      if (use > 0) text = text.replaceAll(`:"${id}"`, `:"${id}r${use}"`);
    }
    return JSON.parse(text) as T;
  }

  /** 0, 1, 2, … per counter: which recording serves the next request of a kind. */
  next(counter: string): number {
    const n = this.counters.get(counter) ?? 0;
    this.counters.set(counter, n + 1);
    return n;
  }
}

/** `text` cut into at most `count` consecutive non-empty pieces, as many as the recording had deltas. */
function pieces(text: string, count: number): string[] {
  const parts = Math.max(1, Math.min(count, text.length));
  const size = text.length / parts;
  return Array.from({ length: parts }, (_, i) => text.slice(Math.round(i * size), Math.round((i + 1) * size)));
}

/** Replaces the run of delta events of one item with `text` cut into as many (or fewer) deltas. */
function templateDeltas(events: Event[], isDelta: (e: Event) => boolean, text: string): Event[] {
  const deltas = events.filter(isDelta);
  const parts = pieces(text, deltas.length);
  const kept = new Set(deltas.slice(0, parts.length));
  const out: Event[] = [];
  for (const event of events) {
    if (!isDelta(event)) out.push(event);
    else if (kept.has(event)) out.push({ ...event, delta: parts[out.filter(isDelta).length] ?? '' });
  }
  return out;
}

const OUTPUT_ITEM_EVENTS = new Set(['response.output_item.added', 'response.output_item.done']);

function itemIdOf(event: Event): string | undefined {
  if (typeof event.item_id === 'string') return event.item_id;
  if (OUTPUT_ITEM_EVENTS.has(event.type) && isObject(event.item)) return String(event.item.id);
  return undefined;
}

/** The recorded events of one function call item, templated with a call of ours. */
function functionCallEvents(block: Event[], call: ToolCallSpec, ids: { fc: string; call: string }, index: number) {
  const args = JSON.stringify(call.args);
  const recordedId = itemIdOf(block[0] as Event);
  const templated = templateDeltas(block, (e) => e.type === 'response.function_call_arguments.delta', args);
  return templated.map((event): Event => {
    const next: Event = { ...event, output_index: index };
    if (event.item_id === recordedId) next.item_id = ids.fc;
    if (event.type === 'response.function_call_arguments.done') next.arguments = args;
    if (OUTPUT_ITEM_EVENTS.has(event.type) && isObject(event.item)) {
      next.item = {
        ...event.item,
        id: ids.fc,
        call_id: ids.call,
        name: call.name,
        arguments: event.type === 'response.output_item.added' ? '' : args,
      };
    }
    return next;
  });
}

/**
 * A Responses stream for a turn: a recorded function-call response (the three of the run in turn) or
 * the recorded text response, with our tool names and arguments (or text) in place. A second call in
 * the same step repeats the recorded call's events as the next output item, with ids of its own.
 */
function responsesStream(turn: ModelTurn, ids: IdBook): Event[] {
  const run = recordedRun();
  const calls = callsOf(turn);
  const template = calls.length ? run[ids.next('responses-call') % 3] : run[3];
  if (!template) throw new Error('recorded Responses run is incomplete');
  let events = ids.fresh(template);
  if ('text' in turn) {
    events = templateDeltas(events, (e) => e.type === 'response.output_text.delta', turn.text).map((event) => {
      if (event.type === 'response.output_text.done') return { ...event, text: turn.text };
      if (event.type === 'response.content_part.done' && isObject(event.part)) {
        return { ...event, part: { ...event.part, text: turn.text } };
      }
      return event;
    });
  } else {
    const fcId = events.map(itemIdOf).find((id) => id?.startsWith('fc_')) ?? 'fc_0';
    const block = events.filter((e) => itemIdOf(e) === fcId);
    const first = events.indexOf(block[0] as Event);
    const index = Number((block[0] as Event).output_index);
    const item = isObject((block[0] as Event).item) ? ((block[0] as Event).item as JsonObject) : {};
    const callBlocks = calls.flatMap((call, i) =>
      functionCallEvents(
        block,
        call,
        i === 0
          ? { fc: fcId, call: String(item.call_id) }
          : { fc: `${fcId}p${i}`, call: `${String(item.call_id)}p${i}` },
        index + i,
      ),
    );
    events = [...events.slice(0, first), ...callBlocks, ...events.filter((e, i) => i > first && itemIdOf(e) !== fcId)];
  }
  // Output items as the stream announced them, for the final response object.
  const output = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item);
  return events.map((event, sequence) => {
    const numbered: Event = { ...event, sequence_number: sequence };
    if (event.type === 'response.completed' && isObject(event.response)) {
      numbered.response = { ...event.response, output };
    }
    return numbered;
  });
}

/** The recorded non-streamed response, with our text, or our tool calls in place of its message. */
function recordedResponsesJson(turn: ModelTurn, ids: IdBook): JsonObject & { output: unknown[] } {
  const recorded = ids.fresh(vendorJson<JsonObject & { output: JsonObject[] }>('openai/responses-function-call.json'));
  const message = recorded.output.find((o) => o.type === 'message');
  const others = recorded.output.filter((o) => o !== message);
  if ('text' in turn) {
    const content = Array.isArray(message?.content) ? (message.content as JsonObject[]) : [];
    return {
      ...recorded,
      output: [...others, { ...message, content: content.map((c) => ({ ...c, text: turn.text })) }],
    };
  }
  // The call items are those the recorded stream produced for its calls.
  const recordedCalls = recordedRun()
    .flat()
    .filter((e) => e.type === 'response.output_item.done' && isObject(e.item) && e.item.type === 'function_call')
    .map((e) => e.item as JsonObject);
  const calls = callsOf(turn).map((call) => {
    const item = ids.fresh(recordedCalls[ids.next('json-call') % recordedCalls.length] ?? {});
    return { ...item, name: call.name, arguments: JSON.stringify(call.args) };
  });
  return { ...recorded, output: [...others, ...calls] };
}

const CHAT_TOOL_CALL = 'chat-compatible-tool-call.groq.chunks.txt';
const CHAT_TEXT = 'chat-text.chunks.txt';

/**
 * A Chat Completions stream: the recorded Groq tool-call stream with our calls (one entry per call in
 * its tool_calls delta), or the recorded OpenAI text stream with our text.
 */
function chatStream(turn: ModelTurn, ids: IdBook): Event[] {
  if ('text' in turn) {
    const events = ids.fresh(lines(CHAT_TEXT));
    const isContent = (e: Event) => typeof firstDelta(e)?.content === 'string' && firstDelta(e)?.role === undefined;
    const contentEvents = events.filter(isContent);
    const parts = pieces(turn.text, contentEvents.length);
    const kept = new Map(contentEvents.slice(0, parts.length).map((e, i) => [e, parts[i] ?? '']));
    return events
      .filter((e) => !isContent(e) || kept.has(e))
      .map((e) => (kept.has(e) ? withDelta(e, { content: kept.get(e) }) : e));
  }
  const recordedEvents = lines(CHAT_TOOL_CALL);
  const recordedIds = recordedEvents.flatMap((e) => toolCallsOf(e).map((c) => String(c.id)));
  const events = ids.fresh(recordedEvents, recordedIds);
  return events.map((event) => {
    const template = toolCallsOf(event)[0];
    if (!template) return event;
    const toolCalls = callsOf(turn).map((call, i) => ({
      ...template,
      index: i,
      id: i === 0 ? template.id : `${String(template.id)}p${i}`,
      function: { name: call.name, arguments: JSON.stringify(call.args) },
    }));
    return withDelta(event, { tool_calls: toolCalls });
  });
}

function firstDelta(event: Event): JsonObject | undefined {
  const choice = Array.isArray(event.choices) ? event.choices[0] : undefined;
  return isObject(choice) && isObject(choice.delta) ? choice.delta : undefined;
}

function toolCallsOf(event: Event): JsonObject[] {
  const calls = firstDelta(event)?.tool_calls;
  return Array.isArray(calls) ? calls.filter(isObject) : [];
}

function withDelta(event: Event, delta: JsonObject): Event {
  const choices = (event.choices as JsonObject[]).map((c, i) =>
    i === 0 ? { ...c, delta: { ...(isObject(c.delta) ? c.delta : {}), ...delta } } : c,
  );
  return { ...event, choices };
}

/**
 * No non-streamed Chat Completions response was recorded: this one takes the identity and usage of the
 * recorded stream it stands for (Groq for tool calls, OpenAI for text), as the API would have answered.
 */
function recordedChatJson(turn: ModelTurn, ids: IdBook) {
  const stream = chatStream(turn, ids);
  const head: JsonObject = stream[0] ?? {};
  const usage = [...stream].reverse().find((e) => isObject(e.usage))?.usage;
  const calls = stream.flatMap(toolCallsOf);
  const finish = stream.map((e) => (e.choices as JsonObject[] | undefined)?.[0]?.finish_reason).find(Boolean);
  return {
    id: head.id,
    object: 'chat.completion',
    created: head.created,
    model: head.model,
    system_fingerprint: head.system_fingerprint,
    choices: [
      {
        index: 0,
        message:
          'text' in turn
            ? { role: 'assistant', content: turn.text, refusal: null, annotations: [] }
            : { role: 'assistant', content: null, tool_calls: calls.map(({ index: _index, ...call }) => call) },
        logprobs: null,
        finish_reason: finish ?? ('text' in turn ? 'stop' : 'tool_calls'),
      },
    ],
    usage,
  };
}

// ---------------------------------------------------------------------------------------------------
// Scripts

/** A script for the usual proposal: call propose_charge once, then confirm in words. */
export function proposeOnce(
  args: Record<string, unknown>,
  confirmation = 'Proposed; it now waits for approval.',
): ModelScript {
  return (view) =>
    view.toolOutputs.length === 0 ? { call: { name: 'propose_charge', args } } : { text: confirmation };
}

/** A model that repeats itself: `times` identical propose_charge calls in one step, then words. */
export function proposeInParallel(
  args: Record<string, unknown>,
  times = 2,
  confirmation = 'Proposed; it now waits for approval.',
): ModelScript {
  const calls = Array.from({ length: times }, () => ({ name: 'propose_charge', args }));
  return (view) => (view.toolOutputs.length === 0 ? { calls } : { text: confirmation });
}
