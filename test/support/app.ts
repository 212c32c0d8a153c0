import { type AppOptions, type RunningApp, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Clock } from '../../src/domain/clock.js';
import type { Logger } from '../../src/logger.js';
import { createEmptyDatabase, silentLogger } from './database.js';
import { type FakeOpenAI, type ModelScript, startFakeOpenAI } from './fake-openai.js';
import { type FakeSlack, slackSignature, slashCommandFields, startFakeSlack } from './fake-slack.js';
import type { FakeStripe } from './fake-stripe.js';
import { eventually } from './http-fake.js';

export const SIGNING_SECRET = '0123456789abcdef0123456789abcdef';

export interface TestApp {
  readonly app: RunningApp;
  readonly base: string;
  readonly slack: FakeSlack;
  readonly openai: FakeOpenAI | undefined;
  readonly databaseUrl: string;
  /** POSTs a JSON body to /slack/events, signed as Slack signs it. */
  postEvent(body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** POSTs a slash command (form-encoded, signed). */
  postCommand(fields: Record<string, string>): Promise<Response>;
  /** POSTs an interactivity payload (block_actions, view_submission), form-encoded and signed. */
  postInteraction(payload: unknown): Promise<Response>;
  /** One run of the workflow timers (reminders, escalation, expiry), waiting its turn if one is running. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestAppOptions {
  readonly model?: ModelScript;
  readonly env?: Record<string, string>;
  /** Reuse a database (a second instance, or a restart). */
  readonly databaseUrl?: string;
  readonly slack?: FakeSlack;
  readonly stripe?: FakeStripe;
  readonly logger?: Logger;
  /** Overrides of the app's timing options (poll intervals, sweeps) and its clock. */
  readonly app?: AppOptions;
  /** Where the app's "now" comes from: a FakeClock moves time without waiting. */
  readonly clock?: Clock;
  /**
   * How often the workflow timers run by themselves. Default: once at startup, then only when a test
   * calls tick(); `'app'`: as the app would schedule them.
   */
  readonly workflowCheckMs?: number | 'app';
}

export const APPROVERS = ['U0FIN1', 'U0FIN2', 'U0FIN3'];
export const ADMINS = ['U0ADMIN'];

/** The real app, in HTTP mode, against loopback fakes of Slack and the model and a fresh database. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const slack = options.slack ?? (await startFakeSlack());
  const openai = options.model ? await startFakeOpenAI(options.model) : undefined;
  const databaseUrl = options.databaseUrl ?? (await createEmptyDatabase());
  const config = loadConfig({
    PORT: '0',
    DATABASE_URL: databaseUrl,
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    ...(openai ? { OPENAI_API_KEY: 'sk-test-fake-key-000000', OPENAI_BASE_URL: openai.baseUrl } : {}),
    ...(options.stripe ? { STRIPE_SECRET_KEY: 'sk_test_fakekey123', STRIPE_API_BASE: options.stripe.apiBase } : {}),
    APPROVER_USER_IDS: APPROVERS.join(','),
    ...options.env,
  });
  const app = await startApp(config, options.logger ?? silentLogger, {
    outboxPollMs: 100,
    linkSweepMs: 250,
    linkSweepAfterSeconds: 1,
    linkDelayCheckMs: 250,
    clock: options.clock,
    workflowCheckMs: options.workflowCheckMs === 'app' ? undefined : (options.workflowCheckMs ?? 3_600_000),
    ...options.app,
  });
  const base = `http://127.0.0.1:${app.port}`;
  const post = (body: string, contentType: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...slackSignature(SIGNING_SECRET, body), ...headers },
      body,
    });
  return {
    app,
    base,
    slack,
    openai,
    databaseUrl,
    postEvent: (body, headers) => post(JSON.stringify(body), 'application/json', headers),
    postCommand: (fields) =>
      post(
        new URLSearchParams(slashCommandFields({ response_url: slack.responseUrl(), ...fields })).toString(),
        'application/x-www-form-urlencoded',
      ),
    postInteraction: (payload) =>
      post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded'),
    async tick() {
      // Another run (this instance's own, or another instance's) holds the job's lock: wait for it to end.
      await eventually(async () => ((await app.runWorkflowTimers()) ? true : undefined), 'a workflow timers run');
    },
    async stop() {
      await app.stop();
      if (!options.slack) await slack.close();
      await openai?.close();
    },
  };
}
