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
