import type { Server } from 'node:http';
import { createLanguageModel } from './agent/model.js';
import { type Config, missingFor } from './config.js';
import { type Database, openDatabase } from './db/database.js';
import { createHttpApp, finishHttpApp } from './http/server.js';
import { mountStripeWebhook } from './http/stripe-webhook.js';
import { startPeriodic } from './jobs/periodic.js';
import { startWorkerLoop } from './jobs/worker-loop.js';
import type { Logger } from './logger.js';
import { type OutboxWorker, startOutboxWorker } from './outbox/worker.js';
import { createSlackApp, createSlackClient } from './slack/app.js';
import { createApproverDirectory } from './slack/approvers.js';
import { createSlackDelivery } from './slack/deliver.js';
import { checkStripeAccess, createStripeClient, isTestMode, searchCustomers } from './stripe/client.js';
import type { ChargeDeps } from './use-cases/charge-deps.js';
import { sweepApprovedRequests } from './use-cases/payment-link.js';
import { reconcilePayments } from './use-cases/reconcile-payments.js';
import { drainStripeEvents, type PaymentEventDeps } from './use-cases/record-payment-event.js';

export interface RunningApp {
  readonly port: number;
  readonly database: Database;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), then stops the rest. */
  stop(): Promise<void>;
}

export interface AppOptions {
  /** Outbox polling interval when nothing wakes it (tests shorten it). */
  readonly outboxPollMs?: number;
  /** How often approved requests without a link are retried, and after how long (tests shorten it). */
  readonly linkSweepMs?: number;
  readonly linkSweepAfterSeconds?: number;
  /** Stripe inbox polling interval when nothing wakes it (other instances' events). */
  readonly inboxPollMs?: number;
}

/** Wires the parts together and starts listening. Parts stop in the reverse order they started. */
export async function startApp(config: Config, logger: Logger, options: AppOptions = {}): Promise<RunningApp> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }, logger);
  const { dataSource } = database;
  const stoppers: (() => Promise<void>)[] = [() => database.close()];
  const stopAll = async () => {
    for (const stop of [...stoppers].reverse()) await stop();
  };
  try {
    const http = createHttpApp({ logger, isReady: () => database.isReady() });
    const model = createLanguageModel(config.openai);
    const stripe = createStripeClient(config.stripe);
    reportMissingFeatures(config, logger);

    let outbox: OutboxWorker | undefined;
    const wakeOutbox = () => outbox?.wake();
    const policy = { policy: config.policy, timezone: config.reports.timezone };
    const payments: PaymentEventDeps = { dataSource, wakeOutbox, stripe, logger };
    const reconcile = stripe ? () => reconcilePayments({ ...payments, stripe }) : undefined;

    let slack: ReturnType<typeof createSlackApp> | undefined;
    if (missingFor(config, 'slack').length === 0) {
      const slackClient = createSlackClient(config, logger);
      const worker = startOutboxWorker({
        dataSource,
        deliver: createSlackDelivery({
          client: slackClient,
          dataSource,
          testMode: isTestMode(config.stripe),
          financeChannelId: config.financeChannelId,
          policy,
        }),
        logger,
        pollMs: options.outboxPollMs,
      });
      outbox = worker;
      stoppers.push(() => worker.stop());
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
        policy,
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
            policy,
            findCustomers: stripe ? (query) => searchCustomers(stripe, query) : undefined,
            logger,
          },
          proposals: { dataSource, wakeOutbox, policy },
          charges,
          admin: {
            adminUserIds: config.people.adminUserIds,
            reconcile,
            timezone: config.reports.timezone,
            prices: {
              inputPerMTokUsd: config.reports.inputPricePerMTokUsd,
              outputPerMTokUsd: config.reports.outputPricePerMTokUsd,
            },
          },
          logger,
        },
        logger,
      );
      const sweep = startPeriodic(
        'payment-link-sweep',
        options.linkSweepMs ?? 15_000,
        () => sweepApprovedRequests(charges, options.linkSweepAfterSeconds),
        logger,
      );
      stoppers.push(() => sweep.stop());
    }
    if (reconcile && config.reconcileIntervalMs > 0) {
      const job = startPeriodic('reconcile-payments', config.reconcileIntervalMs, reconcile, logger);
      stoppers.push(() => job.stop());
    }

    const inbox = startWorkerLoop({
      name: 'stripe-inbox',
      drainOnce: () => drainStripeEvents(payments),
      logger,
      pollMs: options.inboxPollMs,
      concurrency: 3,
    });
    stoppers.push(() => inbox.stop());
    mountStripeWebhook(http, config.stripe.webhookSecrets, { dataSource, wakeInbox: () => inbox.wake() }, logger);
    finishHttpApp(http, logger);
    const server = await listen(http, config.port);
    stoppers.push(() => closeServer(server, config.shutdownTimeoutMs, logger));
    if (slack) {
      const running = slack;
      await running.start();
      stoppers.push(() => running.stop());
    }
    if (stripe) {
      for (const problem of await checkStripeAccess(stripe)) logger.error({ problem }, 'Stripe key problem');
    }
    const port = (server.address() as { port: number }).port;
    logger.info(
      { port, slack: slack?.mode ?? 'off', model: model ? config.openai.model : 'off' },
      'countersign is listening',
    );

    let stopping: Promise<void> | undefined;
    return {
      port,
      database,
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Names, once at startup, the variables each missing feature needs. */
function reportMissingFeatures(config: Config, logger: Logger): void {
  const notes: Record<string, string> = {
    slack: 'Slack is off: nobody can reach Countersign in Slack',
    model: 'no AI model: mentions get a notice; /charges new still works',
    stripe: 'Stripe is off: approved requests cannot get payment links',
    stripe_webhooks: 'Stripe webhooks are off: POST /stripe/webhook answers 503',
  };
  for (const [feature, note] of Object.entries(notes)) {
    const missing = missingFor(config, feature as Parameters<typeof missingFor>[1]);
    if (missing.length > 0) logger.warn({ missing }, note);
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
