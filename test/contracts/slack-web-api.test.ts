import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ErrorCode, WebClient } from '@slack/web-api';
import { BLOCK_KIT_LIMITS } from '../support/block-kit-limits.js';
import { type FakeSlack, mentionEvent, startFakeSlack } from '../support/fake-slack.js';
import { issueTriggerId } from '../support/slack-payloads.js';

/**
 * The fake Slack Web API must be no kinder than Slack: driven here by the real WebClient, every
 * refusal is Slack's (HTTP, envelope, error code, details) and a refused message is never posted.
 *
 * Payloads the SDK's types rightly forbid go through `client.apiCall`, the same path the typed methods
 * take, as a caller with a bug would send them.
 */
let slack: FakeSlack;
let client: WebClient;

beforeAll(async () => {
  slack = await startFakeSlack();
  client = new WebClient('xoxb-test-token', {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
});
afterAll(async () => {
  await slack.close();
});

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const button = (overrides: Record<string, unknown> = {}) => ({
  type: 'button',
  action_id: 'approve',
  text: { type: 'plain_text', text: 'Approve' },
  value: 'id:1',
  ...overrides,
});

/** The platform error the WebClient throws, with Slack's answer in `data`. */
async function refusal(call: Promise<unknown>) {
  const error = (await call.then(
    () => {
      throw new Error('Slack accepted a call it refuses');
    },
    (e: unknown) => e,
  )) as { code?: string; data?: { ok: boolean; error: string; errors?: string[]; response_metadata?: unknown } };
  expect(error.code).toBe(ErrorCode.PlatformError);
  return error.data ?? { ok: true, error: '' };
}

const posted = () => slack.callsOf('chat.postMessage').length;

describe('Block Kit limits on chat.postMessage', () => {
  const over: [string, unknown[], string][] = [
    [
      'a section text over 3000 characters',
      [section('x'.repeat(3001))],
      'must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    ],
    ['an empty section text', [section('')], 'must be more than 0 characters [json-pointer:/blocks/0/text/text]'],
    [
      '51 blocks',
      Array.from({ length: 51 }, () => ({ type: 'divider' })),
      'no more than 50 items allowed [json-pointer:/blocks]',
    ],
    [
      '11 section fields',
      [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }],
      'no more than 10 items allowed [json-pointer:/blocks/0/fields]',
    ],
    [
      'a field over 2000 characters',
      [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] }],
      'must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]',
    ],
    [
      'a header over 150 characters',
      [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
      'must be less than 151 characters [json-pointer:/blocks/0/text/text]',
    ],
    [
      '11 context elements',
      [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) }],
      'no more than 10 items allowed [json-pointer:/blocks/0/elements]',
    ],
    [
      '26 action elements',
      [{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button({ action_id: `a${i}` })) }],
      'no more than 25 items allowed [json-pointer:/blocks/0/elements]',
    ],
    [
      'a block_id over 255 characters',
      [{ type: 'divider', block_id: 'b'.repeat(256) }],
      'must be less than 256 characters [json-pointer:/blocks/0/block_id]',
    ],
    [
      'an action_id over 255 characters',
      [{ type: 'actions', elements: [button({ action_id: 'a'.repeat(256) })] }],
      'must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]',
    ],
    [
      'a button text over 75 characters',
      [{ type: 'actions', elements: [button({ text: { type: 'plain_text', text: 't'.repeat(76) } })] }],
      'must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]',
    ],
    [
      'a button value over 2000 characters',
      [{ type: 'actions', elements: [button({ value: 'v'.repeat(2001) })] }],
      'must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]',
    ],
    [
      'a button url over 3000 characters',
      [{ type: 'actions', elements: [button({ url: `https://x.test/${'u'.repeat(3000)}` })] }],
      'must be less than 3001 characters [json-pointer:/blocks/0/elements/0/url]',
    ],
    [
      'a confirm title over 100 characters',
      [
        {
          type: 'actions',
          elements: [
            button({
              confirm: {
                title: { type: 'plain_text', text: 'c'.repeat(101) },
                text: { type: 'plain_text', text: 'Sure?' },
                confirm: { type: 'plain_text', text: 'Yes' },
                deny: { type: 'plain_text', text: 'No' },
              },
            }),
          ],
        },
      ],
      'must be less than 101 characters [json-pointer:/blocks/0/elements/0/confirm/title/text]',
    ],
    [
      'a confirm button over 30 characters',
      [
        {
          type: 'actions',
          elements: [
            button({
              confirm: {
                title: { type: 'plain_text', text: 'Sure' },
                text: { type: 'plain_text', text: 't'.repeat(301) },
                confirm: { type: 'plain_text', text: 'y'.repeat(31) },
                deny: { type: 'plain_text', text: 'No' },
              },
            }),
          ],
        },
      ],
      'must be less than 31 characters [json-pointer:/blocks/0/elements/0/confirm/confirm/text]',
    ],
    [
      'a static_select with 101 options',
      [
        {
          type: 'actions',
          elements: [
            {
              type: 'static_select',
              action_id: 'pick',
              placeholder: { type: 'plain_text', text: 'Pick' },
              options: Array.from({ length: 101 }, (_, i) => ({
                text: { type: 'plain_text', text: `o${i}` },
                value: `${i}`,
              })),
            },
          ],
        },
      ],
      'no more than 100 items allowed [json-pointer:/blocks/0/elements/0/options]',
    ],
    [
      'an option value over 75 characters',
      [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: 'Pick' },
          accessory: {
            type: 'overflow',
            action_id: 'more',
            options: [{ text: { type: 'plain_text', text: 'One' }, value: 'v'.repeat(76) }],
          },
        },
      ],
      'must be less than 76 characters [json-pointer:/blocks/0/accessory/options/0/value]',
    ],
  ];

  test.each(over)('%s: invalid_blocks, with Slack’s details, and nothing posted', async (_name, blocks, detail) => {
    const before = posted();
    const data = await refusal(client.apiCall('chat.postMessage', { channel: 'C0SALES', text: 'fallback', blocks }));
    expect(data).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect(data.errors).toContain(detail);
    expect(data.response_metadata).toEqual({ messages: expect.arrayContaining([`[ERROR] ${detail}`]) });
    expect(posted()).toBe(before);
    expect(slack.callsOf('chat.postMessage!failed').at(-1)).toMatchObject({ error: 'invalid_blocks' });
  });

  test('lengths are measured as sent: an escaped entity counts in full', async () => {
    // 2996 characters plus "&amp;" (5) is 3001 as sent, though it renders as 2997.
    const data = await refusal(
      client.chat.postMessage({ channel: 'C0SALES', text: 'x', blocks: [section(`${'x'.repeat(2996)}&amp;`)] }),
    );
    expect(data.error).toBe('invalid_blocks');
  });

  test('blocks at every limit are accepted', async () => {
    await client.apiCall('chat.postMessage', {
      channel: 'C0SALES',
      text: 'fallback',
      blocks: [
        section('x'.repeat(BLOCK_KIT_LIMITS.section.textMaxChars)),
        { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(150) } },
        { type: 'actions', block_id: 'b'.repeat(255), elements: [button({ value: 'v'.repeat(2000) })] },
      ],
    });
  });

  test('a message whose blocks together carry 11,341 characters of text is refused as msg_blocks_too_long', async () => {
    const before = posted();
    // Four sections of 2,836 characters: each within its own limit, together at the cap bolt-js #2867 measured.
    const blocks = [2836, 2836, 2836, 2833].map((n) => section('y'.repeat(n)));
    const data = await refusal(client.chat.postMessage({ channel: 'C0SALES', text: 'fallback', blocks }));
    expect(data).toMatchObject({ ok: false, error: 'msg_blocks_too_long' });
    expect(posted()).toBe(before);
    await client.chat.postMessage({ channel: 'C0SALES', text: 'fallback', blocks: blocks.slice(0, 3) });
  });

  test('neither text nor blocks is no_text; chat.update of the same is refused too', async () => {
    expect((await refusal(client.apiCall('chat.postMessage', { channel: 'C0SALES' }))).error).toBe('no_text');
    const { ts } = await client.chat.postMessage({ channel: 'C0SALES', text: 'hello' });
    expect((await refusal(client.apiCall('chat.update', { channel: 'C0SALES', ts }))).error).toBe('no_text');
  });

  test('text over 40,000 characters is truncated and posted, with a message_truncated warning', async () => {
    const result = await client.chat.postMessage({ channel: 'C0SALES', text: 'z'.repeat(40_001) });
    expect(result.response_metadata?.warnings).toEqual(['message_truncated']);
    expect(slack.message('C0SALES', result.ts ?? '')?.text).toHaveLength(40_000);
    expect(slack.callsOf('chat.postMessage').at(-1)?.warnings).toEqual(['message_truncated']);
  });

  test('chat.update and chat.postEphemeral are held to the same limits', async () => {
    const { ts } = await client.chat.postMessage({ channel: 'C0SALES', text: 'card' });
    const data = await refusal(
      client.chat.update({ channel: 'C0SALES', ts: ts ?? '', text: 'x', blocks: [section('x'.repeat(3001))] }),
    );
    expect(data.error).toBe('invalid_blocks');
    expect(slack.message('C0SALES', ts ?? '')?.text).toBe('card');
    const ephemeral = await refusal(
      client.chat.postEphemeral({ channel: 'C0SALES', user: 'U1', text: 'x', blocks: [section('')] }),
    );
    expect(ephemeral.error).toBe('invalid_blocks');
  });
});

describe('views', () => {
  const modal = (overrides: Record<string, unknown> = {}) => ({
    type: 'modal' as const,
    callback_id: 'reject',
    title: { type: 'plain_text' as const, text: 'Reject CR-1001' },
    submit: { type: 'plain_text' as const, text: 'Reject' },
    close: { type: 'plain_text' as const, text: 'Cancel' },
    private_metadata: 'id:1',
    blocks: [section('Why?')],
    ...overrides,
  });

  test.each([
    ['a title over 24 characters', { title: { type: 'plain_text', text: 't'.repeat(25) } }, '/view/title/text', 25],
    ['a submit over 24 characters', { submit: { type: 'plain_text', text: 's'.repeat(25) } }, '/view/submit/text', 25],
    ['a close over 24 characters', { close: { type: 'plain_text', text: 'c'.repeat(25) } }, '/view/close/text', 25],
    ['private_metadata over 3000 characters', { private_metadata: 'm'.repeat(3001) }, '/view/private_metadata', 3001],
    ['a callback_id over 255 characters', { callback_id: 'c'.repeat(256) }, '/view/callback_id', 256],
  ])(
    'views.open with %s is refused as Slack refuses views (invalid_arguments)',
    async (_n, overrides, pointer, max) => {
      const data = await refusal(
        client.apiCall('views.open', { trigger_id: issueTriggerId(), view: modal(overrides) }),
      );
      expect(data).toMatchObject({
        ok: false,
        error: 'invalid_arguments',
        response_metadata: { messages: [`[ERROR] must be less than ${max} characters [json-pointer:${pointer}]`] },
      });
      expect(slack.callsOf('views.open!failed').at(-1)).toMatchObject({ error: 'invalid_arguments' });
    },
  );

  test('a modal or Home tab holds at most 100 blocks', async () => {
    const blocks = Array.from({ length: 101 }, () => ({ type: 'divider' }));
    const data = await refusal(client.apiCall('views.publish', { user_id: 'U1', view: { type: 'home', blocks } }));
    expect(data.response_metadata).toEqual({
      messages: ['[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]'],
    });
    await client.apiCall('views.publish', { user_id: 'U1', view: { type: 'home', blocks: blocks.slice(1) } });
  });

  test('a trigger_id is valid for 3 seconds', async () => {
    const trigger = issueTriggerId();
    await client.views.open({ trigger_id: trigger, view: modal() });
    const realNow = Date.now;
    Date.now = () => realNow() + 3100;
    try {
      expect((await refusal(client.views.open({ trigger_id: trigger, view: modal() }))).error).toBe(
        'expired_trigger_id',
      );
    } finally {
      Date.now = realNow;
    }
  });
});

describe('response_url', () => {
  test('a body Slack would refuse gets HTTP 400 with the error as text, and nothing is posted', async () => {
    const url = slack.responseUrl('contract');
    const post = (body: unknown) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const bad = await post({ response_type: 'ephemeral', text: 'x', blocks: [section('x'.repeat(3001))] });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('invalid_blocks');
    const empty = await post({ response_type: 'ephemeral' });
    expect([empty.status, await empty.text()]).toEqual([400, 'no_text']);
    expect(slack.callsOf('response_url').filter((c) => c.args.path === '/response/contract')).toEqual([]);
    expect(slack.callsOf('response_url!failed').map((c) => c.error)).toEqual(['invalid_blocks', 'no_text']);
    expect((await post({ response_type: 'ephemeral', text: 'fine' })).status).toBe(200);
  });
});

describe('errors on demand', () => {
  test.each(['channel_not_found', 'not_in_channel', 'is_archived', 'invalid_auth'])(
    'failNext answers %s with HTTP 200 ok:false, once',
    async (error) => {
      slack.failNext('chat.postMessage', { error });
      expect((await refusal(client.chat.postMessage({ channel: 'C0SALES', text: 'x' }))).error).toBe(error);
      await client.chat.postMessage({ channel: 'C0SALES', text: 'x' });
    },
  );

  test('breakChannel makes a channel archived (or gone) for every later call, until repaired', async () => {
    const { ts } = await client.chat.postMessage({ channel: 'C0ARCHIVE', text: 'card' });
    slack.breakChannel('C0ARCHIVE', 'is_archived');
    for (let i = 0; i < 2; i++) {
      expect((await refusal(client.chat.postMessage({ channel: 'C0ARCHIVE', text: 'x' }))).error).toBe('is_archived');
    }
    expect((await refusal(client.chat.update({ channel: 'C0ARCHIVE', ts: ts ?? '', text: 'y' }))).error).toBe(
      'is_archived',
    );
    await client.chat.postMessage({ channel: 'C0SALES', text: 'other channels work' });
    slack.breakChannel('C0ARCHIVE', 'channel_not_found');
    expect((await refusal(client.chat.postMessage({ channel: 'C0ARCHIVE', text: 'x' }))).error).toBe(
      'channel_not_found',
    );
    slack.repairChannel('C0ARCHIVE');
    await client.chat.postMessage({ channel: 'C0ARCHIVE', text: 'x' });
  });

  test('breakAuth refuses every call as after a revoked token', async () => {
    slack.breakAuth('invalid_auth');
    try {
      expect((await refusal(client.auth.test())).error).toBe('invalid_auth');
      expect((await refusal(client.chat.postMessage({ channel: 'C0SALES', text: 'x' }))).error).toBe('invalid_auth');
    } finally {
      slack.repairAuth();
    }
  });

  test('429 carries Retry-After, which the WebClient reports', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    const error = (await client.chat.postMessage({ channel: 'C0SALES', text: 'x' }).catch((e: unknown) => e)) as {
      code: string;
      retryAfter: number;
    };
    expect(error).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
    expect(slack.callsOf('chat.postMessage!failed').at(-1)).toMatchObject({ error: 'ratelimited' });
  });

  test('500 is an HTTP error', async () => {
    slack.failNext('chat.postMessage', { status: 500 });
    const error = (await client.chat.postMessage({ channel: 'C0SALES', text: 'x' }).catch((e: unknown) => e)) as {
      code: string;
      statusCode: number;
    };
    expect(error).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 });
  });

  test('unknown methods, missing or wrong tokens are refused', async () => {
    expect((await refusal(client.apiCall('chat.frobnicate', {}))).error).toBe('unknown_method');
    const anonymous = new WebClient(undefined, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    expect((await refusal(anonymous.auth.test())).error).toBe('not_authed');
    const appToken = new WebClient('xapp-1-A0APP-1-x', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    expect((await refusal(appToken.chat.postMessage({ channel: 'C0SALES', text: 'x' }))).error).toBe(
      'not_allowed_token_type',
    );
    expect((await refusal(client.apps.connections.open())).error).toBe('not_allowed_token_type');
  });
});

describe('messages must exist', () => {
  test('chat.update and chat.getPermalink of an unknown ts: message_not_found; of a person’s message: cant_update_message', async () => {
    expect((await refusal(client.chat.update({ channel: 'C0SALES', ts: '1.000001', text: 'x' }))).error).toBe(
      'message_not_found',
    );
    expect((await refusal(client.chat.getPermalink({ channel: 'C0SALES', message_ts: '1.000001' }))).error).toBe(
      'message_not_found',
    );
    mentionEvent('hello', { ts: '1700009999.000100', channel: 'C0PEOPLE' });
    const link = await client.chat.getPermalink({ channel: 'C0PEOPLE', message_ts: '1700009999.000100' });
    expect(link.permalink).toContain('/archives/C0PEOPLE/p1700009999000100');
    expect((await refusal(client.chat.update({ channel: 'C0PEOPLE', ts: '1700009999.000100', text: 'x' }))).error).toBe(
      'cant_update_message',
    );
  });

  test('chat.update changes what Slack shows; getPermalink works for posted messages', async () => {
    const { ts = '' } = await client.chat.postMessage({ channel: 'C0SALES', text: 'v1' });
    await client.chat.update({ channel: 'C0SALES', ts, text: 'v2', blocks: [section('v2')] });
    expect(slack.message('C0SALES', ts)).toEqual({
      channel: 'C0SALES',
      ts,
      text: 'v2',
      blocks: [section('v2')],
      threadTs: undefined,
    });
    await client.chat.getPermalink({ channel: 'C0SALES', message_ts: ts });
  });

  test('reactions: add once, remove what was added', async () => {
    const { ts = '' } = await client.chat.postMessage({ channel: 'C0SALES', text: 'r' });
    const target = { channel: 'C0SALES', timestamp: ts, name: 'eyes' };
    await client.reactions.add(target);
    expect((await refusal(client.reactions.add(target))).error).toBe('already_reacted');
    await client.reactions.remove(target);
    expect((await refusal(client.reactions.remove(target))).error).toBe('no_reaction');
    expect((await refusal(client.reactions.add({ ...target, timestamp: '2.000001' }))).error).toBe('message_not_found');
  });
});

describe('other methods the app uses', () => {
  test('assistant.threads.setStatus needs channel_id, thread_ts and status', async () => {
    await client.assistant.threads.setStatus({ channel_id: 'D0DM', thread_ts: '1.1', status: 'is thinking…' });
    expect((await refusal(client.apiCall('assistant.threads.setStatus', { channel_id: 'D0DM' }))).error).toBe(
      'invalid_arguments',
    );
  });

  test('conversations.open, auth.test, usergroups.users.list and a file upload', async () => {
    const dm = await client.conversations.open({ users: 'U0ADMIN' });
    expect(dm.channel?.id).toBe('DU0ADMIN');
    expect(await client.auth.test()).toMatchObject({ ok: true, user_id: 'U0BOT', bot_id: 'B0BOT', team_id: 'T0TEAM' });
    expect((await client.usergroups.users.list({ usergroup: 'S0FINANCE' })).users).toEqual(['U0GROUPIE']);
    expect((await refusal(client.usergroups.users.list({ usergroup: 'S0NOPE' }))).error).toBe('no_such_subteam');
    await client.filesUploadV2({ channel_id: 'DU0ADMIN', filename: 'a.csv', title: 'a.csv', content: 'a,b\r\n1,2' });
    expect(slack.callsOf('file_upload').at(-1)?.args.content).toBe('a,b\r\n1,2');
    expect(slack.callsOf('files.completeUploadExternal').at(-1)?.args).toMatchObject({ channel_id: 'DU0ADMIN' });
  });
});
