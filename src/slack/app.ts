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
  /** Verifies the token with auth.test and, in Socket Mode, opens the connection. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Web API client options shared by Bolt and the outbox: the base URL can point at a fake or a proxy. */
function clientOptions(config: Config) {
  return config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl.replace(/\/?$/, '/') } : {};
}

/**
 * The client the outbox delivers with (and lookups use). Retries are the outbox's job (it honours
 * Retry-After and survives restarts), so the client itself never waits or retries.
 */
export function createSlackClient(config: Config, logger: Logger): WebClient {
  return new WebClient(config.slack.botToken, {
    ...clientOptions(config),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: boltLogger(logger),
    logLevel: LogLevel.WARN,
  });
}

/** What Slack answers auth.test with when the token itself is the problem. */
const TOKEN_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'not_allowed_token_type',
]);

/**
 * Asks Slack who the token belongs to (auth.test). A token Slack refuses stops startup with one line
 * that names SLACK_BOT_TOKEN and how to get a good one; any other failure (Slack unreachable) is
 * thrown as it is.
 *
 * @see https://docs.slack.dev/reference/methods/auth.test
 */
export async function verifySlackToken(client: WebClient): Promise<void> {
  try {
    await client.auth.test();
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    if (code && TOKEN_ERRORS.has(code)) {
      throw new AppError(
        'config_invalid',
        `Countersign cannot start: Slack refused SLACK_BOT_TOKEN (${code}). Copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page at https://api.slack.com/apps into SLACK_BOT_TOKEN (reinstall the app if the token was revoked), then start again.`,
      );
    }
    throw error;
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
        installerOptions: { clientOptions: clientOptions(config) },
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
    receiver,
    logger: log,
    deferInitialization: true,
    clientOptions: { ...clientOptions(config), retryConfig: { retries: 2 } },
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
