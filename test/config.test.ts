import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { loadConfig, missingFor, readEnvironment } from '../src/config.js';
import { checkIntervalMs } from '../src/domain/duration.js';
import { isAppError } from '../src/errors.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (isAppError(error, 'config_invalid')) return error.message;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
};

describe('configuration', () => {
  test('when nothing is set, then safe defaults apply and no feature credentials are required', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toBe('.data');
    expect(config.openai).toMatchObject({ model: 'gpt-5-mini', api: 'responses' });
    expect(missingFor(config, 'slack')).toContain('SLACK_BOT_TOKEN');
    expect(missingFor(config, 'model')).toEqual(['OPENAI_API_KEY']);
    expect(missingFor(config, 'stripe')).toEqual(['STRIPE_SECRET_KEY']);
  });

  test('LINK_DELAY_ALERT takes any positive duration (5m by default, 5s allowed), and the check looks often enough', () => {
    expect(loadConfig({}).linkDelayAlertMs).toBe(300_000);
    expect(loadConfig({ LINK_DELAY_ALERT: '5s' }).linkDelayAlertMs).toBe(5_000);
    expect(loadConfig({ LINK_DELAY_ALERT: '2h' }).linkDelayAlertMs).toBe(7_200_000);
    expect(checkIntervalMs([5_000])).toBe(5_000);
    expect(checkIntervalMs([300_000])).toBe(30_000);
    for (const bad of ['0', '0s', '-5m', '5', 'soon']) {
      expect(problemsOf({ LINK_DELAY_ALERT: bad })).toMatch(/- LINK_DELAY_ALERT: must be a positive duration/);
    }
  });

  test('operations variables: ROLE, LOG_FORMAT, METRICS_TOKEN and QUEUE_RETENTION have defaults and are checked', () => {
    expect(loadConfig({})).toMatchObject({
      role: 'all',
      logFormat: undefined,
      metricsToken: undefined,
      queueRetentionMs: 30 * 86_400_000,
    });
    expect(
      loadConfig({ ROLE: 'worker', LOG_FORMAT: 'json', METRICS_TOKEN: 'scrape-me-please', QUEUE_RETENTION: '12h' }),
    ).toMatchObject({
      role: 'worker',
      logFormat: 'json',
      metricsToken: 'scrape-me-please',
      queueRetentionMs: 43_200_000,
    });
    const message = problemsOf({ ROLE: 'api', LOG_FORMAT: 'xml', QUEUE_RETENTION: '30' });
    expect(message).toMatch(/- ROLE: must be "all", "web" or "worker" \(got "api"\)/);
    expect(message).toMatch(/- LOG_FORMAT: must be "pretty" or "json"/);
    expect(message).toMatch(/- QUEUE_RETENTION: must be a positive duration/);
    expect(loadConfig({ METRICS_TOKEN: 'scrape-me-please' }).secrets).toContain('scrape-me-please');
  });

  test('when PORT is not a number, then the message names it and the value', () => {
    expect(problemsOf({ PORT: 'abc' })).toMatch(/- PORT: .* \(got "abc"\)/);
  });

  test('when several values are bad, then every problem is listed in one message', () => {
    const message = problemsOf({
      PORT: '70000',
      OPENAI_API: 'soap',
      STRIPE_SECRET_KEY: 'pk_test_publishable',
      APPROVER_USER_IDS: 'U123ABC, bob',
      DATABASE_URL: 'mysql://x',
    });
    expect(message).toMatch(/5 configuration problems/);
    for (const name of ['PORT', 'OPENAI_API', 'STRIPE_SECRET_KEY', 'APPROVER_USER_IDS', 'DATABASE_URL']) {
      expect(message).toContain(`- ${name}:`);
    }
    expect(message).toMatch(/\.env\.example documents every variable/);
  });

  test('when a secret is invalid, then its value is never echoed', () => {
    const message = problemsOf({ STRIPE_SECRET_KEY: 'pk_live_supersecretvalue', SLACK_BOT_TOKEN: 'xoxp-user-token-1' });
    expect(message).not.toContain('supersecretvalue');
    expect(message).not.toContain('xoxp-user-token-1');
    expect(message).toContain('value hidden');
  });

  test('when Slack is half configured, then the missing half is named', () => {
    expect(problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1-2-3' })).toMatch(/SLACK_SIGNING_SECRET: is required/);
    expect(problemsOf({ SLACK_SIGNING_SECRET: 'abcdef0123456789abcdef' })).toMatch(/SLACK_BOT_TOKEN: is required/);
  });

  test('agent trust: DUPLICATE_WINDOW_DAYS and UNUSUAL_AMOUNT_FACTOR default to 14 days and 3×, and bad values are named', () => {
    expect(loadConfig({}).trust).toEqual({ duplicateWindowDays: 14, unusualFactorHundredths: 300n });
    expect(loadConfig({ DUPLICATE_WINDOW_DAYS: '30', UNUSUAL_AMOUNT_FACTOR: '2.5' }).trust).toEqual({
      duplicateWindowDays: 30,
      unusualFactorHundredths: 250n,
    });
    const message = problemsOf({ DUPLICATE_WINDOW_DAYS: '0', UNUSUAL_AMOUNT_FACTOR: '1' });
    expect(message).toMatch(/- DUPLICATE_WINDOW_DAYS: must be at least 1 day \(got "0"\)/);
    expect(message).toMatch(/- UNUSUAL_AMOUNT_FACTOR: must be a number above 1 .* \(got "1"\)/);
    expect(problemsOf({ DUPLICATE_WINDOW_DAYS: '2.5' })).toMatch(/whole number of days/);
    expect(problemsOf({ UNUSUAL_AMOUNT_FACTOR: 'three' })).toMatch(/UNUSUAL_AMOUNT_FACTOR/);
  });

  test('lists are split on commas and webhook secrets may be rotated', () => {
    const config = loadConfig({
      APPROVER_USER_IDS: 'U0AAA111, U0BBB222',
      STRIPE_WEBHOOK_SECRET: 'whsec_old,whsec_new',
      ADMIN_USER_IDS: '',
    });
    expect(config.people.approverUserIds).toEqual(['U0AAA111', 'U0BBB222']);
    expect(config.stripe.webhookSecrets).toEqual(['whsec_old', 'whsec_new']);
    expect(config.people.adminUserIds).toEqual([]);
  });

  test('.env is read, the environment wins over it, and empty values count as unset', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'countersign-env-'));
    const file = path.join(dir, '.env');
    writeFileSync(file, 'PORT=4000\nLOG_LEVEL=debug\nSLACK_APP_TOKEN=\n');
    const merged = readEnvironment({ LOG_LEVEL: 'warn' }, file);
    expect(merged).toEqual({ PORT: '4000', LOG_LEVEL: 'warn' });
    expect(readEnvironment({}, path.join(dir, 'missing.env'))).toEqual({});
  });

  test('every configured secret is collected for log redaction', () => {
    const config = loadConfig({
      STRIPE_SECRET_KEY: 'sk_test_abcdefghijkl',
      STRIPE_WEBHOOK_SECRET: 'whsec_one111,whsec_two222',
      OPENAI_API_KEY: 'sk-proj-secretsecret',
    });
    expect(config.secrets).toEqual(
      expect.arrayContaining(['sk_test_abcdefghijkl', 'whsec_one111', 'whsec_two222', 'sk-proj-secretsecret']),
    );
  });
});

describe('workflow configuration', () => {
  test('when nothing is set, then reminders after 4h in Mon-Fri 09:00-18:00, escalation after 24h, links expire after 30d, requests never', () => {
    const { workflow } = loadConfig({});
    expect(workflow).toMatchObject({
      notify: 'dm',
      remindAfterMs: 4 * 3_600_000,
      escalateAfterMs: 24 * 3_600_000,
      escalationUserIds: [],
      requestExpiresAfterMs: undefined,
      linkExpiresAfterMs: 30 * 86_400_000,
      workingHours: { always: false, startMinute: 540, endMinute: 1080 },
    });
  });

  test('APPROVAL_NOTIFY defaults to channel when FINANCE_CHANNEL_ID is set, and can be set either way', () => {
    expect(loadConfig({ FINANCE_CHANNEL_ID: 'C0FINANCE' }).workflow.notify).toBe('channel');
    expect(loadConfig({ FINANCE_CHANNEL_ID: 'C0FINANCE', APPROVAL_NOTIFY: 'both' }).workflow.notify).toBe('both');
    expect(loadConfig({ APPROVAL_NOTIFY: 'channel' }).workflow.notify).toBe('channel');
    expect(problemsOf({ APPROVAL_NOTIFY: 'email' })).toMatch(/APPROVAL_NOTIFY: must be channel, dm or both/);
  });

  test.each([
    ['5s', 5_000],
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['4h', 14_400_000],
    ['30d', 2_592_000_000],
  ])('any positive duration with a unit is accepted, with no minimum: %s', (text, ms) => {
    const { workflow } = loadConfig({
      REMIND_AFTER: text,
      ESCALATE_AFTER: text,
      REQUEST_EXPIRES_AFTER: text,
      LINK_EXPIRES_AFTER: text,
    });
    expect(workflow).toMatchObject({
      remindAfterMs: ms,
      escalateAfterMs: ms,
      requestExpiresAfterMs: ms,
      linkExpiresAfterMs: ms,
    });
  });

  test('LINK_EXPIRES_AFTER=0 means never and REMIND_AFTER=0 means no reminders; other durations must be positive with a unit', () => {
    expect(loadConfig({ LINK_EXPIRES_AFTER: '0', REMIND_AFTER: '0' }).workflow).toMatchObject({
      linkExpiresAfterMs: 0,
      remindAfterMs: 0,
    });
    const message = problemsOf({ ESCALATE_AFTER: '0', REQUEST_EXPIRES_AFTER: '10', LINK_EXPIRES_AFTER: '-1d' });
    expect(message).toMatch(/ESCALATE_AFTER: must be a positive duration with a unit, such as 90s, 30m, 4h or 30d/);
    expect(message).toMatch(/REQUEST_EXPIRES_AFTER: must be a positive duration .* \(got "10"\)/);
    expect(message).toMatch(/LINK_EXPIRES_AFTER: .*\(or 0 for never\)/);
  });

  test('WORKING_HOURS takes days and hours or always, and names the format when wrong', () => {
    expect(loadConfig({ WORKING_HOURS: 'always' }).workflow.workingHours).toEqual({ always: true });
    expect(loadConfig({ WORKING_HOURS: 'Sat,Sun 10:00-14:30' }).workflow.workingHours).toMatchObject({
      days: new Set([6, 7]),
      startMinute: 600,
      endMinute: 870,
    });
    for (const bad of [
      'weekdays',
      'Mon-Fri 9-18',
      'Mon-Fry 09:00-18:00',
      'Mon-Fri 18:00-09:00',
      'Mon-Fri 09:00-25:00',
    ]) {
      expect(problemsOf({ WORKING_HOURS: bad })).toMatch(/- WORKING_HOURS: must/);
    }
  });

  test('.env.example, as shipped, is a valid configuration with the documented workflow defaults', () => {
    const { workflow } = loadConfig(readEnvironment({}, '.env.example'));
    expect(workflow).toMatchObject({ notify: 'dm', remindAfterMs: 4 * 3_600_000, linkExpiresAfterMs: 30 * 86_400_000 });
  });

  test('escalation contacts are Slack user ids or a user group', () => {
    const { workflow } = loadConfig({ ESCALATION_USER_IDS: 'U0BOSS, U0CFO', ESCALATION_USERGROUP_ID: 'S0LEADS' });
    expect(workflow).toMatchObject({ escalationUserIds: ['U0BOSS', 'U0CFO'], escalationUsergroupId: 'S0LEADS' });
    expect(problemsOf({ ESCALATION_USER_IDS: 'boss' })).toMatch(
      /ESCALATION_USER_IDS: Slack user ids look like U0123ABCD/,
    );
  });
});
