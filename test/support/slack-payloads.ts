import { randomUUID } from 'node:crypto';
import { isObject, type JsonObject, vendorJson } from './vendor.js';

/**
 * Requests as Slack sends them, built on the payload samples in test/fixtures/vendor/slack/payloads
 * (every field Slack has been seen to send, values blanked). Each builder fills the fields Countersign
 * reads and keeps every other sample field, so the app is shown to tolerate all of them.
 *
 * A sample is the union of every variant of its payload. The builders drop only the few fields whose
 * mere presence changes the meaning and which Slack sends in another variant than the one built here:
 * `thread_ts`/`parent_user_id` (thread replies only), `subtype` (edits, joins, bot posts…),
 * `bot_id`/`bot_profile`/`app_id`/`username` (messages posted by an app), `view` on a message click, and
 * `function_data`/`bot_access_token`/`interactivity` (interactions inside a workflow function, where Bolt
 * would switch to the function's token).
 *
 * @see https://docs.slack.dev/reference/events/app_mention
 * @see https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
 * @see https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload
 * @see https://docs.slack.dev/interactivity/implementing-slash-commands
 */

export const BOT_USER_ID = 'U0BOT';
export const BOT_ID = 'B0BOT';
export const TEAM_ID = 'T0TEAM';
export const APP_ID = 'A0APP';
const TEAM_DOMAIN = 'test';

const sample = (name: string) => vendorJson<JsonObject>(`slack/payloads/${name}.json`);

function omit(object: JsonObject, keys: readonly string[]): JsonObject {
  for (const key of keys) delete object[key];
  return object;
}

const asObject = (value: unknown): JsonObject => (isObject(value) ? value : {});

// ---------------------------------------------------------------------------------------------------
// What Slack knows exists: trigger ids it issued and the messages people posted. The fake Slack Web API
// consults these (expired_trigger_id, message_not_found), so they live beside the builders that make them.

const TRIGGER_LIFETIME_MS = 3000;
const triggers = new Map<string, number>();
let triggerCounter = 0;

/**
 * A trigger id as Slack issues one with an interaction; it is valid for 3 seconds.
 * @see https://docs.slack.dev/interactivity/handling-user-interaction#modal_responses
 */
export function issueTriggerId(): string {
  triggerCounter += 1;
  const id = `${Date.now()}.${triggerCounter}.${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  triggers.set(id, Date.now());
  return id;
}

/** undefined: not issued by these builders (a test's own string); otherwise whether it is still valid. */
export function triggerIsFresh(id: string, now = Date.now()): boolean | undefined {
  const issued = triggers.get(id);
  return issued === undefined ? undefined : now - issued <= TRIGGER_LIFETIME_MS;
}

const userMessages = new Set<string>();

/** Marks a message a person posted (a mention, a thread reply) as existing in Slack. */
export function rememberUserMessage(channel: string, ts: string): void {
  userMessages.add(`${channel}/${ts}`);
}

export function isUserMessage(channel: string, ts: string): boolean {
  return userMessages.has(`${channel}/${ts}`);
}

// ---------------------------------------------------------------------------------------------------
// Events API

export type SlackEvent = JsonObject & { type: string; text: string; ts: string; channel: string; user: string };

/**
 * The Events API envelope (event_callback) of the app_mention sample, around any event.
 * @see https://docs.slack.dev/apis/events-api/#callback-field
 */
export function eventEnvelope(event: Record<string, unknown>, eventId = `Ev${Math.random().toString(36).slice(2)}`) {
  const envelope = omit(sample('AppMentionPayload'), ['event']);
  const now = Math.floor(Date.now() / 1000);
  return {
    ...envelope,
    token: 'legacy',
    team_id: TEAM_ID,
    api_app_id: APP_ID,
    type: 'event_callback',
    authed_users: [BOT_USER_ID],
    authed_teams: [TEAM_ID],
    // Outside an Enterprise Grid Slack sends null here (Bolt's own comment on authorizations[0]).
    authorizations: [
      { enterprise_id: null, team_id: TEAM_ID, user_id: BOT_USER_ID, is_bot: true, is_enterprise_install: false },
    ],
    event_id: eventId,
    event_time: now,
    event_context: `4-${randomUUID()}`,
    event: { team: TEAM_ID, ...event },
  };
}

function userProfile(user: string): JsonObject {
  return {
    ...asObject(asObject(sample('AppMentionPayload').event).user_profile),
    name: user.toLowerCase(),
    first_name: user,
    real_name: user,
    display_name: user.toLowerCase(),
    team: TEAM_ID,
  };
}

export function mentionEvent(
  text: string,
  opts: { ts: string; user?: string; channel?: string; thread_ts?: string },
): SlackEvent {
  const user = opts.user ?? 'U0REQUESTER';
  const channel = opts.channel ?? 'C0SALES';
  rememberUserMessage(channel, opts.ts);
  const event = omit(asObject(sample('AppMentionPayload').event), [
    'thread_ts',
    'subtype',
    'bot_id',
    'bot_profile',
    'app_id',
    'username',
  ]);
  return {
    ...event,
    type: 'app_mention',
    client_msg_id: randomUUID(),
    user,
    text: `<@${BOT_USER_ID}> ${text}`,
    ts: opts.ts,
    team: TEAM_ID,
    channel,
    user_team: TEAM_ID,
    source_team: TEAM_ID,
    user_profile: userProfile(user),
    event_ts: opts.ts,
    ...(opts.thread_ts ? { thread_ts: opts.thread_ts } : {}),
  };
}

export function messageEvent(
  text: string,
  opts: { ts: string; user?: string; channel?: string; thread_ts?: string; channel_type?: string; bot_id?: string },
): SlackEvent {
  const user = opts.user ?? 'U0REQUESTER';
  const channel = opts.channel ?? 'C0SALES';
  rememberUserMessage(channel, opts.ts);
  const event = omit(asObject(sample('MessagePayload').event), [
    'thread_ts',
    'parent_user_id',
    'bot_id',
    'bot_profile',
  ]);
  return {
    ...event,
    type: 'message',
    client_msg_id: randomUUID(),
    team: TEAM_ID,
    channel,
    user,
    text,
    ts: opts.ts,
    event_ts: opts.ts,
    channel_type: opts.channel_type ?? 'channel',
    ...(opts.thread_ts ? { thread_ts: opts.thread_ts, parent_user_id: user } : {}),
    ...(opts.bot_id ? { bot_id: opts.bot_id } : {}),
  };
}

/** The app_home_opened event of the sample; its `view` is the Home view Slack last showed. */
export function homeOpenedEvent(user: string, opts: { tab?: 'home' | 'messages'; channel?: string } = {}) {
  const event = asObject(sample('AppHomeOpenedPayload').event);
  const ts = `${Math.floor(Date.now() / 1000)}.${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
  return {
    ...event,
    type: 'app_home_opened',
    user,
    channel: opts.channel ?? `D${user}`,
    tab: opts.tab ?? 'home',
    event_ts: ts,
    view: { ...asObject(event.view), id: 'V0HOME', team_id: TEAM_ID, type: 'home', app_id: APP_ID, bot_id: BOT_ID },
  };
}

// ---------------------------------------------------------------------------------------------------
// Interactivity

function teamAndUser(userId: string) {
  return {
    // Outside an Enterprise Grid Slack sends `"enterprise": null` on interactions.
    enterprise: null,
    team: { ...asObject(sample('BlockActionPayload').team), id: TEAM_ID, domain: TEAM_DOMAIN },
    user: {
      ...asObject(sample('BlockActionPayload').user),
      id: userId,
      username: userId.toLowerCase(),
      name: userId.toLowerCase(),
      team_id: TEAM_ID,
    },
  };
}

const plainText = (text: string) => ({ type: 'plain_text', text, emoji: true });

/** A click on a card button, as Slack sends it (block_actions from a message). */
export function buttonClick(actionId: string, value: string, userId: string, responseUrl: string, channel = 'C0SALES') {
  const base = omit(sample('BlockActionPayload'), ['view', 'function_data', 'bot_access_token', 'interactivity']);
  const messageTs = '1700000000.000200';
  const action = asObject((base.actions as unknown[] | undefined)?.[0]);
  return {
    ...base,
    type: 'block_actions',
    ...teamAndUser(userId),
    api_app_id: APP_ID,
    token: 'legacy',
    container: {
      ...omit(asObject(base.container), ['thread_ts', 'view_id', 'attachment_id']),
      type: 'message',
      message_ts: messageTs,
      channel_id: channel,
      is_ephemeral: false,
    },
    trigger_id: issueTriggerId(),
    channel: { id: channel, name: 'sales' },
    message: {
      ...omit(asObject(base.message), ['subtype', 'thread_ts', 'parent_user_id', 'edited', 'root']),
      type: 'message',
      team: TEAM_ID,
      channel,
      user: BOT_USER_ID,
      bot_id: BOT_ID,
      app_id: APP_ID,
      text: 'Charge request',
      ts: messageTs,
    },
    response_url: responseUrl,
    state: { values: {} },
    actions: [
      {
        ...action,
        type: 'button',
        action_id: actionId,
        block_id: 'card_actions',
        value,
        style: 'primary',
        action_ts: String(Date.now() / 1000),
        text: plainText(actionId),
      },
    ],
    is_enterprise_install: false,
  };
}

/** A modal submission (view_submission) with inputs keyed by block id: plain text, or `{ selected }` for a static_select. */
export function viewSubmission(
  callbackId: string,
  privateMetadata: string,
  userId: string,
  values: Record<string, string | { selected: string }>,
) {
  const base = omit(sample('ViewSubmissionPayload'), ['function_data', 'bot_access_token', 'interactivity']);
  return {
    ...base,
    type: 'view_submission',
    ...teamAndUser(userId),
    api_app_id: APP_ID,
    token: 'legacy',
    trigger_id: issueTriggerId(),
    view: {
      ...asObject(base.view),
      id: 'V0VIEW',
      team_id: TEAM_ID,
      type: 'modal',
      title: plainText('Countersign'),
      submit: plainText('Submit'),
      close: plainText('Cancel'),
      callback_id: callbackId,
      private_metadata: privateMetadata,
      hash: `${Math.floor(Date.now() / 1000)}.${randomUUID().slice(0, 8)}`,
      root_view_id: 'V0VIEW',
      previous_view_id: null,
      app_id: APP_ID,
      app_installed_team_id: TEAM_ID,
      bot_id: BOT_ID,
      state: {
        values: Object.fromEntries(
          Object.entries(values).map(([block, value]) => [
            block,
            {
              value:
                typeof value === 'string'
                  ? { type: 'plain_text_input', value }
                  : {
                      type: 'static_select',
                      selected_option: { text: plainText(value.selected), value: value.selected },
                    },
            },
          ]),
        ),
      },
    },
    is_enterprise_install: false,
  };
}

// ---------------------------------------------------------------------------------------------------
// Slash commands

/**
 * The form fields of a slash command, from the sample, with ours filled in. Pass it to postCommand:
 * `app.postCommand(slashCommandFields({ text: 'help', response_url: slack.responseUrl() }))`.
 */
export function slashCommandFields(overrides: Record<string, string> = {}): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(sample('SlashCommandPayload'))) fields[key] = String(value);
  return {
    ...fields,
    token: 'legacy',
    api_app_id: APP_ID,
    team_id: TEAM_ID,
    team_domain: TEAM_DOMAIN,
    channel_id: 'C0SALES',
    channel_name: 'sales',
    user_id: 'U0REQUESTER',
    user_name: 'req',
    command: '/charges',
    text: '',
    trigger_id: issueTriggerId(),
    is_enterprise_install: 'false',
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------------
// Web API responses built on the samples

/** auth.test for the bot token; the error-only fields of the sample are not part of a success. */
export function authTestResponse(url: string): JsonObject {
  return {
    ...omit(sample('auth.test'), ['error', 'warning', 'needed', 'provided', 'enterprise_id', 'expires_in']),
    ok: true,
    url,
    team: 'Countersign Test',
    user: 'countersign',
    team_id: TEAM_ID,
    user_id: BOT_USER_ID,
    bot_id: BOT_ID,
    app_name: 'Countersign',
    app_id: APP_ID,
    is_enterprise_install: false,
  };
}

export function usergroupUsersResponse(users: readonly string[]): JsonObject {
  return { ...omit(sample('usergroups.users.list'), ['error', 'warning', 'needed', 'provided']), ok: true, users };
}
