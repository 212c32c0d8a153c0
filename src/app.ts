import type { Server } from 'node:http';
import type { WebClient } from '@slack/web-api';
import type { LanguageModel } from 'ai';
import type { Express } from 'express';
import type Stripe from 'stripe';
import { checkModelAccess, createLanguageModel } from './agent/model.js';
import { type Config, missingFor } from './config.js';
import { type Database, openDatabase } from './db/database.js';
import { listenForNotifications } from './db/notifications.js';
import type { Db, PoolDb } from './db/sql.js';
import { type Clock, systemClock } from './domain/clock.js';
import { checkIntervalMs } from './domain/duration.js';
import { createHttpApp, finishHttpApp } from './http/server.js';
import { mountStripeWebhook } from './http/stripe-webhook.js';
import { createInbox, type Inbox, startInboxWorker } from './inbox/worker.js';
import { createInFlight, type InFlight } from './jobs/in-flight.js';
import { createKeyedRunner } from './jobs/keyed-runner.js';
import { startPeriodic } from './jobs/periodic.js';
import type { WorkerLoop } from './jobs/worker-loop.js';
import type { Logger } from './logger.js';
import { createMetrics, type MetricsRegistry } from './metrics.js';
import { type Deliver, startOutboxWorker } from './outbox/worker.js';
import { INBOX_CHANNEL, LINKS_CHANNEL, OUTBOX_CHANNEL } from './persistence/channels.js';
import { queueOpsAlerts } from './persistence/outbox.js';
import { readOperationsSnapshot } from './persistence/queues.js';
import {
  createSlackApp,
  createSlackClient,
  type SlackIdentity,
  type SlackRuntime,
  verifySlackToken,
} from './slack/app.js';
import { createApproverDms } from './slack/approver-dms.js';
import { createApproverDirectory } from './slack/approvers.js';
import { createSlackDelivery } from './slack/deliver.js';
import { reportDeadDelivery } from './slack/refused-delivery.js';
import { checkStripeAccess, createStripeClient, isTestMode } from './stripe/client.js';
import { createStripeGateway, type StripeGateway } from './stripe/gateway.js';
import { announceLinkDelays } from './use-cases/announce-link-delays.js';
import { deactivateLink } from './use-cases/deactivate-link.js';
import type { PolicySettings, UseCaseDeps } from './use-cases/deps.js';
import { issuePaymentLink, sweepApprovedRequests } from './use-cases/payment-link.js';
import { applyQueueRetention, retentionCheckMs } from './use-cases/queue-retention.js';
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
   * time): undefined when another instance is running it, or this instance runs no worker or no Slack.
   * Tests call it after moving the clock.
   */
  runWorkflowTimers(): Promise<WorkflowTick | undefined>;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), then stops the rest. */
  stop(): Promise<void>;
}

export interface AppOptions {
  /** Outbox polling interval when nothing wakes it (tests shorten it). */
  readonly outboxPollMs?: number;
  /** Attempts before a Slack update is kept as dead (default 12; tests shorten it). */
  readonly outboxMaxAttempts?: number;
  /** How often approved requests without a link are retried, and after how long (tests shorten it). */
  readonly linkSweepMs?: number;
  readonly linkSweepAfterSeconds?: number;
  /** Stripe inbox polling interval when nothing wakes it. */
  readonly inboxPollMs?: number;
  /** How often late payment links are looked for (default: checkIntervalMs of LINK_DELAY_ALERT). */
  readonly linkDelayCheckMs?: number;
  /** How often reminders, escalation and expiry look for due work (default: from the durations, at most 30 s). */
  readonly workflowCheckMs?: number;
  /** Where "now" comes from (tests move it). */
  readonly clock?: Clock;
  /** How long one Slack Web API call may take (default DEFAULT_SLACK_TIMEOUT_MS; tests shorten it). */
  readonly slackTimeoutMs?: number;
}

/**
 * What both roles share: the database, the outside services (each undefined when not configured),
 * the use cases' dependencies (when Slack is configured) and the metrics.
 */
interface Core {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Db;
  readonly clock: Clock;
  readonly metrics: MetricsRegistry;
  readonly slackClient: WebClient | undefined;
  /** The bot's Slack identity, when Slack answered auth.test at startup. */
  readonly slackIdentity: SlackIdentity | undefined;
  readonly stripeClient: Stripe | undefined;
  readonly stripe: StripeGateway | undefined;
  readonly model: LanguageModel | undefined;
  readonly policy: PolicySettings;
  readonly useCases: UseCaseDeps | undefined;
  readonly inbox: Inbox;
  readonly reconcile: (() => ReturnType<typeof reconcilePayments>) | undefined;
  /** Slack listener work acknowledged but not finished: shutdown waits for it. */
  readonly inFlight: InFlight;
}

/** Things to stop, in the reverse order they started. */
type Stoppers = (() => Promise<void>)[];

/**
 * Wires the parts for the configured ROLE and starts listening: `web` serves HTTP and Slack and only
 * records and enqueues; `worker` delivers the outbox, applies the inbox and runs the timed jobs;
 * `all` is both. Every role serves /healthz, /readyz and /metrics on PORT.
 */
export async function startApp(config: Config, logger: Logger, options: AppOptions = {}): Promise<RunningApp> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }, logger);
  const stoppers: Stoppers = [() => database.close()];
  const stopAll = async () => {
    for (const stop of [...stoppers].reverse()) await stop();
  };
  try {
    const core = await createCore(config, logger, database.db, options);
    const http = createHttpApp({
      logger,
      isReady: () => database.isReady(),
      metrics: core.metrics,
      metricsToken: config.metricsToken,
    });
    const slack = config.role === 'worker' ? undefined : startWeb(core, http, options);
    const workflowTick = config.role !== 'web' ? startWorker(core, database.url, options, stoppers) : undefined;
    finishHttpApp(http, logger);
    // Stopping runs backwards: the server stops accepting, then Slack's in-flight work finishes (up to
    // the shutdown timeout), then the workers and the database stop.
    stoppers.push(async () => {
      await core.inFlight.idle(config.shutdownTimeoutMs);
      // Work that hangs past the grace period is abandoned, as in a crash; its transaction rolls back.
      if (core.inFlight.size > 0)
        logger.warn({ inFlight: core.inFlight.size }, 'shutdown timeout reached; abandoning Slack work');
    });
    if (slack) stoppers.push(() => slack.stop());
    const server = await listen(http, config.port);
    stoppers.push(() => closeServer(server, config.shutdownTimeoutMs, logger));
    await slack?.start();
    const port = (server.address() as { port: number }).port;
    const refused = await checkCredentials(core);
    logSummary(core, { port, slack, refused });

    let stopping: Promise<void> | undefined;
    return {
      port,
      database,
      idle: () => core.inFlight.idle(),
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

async function createCore(config: Config, logger: Logger, db: PoolDb, options: AppOptions): Promise<Core> {
  const clock = options.clock ?? systemClock;
  const metrics = createMetrics({
    readSnapshot: () => readOperationsSnapshot(db),
    onSnapshotError: (error) => logger.warn({ err: error }, 'metrics could not read the queues'),
    readStatements: () => db.statements(),
  });
  const stripeClient = createStripeClient(config.stripe);
  const stripe = stripeClient ? createStripeGateway(stripeClient) : undefined;
  const policy = { rules: config.policy, timezone: config.reports.timezone };
  const { workflow } = config;
  let slackClient: WebClient | undefined;
  let slackIdentity: SlackIdentity | undefined;
  if (missingFor(config, 'slack').length === 0) {
    slackClient = createSlackClient(config, logger, { timeoutMs: options.slackTimeoutMs });
    // A wrong token stops startup with one line naming the variable, whichever role this is; a Slack
    // that does not answer only gets a warning.
    slackIdentity = await verifySlackToken(slackClient, logger);
  }
  const useCases: UseCaseDeps | undefined = slackClient && {
    db,
    stripe,
    approvers: createApproverDirectory({
      userIds: config.people.approverUserIds,
      usergroupId: config.people.approverUsergroupId,
      escalation: { userIds: workflow.escalationUserIds, usergroupId: workflow.escalationUsergroupId },
      client: slackClient,
      logger,
    }),
    allowSelfApproval: config.people.allowSelfApproval,
    policy,
    clock,
    logger,
    metrics,
    trust: config.trust,
  };
  const { adminUserIds } = config.people;
  const inbox = createInbox({
    db,
    apply: (tx, event, inBatch) => applyStripeEvent(tx, stripe, event, inBatch),
    logger,
    // With the commit that makes an event dead, every admin is told by DM what failed and what to do.
    onDead: (tx, event, failure) =>
      queueOpsAlerts(tx, adminUserIds, {
        type: 'stripe_event_dead',
        eventId: event.id,
        eventType: event.type,
        ...failure,
      }),
  });
  return {
    config,
    logger,
    db,
    clock,
    metrics,
    slackClient,
    slackIdentity,
    stripeClient,
    stripe,
    model: createLanguageModel(config.openai),
    policy,
    useCases,
    inbox,
    reconcile: stripe ? () => reconcilePayments({ db, logger, clock, stripe, inbox }) : undefined,
    inFlight: createInFlight(),
  };
}

/**
 * The web role: Slack (HTTP or Socket Mode) and the Stripe webhook. It records and enqueues only:
 * the outbox and inbox rows it writes wake the workers through NOTIFY, wherever they run.
 */
function startWeb(core: Core, http: Express, options: AppOptions): SlackRuntime | undefined {
  const { config, logger, db, useCases, stripe } = core;
  mountStripeWebhook(http, config.stripe.webhookSecrets, { db, metrics: core.metrics }, logger);
  if (!useCases) return undefined;
  return createSlackApp(
    config,
    http,
    {
      useCases,
      agent: {
        db,
        approvers: useCases.approvers,
        model: core.model,
        modelId: config.openai.model,
        policy: core.policy,
        clock: core.clock,
        trust: config.trust,
        findCustomers: stripe ? (query) => stripe.searchCustomers(query) : undefined,
        logger,
        metrics: core.metrics,
      },
      admin: {
        adminUserIds: config.people.adminUserIds,
        // On demand, from an admin: it applies what it finds through the inbox's idempotent path.
        reconcile: core.reconcile,
        timezone: config.reports.timezone,
        prices: {
          inputPerMTokUsd: config.reports.inputPricePerMTokUsd,
          outputPerMTokUsd: config.reports.outputPricePerMTokUsd,
        },
      },
      logger,
    },
    logger,
    core.inFlight,
    { timeoutMs: options.slackTimeoutMs, identity: core.slackIdentity },
  );
}

/**
 * The worker role: the queue workers (woken by NOTIFY from any instance's commit, polling as the
 * safety net) and the timed jobs. Singleton jobs take an advisory lock, so one instance runs each.
 * Returns one run of the workflow timers, for tests that move the clock.
 */
function startWorker(
  core: Core,
  databaseUrl: string,
  options: AppOptions,
  stoppers: Stoppers,
): (() => Promise<WorkflowTick | undefined>) | undefined {
  const { config, logger, db, useCases } = core;
  const workers = new Map<string, WorkerLoop>();
  // Work asked for by id (a request that wants its payment link), besides the queue workers.
  const byId = new Map<string, (id: string) => void>();
  const listener = listenForNotifications(
    databaseUrl,
    [OUTBOX_CHANNEL, INBOX_CHANNEL, LINKS_CHANNEL],
    (channel, payload) => {
      workers.get(channel)?.wake();
      if (payload) byId.get(channel)?.(payload);
    },
    logger,
  );
  stoppers.push(() => listener.close());
  const run = (channel: string, worker: WorkerLoop) => {
    workers.set(channel, worker);
    stoppers.push(() => worker.stop());
  };
  const every = (...job: Parameters<typeof startPeriodic>) => {
    const started = startPeriodic(...job);
    stoppers.push(() => started.stop(config.shutdownTimeoutMs));
  };
  const singleton = (name: string) => ({ singleton: { db, lockKey: `countersign:${name}` } });

  run(INBOX_CHANNEL, startInboxWorker(core.inbox, { logger, pollMs: options.inboxPollMs }));
  let workflowTick: (() => Promise<WorkflowTick | undefined>) | undefined;
  if (core.slackClient && useCases) {
    const { workflow } = config;
    const deliverToSlack = createSlackDelivery({
      client: core.slackClient,
      db,
      clock: core.clock,
      testMode: isTestMode(config.stripe),
      financeChannelId: workflow.notify === 'dm' ? undefined : config.financeChannelId,
      policy: core.policy,
      approverDms: createApproverDms({
        client: core.slackClient,
        db,
        approvers: useCases.approvers,
        notifyApprovers: workflow.notify !== 'channel',
        logger,
      }),
      timezone: config.reports.timezone,
    });
    const deliver: Deliver = (item) =>
      item.kind === 'deactivate_link' ? deactivateLink(useCases, item) : deliverToSlack(item);
    run(
      OUTBOX_CHANNEL,
      startOutboxWorker({
        db,
        deliver,
        logger,
        pollMs: options.outboxPollMs,
        maxAttempts: options.outboxMaxAttempts,
        onDead: (tx, item, why) => reportDeadDelivery(tx, config.people.adminUserIds, item, why),
      }),
    );
    // Payment links, as soon as an approval commits (anywhere); the sweep below catches any missed.
    const links = createKeyedRunner('payment-links', (id) => issuePaymentLink(useCases, id), {
      concurrency: 4,
      logger,
    });
    byId.set(LINKS_CHANNEL, (id) => links.run(id));
    stoppers.push(() => links.stop(config.shutdownTimeoutMs));
    // Safe on every worker at once: one instance works on a request's link at a time (an advisory
    // lock), and Stripe's idempotency key and the compare-and-set make one link whatever happens.
    every(
      'payment-link-sweep',
      options.linkSweepMs ?? 15_000,
      () => sweepApprovedRequests(useCases, options.linkSweepAfterSeconds),
      logger,
    );
    // Reminders, escalation and expiry: one instance at a time (the database also keeps each step to once).
    const timers = workflowTimers(config);
    const runTimers = () => runWorkflowTimers(useCases, timers);
    const timersLock = singleton('workflow-timers');
    workflowTick = async () => {
      const run = await db.withSessionLock(timersLock.singleton.lockKey, runTimers);
      return run.ran ? run.value : undefined;
    };
    every(
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
      timersLock,
    );
    every(
      'link-delay-alerts',
      options.linkDelayCheckMs ?? checkIntervalMs([config.linkDelayAlertMs]),
      () => announceLinkDelays(useCases, config.linkDelayAlertMs),
      logger,
      singleton('link-delay-alerts'),
    );
  }
  if (core.reconcile && config.reconcileIntervalMs > 0) {
    every('reconcile-payments', config.reconcileIntervalMs, core.reconcile, logger, singleton('reconcile-payments'));
  }
  every(
    'queue-retention',
    retentionCheckMs(config.queueRetentionMs),
    () => applyQueueRetention({ db, clock: core.clock, logger }, config.queueRetentionMs),
    logger,
    singleton('queue-retention'),
  );
  // Monthly report summaries keep year-long reports fast (reports are exact with or without them).
  every(
    REPORT_SUMMARIES_JOB.name,
    REPORT_SUMMARIES_JOB.intervalMs,
    () => refreshReportSummaries({ db, clock: core.clock, zone: config.reports.timezone, logger }),
    logger,
    singleton(REPORT_SUMMARIES_JOB.name),
  );
  return workflowTick;
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

/**
 * Credentials Slack already accepted (verifySlackToken); Stripe's and the model's are checked here.
 * A refusal is one line naming the variable and the fix; the feature stays on so a fixed key
 * (a granted permission) works without a restart.
 */
async function checkCredentials(core: Core): Promise<string[]> {
  const { logger } = core;
  const [stripeProblems, modelProblem] = await Promise.all([
    core.stripeClient ? checkStripeAccess(core.stripeClient) : [],
    core.model ? checkModelAccess(core.config.openai) : undefined,
  ]);
  for (const problem of stripeProblems) logger.error(problem);
  if (modelProblem) logger.error(modelProblem);
  return [
    ...(stripeProblems.some((p) => p.includes('rejected')) ? ['stripe'] : []),
    ...(modelProblem ? ['model'] : []),
  ];
}

/** One line at startup: what is on and off, and the next step. */
function logSummary(core: Core, state: { port: number; slack: SlackRuntime | undefined; refused: string[] }): void {
  const { config } = core;
  const web = config.role !== 'worker';
  const worker = config.role !== 'web';
  const refusedOr = (feature: string, on: string) => (state.refused.includes(feature) ? 'key refused' : on);
  const parts = {
    role: config.role,
    slack: `${state.slack?.mode ?? (core.slackClient ? 'deliveries only' : 'off')}${core.slackClient && !core.slackIdentity ? ' (not answering yet)' : ''}`,
    model: core.model ? refusedOr('model', config.openai.model) : 'off',
    stripe: core.stripe ? refusedOr('stripe', isTestMode(config.stripe) ? 'test mode' : 'live') : 'off',
    webhooks: web ? (config.stripe.webhookSecrets.length > 0 ? 'on' : 'off') : 'served by web',
    queues: worker ? 'delivered here' : 'left to a worker',
    metrics: config.metricsToken ? 'bearer token' : 'open',
  };
  const next = nextStep(config, core, state.refused);
  const line = Object.entries(parts)
    .map(([name, value]) => `${name} ${value}`)
    .join(' · ');
  core.logger.info({ port: state.port, ...parts, next }, `countersign ready on :${state.port}: ${line}. Next: ${next}`);
}

function nextStep(config: Config, core: Core, refused: readonly string[]): string {
  const web = config.role !== 'worker';
  if (!core.slackClient) {
    return 'set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode); README "Slack setup" shows how';
  }
  if (refused.length > 0) return `fix the ${refused.join(' and ')} key named above`;
  if (!core.stripe) return 'set STRIPE_SECRET_KEY so approved requests get payment links';
  if (web && config.stripe.webhookSecrets.length === 0) {
    return 'set STRIPE_WEBHOOK_SECRET (`stripe listen` prints one) so payments are recorded';
  }
  if (config.role === 'web')
    return 'run a worker (ROLE=worker) on the same database: it delivers what this instance queues';
  if (config.role === 'worker') return 'serve Slack and webhooks from ROLE=web instances on the same database';
  if (!core.model) return 'mention the bot or use /charges new; set OPENAI_API_KEY so people can ask in words';
  return 'invite the bot to a channel and mention it: "@Countersign charge Acme $1,200 for the workshop"';
}

function listen(app: Express, port: number): Promise<Server> {
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
