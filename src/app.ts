import type { Server } from 'node:http';
import { createLanguageModel } from './agent/model.js';
import { type Config, missingFor } from './config.js';
import { type Database, openDatabase } from './db/database.js';
import { createHttpApp, finishHttpApp } from './http/server.js';
import type { Logger } from './logger.js';
import { type OutboxWorker, startOutboxWorker } from './outbox/worker.js';
import { createOutboxClient, createSlackApp, type SlackRuntime } from './slack/app.js';
import { createSlackDelivery } from './slack/deliver.js';
import { createStripeClient, isTestMode, searchCustomers } from './stripe/client.js';

export interface RunningApp {
  readonly port: number;
  readonly database: Database;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), then closes the rest. */
  stop(): Promise<void>;
}

export interface AppOptions {
  /** Outbox polling interval when nothing wakes it (tests shorten it). */
  readonly outboxPollMs?: number;
}

/** Wires the parts together and starts listening. Each part is started here and stopped in reverse. */
export async function startApp(config: Config, logger: Logger, options: AppOptions = {}): Promise<RunningApp> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }, logger);
  const { dataSource } = database;
  let outbox: OutboxWorker | undefined;
  let slack: SlackRuntime | undefined;
  let server: Server | undefined;
  try {
    const http = createHttpApp({ logger, isReady: () => database.isReady() });
    const model = createLanguageModel(config.openai);
    if (!model) logger.warn('no AI model configured (set OPENAI_API_KEY): mentions get a notice, /charges new works');
    const stripe = createStripeClient(config.stripe);

    const missingSlack = missingFor(config, 'slack');
    if (missingSlack.length === 0) {
      outbox = startOutboxWorker({
        dataSource,
        deliver: createSlackDelivery({
          client: createOutboxClient(config, logger),
          dataSource,
          testMode: isTestMode(config.stripe),
        }),
        logger,
        pollMs: options.outboxPollMs,
      });
      const wakeOutbox = () => outbox?.wake();
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
          logger,
        },
        logger,
      );
    } else {
      logger.warn({ missing: missingSlack }, 'Slack is not configured: set these variables to answer in Slack');
    }

    finishHttpApp(http, logger);
    server = await listen(http, config.port);
    const port = (server.address() as { port: number }).port;
    await slack?.start();
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
        await outbox?.stop();
        await database.close();
      })();
      return stopping;
    };
    return { port, database, stop };
  } catch (error) {
    if (server) await closeServer(server, 0, logger);
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
