import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import Stripe from 'stripe';
import { openDatabase } from '../src/db/database.js';
import { freePort } from '../src/db/embedded.js';
import { createLogger } from '../src/logger.js';
import { CARD_ACTIONS } from '../src/slack/blocks/approval-card.js';
import { buttonClick, slackSignature } from '../test/support/fake-slack.js';
import { checkoutSession, stripeEvent } from '../test/support/stripe-events.js';
import { percentile, round, runConcurrently, startBenchPostgres } from './support.js';

const SECRET = '0123456789abcdef0123456789abcdef';
const WHSEC = 'whsec_benchmark_secret_0001';
const APPROVER = 'U0BENCHFIN';

/** RSS of another process, from /proc (Linux), in MB. */
function rssOf(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match?.[1] ? round(Number(match[1]) / 1024) : Number.NaN;
}

async function waitForHttp(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    const ok = await fetch(url).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

function spawnNode(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

export interface LoadResult {
  readonly ack: {
    requests: number;
    concurrency: number;
    countersign: Stats;
    bareBolt: Stats;
    p99Ratio: number;
    correct: boolean;
  };
  readonly webhooks: {
    events: number;
    duplicates: number;
    concurrency: number;
    countersign: Throughput;
    baseline: Throughput;
    ratio: number;
    correct: boolean;
  };
  readonly memory: { idleMb: number; afterAckMb: number; afterWebhooksMb: number; bareBoltMb: number };
}

interface Stats {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}
interface Throughput {
  eventsPerSecond: number;
  p99Ms: number;
  /** Unique events applied (state changed, Slack updates queued) per second, end to end. */
  appliedPerSecond?: number;
}

const stats = (d: number[]): Stats => ({
  p50Ms: round(percentile(d, 50), 2),
  p99Ms: round(percentile(d, 99), 2),
  maxMs: round(d.at(-1) ?? Number.NaN, 2),
});

/** Seeds `n` requests in one status, as history would have left them. */
async function seed(
  client: pg.Client,
  n: number,
  status: 'pending_approval' | 'link_created',
  prefix: string,
): Promise<string[]> {
  const rows = await client.query<{ id: string }>(
    `INSERT INTO charge_requests (status, source, team_id, channel_id, thread_ts, card_ts, requester_id, customer_name,
       description, amount_minor, currency, payment_link_id, approved_at, link_created_at)
     SELECT $1, 'command', 'T0TEAM', 'C0BENCH', '1700000000.' || g, '1700000000.' || g, 'U0REQ', 'Customer ' || g, 'bench',
       10000, 'USD', CASE WHEN $1 = 'link_created' THEN $2 || g END,
       CASE WHEN $1 = 'link_created' THEN now() END, CASE WHEN $1 = 'link_created' THEN now() END
     FROM generate_series(1, $3) g RETURNING id`,
    [status, prefix, n],
  );
  return rows.rows.map((r) => r.id);
}

export async function benchLoad(options: { clicks?: number; events?: number } = {}): Promise<LoadResult> {
  const clicks = options.clicks ?? 2000;
  const totalEvents = options.events ?? 5000;
  const server = await startBenchPostgres();
  const children: ChildProcess[] = [];
  try {
    const tsx = path.resolve('node_modules/tsx/dist/loader.mjs');
    const fakes = spawn(process.execPath, ['--import', tsx, path.resolve('bench/fakes.ts')], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(fakes);
    const urls = await new Promise<{ slackApiUrl: string; responseUrl: string; stripeApiBase: string }>(
      (resolve, reject) => {
        fakes.stdout?.once('data', (chunk) => resolve(JSON.parse(String(chunk))));
        fakes.once('exit', () => reject(new Error('fakes exited')));
      },
    );
    const admin = new pg.Client({ connectionString: server.url('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE bench_app');
    await admin.query('CREATE DATABASE bench_baseline');
    await admin.end();
    // Migrate once, as the app would at startup.
    const migrated = await openDatabase(
      { databaseUrl: server.url('bench_app'), dataDir: '.data' },
      createLogger({ level: 'warn' }),
    );
    await migrated.close();

    const db = new pg.Client({ connectionString: server.url('bench_app') });
    await db.connect();
    const pendingIds = await seed(db, clicks, 'pending_approval', 'unused');
    const linkedIds = await seed(db, Math.round(totalEvents * 0.8), 'link_created', 'plink_bench_');

    // Our app, built and run as `npm start` runs it, in its own process.
    const appPort = await freePort();
    const app = spawnNode([path.resolve('dist/src/main.js')], {
      PORT: String(appPort),
      DATABASE_URL: server.url('bench_app'),
      LOG_LEVEL: 'error',
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: urls.slackApiUrl,
      STRIPE_SECRET_KEY: 'sk_test_bench',
      STRIPE_API_BASE: urls.stripeApiBase,
      STRIPE_WEBHOOK_SECRET: WHSEC,
      APPROVER_USER_IDS: APPROVER,
      RECONCILE_INTERVAL_MS: '0',
    });
    children.push(app);
    await waitForHttp(`http://127.0.0.1:${appPort}/readyz`, app);
    await new Promise((r) => setTimeout(r, 1000));
    const idleMb = rssOf(app.pid);

    // The baseline Bolt app, also in its own process.
    const boltPort = await freePort();
    const bolt = spawnNode(['--import', tsx, path.resolve('bench/bare-bolt.ts')], {
      PORT: String(boltPort),
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_API_URL: urls.slackApiUrl,
    });
    children.push(bolt);
    await waitForHttp(`http://127.0.0.1:${boltPort}/`, bolt);

    const clickBody = (id: string) =>
      new URLSearchParams({
        payload: JSON.stringify(buttonClick(CARD_ACTIONS.approve, `${id}:1`, APPROVER, urls.responseUrl)),
      }).toString();
    const post = async (port: number, body: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(SECRET, body) },
        body,
      });
      if (res.status !== 200) throw new Error(`ack status ${res.status}`);
      await res.arrayBuffer();
    };
    // Warm both up, then measure each on the same 2,000 click payloads.
    for (let i = 0; i < 20; i++) await post(boltPort, clickBody(pendingIds[i] ?? ''));
    const bodies = pendingIds.map(clickBody);
    const bareBolt = await runConcurrently(clicks, 50, (i) => post(boltPort, bodies[i] ?? ''));
    const ours = await runConcurrently(clicks, 50, (i) => post(appPort, bodies[i] ?? ''));

    // Correctness: every click approved its request and made exactly one link.
    const deadline = Date.now() + 120_000;
    let linked = 0;
    while (Date.now() < deadline) {
      const r = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM charge_requests WHERE id = ANY($1) AND status = 'link_created'`,
        [pendingIds],
      );
      linked = r.rows[0]?.n ?? 0;
      if (linked === clicks) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const approvals = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'approve'`,
    );
    const links = (await (await fetch(`${urls.stripeApiBase}/v1/payment_links`)).json()) as { data: unknown[] };
    const ackCorrect = linked === clicks && links.data.length === clicks && approvals.rows[0]?.n === clicks;
    const afterAckMb = rssOf(app.pid);

    // Webhooks: one completed checkout per linked request, 20% delivered twice, shuffled.
    const unique = linkedIds.map((_, i) =>
      stripeEvent(
        'checkout.session.completed',
        checkoutSession(`plink_bench_${i + 1}`, { amount_total: 10000 }),
        `evt_bench_${i}`,
      ),
    );
    const deliveries = [...unique, ...unique.slice(0, totalEvents - unique.length)];
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [deliveries[i], deliveries[j]] = [
        deliveries[j] as (typeof deliveries)[number],
        deliveries[i] as (typeof deliveries)[number],
      ];
    }
    const payloads = deliveries.map((e) => JSON.stringify(e));
    const webhookStarted = performance.now();
    const webhookDurations = await runConcurrently(payloads.length, 16, async (i) => {
      const payload = payloads[i] ?? '';
      const res = await fetch(`http://127.0.0.1:${appPort}/stripe/webhook`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: WHSEC }),
        },
        body: payload,
      });
      if (res.status !== 200) throw new Error(`webhook status ${res.status}`);
      await res.arrayBuffer();
    });
    const webhookSeconds = (performance.now() - webhookStarted) / 1000;
    // Stored is not yet applied: wait for the inbox to apply everything, and time that too.
    let paidCount = 0;
    while (performance.now() - webhookStarted < 120_000) {
      const paid = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM charge_requests WHERE id = ANY($1) AND status = 'paid'`,
        [linkedIds],
      );
      paidCount = paid.rows[0]?.n ?? 0;
      if (paidCount === linkedIds.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const appliedSeconds = (performance.now() - webhookStarted) / 1000;
    const recorded = await db.query<{ n: number; applied: number }>(
      'SELECT count(*)::int AS n, count(processed_at)::int AS applied FROM stripe_events',
    );
    const webhooksCorrect =
      paidCount === linkedIds.length &&
      recorded.rows[0]?.n === unique.length &&
      recorded.rows[0]?.applied === unique.length;
    const afterWebhooksMb = rssOf(app.pid);
    await db.end();

    // Baseline: the same rows straight into PostgreSQL with pg, same concurrency.
    const pool = new pg.Pool({ connectionString: server.url('bench_baseline'), max: 16 });
    await pool.query(
      'CREATE TABLE events (id text PRIMARY KEY, type text NOT NULL, payload jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())',
    );
    const baselineStarted = performance.now();
    const baselineDurations = await runConcurrently(payloads.length, 16, async (i) => {
      const event = deliveries[i];
      await pool.query('INSERT INTO events (id, type, payload) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
        event?.id,
        event?.type,
        payloads[i],
      ]);
    });
    const baselineSeconds = (performance.now() - baselineStarted) / 1000;
    await pool.end();

    const countersign = {
      eventsPerSecond: round(payloads.length / webhookSeconds),
      p99Ms: round(percentile(webhookDurations, 99), 2),
      appliedPerSecond: round(unique.length / appliedSeconds),
    };
    const baseline = {
      eventsPerSecond: round(payloads.length / baselineSeconds),
      p99Ms: round(percentile(baselineDurations, 99), 2),
    };
    const ourStats = stats(ours);
    const boltStats = stats(bareBolt);
    return {
      ack: {
        requests: clicks,
        concurrency: 50,
        countersign: ourStats,
        bareBolt: boltStats,
        p99Ratio: round(ourStats.p99Ms / boltStats.p99Ms, 2),
        correct: ackCorrect,
      },
      webhooks: {
        events: payloads.length,
        duplicates: payloads.length - unique.length,
        concurrency: 16,
        countersign,
        baseline,
        ratio: round(countersign.eventsPerSecond / baseline.eventsPerSecond, 2),
        correct: webhooksCorrect,
      },
      memory: { idleMb, afterAckMb, afterWebhooksMb, bareBoltMb: rssOf(bolt.pid) },
    };
  } finally {
    for (const child of children) await stopChild(child);
    await server.stop();
  }
}
