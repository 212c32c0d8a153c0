import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { isObject, vendorJson } from '../support/vendor.js';

/**
 * manifest.yml is what operators paste into Slack: it must be a manifest Slack accepts, and ask for
 * exactly the scopes the code needs (a missing scope fails at run time with missing_scope; an unused
 * one is a permission nobody should grant).
 */
const root = path.resolve(import.meta.dirname, '../..');
const manifest = parse(readFileSync(path.join(root, 'manifest.yml'), 'utf8')) as {
  _metadata?: { major_version?: number };
  features?: { slash_commands?: unknown[] };
  oauth_config?: { scopes?: { bot?: string[] } };
  settings?: { event_subscriptions?: { bot_events?: string[] } };
};

// ajv-formats is CommonJS: under ESM its plugin is the module's default export.
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule.default }).default;

/**
 * Without `_metadata.major_version` Slack reads a manifest as version 1: the main schema of
 * slackapi/manifest-schema maps "no _metadata" (and "no major_version") to manifest.schema.1.0.0.json.
 * @see https://github.com/slackapi/manifest-schema/blob/main/manifest.schema.json
 */
function manifestValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const version = manifest._metadata?.major_version ?? 1;
  return ajv.compile(vendorJson<object>(`slack/manifest.schema.${version}.0.0.json`));
}

describe('manifest.yml', () => {
  test('validates against Slack’s manifest schema', () => {
    expect(manifest._metadata?.major_version ?? 1).toBe(1);
    const validate = manifestValidator();
    const valid = validate(manifest);
    expect(valid ? [] : validate.errors?.map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
  });

  test('the schema would catch a mistake (a misspelt section, a bad URL)', () => {
    const validate = manifestValidator();
    expect(validate({ ...manifest, setings: {} })).toBe(false);
    const settings = { ...manifest.settings, event_subscriptions: { request_url: 'not a url', bot_events: events } };
    expect(validate({ ...manifest, settings })).toBe(false);
  });
});

interface ScopeRule {
  /** Every one of these. */
  readonly required?: readonly string[];
  /** At least one of these (Slack accepts any). */
  readonly anyOf?: readonly string[];
  /** Scopes this method puts to use when granted (e.g. posting in channels the bot has not joined). */
  readonly enables?: readonly string[];
  readonly see: string;
}

/** The bot-token scopes of every Web API method Countersign may call. */
const METHOD_SCOPES: Record<string, ScopeRule> = {
  'auth.test': { see: 'https://docs.slack.dev/reference/methods/auth.test' },
  'chat.postMessage': {
    required: ['chat:write'],
    enables: ['chat:write.public', 'chat:write.customize'],
    see: 'https://docs.slack.dev/reference/methods/chat.postMessage',
  },
  'chat.postEphemeral': {
    required: ['chat:write'],
    see: 'https://docs.slack.dev/reference/methods/chat.postEphemeral',
  },
  'chat.update': { required: ['chat:write'], see: 'https://docs.slack.dev/reference/methods/chat.update' },
  'chat.getPermalink': { see: 'https://docs.slack.dev/reference/methods/chat.getPermalink' },
  'views.open': { see: 'https://docs.slack.dev/reference/methods/views.open' },
  'views.push': { see: 'https://docs.slack.dev/reference/methods/views.push' },
  'views.update': { see: 'https://docs.slack.dev/reference/methods/views.update' },
  'views.publish': { see: 'https://docs.slack.dev/reference/methods/views.publish' },
  'reactions.add': { required: ['reactions:write'], see: 'https://docs.slack.dev/reference/methods/reactions.add' },
  'reactions.remove': {
    required: ['reactions:write'],
    see: 'https://docs.slack.dev/reference/methods/reactions.remove',
  },
  'conversations.open': {
    anyOf: ['im:write', 'mpim:write', 'channels:manage', 'groups:write'],
    see: 'https://docs.slack.dev/reference/methods/conversations.open',
  },
  // filesUploadV2 calls files.getUploadURLExternal and files.completeUploadExternal.
  filesUploadV2: {
    required: ['files:write'],
    see: 'https://docs.slack.dev/reference/methods/files.getUploadURLExternal',
  },
  'usergroups.users.list': {
    required: ['usergroups:read'],
    see: 'https://docs.slack.dev/reference/methods/usergroups.users.list',
  },
  // Slack accepts chat:write for it (assistant:write is needed only for the Agents & AI Apps surfaces).
  'assistant.threads.setStatus': {
    anyOf: ['chat:write', 'assistant:write'],
    see: 'https://docs.slack.dev/reference/methods/assistant.threads.setStatus',
  },
};

/** The scope each event subscription needs. */
const EVENT_SCOPES: Record<string, ScopeRule> = {
  app_mention: { required: ['app_mentions:read'], see: 'https://docs.slack.dev/reference/events/app_mention' },
  'message.channels': {
    required: ['channels:history'],
    see: 'https://docs.slack.dev/reference/events/message.channels',
  },
  'message.groups': { required: ['groups:history'], see: 'https://docs.slack.dev/reference/events/message.groups' },
  'message.im': { required: ['im:history'], see: 'https://docs.slack.dev/reference/events/message.im' },
  'message.mpim': { required: ['mpim:history'], see: 'https://docs.slack.dev/reference/events/message.mpim' },
  app_home_opened: { see: 'https://docs.slack.dev/reference/events/app_home_opened' },
};

/** Slash commands need `commands`. @see https://docs.slack.dev/reference/scopes/commands */
const SLASH_COMMAND_SCOPE = 'commands';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Web API methods called in src/, e.g. `client.chat\n  .getPermalink(` → chat.getPermalink. */
function methodsCalledInSource(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const families = 'chat|views|reactions|conversations|usergroups|files|assistant|auth|apps|users|team|bots';
  const call = new RegExp(`\\.((?:${families})(?:\\.[a-zA-Z]+)+)\\(|\\.(filesUploadV2)\\(`, 'g');
  for (const file of sourceFiles(path.join(root, 'src'))) {
    // Chained calls are often split across lines: join `.x\n  .y(` before matching.
    const code = readFileSync(file, 'utf8').replace(/\s*\.\s*(?=[a-zA-Z])/g, '.');
    for (const match of code.matchAll(call)) {
      const method = match[1] ?? match[2] ?? '';
      found.set(method, [...(found.get(method) ?? []), path.relative(root, file)]);
    }
  }
  return found;
}

const declared = new Set(manifest.oauth_config?.scopes?.bot ?? []);
const events = manifest.settings?.event_subscriptions?.bot_events ?? [];
const called = methodsCalledInSource();

function missingFor(rule: ScopeRule): string[] {
  const missing = (rule.required ?? []).filter((s) => !declared.has(s));
  if (rule.anyOf && !rule.anyOf.some((s) => declared.has(s))) missing.push(`one of ${rule.anyOf.join(' | ')}`);
  return missing;
}

describe('bot scopes', () => {
  test('the source scan finds the calls the app makes', () => {
    expect([...called.keys()]).toEqual(
      expect.arrayContaining([
        'chat.postMessage',
        'chat.update',
        'chat.getPermalink',
        'views.publish',
        'filesUploadV2',
      ]),
    );
  });

  test('every Web API method src/ calls is in the scope table', () => {
    const unknown = [...called.keys()].filter((m) => !(m in METHOD_SCOPES));
    expect(unknown).toEqual([]);
  });

  test('every method src/ calls has its scopes in manifest.yml', () => {
    const missing = [...called.keys()].flatMap((method) => {
      const rule = METHOD_SCOPES[method];
      return rule
        ? missingFor(rule).map((scope) => `${method} (${called.get(method)?.join(', ')}) needs ${scope}`)
        : [];
    });
    expect(missing).toEqual([]);
  });

  test('every event subscription has its scope in manifest.yml', () => {
    const missing = events.flatMap((event) => {
      const rule = EVENT_SCOPES[event];
      if (!rule) return [`${event} is not in the event table`];
      return missingFor(rule).map((scope) => `${event} needs ${scope}`);
    });
    expect(missing).toEqual([]);
  });

  test('every declared bot scope is used by a call, an event subscription or the slash command', () => {
    const used = new Set<string>();
    const use = (rule: ScopeRule | undefined) => {
      for (const scope of [...(rule?.required ?? []), ...(rule?.anyOf ?? []), ...(rule?.enables ?? [])])
        used.add(scope);
    };
    for (const method of called.keys()) use(METHOD_SCOPES[method]);
    for (const event of events) use(EVENT_SCOPES[event]);
    if ((manifest.features?.slash_commands ?? []).length) used.add(SLASH_COMMAND_SCOPE);
    expect([...declared].filter((scope) => !used.has(scope))).toEqual([]);
  });

  test('the tables cite Slack’s reference for every entry', () => {
    for (const rule of [...Object.values(METHOD_SCOPES), ...Object.values(EVENT_SCOPES)]) {
      expect(rule.see).toMatch(/^https:\/\/docs\.slack\.dev\/reference\//);
    }
    expect(isObject(manifest)).toBe(true);
  });
});
