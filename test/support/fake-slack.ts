import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { checkMessage, formatProblem, viewProblems } from './block-kit-limits.js';
import { eventually, type FakeServer, sendJson, startFakeServer } from './http-fake.js';
import {
  authTestResponse,
  BOT_ID,
  BOT_USER_ID,
  isUserMessage,
  TEAM_ID,
  triggerIsFresh,
  usergroupUsersResponse,
} from './slack-payloads.js';

// The request builders moved to slack-payloads.ts (built on Slack's payload samples); tests import them here.
export {
  BOT_USER_ID,
  buttonClick,
  eventEnvelope,
  homeOpenedEvent,
  mentionEvent,
  messageEvent,
  slashCommandFields,
  TEAM_ID,
  viewSubmission,
} from './slack-payloads.js';

export interface SlackCall {
  readonly method: string;
  readonly args: Record<string, unknown>;
  /** Why Slack refused the call (for `${method}!failed` records). */
  readonly error?: string;
  /** Slack's human-readable details of a refusal, e.g. `must be less than 3001 characters [json-pointer:/blocks/0/text/text]`. */
  readonly errors?: string[];
  /** Warnings Slack answered with, e.g. `message_truncated`. */
  readonly warnings?: string[];
}

/** How a call fails: HTTP 500, 429 with Retry-After, an `ok: false` error, or no answer at all (`hang`: Slack is stuck). */
export type Failure = { status: 500 } | { status: 429; retryAfter: number } | { error: string } | { hang: true };

/** What Slack answers for every call about a channel that cannot be used. */
export type ChannelBreak = 'channel_not_found' | 'not_in_channel' | 'is_archived';

/** What Slack answers for every call made with a token that no longer works. */
export type AuthBreak = 'invalid_auth' | 'token_revoked' | 'account_inactive' | 'not_authed';

interface StoredMessage {
  readonly channel: string;
  readonly ts: string;
  text: string | undefined;
  blocks: unknown[] | undefined;
  readonly threadTs: string | undefined;
}

interface Refusal {
  readonly status?: number;
  readonly error: string;
  readonly errors?: string[];
  readonly messages?: string[];
  readonly headers?: Record<string, string>;
}

type Outcome =
  | { ok: true; body: Record<string, unknown>; warnings?: string[] }
  | { ok: false; refusal: Refusal }
  | { ok: false; hang: true };

const refuse = (error: string, extra: Omit<Refusal, 'error'> = {}): Outcome => ({
  ok: false,
  refusal: { error, ...extra },
});
const answer = (body: Record<string, unknown>, warnings?: string[]): Outcome => ({ ok: true, body, warnings });

/**
 * Where each method names its channel. Slack answers channel errors (channel_not_found, is_archived,
 * not_in_channel) from these arguments.
 */
const CHANNEL_ARGUMENT: Record<string, string> = {
  'chat.postMessage': 'channel',
  'chat.postEphemeral': 'channel',
  'chat.update': 'channel',
  'chat.delete': 'channel',
  'chat.getPermalink': 'channel',
  'reactions.add': 'channel',
  'reactions.remove': 'channel',
  'files.completeUploadExternal': 'channel_id',
  'assistant.threads.setStatus': 'channel_id',
};

/** Methods that take an app-level token (xapp-); every other method here takes the bot token (xoxb-). */
const APP_TOKEN_METHODS = new Set(['apps.connections.open']);

/** Modal view limits apply to these; views.publish is the Home tab. */
const VIEW_METHODS = new Set(['views.open', 'views.push', 'views.update', 'views.publish']);

/**
 * A loopback Slack Web API, reached through SLACK_API_URL, as strict as Slack: form or JSON bodies,
 * `ok` envelopes, tokens checked, Block Kit limits enforced (invalid_blocks, msg_blocks_too_long,
 * nothing posted), unknown messages and methods refused, 429 with Retry-After. It records every call
 * (refused ones as `${method}!failed`, with the reason; unanswered ones as `${method}!hung`) and fails
 * on demand.
 *
 * @see https://docs.slack.dev/apis/web-api/#responses
 */
export async function startFakeSlack(): Promise<FakeSlack> {
  const fake = new FakeSlack();
  fake.attach(await startFakeServer((req, res, body) => fake.handle(req.url ?? '/', req.headers, body, res)));
  return fake;
}

export class FakeSlack {
  readonly calls: SlackCall[] = [];
  /** Where apps.connections.open sends Socket Mode clients. */
  readonly socket = { url: '' };
  /** Members of each user group, as usergroups.users.list returns them. */
  readonly usergroups = new Map<string, string[]>([['S0FINANCE', ['U0GROUPIE']]]);
  private readonly failures: { method: string; failure: Failure }[] = [];
  private readonly brokenChannels = new Map<string, ChannelBreak>();
  private authBreak: AuthBreak | undefined;
  private readonly messages = new Map<string, StoredMessage>();
  private readonly reactions = new Set<string>();
  private readonly uploads = new Set<string>();
  private ts = 1_700_000_100;
  private files = 0;
  private views = 0;
  private server: FakeServer | undefined;

  /** @internal startFakeSlack's wiring. */
  attach(server: FakeServer): void {
    this.server = server;
  }

  private get url(): string {
    if (!this.server) throw new Error('fake Slack is not started');
    return this.server.url;
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  responseUrl(id = 'r1'): string {
    return `${this.url}/response/${id}`;
  }

  /** The next call of `method` fails this way (queue several for several failures). */
  failNext(method: string, failure: Failure): void {
    this.failures.push({ method, failure });
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  /** From now on every call about `channel` gets this error, as when it is archived or deleted. */
  breakChannel(channel: string, error: ChannelBreak): void {
    this.brokenChannels.set(channel, error);
  }

  repairChannel(channel: string): void {
    this.brokenChannels.delete(channel);
  }

  /** From now on every Web API call gets this error (HTTP 200, ok:false), as after a token is revoked. */
  breakAuth(error: AuthBreak = 'invalid_auth'): void {
    this.authBreak = error;
  }

  repairAuth(): void {
    this.authBreak = undefined;
  }

  /** A message that exists in Slack without the bot having posted it (for chat.getPermalink, reactions). */
  seedMessage(channel: string, ts: string, text = ''): void {
    this.messages.set(`${channel}/${ts}`, { channel, ts, text, blocks: undefined, threadTs: undefined });
  }

  /** The message as Slack now shows it (after updates), if the bot posted it. */
  message(channel: string, ts: string): { text: string | undefined; blocks: unknown[] | undefined } | undefined {
    return this.messages.get(`${channel}/${ts}`);
  }

  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async waitForCall(method: string, match: (c: SlackCall) => boolean = () => true, ms?: number): Promise<SlackCall> {
    return eventually(() => this.callsOf(method).find(match), `a ${method} call`, ms);
  }

  close(): Promise<void> {
    return this.server?.close() ?? Promise.resolve();
  }

  /** @internal One HTTP request to the fake. */
  handle(rawUrl: string, headers: IncomingHttpHeaders, body: string, res: ServerResponse): void {
    const { pathname } = new URL(rawUrl, 'http://x');
    const contentType = headers['content-type'] ?? '';
    if (pathname.startsWith('/upload/')) {
      this.upload(pathname, contentType, body, res);
      return;
    }
    if (pathname.startsWith('/response/')) {
      this.responseUrlPost(pathname, contentType, body, res);
      return;
    }
    const method = pathname.replace(/^\/api\//, '');
    const args = parseArgs(contentType, body);
    const outcome = this.call(method, args, headers);
    if (outcome.ok) {
      this.calls.push({ method, args, ...(outcome.warnings?.length ? { warnings: outcome.warnings } : {}) });
      const warnings = outcome.warnings?.length
        ? {
            warning: outcome.warnings.join(','),
            response_metadata: {
              warnings: outcome.warnings,
              messages: [
                '[WARN] Your message was truncated but still posted. The `text` field accepts up to 40,000 characters.',
              ],
            },
          }
        : {};
      sendJson(res, 200, { ok: true, ...outcome.body, ...warnings });
      return;
    }
    if ('hang' in outcome) {
      // Never answered: the caller's own timeout is all that ends it (closing the fake drops it).
      this.calls.push({ method: `${method}!hung`, args });
      return;
    }
    const { refusal } = outcome;
    this.calls.push({
      method: `${method}!failed`,
      args,
      error: refusal.error,
      ...(refusal.errors?.length ? { errors: refusal.errors } : {}),
    });
    const status = refusal.status ?? 200;
    if (status >= 500) {
      sendJson(res, status, { ok: false, error: refusal.error }, refusal.headers);
      return;
    }
    const messages = refusal.messages ?? refusal.errors?.map((e) => `[ERROR] ${e}`);
    sendJson(
      res,
      status,
      {
        ok: false,
        error: refusal.error,
        ...(refusal.errors?.length ? { errors: refusal.errors } : {}),
        ...(messages?.length ? { response_metadata: { messages } } : {}),
        ...(refusal.error === 'unknown_method' ? { req_method: method } : {}),
      },
      refusal.headers,
    );
  }

  private call(method: string, args: Record<string, unknown>, headers: IncomingHttpHeaders): Outcome {
    const token = bearer(headers) ?? (typeof args.token === 'string' ? args.token : undefined);
    if (!token) return refuse('not_authed');
    const wantsAppToken = APP_TOKEN_METHODS.has(method);
    if (wantsAppToken !== token.startsWith('xapp-') || (!wantsAppToken && !token.startsWith('xoxb-'))) {
      return refuse('not_allowed_token_type');
    }
    if (this.authBreak) return refuse(this.authBreak);

    const failureIndex = this.failures.findIndex((f) => f.method === method);
    const failure = failureIndex >= 0 ? this.failures.splice(failureIndex, 1)[0]?.failure : undefined;
    if (failure) {
      if ('hang' in failure) return { ok: false, hang: true };
      if ('error' in failure) return refuse(failure.error);
      if (failure.status === 429) {
        // @see https://docs.slack.dev/apis/web-api/rate-limits
        return refuse('ratelimited', { status: 429, headers: { 'retry-after': String(failure.retryAfter) } });
      }
      return refuse('internal_error', { status: 500 });
    }

    const channelArgument = CHANNEL_ARGUMENT[method];
    const channel = channelArgument ? args[channelArgument] : undefined;
    if (channelArgument && (typeof channel !== 'string' || !channel)) return refuse('channel_not_found');
    const broken = typeof channel === 'string' ? this.brokenChannels.get(channel) : undefined;
    if (broken) return refuse(broken);

    if (VIEW_METHODS.has(method)) return this.view(method, args);
    switch (method) {
      case 'auth.test':
        return answer(authTestResponse(`https://${TEAM_ID.toLowerCase()}.slack.com/`));
      case 'apps.connections.open':
        return this.socket.url ? answer({ url: this.socket.url }) : refuse('no_socket_mode');
      case 'chat.postMessage':
        return this.post(String(channel), args);
      case 'chat.postEphemeral': {
        if (typeof args.user !== 'string' || !args.user) return refuse('user_not_found');
        const verdict = checkMessage(args);
        if (!verdict.ok) return refuse(verdict.error, { errors: verdict.errors });
        return answer({ message_ts: this.nextTs() }, verdict.warnings);
      }
      case 'chat.update':
        return this.update(String(channel), args);
      case 'chat.getPermalink': {
        const ts = String(args.message_ts ?? '');
        if (!this.exists(String(channel), ts)) return refuse('message_not_found');
        return answer({ channel, permalink: `https://test.slack.com/archives/${channel}/p${ts.replace('.', '')}` });
      }
      case 'reactions.add':
      case 'reactions.remove':
        return this.react(method, String(channel), args);
      case 'assistant.threads.setStatus':
        // @see https://docs.slack.dev/reference/methods/assistant.threads.setStatus
        if (typeof args.thread_ts !== 'string' || typeof args.status !== 'string') return refuse('invalid_arguments');
        return answer({});
      case 'conversations.open':
        if (typeof args.users !== 'string' && typeof args.channel !== 'string')
          return refuse('users_list_not_supplied');
        return answer({ channel: { id: typeof args.channel === 'string' ? args.channel : `D${String(args.users)}` } });
      case 'files.getUploadURLExternal': {
        // @see https://docs.slack.dev/reference/methods/files.getUploadURLExternal
        if (typeof args.filename !== 'string' || !args.filename) return refuse('invalid_arguments');
        if (!Number(args.length)) return refuse('invalid_arguments');
        this.files += 1;
        const fileId = `F0FILE${this.files}`;
        return answer({ upload_url: `${this.url}/upload/${fileId}`, file_id: fileId });
      }
      case 'files.completeUploadExternal': {
        const files = Array.isArray(args.files) ? (args.files as { id?: string; title?: string }[]) : [];
        if (!files.length) return refuse('invalid_arguments');
        if (files.some((f) => !f.id || !this.uploads.has(f.id))) return refuse('file_not_found');
        return answer({ files: files.map((f) => ({ id: f.id, title: f.title ?? '' })) });
      }
      case 'usergroups.users.list': {
        const users = this.usergroups.get(String(args.usergroup ?? ''));
        return users ? answer(usergroupUsersResponse(users)) : refuse('no_such_subteam');
      }
      default:
        return refuse('unknown_method');
    }
  }

  private nextTs(): string {
    this.ts += 1;
    return `${this.ts}.000100`;
  }

  private exists(channel: string, ts: string): boolean {
    return this.messages.has(`${channel}/${ts}`) || isUserMessage(channel, ts);
  }

  private post(channel: string, args: Record<string, unknown>): Outcome {
    const verdict = checkMessage(args);
    if (!verdict.ok) return refuse(verdict.error, { errors: verdict.errors });
    const ts = this.nextTs();
    const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : undefined;
    this.messages.set(`${channel}/${ts}`, { channel, ts, text: verdict.text, blocks: verdict.blocks, threadTs });
    return answer({ channel, ts, message: botMessage(ts, verdict.text, verdict.blocks, threadTs) }, verdict.warnings);
  }

  /** @see https://docs.slack.dev/reference/methods/chat.update#errors */
  private update(channel: string, args: Record<string, unknown>): Outcome {
    const ts = String(args.ts ?? '');
    const stored = this.messages.get(`${channel}/${ts}`);
    if (!stored) return refuse(isUserMessage(channel, ts) ? 'cant_update_message' : 'message_not_found');
    const verdict = checkMessage(args);
    if (!verdict.ok) return refuse(verdict.error, { errors: verdict.errors });
    stored.text = verdict.text;
    stored.blocks = verdict.blocks;
    return answer(
      { channel, ts, text: verdict.text ?? '', message: botMessage(ts, verdict.text, verdict.blocks, stored.threadTs) },
      verdict.warnings,
    );
  }

  /** @see https://docs.slack.dev/reference/methods/reactions.add#errors */
  private react(method: string, channel: string, args: Record<string, unknown>): Outcome {
    const ts = String(args.timestamp ?? '');
    if (!ts) return refuse('no_item_specified');
    if (typeof args.name !== 'string' || !args.name) return refuse('invalid_name');
    if (!this.exists(channel, ts)) return refuse('message_not_found');
    const key = `${channel}/${ts}/${args.name}`;
    if (method === 'reactions.add') {
      if (this.reactions.has(key)) return refuse('already_reacted');
      this.reactions.add(key);
    } else if (!this.reactions.delete(key)) {
      return refuse('no_reaction');
    }
    return answer({});
  }

  /**
   * Views are refused with invalid_arguments and Slack's messages (not invalid_blocks), as Slack
   * answers views.* — e.g. `[ERROR] must be less than 25 characters [json-pointer:/view/title/text]`.
   *
   * @see https://docs.slack.dev/reference/methods/views.open#errors
   * @see https://github.com/slackapi/bolt-js/issues/407
   */
  private view(method: string, args: Record<string, unknown>): Outcome {
    if (method === 'views.open' || method === 'views.push') {
      const trigger = typeof args.trigger_id === 'string' ? args.trigger_id : '';
      if (!trigger) return refuse('invalid_arguments', { messages: ['[ERROR] missing required field: trigger_id'] });
      if (triggerIsFresh(trigger) === false) return refuse('expired_trigger_id');
    }
    if (method === 'views.publish' && (typeof args.user_id !== 'string' || !args.user_id)) {
      return refuse('invalid_arguments', { messages: ['[ERROR] missing required field: user_id'] });
    }
    if (method === 'views.update' && !args.view_id && !args.external_id) {
      return refuse('invalid_arguments', { messages: ['[ERROR] missing required field: view_id'] });
    }
    let view: unknown;
    try {
      view = typeof args.view === 'string' ? JSON.parse(args.view) : args.view;
    } catch {
      return refuse('invalid_arguments', { messages: ['[ERROR] view is not valid JSON [json-pointer:/view]'] });
    }
    const problems = viewProblems(view, method === 'views.publish' ? 'home' : 'modal');
    if (problems.length) {
      const errors = problems.map(formatProblem);
      return refuse('invalid_arguments', { errors, messages: errors.map((e) => `[ERROR] ${e}`) });
    }
    this.views += 1;
    const id = typeof args.view_id === 'string' ? args.view_id : `V0VIEW${this.views}`;
    return answer({
      view: { id, team_id: TEAM_ID, app_id: 'A0APP', bot_id: BOT_ID, hash: `${this.views}.fake`, ...(view as object) },
    });
  }

  private upload(pathname: string, contentType: string, body: string, res: ServerResponse): void {
    const fileId = pathname.slice('/upload/'.length);
    this.uploads.add(fileId);
    this.calls.push({ method: 'file_upload', args: { path: pathname, content: fileContent(contentType, body) } });
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`OK - ${Buffer.byteLength(body)}`);
  }

  /**
   * A response_url answers a bad body with HTTP 400 and the error as plain text (e.g. `invalid_blocks`),
   * unlike the Web API's HTTP 200 envelopes, and posts nothing.
   *
   * @see https://docs.slack.dev/interactivity/handling-user-interaction#message_responses
   * @see https://github.com/slackapi/java-slack-sdk/issues/1017
   */
  private responseUrlPost(pathname: string, contentType: string, body: string, res: ServerResponse): void {
    const args = parseArgs(contentType, body);
    // Deleting the original message needs no content.
    const verdict = args.delete_original === true ? undefined : checkMessage(args);
    if (verdict && !verdict.ok) {
      this.calls.push({
        method: 'response_url!failed',
        args: { ...args, path: pathname },
        error: verdict.error,
        ...(verdict.errors.length ? { errors: verdict.errors } : {}),
      });
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(verdict.error);
      return;
    }
    this.calls.push({
      method: 'response_url',
      args: { ...args, path: pathname },
      ...(verdict?.warnings.length ? { warnings: verdict.warnings } : {}),
    });
    sendJson(res, 200, { ok: true });
  }
}

function botMessage(ts: string, text: string | undefined, blocks: unknown[] | undefined, threadTs?: string) {
  return {
    type: 'message',
    subtype: 'bot_message',
    text: text ?? '',
    user: BOT_USER_ID,
    bot_id: BOT_ID,
    app_id: 'A0APP',
    team: TEAM_ID,
    ts,
    ...(blocks ? { blocks } : {}),
    ...(threadTs ? { thread_ts: threadTs } : {}),
  };
}

function bearer(headers: IncomingHttpHeaders): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  return match?.[1];
}

/** The file inside a multipart/form-data upload (or the raw body when it is not multipart). */
function fileContent(contentType: string, body: string): string {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) return body;
  const part = body.split(`--${marker}`)[1] ?? '';
  const start = part.indexOf('\r\n\r\n');
  return part.slice(start + 4, part.length - 2);
}

/** Form or JSON arguments; JSON-valued form fields (blocks, attachments, files) decoded, `view` kept as sent. */
function parseArgs(contentType: string, body: string): Record<string, unknown> {
  if (!body) return {};
  const raw: Record<string, unknown> = contentType.includes('json')
    ? (JSON.parse(body) as Record<string, unknown>)
    : Object.fromEntries(new URLSearchParams(body));
  for (const key of ['blocks', 'attachments', 'files']) {
    if (typeof raw[key] !== 'string') continue;
    try {
      raw[key] = JSON.parse(raw[key] as string);
    } catch {
      // Left as sent: the Block Kit check answers invalid_blocks_format.
    }
  }
  return raw;
}

/** Headers Slack would send: v0 HMAC-SHA256 of `v0:{timestamp}:{body}`. */
export function slackSignature(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)) {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature };
}
