import { eventually, type FakeServer, sendJson, startFakeServer } from './http-fake.js';

/** What the scripted model sees of a request: user texts and the outputs of tools it called. */
export interface ModelView {
  readonly userTexts: string[];
  readonly toolOutputs: unknown[];
  readonly instructions: string;
  readonly toolNames: string[];
}

export type ModelTurn = (
  | { text: string }
  | { call: { name: string; args: Record<string, unknown> } }
  | { httpStatus: number }
) & { delayMs?: number };

export type ModelScript = (view: ModelView) => ModelTurn;

/**
 * A loopback OpenAI-compatible server: POST /v1/responses (Responses API) and
 * /v1/chat/completions, in the wire format @ai-sdk/openai parses, driven by a script.
 */
export async function startFakeOpenAI(initial: ModelScript): Promise<FakeOpenAI> {
  const requests: { path: string; body: Record<string, unknown> }[] = [];
  let script = initial;
  let n = 0;
  const server = await startFakeServer(async (req, res, raw) => {
    const body = JSON.parse(raw || '{}') as Record<string, unknown>;
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ path, body });
    const chat = path.endsWith('/chat/completions');
    const turn = script(chat ? viewOfChat(body) : viewOfResponses(body));
    n += 1;
    if (turn.delayMs) await new Promise((r) => setTimeout(r, turn.delayMs));
    if ('httpStatus' in turn) {
      sendJson(res, turn.httpStatus, {
        error: { message: `fake failure ${turn.httpStatus}`, type: 'server_error', code: 'fake' },
      });
      return;
    }
    const usage = { input: 120, output: 30 };
    if (chat) {
      const message =
        'text' in turn
          ? { role: 'assistant', content: turn.text }
          : {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  id: `call_${n}`,
                  type: 'function',
                  function: { name: turn.call.name, arguments: JSON.stringify(turn.call.args) },
                },
              ],
            };
      sendJson(res, 200, {
        id: `chatcmpl-${n}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: String(body.model),
        choices: [{ index: 0, message, finish_reason: 'text' in turn ? 'stop' : 'tool_calls' }],
        usage: {
          prompt_tokens: usage.input,
          completion_tokens: usage.output,
          total_tokens: usage.input + usage.output,
        },
      });
      return;
    }
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
        : [
            {
              type: 'function_call',
              id: `fc_${n}`,
              call_id: `call_${n}`,
              name: turn.call.name,
              arguments: JSON.stringify(turn.call.args),
              status: 'completed',
            },
          ];
    sendJson(res, 200, {
      id: `resp_${n}`,
      object: 'response',
      created_at: Math.floor(Date.now() / 1000),
      model: String(body.model),
      status: 'completed',
      output,
      incomplete_details: null,
      usage: {
        input_tokens: usage.input,
        output_tokens: usage.output,
        total_tokens: usage.input + usage.output,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens_details: { reasoning_tokens: 0 },
      },
    });
  });
  return new FakeOpenAI(server, requests, (s) => {
    script = s;
  });
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

function viewOfResponses(body: Record<string, unknown>): ModelView {
  const input = (body.input ?? []) as Record<string, unknown>[];
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

export class FakeOpenAI {
  constructor(
    private readonly server: FakeServer,
    readonly requests: { path: string; body: Record<string, unknown> }[],
    private readonly setScript: (s: ModelScript) => void,
  ) {}

  get baseUrl(): string {
    return `${this.server.url}/v1`;
  }

  script(s: ModelScript): void {
    this.setScript(s);
  }

  waitForRequests(count: number): Promise<number> {
    return eventually(
      () => (this.requests.length >= count ? this.requests.length : undefined),
      `${count} model requests`,
    );
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

/** A script for the usual proposal: call propose_charge once, then confirm in words. */
export function proposeOnce(
  args: Record<string, unknown>,
  confirmation = 'Proposed; it now waits for approval.',
): ModelScript {
  return (view) =>
    view.toolOutputs.length === 0 ? { call: { name: 'propose_charge', args } } : { text: confirmation };
}
