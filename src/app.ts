import type { Server } from 'node:http';
import { createLanguageModel } from './agent/model.js';
import { type Config, missingFor } from './config.js';
import { type Database, openDatabase } from './db/database.js';
import { createHttpApp, finishHttpApp } from './http/server.js';
import { type PeriodicJob, startPeriodic } from './jobs/periodic.js';
import type { Logger } from './logger.js';
import { type OutboxWorker, startOutboxWorker } from './outbox/worker.js';
import { createSlackApp, createSlackClient, type SlackRuntime } from './slack/app.js';
import { createApproverDirectory } from './slack/approvers.js';
import { createSlackDelivery } from './slack/deliver.js';
import { checkStripeAccess, createStripeClient, isTestMode, searchCustomers } from './stripe/client.js';
import type { ChargeDeps } from './use-cases/charge-deps.js';
import { sweepApprovedRequests } from './use-cases/payment-link.js';

export interface RunningApp {
  readonly port: number;
  readonly database: Database;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), then closes the rest. */
  stop(): Promise<void>;
}

export interface AppOptions {
  /** Outbox polling interval when nothing wakes it (tests shorten it). */
  readonly outboxPollMs?: number;
  /** How often approved requests without a link are retried, and after how long (tests shorten it). */
  readonly linkSweepMs?: number;
  readonly linkSweepAfterSeconds?: number;
}

/** Wires the parts together and starts listening. Each part is started here and stopped in reverse. */
export async function startApp(config: Config, logger: Logger, options: AppOptions = {}): Promise<RunningApp> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }, logger);
  const { dataSource } = database;
  let outbox: OutboxWorker | undefined;
  let slack: SlackRuntime | undefined;
  let sweep: PeriodicJob | undefined;
  let server: Server | undefined;
  try {
    const http = createHttpApp({ logger, isReady: () => database.isReady() });
    const model = createLanguageModel(config.openai);
    if (!model) logger.warn('no AI model configured (set OPENAI_API_KEY): mentions get a notice, /charges new works');
    const stripe = createStripeClient(config.stripe);
    if (!stripe)
      logger.warn('Stripe is not configured (set STRIPE_SECRET_KEY): approved requests cannot get payment links');

    const missingSlack = missingFor(config, 'slack');
    if (missingSlack.length === 0) {
      const slackClient = createSlackClient(config, logger);
      outbox = startOutboxWorker({
        dataSource,
        deliver: createSlackDelivery({
          client: slackClient,
          dataSource,
          testMode: isTestMode(config.stripe),
          financeChannelId: config.financeChannelId,
        }),
        logger,
        pollMs: options.outboxPollMs,
      });
      const wakeOutbox = () => outbox?.wake();
      const charges: ChargeDeps = {
        dataSource,
        wakeOutbox,
        stripe,
        approvers: createApproverDirectory({
          userIds: config.people.approverUserIds,
          usergroupId: config.people.approverUsergroupId,
          client: slackClient,
          logger,
        }),
        allowSelfApproval: config.people.allowSelfApproval,
        logger,
      };
      slack = createSlackApp(
        config,
        http,
        {
          agent: {
            dataSource,
            model,
            modelId: config.openai.model,
            wakeOutbox,
            findCustomers: stripe ? (query) => searchCustomers(stripe, query) : undefined,
            logger,
          },
          proposals: { dataSource, wakeOutbox },
          charges,
          logger,
        },
        logger,
      );
      sweep = startPeriodic(
        'payment-link-sweep',
        options.linkSweepMs ?? 15_000,
        () => sweepApprovedRequests(charges, options.linkSweepAfterSeconds),
        logger,
      );
    } else {
      logger.warn({ missing: missingSlack }, 'Slack is not configured: set these variables to answer in Slack');
    }

    finishHttpApp(http, logger);
    server = await listen(http, config.port);
    const port = (server.address() as { port: number }).port;
    await slack?.start();
    if (stripe) {
      for (const problem of await checkStripeAccess(stripe)) logger.error({ problem }, 'Stripe key problem');
    }
    logger.info(
      { port, slack: slack?.mode ?? 'off', model: model ? config.openai.model : 'off' },
      'countersign is listening',
    );

    const running = server;
    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        await closeServer(running, config.shutdownTimeoutMs, logger);
        await slack?.stop();
        await sweep?.stop();
        await outbox?.stop();
        await database.close();
      })();
      return stopping;
    };
    return { port, database, stop };
  } catch (error) {
    if (server) await closeServer(server, 0, logger);
    await sweep?.stop();
    await outbox?.stop();
    await database.close();
    throw error;
  }
}

function listen(app: ReturnType<typeof createHttpApp>, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

async function closeServer(server: Server, timeoutMs: number, logger: Logger): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => {
    logger.warn({ timeoutMs }, 'shutdown timeout reached; closing open connections');
    server.closeAllConnections();
  }, timeoutMs);
  await closed;
  clearTimeout(timer);
}
