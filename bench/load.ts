import { type ChildProcess, spawn } from 'node:child_process';
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
const TSX = path.resolve('node_modules/tsx/dist/loader.mjs');
const ROUNDS = 3;
const CLICK_CONCURRENCY = 50;
const WEBHOOK_CONCURRENCY = 16;

interface Stats {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}
interface Throughput {
  eventsPerSecond: number;
  p99Ms: number;
}
interface MemoryReading {
  rssMb: number;
  heapUsedMb: number;
}

export interface LoadResult {
  readonly ack: {
    requests: number;
    concurrency: number;
    topology: string;
    countersign: Stats;
    bareBolt: Stats;
    p99Ratio: number;
    correct: boolean;
  };
  readonly webhooks: {
    events: number;
    duplicates: number;
    concurrency: number;
    floor: Throughput;
    countersign: Throughput & {
      appliedPerSecond: number;
      appliedPerSecondByRound: number[];
      /** Statements the worker sent to PostgreSQL per applied event (inbox and the Slack updates it queues). */
      statementsPerAppliedEvent: number;
    };
    rawPg: Throughput;
    ingestionRatio: number;
    appliedRatio: number;
    correct: boolean;
  };
  readonly memory: { idle: MemoryReading; rounds: MemoryReading[]; workerRounds: MemoryReading[] };
}

const stats = (d: number[]): Stats => ({
  p50Ms: round(percentile(d, 50), 2),
  p99Ms: round(percentile(d, 99), 2),
  maxMs: round(d.at(-1) ?? Number.NaN, 2),
});

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

/** A Node process of ours; its stdout lines are kept for the memory probe's answers. */
function spawnNode(args: string[], env: Record<string, string>): ChildProcess & { lines: string[] } {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  }) as ChildProcess & { lines: string[] };
  child.lines = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    child.lines.push(...lines);
  });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** RSS and heapUsed of one of our processes after a forced GC (bench/memory-probe.mjs answers SIGUSR2). */
async function memoryAfterGc(child: ChildProcess & { lines: string[] }): Promise<MemoryReading> {
  const before = child.lines.length;
  child.kill('SIGUSR2');
  for (let i = 0; i < 100; i++) {
    const line = child.lines.slice(before).find((l) => l.includes('memoryProbe'));
    if (line) {
      const { rss, heapUsed } = (JSON.parse(line) as { memoryProbe: { rss: number; heapUsed: number } }).memoryProbe;
      return { rssMb: round(rss / 2 ** 20), heapUsedMb: round(heapUsed / 2 ** 20) };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the memory probe did not answer');
}

/** Statements the process has sent to PostgreSQL so far, from its GET /metrics. */
async function statementsOf(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^countersign_db_statements_total (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

/** Every payment link the Stripe fake holds, page by page as Stripe lists them. */
async function countStripeLinks(apiBase: string): Promise<number> {
  let total = 0;
  let after: string | undefined;
  for (;;) {
    const page = (await (
      await fetch(`${apiBase}/v1/payment_links?limit=100${after ? `&starting_after=${after}` : ''}`, {
        headers: { authorization: 'Bearer sk_test_bench' },
      })
    ).json()) as { data: { id: string }[]; has_more: boolean };
    total += page.data.length;
    if (!page.has_more) return total;
    after = page.data.at(-1)?.id;
  }
}

/** Seeds `n` requests in one status, as history would have left them. */
async function seed(
  db: pg.Client,
  n: number,
  status: 'pending_approval' | 'link_created',
  linkPrefix: string,
): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO charge_requests (status, source, team_id, channel_id, thread_ts, card_ts, requester_id, customer_name,
       description, amount_minor, currency, payment_link_id, approved_at, link_created_at)
     SELECT $1, 'command', 'T0TEAM', 'C0BENCH', '1700000000.' || g, '1700000000.' || g, 'U0REQ', 'Customer ' || g, 'bench',
       10000, 'USD', CASE WHEN $1 = 'link_created' THEN $2 || g END,
       CASE WHEN $1 = 'link_created' THEN now() END, CASE WHEN $1 = 'link_created' THEN now() END
     FROM generate_series(1, $3) g RETURNING id`,
    [status, linkPrefix, n],
  );
  return rows.rows.map((r) => r.id);
}

async function until(what: string, probe: () => Promise<boolean>, ms = 180_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`benchmark gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const count = async (db: pg.Client, sql: string, values: unknown[] = []) =>
  (await db.query<{ n: number }>(sql, values)).rows[0]?.n ?? 0;

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/**
 * Acknowledgement latency, webhook ingestion and application, and memory, in one run on one machine:
 * Countersign (a `web` and a `worker` process, as `ROLE` allows) against its floors measured in the
 * same run — a bare Bolt app for clicks, a minimal node:http server for webhooks (bench/floor-server.ts),
 * and raw `pg` inserts — three rounds against the same app processes, each checked for correctness.
 */
export async function benchLoad(options: { clicks?: number; events?: number } = {}): Promise<LoadResult> {
  const clicks = options.clicks ?? 2000;
  const totalEvents = options.events ?? 5000;
  const uniqueEvents = Math.round(totalEvents * 0.8);
  const server = await startBenchPostgres();
  const children: ChildProcess[] = [];
  const start = <C extends ChildProcess>(child: C) => {
    children.push(child);
    return child;
  };
  try {
    const fakes = start(spawnNode(['--import', TSX, path.resolve('bench/fakes.ts')], {}));
    const urls = await new Promise<{ slackApiUrl: string; responseUrl: string; stripeApiBase: string }>(
      (resolve, reject) => {
        const check = setInterval(() => {
          const line = fakes.lines[0];
          if (line) {
            clearInterval(check);
            resolve(JSON.parse(line));
          }
        }, 20);
        fakes.once('exit', () => reject(new Error('fakes exited')));
      },
    );
    const admin = new pg.Client({ connectionString: server.url('postgres') });
    await admin.connect();
    for (const name of ['bench_app', 'bench_floor', 'bench_raw']) await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    // Migrate as the app does at startup; the floor gets the identical inbox table the same way.
    for (const name of ['bench_app', 'bench_floor']) {
      await (
        await openDatabase({ databaseUrl: server.url(name), dataDir: '.data' }, createLogger({ level: 'warn' }))
      ).close();
    }

    const db = new pg.Client({ connectionString: server.url('bench_app') });
    // A dropped connection fails the run with its reason instead of an unhandled 'error' event.
    db.on('error', (error) => console.error('bench: the benchmark lost its database connection:', error.message));
    await db.connect();
    const appEnv = {
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
    };
    const node = (role: string, port: number) =>
      spawnNode(['--expose-gc', '--import', path.resolve('bench/memory-probe.mjs'), path.resolve('dist/src/main.js')], {
        ...appEnv,
        PORT: String(port),
        ROLE: role,
      });
    // Built and run as `npm start` runs it: one web process answers Slack and Stripe, one worker does the work.
    const webPort = await freePort();
    const web = start(node('web', webPort));
    await waitForHttp(`http://127.0.0.1:${webPort}/readyz`, web);
    const workerPort = await freePort();
    const worker = start(node('worker', workerPort));
    await waitForHttp(`http://127.0.0.1:${workerPort}/readyz`, worker);
    const boltPort = await freePort();
    const bolt = start(
      spawnNode(['--import', TSX, path.resolve('bench/bare-bolt.ts')], {
        PORT: String(boltPort),
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_BOT_TOKEN: 'xoxb-bench',
        SLACK_API_URL: urls.slackApiUrl,
      }),
    );
    const floorPort = await freePort();
    const floor = start(
      spawnNode(['--import', TSX, path.resolve('bench/floor-server.ts')], {
        PORT: String(floorPort),
        DATABASE_URL: server.url('bench_floor'),
        STRIPE_WEBHOOK_SECRET: WHSEC,
      }),
    );
    await waitForHttp(`http://127.0.0.1:${boltPort}/`, bolt);
    await until('the floor server', async () => floor.lines.some((l) => l.includes('floor listening')), 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    const idle = await memoryAfterGc(web);

    const postClick = async (port: number, body: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(SECRET, body) },
        body,
      });
      if (res.status !== 200) throw new Error(`ack status ${res.status}`);
      await res.arrayBuffer();
    };
    const postWebhook = async (port: number, payload: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/stripe/webhook`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: WHSEC }),
        },
        body: payload,
      });
      if (res.status !== 200) throw new Error(`webhook status ${res.status}`);
      await res.arrayBuffer();
    };
    const clickBody = (id: string) =>
      new URLSearchParams({
        payload: JSON.stringify(buttonClick(CARD_ACTIONS.approve, `${id}:1`, APPROVER, urls.responseUrl)),
      }).toString();

    const acks = { countersign: [] as number[], bareBolt: [] as number[] };
    const hooks = { floor: [] as number[], countersign: [] as number[], rawPg: [] as number[] };
    const seconds = { floor: 0, countersign: 0, rawPg: 0 };
    const appliedPerSecondByRound: number[] = [];
    const statementsPerEvent: number[] = [];
    const rounds: MemoryReading[] = [];
    const workerRounds: MemoryReading[] = [];
    let correct = { ack: true, webhooks: true };
    const rawPool = new pg.Pool({ connectionString: server.url('bench_raw'), max: WEBHOOK_CONCURRENCY });
    await rawPool.query(
      'CREATE TABLE events (id text PRIMARY KEY, type text NOT NULL, payload jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())',
    );

    for (let pass = 1; pass <= ROUNDS; pass++) {
      const pendingIds = await seed(db, clicks, 'pending_approval', 'unused');
      const linkedIds = await seed(db, uniqueEvents, 'link_created', `plink_r${pass}_`);

      // Clicks: the same payloads to bare Bolt, then to Countersign's web process.
      const bodies = pendingIds.map(clickBody);
      if (pass === 1) for (let i = 0; i < 20; i++) await postClick(boltPort, bodies[i] ?? '');
      acks.bareBolt.push(
        ...(await runConcurrently(clicks, CLICK_CONCURRENCY, (i) => postClick(boltPort, bodies[i] ?? ''))),
      );
      acks.countersign.push(
        ...(await runConcurrently(clicks, CLICK_CONCURRENCY, (i) => postClick(webPort, bodies[i] ?? ''))),
      );
      await until('every click approved and linked', async () => {
        const linked = await count(
          db,
          `SELECT count(*)::int AS n FROM charge_requests WHERE id = ANY($1) AND status = 'link_created'`,
          [pendingIds],
        );
        return linked === clicks;
      });
      const approvals = await count(
        db,
        `SELECT count(*)::int AS n FROM audit_events WHERE action = 'approve' AND charge_request_id = ANY($1)`,
        [pendingIds],
      );
      // Exactly one link per approved request, at Stripe, across every round so far.
      const links = await countStripeLinks(urls.stripeApiBase);
      correct = { ...correct, ack: correct.ack && approvals === clicks && links === clicks * pass };

      // Webhooks: one completed checkout per linked request, 20% delivered twice, shuffled; the
      // same payloads to the floor server, to Countersign, and as raw inserts.
      const unique = linkedIds.map((_, i) =>
        stripeEvent(
          'checkout.session.completed',
          checkoutSession(`plink_r${pass}_${i + 1}`, { amount_total: 10000 }),
          `evt_r${pass}_${i}`,
        ),
      );
      const deliveries = shuffle([...unique, ...unique.slice(0, totalEvents - unique.length)]);
      const payloads = deliveries.map((e) => JSON.stringify(e));

      let started = performance.now();
      hooks.floor.push(
        ...(await runConcurrently(payloads.length, WEBHOOK_CONCURRENCY, (i) =>
          postWebhook(floorPort, payloads[i] ?? ''),
        )),
      );
      seconds.floor += (performance.now() - started) / 1000;

      const statementsBefore = await statementsOf(workerPort);
      started = performance.now();
      hooks.countersign.push(
        ...(await runConcurrently(payloads.length, WEBHOOK_CONCURRENCY, (i) =>
          postWebhook(webPort, payloads[i] ?? ''),
        )),
      );
      seconds.countersign += (performance.now() - started) / 1000;
      await until('every payment applied', async () => {
        const paid = await count(
          db,
          `SELECT count(*)::int AS n FROM charge_requests WHERE id = ANY($1) AND status = 'paid'`,
          [linkedIds],
        );
        return paid === linkedIds.length;
      });
      appliedPerSecondByRound.push(round(unique.length / ((performance.now() - started) / 1000)));
      await until(
        'the outbox drained',
        async () => (await count(db, `SELECT count(*)::int AS n FROM slack_outbox WHERE status = 'pending'`)) === 0,
      );
      statementsPerEvent.push(round(((await statementsOf(workerPort)) - statementsBefore) / unique.length, 2));
      const stored = await count(
        db,
        `SELECT count(*)::int AS n FROM stripe_events WHERE id LIKE $1 AND status = 'processed'`,
        [`evt_r${pass}_%`],
      );
      correct = { ...correct, webhooks: correct.webhooks && stored === unique.length };

      started = performance.now();
      hooks.rawPg.push(
        ...(await runConcurrently(payloads.length, WEBHOOK_CONCURRENCY, async (i) => {
          const event = deliveries[i];
          await rawPool.query('INSERT INTO events (id, type, payload) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
            event?.id,
            event?.type,
            payloads[i],
          ]);
        })),
      );
      seconds.rawPg += (performance.now() - started) / 1000;

      // Memory once this round's Slack updates are delivered and the processes are quiet.
      await until(
        'the outbox drained',
        async () => (await count(db, `SELECT count(*)::int AS n FROM slack_outbox WHERE status = 'pending'`)) === 0,
      );
      rounds.push(await memoryAfterGc(web));
      workerRounds.push(await memoryAfterGc(worker));
    }
    await rawPool.end();
    await db.end();

    const sorted = (d: number[]) => [...d].sort((a, b) => a - b);
    const throughput = (durations: number[], secs: number): Throughput => ({
      eventsPerSecond: round(durations.length / secs),
      p99Ms: round(percentile(sorted(durations), 99), 2),
    });
    const countersignAck = stats(sorted(acks.countersign));
    const bareBoltAck = stats(sorted(acks.bareBolt));
    const floorThroughput = throughput(hooks.floor, seconds.floor);
    const ours = throughput(hooks.countersign, seconds.countersign);
    const appliedPerSecond = round(Math.min(...appliedPerSecondByRound));
    return {
      ack: {
        requests: clicks * ROUNDS,
        concurrency: CLICK_CONCURRENCY,
        topology: 'one web process, one worker process',
        countersign: countersignAck,
        bareBolt: bareBoltAck,
        p99Ratio: round(countersignAck.p99Ms / bareBoltAck.p99Ms, 2),
        correct: correct.ack,
      },
      webhooks: {
        events: totalEvents * ROUNDS,
        duplicates: (totalEvents - uniqueEvents) * ROUNDS,
        concurrency: WEBHOOK_CONCURRENCY,
        floor: floorThroughput,
        countersign: {
          ...ours,
          appliedPerSecond,
          appliedPerSecondByRound,
          statementsPerAppliedEvent: round(Math.max(...statementsPerEvent), 2),
        },
        rawPg: throughput(hooks.rawPg, seconds.rawPg),
        ingestionRatio: round(ours.eventsPerSecond / floorThroughput.eventsPerSecond, 2),
        appliedRatio: round((appliedPerSecond * (totalEvents / uniqueEvents)) / ours.eventsPerSecond, 2),
        correct: correct.webhooks,
      },
      memory: { idle, rounds, workerRounds },
    };
  } finally {
    for (const child of children) await stopChild(child);
    await server.stop();
  }
}
