import type { Server } from 'node:http';
import { createLanguageModel } from './agent/model.js';
import { type Config, missingFor } from './config.js';
import { type Database, openDatabase } from './db/database.js';
import { listenForNotifications } from './db/notifications.js';
import { type Clock, systemClock } from './domain/clock.js';
import { checkIntervalMs } from './domain/duration.js';
import { createHttpApp, finishHttpApp } from './http/server.js';
import { mountStripeWebhook } from './http/stripe-webhook.js';
import { createInbox, startInboxWorker } from './inbox/worker.js';
import { createInFlight } from './jobs/in-flight.js';
import { startPeriodic } from './jobs/periodic.js';
import type { WorkerLoop } from './jobs/worker-loop.js';
import type { Logger } from './logger.js';
import { startOutboxWorker } from './outbox/worker.js';
import { INBOX_CHANNEL, OUTBOX_CHANNEL } from './persistence/channels.js';
import { createSlackApp, createSlackClient } from './slack/app.js';
import { createApproverDms } from './slack/approver-dms.js';
import { createApproverDirectory } from './slack/approvers.js';
import { createSlackDelivery } from './slack/deliver.js';
import { checkStripeAccess, createStripeClient, isTestMode } from './stripe/client.js';
import { createStripeGateway } from './stripe/gateway.js';
import type { UseCaseDeps } from './use-cases/deps.js';
import { sweepApprovedRequests } from './use-cases/payment-link.js';
import { reconcilePayments } from './use-cases/reconcile-payments.js';
import { applyStripeEvent } from './use-cases/record-payment-event.js';
import { REPORT_SUMMARIES_JOB, refreshReportSummaries } from './use-cases/report-summaries.js';
import { runWorkflowTimers, type WorkflowTick, type WorkflowTimers } from './use-cases/workflow-timers.js';

export interface RunningApp {
  readonly port: number;
  readonly database: Database;
  /** Resolves once no Slack listener work is in flight (work continues after Slack is acknowledged). */
  idle(): Promise<void>;
  /**
   * One run of the reminders, escalation and expiry (as the periodic job runs it, on one instance at a
   * time): undefined when another instance is running it, or Slack is not configured. Tests call it
   * after moving the clock.
   */
  runWorkflowTimers(): Promise<WorkflowTick | undefined>;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), then stops the rest. */
  stop(): Promise<void>;
}

export interface AppOptions {
  /** Outbox polling interval when nothing wakes it (tests shorten it). */
  readonly outboxPollMs?: number;
  /** How often approved requests without a link are retried, and after how long (tests shorten it). */
  readonly linkSweepMs?: number;
  readonly linkSweepAfterSeconds?: number;
  /** Stripe inbox polling interval when nothing wakes it. */
  readonly inboxPollMs?: number;
  /** Where "now" comes from (tests move it). */
  readonly clock?: Clock;
  /** How often reminders, escalation and expiry look for due work (default: from the durations, at most 30 s). */
  readonly workflowCheckMs?: number;
}

/** Wires the parts together and starts listening. Parts stop in the reverse order they started. */
export async function startApp(config: Config, logger: Logger, options: AppOptions = {}): Promise<RunningApp> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }, logger);
  const { db } = database;
  const inFlight = createInFlight();
  // Stopped in reverse order. Last of all, before the database closes: work already acknowledged to
  // Slack (an agent turn, a click) may finish, up to the shutdown timeout.
  const stoppers: (() => Promise<void>)[] = [() => database.close(), () => inFlight.idle(config.shutdownTimeoutMs)];
  const stopAll = async () => {
    for (const stop of [...stoppers].reverse()) await stop();
  };
  try {
    const http = createHttpApp({ logger, isReady: () => database.isReady() });
    const model = createLanguageModel(config.openai);
    const stripeClient = createStripeClient(config.stripe);
    const stripe = stripeClient ? createStripeGateway(stripeClient) : undefined;
    const clock = options.clock ?? systemClock;
    reportMissingFeatures(config, logger);

    // Workers are woken by NOTIFY from any instance's commit; polling is the safety net.
    const workers = new Map<string, WorkerLoop>();
    const listener = listenForNotifications(
      database.url,
      [OUTBOX_CHANNEL, INBOX_CHANNEL],
      (channel) => workers.get(channel)?.wake(),
      logger,
    );
    stoppers.push(() => listener.close());

    const inbox = createInbox({ db, apply: (tx, event) => applyStripeEvent(tx, stripe, event), logger });
    const inboxWorker = startInboxWorker(inbox, { logger, pollMs: options.inboxPollMs });
    workers.set(INBOX_CHANNEL, inboxWorker);
    stoppers.push(() => inboxWorker.stop());
    const reconcile = stripe ? () => reconcilePayments({ db, logger, stripe, inbox }) : undefined;

    let slack: ReturnType<typeof createSlackApp> | undefined;
    let workflowTick: (() => Promise<WorkflowTick | undefined>) | undefined;
    if (missingFor(config, 'slack').length === 0) {
      const slackClient = createSlackClient(config, logger);
      const policy = { rules: config.policy, timezone: config.reports.timezone };
      const { workflow } = config;
      const approvers = createApproverDirectory({
        userIds: config.people.approverUserIds,
        usergroupId: config.people.approverUsergroupId,
        escalation: { userIds: workflow.escalationUserIds, usergroupId: workflow.escalationUsergroupId },
        client: slackClient,
        logger,
      });
      const outbox = startOutboxWorker({
        db,
        deliver: createSlackDelivery({
          client: slackClient,
          db,
          clock,
          testMode: isTestMode(config.stripe),
          financeChannelId: workflow.notify === 'dm' ? undefined : config.financeChannelId,
          policy,
          approverDms: createApproverDms({
            client: slackClient,
            db,
            approvers,
            notifyApprovers: workflow.notify !== 'channel',
            logger,
          }),
        }),
        logger,
        pollMs: options.outboxPollMs,
      });
      workers.set(OUTBOX_CHANNEL, outbox);
      stoppers.push(() => outbox.stop());
      const useCases: UseCaseDeps = {
        db,
        stripe,
        approvers,
        allowSelfApproval: config.people.allowSelfApproval,
        policy,
        clock,
        logger,
        trust: config.trust,
      };
      slack = createSlackApp(
        config,
        http,
        {
          useCases,
          agent: {
            db,
            model,
            modelId: config.openai.model,
            policy,
            clock,
            trust: config.trust,
            findCustomers: stripe ? (query) => stripe.searchCustomers(query) : undefined,
            logger,
          },
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
        inFlight,
      );
      const sweep = startPeriodic(
        'payment-link-sweep',
        options.linkSweepMs ?? 15_000,
        () => sweepApprovedRequests(useCases, options.linkSweepAfterSeconds),
        logger,
      );
      stoppers.push(() => sweep.stop());

      // Reminders, escalation and expiry: one instance at a time (the database also keeps each step to once).
      const timers = workflowTimers(config);
      const runTimers = () => runWorkflowTimers(useCases, timers);
      const singleton = { db, lockKey: 'countersign:workflow-timers' };
      workflowTick = async () => {
        const run = await db.withSessionLock(singleton.lockKey, runTimers);
        return run.ran ? run.value : undefined;
      };
      const workflowJob = startPeriodic(
        'workflow-timers',
        options.workflowCheckMs ??
          checkIntervalMs([
            timers.remindAfterMs,
            timers.escalateAfterMs ?? 0,
            timers.requestExpiresAfterMs ?? 0,
            timers.linkExpiresAfterMs,
          ]),
        runTimers,
        logger,
        { singleton },
      );
      stoppers.push(() => workflowJob.stop());
    }
    if (reconcile && config.reconcileIntervalMs > 0) {
      const job = startPeriodic('reconcile-payments', config.reconcileIntervalMs, reconcile, logger, {
        singleton: { db, lockKey: 'countersign:reconcile-payments' },
      });
      stoppers.push(() => job.stop());
    }
    // Monthly report summaries: keeps year-long reports fast (reports are exact with or without them).
    const summaries = startPeriodic(
      REPORT_SUMMARIES_JOB.name,
      REPORT_SUMMARIES_JOB.intervalMs,
      () => refreshReportSummaries({ db, clock, zone: config.reports.timezone, logger }),
      logger,
      { singleton: { db, lockKey: REPORT_SUMMARIES_JOB.lockKey } },
    );
    stoppers.push(() => summaries.stop());

    mountStripeWebhook(http, config.stripe.webhookSecrets, { db }, logger);
    finishHttpApp(http, logger);
    const server = await listen(http, config.port);
    stoppers.push(() => closeServer(server, config.shutdownTimeoutMs, logger));
    if (slack) {
      const running = slack;
      await running.start();
      stoppers.push(() => running.stop());
    }
    if (stripeClient) {
      for (const problem of await checkStripeAccess(stripeClient)) logger.error({ problem }, 'Stripe key problem');
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
      idle: () => inFlight.idle(),
      runWorkflowTimers: async () => workflowTick?.(),
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

/** The workflow's durations; escalation only when someone is named to escalate to. */
function workflowTimers(config: Config): WorkflowTimers {
  const { workflow } = config;
  const canEscalate = workflow.escalationUserIds.length > 0 || workflow.escalationUsergroupId !== undefined;
  return {
    remindAfterMs: workflow.remindAfterMs,
    workingHours: workflow.workingHours,
    escalateAfterMs: canEscalate ? workflow.escalateAfterMs : undefined,
    requestExpiresAfterMs: workflow.requestExpiresAfterMs,
    linkExpiresAfterMs: workflow.linkExpiresAfterMs,
  };
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
