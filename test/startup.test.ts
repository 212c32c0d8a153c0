import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, test } from '@jest/globals';
import { freePort } from '../src/db/embedded.js';
import { createLogger } from '../src/logger.js';
import { SIGNING_SECRET, startTestApp, type TestApp } from './support/app.js';
import { createEmptyDatabase } from './support/database.js';
import { type FakeOpenAI, proposeOnce, startFakeOpenAI } from './support/fake-openai.js';
import { type Failure, type FakeSlack, startFakeSlack } from './support/fake-slack.js';
import { FakeStripe } from './support/fake-stripe.js';
import { capturingLogger as jsonLogs } from './support/logs.js';
import { type AppProcess, isReady, runEntry, waitForProcess } from './support/process.js';

let processes: AppProcess[] = [];
let app: TestApp | undefined;
let slack: FakeSlack | undefined;
let openai: FakeOpenAI | undefined;
let stripe: FakeStripe | undefined;
afterEach(async () => {
  for (const p of processes) await p.stop();
  await app?.stop();
  await slack?.close();
  await openai?.close();
  await stripe?.close();
  processes = [];
  app = undefined;
});

const cwd = () => mkdtempSync(path.join(tmpdir(), 'countersign-startup-'));
const STACK_FRAME = /\n\s+at /;

function capturingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

describe('authentication failures at startup', () => {
  test('when Slack refuses the bot token, then one line names SLACK_BOT_TOKEN and the fix, with no stack trace', async () => {
    slack = await startFakeSlack();
    slack.breakAuth('invalid_auth');
    const run = runEntry(
      'main',
      {
        PORT: String(await freePort()),
        DATABASE_URL: await createEmptyDatabase(),
        SLACK_BOT_TOKEN: 'xoxb-revoked-token',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
      },
      cwd(),
    );
    processes.push(run);
    expect(await run.exited).toBe(1);
    const lines = run.output().split('\n').filter(Boolean);
    const named = lines.filter((line) => line.includes('SLACK_BOT_TOKEN'));
    expect(named).toEqual([
      expect.stringMatching(
        /^Countersign cannot start: Slack refused SLACK_BOT_TOKEN \(invalid_auth\)\. Copy the Bot User OAuth Token/,
      ),
    ]);
    expect(run.output()).not.toMatch(STACK_FRAME);
    expect(run.output()).not.toContain('xoxb-revoked-token');
  }, 60_000);

  test.each(['invalid_auth', 'token_revoked', 'account_inactive', 'not_authed'] as const)(
    'when auth.test answers %s at startup, then startup stops with the one-line fix',
    async (error) => {
      slack = await startFakeSlack();
      slack.breakAuth(error);
      await expect(startTestApp({ slack })).rejects.toThrow(
        `Countersign cannot start: Slack refused SLACK_BOT_TOKEN (${error}).`,
      );
    },
  );

  test.each<[string, Failure]>([
    ['a 500', { status: 500 }],
    ['ratelimited', { status: 429, retryAfter: 30 }],
    ['no answer at all', { hang: true }],
  ])(
    'when Slack is unavailable at startup (%s), then a warning is logged, the app starts, and Slack works once it answers',
    async (_what, failure) => {
      slack = await startFakeSlack();
      slack.failNext('auth.test', failure);
      const logs = jsonLogs();
      app = await startTestApp({ slack, logger: logs.logger, app: { slackTimeoutMs: 300 } });
      const warned = logs.lines().filter((l) => l.level === 'warn');
      expect(warned.map((l) => l.msg)).toContainEqual(
        expect.stringMatching(/^Slack did not answer auth\.test \(.+\); starting anyway\./),
      );
      expect(logs.lines().find((l) => String(l.msg).includes('countersign ready'))?.msg).toMatch(
        /slack http \(not answering yet\)/,
      );
      // Slack is back: a command is answered and its card posted.
      await app.postCommand({ text: 'new 50 USD Acme Corp' });
      await slack.waitForCall('chat.postMessage', (c) => Array.isArray(c.args.blocks));
    },
  );

  test('when Slack cannot be reached at all at startup, then a warning is logged and the app still starts', async () => {
    const logs = jsonLogs();
    app = await startTestApp({
      logger: logs.logger,
      env: { SLACK_API_URL: `http://127.0.0.1:${await freePort()}/api/` },
    });
    expect((await fetch(`${app.base}/readyz`)).status).toBe(200);
    expect(logs.lines().map((l) => l.msg)).toContainEqual(
      expect.stringMatching(/^Slack did not answer auth\.test \(.+\); starting anyway\./),
    );
  });

  test('when Stripe or the model refuses its key, then one log line each names the variable and the fix', async () => {
    stripe = await FakeStripe.start();
    openai = await startFakeOpenAI(proposeOnce({}));
    openai.rejectKeys = true;
    const { logger, lines } = capturingLogger();
    app = await startTestApp({
      logger,
      env: {
        STRIPE_SECRET_KEY: 'sk_test_revoked_key',
        STRIPE_API_BASE: stripe.apiBase,
        OPENAI_API_KEY: 'sk-revoked-0000000000000000',
        OPENAI_BASE_URL: openai.baseUrl,
      },
    });
    const errors = lines.map((l) => JSON.parse(l) as { level: string; msg: string }).filter((l) => l.level === 'error');
    expect(errors.map((e) => e.msg)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Stripe rejected STRIPE_SECRET_KEY \(authentication failed\): copy a current secret/),
        expect.stringMatching(/^The model server refused OPENAI_API_KEY \(HTTP 401\): create a key/),
      ]),
    );
    expect(lines.join('')).not.toMatch(/"stack"/);
    const summary = lines.find((l) => l.includes('countersign ready'));
    expect(summary).toMatch(/model key refused · stripe key refused/);
    expect(summary).toMatch(/Next: fix the stripe and model key named above/);
  });
});

describe('logs', () => {
  test('when stdout is a terminal in development, then log lines are pretty; piped or with LOG_FORMAT=json, JSON', async () => {
    const databaseUrl = await createEmptyDatabase();
    const port = await freePort();
    const env = { PORT: String(port), DATABASE_URL: databaseUrl, NODE_ENV: 'development', LOG_LEVEL: 'info' };

    // `script` gives the app a pseudo-terminal, as a developer's shell does.
    const main = path.resolve('src/main.ts');
    const loader = path.resolve('node_modules/tsx/dist/loader.mjs');
    const child = spawn('script', ['-qfec', `"${process.execPath}" --import "${loader}" "${main}"`, '/dev/null'], {
      cwd: cwd(),
      env: { PATH: process.env.PATH ?? '', TERM: 'xterm-256color', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout?.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const tty: AppProcess = { child, output: () => output, exited, stop: () => exited };
    try {
      await waitForProcess(
        'the summary line',
        async () => (output.includes('countersign ready') ? true : undefined),
        tty,
      );
      const summary = output.split(/\r?\n/).find((l) => l.includes('countersign ready')) ?? '';
      expect(summary).toMatch(/\d\d:\d\d:\d\d/); // a time people read
      expect(summary).toContain('INFO');
      expect(summary).toContain('\u001b['); // coloured
      expect(summary).toMatch(/slack off · .* Next: set SLACK_BOT_TOKEN/);
      expect(() => JSON.parse(summary)).toThrow();
    } finally {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
      await exited;
    }

    // Piped: JSON, one object per line.
    const piped = runEntry('main', env, cwd());
    processes.push(piped);
    await waitForProcess('/readyz', isReady(port), piped);
    const json = piped.output().split('\n').filter(Boolean);
    expect(json.length).toBeGreaterThan(0);
    for (const line of json) expect(JSON.parse(line)).toHaveProperty('msg');
    expect(await piped.stop()).toBe(0);

    // LOG_FORMAT=pretty wins over the pipe.
    const forced = runEntry('main', { ...env, LOG_FORMAT: 'pretty' }, cwd());
    processes.push(forced);
    await waitForProcess('/readyz', isReady(port), forced);
    const ready = forced
      .output()
      .split('\n')
      .find((l) => l.includes('countersign ready'));
    expect(ready).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: countersign ready on :\d+/);
  }, 120_000);
});
