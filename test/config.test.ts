import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { loadConfig, missingFor, readEnvironment } from '../src/config.js';
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
