import { App, ExpressReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { Express } from 'express';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { slackRequestGuard } from '../http/slack-events.js';
import type { InFlight } from '../jobs/in-flight.js';
import type { Logger } from '../logger.js';
import { boltLogger } from './bolt-logger.js';
import type { SlackDeps } from './deps.js';
import { registerActions } from './listeners/actions/index.js';
import { registerCommands } from './listeners/commands/index.js';
import { registerEvents } from './listeners/events/index.js';
import { registerViews } from './listeners/views/index.js';

export interface SlackRuntime {
  readonly mode: 'http' | 'socket';
  /** Readies Bolt and, in Socket Mode, opens the connection (the token was checked by verifySlackToken). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** How long one Slack Web API call may take before it is abandoned (and, for the outbox, retried later). */
export const DEFAULT_SLACK_TIMEOUT_MS = 10_000;

export interface SlackClientSettings {
  /** Per call, in ms (WebClientOptions.timeout); default DEFAULT_SLACK_TIMEOUT_MS. */
  readonly timeoutMs?: number;
}

/**
 * Web API client options shared by Bolt and the outbox: the base URL can point at a fake or a proxy,
 * and no call waits forever (a Slack that never answers would otherwise hold the outbox worker, or a
 * listener, for good).
 */
function clientOptions(config: Config, settings: SlackClientSettings) {
  return {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl.replace(/\/?$/, '/') } : {}),
    timeout: settings.timeoutMs ?? DEFAULT_SLACK_TIMEOUT_MS,
  };
}

/**
 * The client the outbox delivers with (and lookups use). Retries are the outbox's job (it honours
 * Retry-After, backs off and survives restarts), so the client itself never waits or retries: a call
 * that fails or times out fails at once, and the outbox tries the item again later.
 */
export function createSlackClient(config: Config, logger: Logger, settings: SlackClientSettings = {}): WebClient {
  return new WebClient(config.slack.botToken, {
    ...clientOptions(config, settings),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: boltLogger(logger),
    logLevel: LogLevel.WARN,
  });
}

/** What Slack answers auth.test with when the token itself is the problem: these stop startup. */
export const TOKEN_ERRORS: ReadonlySet<string> = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'not_allowed_token_type',
]);

/** Who the bot is in Slack, as auth.test says. */
export interface SlackIdentity {
  readonly botUserId: string | undefined;
  readonly botId: string | undefined;
}

/**
 * Asks Slack who the token belongs to (auth.test). A token Slack refuses (TOKEN_ERRORS) stops startup
 * with one line that names SLACK_BOT_TOKEN and how to get a good one. Anything else (Slack down or
 * slow, a 5xx, rate limiting, no network) is logged as a warning and startup goes on: what is queued
 * for Slack waits in the outbox and is delivered once Slack answers. Returns the bot's identity, or
 * undefined when Slack could not be asked.
 *
 * @see https://docs.slack.dev/reference/methods/auth.test
 */
export async function verifySlackToken(client: WebClient, logger: Logger): Promise<SlackIdentity | undefined> {
  try {
    const auth = await client.auth.test();
    return { botUserId: auth.user_id, botId: auth.bot_id };
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    if (code && TOKEN_ERRORS.has(code)) {
      throw new AppError(
        'config_invalid',
        `Countersign cannot start: Slack refused SLACK_BOT_TOKEN (${code}). Copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page at https://api.slack.com/apps into SLACK_BOT_TOKEN (reinstall the app if the token was revoked), then start again.`,
      );
    }
    const why = code ?? (error instanceof Error ? error.message : String(error));
    logger.warn(
      { err: error },
      `Slack did not answer auth.test (${why}); starting anyway. SLACK_BOT_TOKEN is checked when Slack answers; Slack updates wait in the outbox until then.`,
    );
    return undefined;
  }
}

/**
 * Bolt on our Express app: HTTP mode serves POST /slack/events (signatures verified by Bolt's
 * receiver) when SLACK_APP_TOKEN is unset; Socket Mode otherwise, with our other routes still on PORT.
 */
export function createSlackApp(
  config: Config,
  http: Express,
  deps: SlackDeps,
  logger: Logger,
  inFlight: InFlight,
  slack: SlackClientSettings & { readonly identity: SlackIdentity | undefined },
): SlackRuntime {
  const token = config.slack.botToken;
  const log = boltLogger(logger);
  const socket = Boolean(config.slack.appToken);
  // Registered before the receiver's route, so it sees every request first.
  if (!socket) http.post('/slack/events', ...slackRequestGuard(config.slack.signingSecret ?? '', logger));
  const receiver = socket
    ? new SocketModeReceiver({
        appToken: config.slack.appToken ?? '',
        logger: log,
        // Bolt hands these to the Socket Mode client, whose apps.connections.open must honour SLACK_API_URL too.
        installerOptions: { clientOptions: clientOptions(config, slack) },
      })
    : new ExpressReceiver({
        signingSecret: config.slack.signingSecret ?? '',
        app: http,
        endpoints: '/slack/events',
        logger: log,
        // Acknowledge first, then work: Slack wants an answer within 3 seconds, the model may take longer.
        processBeforeResponse: false,
      });
  const app = new App({
    token,
    // The token was checked at startup (verifySlackToken): Bolt need not ask again, so a Slack that
    // is down at startup does not stop it. Without an identity Bolt asks auth.test with each event.
    tokenVerificationEnabled: false,
    botUserId: slack.identity?.botUserId,
    botId: slack.identity?.botId,
    receiver,
    logger: log,
    deferInitialization: true,
    // Listener work (answers, modals) is not in the outbox: a short retry here, each call bounded.
    clientOptions: { ...clientOptions(config, slack), retryConfig: { retries: 2 } },
  });
  // Listeners keep working after Slack is acknowledged; shutdown waits for that work to finish.
  app.use(({ next }) => inFlight.track(next()));
  registerEvents(app, deps);
  registerCommands(app, deps);
  registerActions(app, deps);
  registerViews(app, deps);
  app.error(async (error) => {
    logger.error({ err: error }, 'slack listener failed');
  });

  let started = false;
  return {
    mode: socket ? 'socket' : 'http',
    async start() {
      await app.init();
      if (socket) await app.start();
      started = true;
      logger.info({ mode: socket ? 'socket' : 'http' }, 'slack app ready');
    },
    async stop() {
      if (socket && started) await app.stop();
    },
  };
}
