import client from 'prom-client';
import { CHARGE_STATUSES } from './domain/charge-status.js';
import type { OperationsSnapshot } from './persistence/queues.js';

/** What Stripe said to a payment link creation: a new link, the stored one again, or a refusal for good. */
export type LinkOutcome = 'created' | 'replayed' | 'failed';
/** What POST /stripe/webhook did with a delivery (`rejected`: signed but unusable, or not configured). */
export type WebhookResult = 'stored' | 'duplicate' | 'invalid_signature' | 'rejected';

/**
 * What the app counts while it works. Parts that count take a `Metrics` (use cases through their
 * deps); `noMetrics` stands in where nobody scrapes (unit tests, scripts).
 */
export interface Metrics {
  httpRequest(route: string, status: number, seconds: number): void;
  paymentLink(outcome: LinkOutcome): void;
  webhook(result: WebhookResult): void;
  /** One refusal may break several rules: each is counted. */
  policyRefused(rules: readonly string[]): void;
  /** One agent turn's model call: its outcome (proposed, replied, model_timeout, …) and tokens. */
  modelCall(outcome: string, tokens: { readonly input: number; readonly output: number }): void;
}

export const noMetrics: Metrics = {
  httpRequest: () => undefined,
  paymentLink: () => undefined,
  webhook: () => undefined,
  policyRefused: () => undefined,
  modelCall: () => undefined,
};

export interface MetricsRegistry extends Metrics {
  readonly contentType: string;
  /** The Prometheus text exposition of every series. */
  render(): Promise<string>;
}

/** Routes worth a label; anything else (scanners, typos) is `other`, so labels stay few. */
const ROUTES = new Set(['/slack/events', '/stripe/webhook', '/healthz', '/readyz', '/metrics']);

export function routeLabel(path: string): string {
  return ROUTES.has(path) ? path : 'other';
}

export interface MetricsOptions {
  /** Reads queue health and request counts; called at most once per `cacheMs` whatever the scrape rate. */
  readonly readSnapshot: () => Promise<OperationsSnapshot>;
  readonly cacheMs?: number;
  /** Told when the snapshot cannot be read; the gauges then keep their last values. */
  readonly onSnapshotError?: (error: unknown) => void;
  /** Statements this process has sent to PostgreSQL so far (round trips). */
  readonly readStatements?: () => number;
}

/**
 * The series of issue "Operations" (names and labels are an external contract) on a registry of this
 * app's own, plus prom-client's default process metrics. Gauges read from the database are cached
 * briefly so that frequent scrapes by several scrapers cost one query batch.
 */
export function createMetrics(options: MetricsOptions): MetricsRegistry {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const http = new client.Histogram({
    name: 'countersign_http_request_duration_seconds',
    help: 'HTTP requests by route and status',
    labelNames: ['route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const links = new client.Counter({
    name: 'countersign_payment_links_total',
    help: 'Payment link creations by outcome (created, failed, replayed)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const webhooks = new client.Counter({
    name: 'countersign_webhooks_total',
    help: 'Stripe webhook deliveries by result (stored, duplicate, invalid_signature, rejected)',
    labelNames: ['result'] as const,
    registers,
  });
  const refusals = new client.Counter({
    name: 'countersign_policy_refusals_total',
    help: 'Spending policy refusals by rule',
    labelNames: ['rule'] as const,
    registers,
  });
  const modelCalls = new client.Counter({
    name: 'countersign_model_calls_total',
    help: 'Agent model calls by outcome',
    labelNames: ['outcome'] as const,
    registers,
  });
  const modelTokens = new client.Counter({
    name: 'countersign_model_tokens_total',
    help: 'Model tokens by kind (input, output)',
    labelNames: ['kind'] as const,
    registers,
  });
  const { readStatements } = options;
  if (readStatements) {
    new client.Counter({
      name: 'countersign_db_statements_total',
      help: 'Statements sent to PostgreSQL (round trips)',
      registers,
      collect() {
        this.reset();
        this.inc(readStatements());
      },
    });
  }
  for (const kind of ['input', 'output']) modelTokens.inc({ kind }, 0);
  for (const outcome of ['created', 'failed', 'replayed']) links.inc({ outcome }, 0);
  for (const result of ['stored', 'duplicate', 'invalid_signature', 'rejected']) webhooks.inc({ result }, 0);

  const cacheMs = options.cacheMs ?? 5_000;
  let cached: { at: number; value: Promise<OperationsSnapshot | undefined> } | undefined;
  const snapshot = (): Promise<OperationsSnapshot | undefined> => {
    const now = performance.now();
    if (!cached || now - cached.at >= cacheMs) {
      cached = {
        at: now,
        value: options.readSnapshot().catch((error: unknown) => {
          options.onSnapshotError?.(error);
          cached = undefined;
          return undefined;
        }),
      };
    }
    return cached.value;
  };
  const fromSnapshot = (name: string, help: string, read: (s: OperationsSnapshot) => number) =>
    new client.Gauge({
      name,
      help,
      registers,
      async collect() {
        const s = await snapshot();
        if (s) this.set(read(s));
      },
    });
  fromSnapshot('countersign_outbox_depth', 'Slack updates waiting to be delivered', (s) => s.outbox.depth);
  fromSnapshot(
    'countersign_outbox_oldest_age_seconds',
    'Age of the oldest Slack update waiting',
    (s) => s.outbox.oldestAgeSeconds,
  );
  fromSnapshot('countersign_outbox_dead', 'Slack updates that used up their attempts', (s) => s.outbox.dead);
  fromSnapshot('countersign_inbox_depth', 'Stripe events waiting to be applied', (s) => s.inbox.depth);
  fromSnapshot(
    'countersign_inbox_lag_seconds',
    'Age of the oldest Stripe event waiting',
    (s) => s.inbox.oldestAgeSeconds,
  );
  fromSnapshot('countersign_inbox_dead', 'Stripe events that used up their attempts', (s) => s.inbox.dead);
  new client.Gauge({
    name: 'countersign_requests',
    help: 'Charge requests by status',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      const s = await snapshot();
      if (!s) return;
      for (const status of CHARGE_STATUSES) this.set({ status }, s.requests[status] ?? 0);
    },
  });

  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    httpRequest: (route, status, seconds) => http.observe({ route, status: String(status) }, seconds),
    paymentLink: (outcome) => links.inc({ outcome }),
    webhook: (result) => webhooks.inc({ result }),
    policyRefused: (rules) => {
      for (const rule of rules) refusals.inc({ rule });
    },
    modelCall: (outcome, tokens) => {
      modelCalls.inc({ outcome });
      if (tokens.input > 0) modelTokens.inc({ kind: 'input' }, tokens.input);
      if (tokens.output > 0) modelTokens.inc({ kind: 'output' }, tokens.output);
    },
  };
}
