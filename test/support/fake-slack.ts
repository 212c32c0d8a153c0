import { createHmac } from 'node:crypto';
import { eventually, type FakeServer, sendJson, startFakeServer } from './http-fake.js';

export interface SlackCall {
  readonly method: string;
  readonly args: Record<string, unknown>;
}

type Failure = { status: 500 } | { status: 429; retryAfter: number } | { error: string };

export const BOT_USER_ID = 'U0BOT';
export const TEAM_ID = 'T0TEAM';

/**
 * A loopback Slack Web API, reached through SLACK_API_URL. Answers like Slack (form or JSON bodies,
 * `ok` envelopes, 429 with Retry-After), records every call, and fails on demand.
 */
export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const failures: { method: string; failure: Failure }[] = [];
  const socket = { url: '' };
  let ts = 1_700_000_100;
  // Assigned once the server listens; the handler reads it only for later requests.
  let server: FakeServer;
  server = await startFakeServer((req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const args = parseArgs(req.headers['content-type'] ?? '', body);
    if (typeof args.files === 'string') args.files = JSON.parse(args.files);
    if (url.pathname.startsWith('/upload/')) {
      calls.push({
        method: 'file_upload',
        args: { path: url.pathname, content: fileContent(req.headers['content-type'] ?? '', body) },
      });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('OK');
      return;
    }
    if (url.pathname.startsWith('/response/')) {
      calls.push({ method: 'response_url', args: { ...args, path: url.pathname } });
      sendJson(res, 200, { ok: true });
      return;
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const failureIndex = failures.findIndex((f) => f.method === method);
    const failure = failureIndex >= 0 ? failures.splice(failureIndex, 1)[0]?.failure : undefined;
    if (failure) {
      calls.push({ method: `${method}!failed`, args });
      if ('status' in failure && failure.status === 429) {
        sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(failure.retryAfter) });
      } else if ('status' in failure) {
        sendJson(res, 500, { ok: false, error: 'internal_error' });
      } else {
        sendJson(res, 200, { ok: false, error: failure.error });
      }
      return;
    }
    calls.push({ method, args });
    switch (method) {
      case 'auth.test':
        sendJson(res, 200, { ok: true, user_id: BOT_USER_ID, bot_id: 'B0BOT', team_id: TEAM_ID, user: 'countersign' });
        return;
      case 'chat.postMessage': {
        ts += 1;
        sendJson(res, 200, { ok: true, channel: args.channel, ts: `${ts}.000100`, message: { text: args.text } });
        return;
      }
      case 'apps.connections.open':
        sendJson(res, 200, socket.url ? { ok: true, url: socket.url } : { ok: false, error: 'no_socket_mode' });
        return;
      case 'conversations.open':
        sendJson(res, 200, { ok: true, channel: { id: `D${String(args.users)}` } });
        return;
      case 'files.getUploadURLExternal':
        sendJson(res, 200, { ok: true, upload_url: `${server.url}/upload/F0FILE`, file_id: 'F0FILE' });
        return;
      case 'files.completeUploadExternal':
        sendJson(res, 200, { ok: true, files: [{ id: 'F0FILE', title: 'export' }] });
        return;
      case 'usergroups.users.list':
        sendJson(res, 200, { ok: true, users: args.usergroup === 'S0FINANCE' ? ['U0GROUPIE'] : [] });
        return;
      case 'chat.getPermalink':
        sendJson(res, 200, {
          ok: true,
          channel: args.channel,
          permalink: `https://test.slack.com/archives/${args.channel}/p${String(args.message_ts).replace('.', '')}`,
        });
        return;
      case 'chat.update':
        sendJson(res, 200, { ok: true, channel: args.channel, ts: args.ts });
        return;
      default:
        sendJson(res, 200, { ok: true });
    }
  });
  return new FakeSlack(server, calls, failures, socket);
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

function parseArgs(contentType: string, body: string): Record<string, unknown> {
  if (!body) return {};
  const raw: Record<string, unknown> = contentType.includes('json')
    ? (JSON.parse(body) as Record<string, unknown>)
    : Object.fromEntries(new URLSearchParams(body));
  for (const key of ['blocks', 'attachments']) {
    if (typeof raw[key] === 'string') raw[key] = JSON.parse(raw[key] as string);
  }
  return raw;
}

export class FakeSlack {
  constructor(
    private readonly server: FakeServer,
    readonly calls: SlackCall[],
    private readonly failures: { method: string; failure: Failure }[],
    /** Where apps.connections.open sends Socket Mode clients. */
    readonly socket: { url: string },
  ) {}

  get apiUrl(): string {
    return `${this.server.url}/api/`;
  }

  responseUrl(id = 'r1'): string {
    return `${this.server.url}/response/${id}`;
  }

  /** The next call of `method` fails this way (queue several for several failures). */
  failNext(method: string, failure: Failure): void {
    this.failures.push({ method, failure });
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async waitForCall(method: string, match: (c: SlackCall) => boolean = () => true, ms?: number): Promise<SlackCall> {
    return eventually(() => this.callsOf(method).find(match), `a ${method} call`, ms);
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

/** Headers Slack would send: v0 HMAC-SHA256 of `v0:{timestamp}:{body}`. */
export function slackSignature(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)) {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature };
}

export function eventEnvelope(event: Record<string, unknown>, eventId = `Ev${Math.random().toString(36).slice(2)}`) {
  return {
    token: 'legacy',
    team_id: TEAM_ID,
    api_app_id: 'A0APP',
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: TEAM_ID, user_id: BOT_USER_ID, is_bot: true, is_enterprise_install: false }],
    event: { team: TEAM_ID, ...event },
  };
}

export function mentionEvent(text: string, opts: { ts: string; user?: string; channel?: string; thread_ts?: string }) {
  return {
    type: 'app_mention',
    user: opts.user ?? 'U0REQUESTER',
    text: `<@${BOT_USER_ID}> ${text}`,
    ts: opts.ts,
    channel: opts.channel ?? 'C0SALES',
    event_ts: opts.ts,
    ...(opts.thread_ts ? { thread_ts: opts.thread_ts } : {}),
  };
}

export function messageEvent(
  text: string,
  opts: { ts: string; user?: string; channel?: string; thread_ts?: string; channel_type?: string; bot_id?: string },
) {
  return {
    type: 'message',
    channel_type: opts.channel_type ?? 'channel',
    user: opts.user ?? 'U0REQUESTER',
    text,
    ts: opts.ts,
    channel: opts.channel ?? 'C0SALES',
    event_ts: opts.ts,
    ...(opts.thread_ts ? { thread_ts: opts.thread_ts } : {}),
    ...(opts.bot_id ? { bot_id: opts.bot_id } : {}),
  };
}

/** A click on a card button, as Slack sends it (block_actions). */
export function buttonClick(actionId: string, value: string, userId: string, responseUrl: string, channel = 'C0SALES') {
  return {
    type: 'block_actions',
    user: { id: userId, username: userId.toLowerCase(), team_id: TEAM_ID },
    api_app_id: 'A0APP',
    token: 'legacy',
    trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
    team: { id: TEAM_ID, domain: 'test' },
    container: { type: 'message', message_ts: '1700000000.000200', channel_id: channel, is_ephemeral: false },
    channel: { id: channel, name: 'sales' },
    response_url: responseUrl,
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: 'card_actions',
        value,
        action_ts: String(Date.now() / 1000),
        text: { type: 'plain_text', text: actionId },
      },
    ],
  };
}

/** A modal submission (view_submission) with plain-text inputs keyed by block id. */
export function viewSubmission(
  callbackId: string,
  privateMetadata: string,
  userId: string,
  values: Record<string, string>,
) {
  return {
    type: 'view_submission',
    team: { id: TEAM_ID, domain: 'test' },
    user: { id: userId, username: userId.toLowerCase(), team_id: TEAM_ID },
    api_app_id: 'A0APP',
    token: 'legacy',
    trigger_id: 'trigger-view',
    view: {
      id: 'V0VIEW',
      type: 'modal',
      callback_id: callbackId,
      private_metadata: privateMetadata,
      team_id: TEAM_ID,
      state: {
        values: Object.fromEntries(
          Object.entries(values).map(([block, value]) => [block, { value: { type: 'plain_text_input', value } }]),
        ),
      },
    },
  };
}
