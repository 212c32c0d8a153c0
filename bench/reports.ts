import pg from 'pg';
import { openDatabase } from '../src/db/database.js';
import { parsePeriod } from '../src/domain/periods.js';
import { createLogger } from '../src/logger.js';
import { buildUsageReport } from '../src/use-cases/usage-report.js';
import { median, round, startBenchPostgres } from './support.js';

/** Every report type, including a year, answers within this at 1,000,000 requests. */
export const REPORT_TARGET_MS = 300;

export interface ReportBenchResult {
  readonly rows: number;
  readonly seedSeconds: number;
  readonly reports: { name: string; medianMs: number; runs: number }[];
  /** The year-long report's totals equal a direct count over the raw rows. */
  readonly correct: boolean;
}

/**
 * Seeds `rows` charge requests spread over two years (four currencies, 200 requesters, 50
 * channels, realistic statuses) plus approvals and agent runs, then times every report type.
 */
export async function benchReports(rows = 1_000_000, runs = 11): Promise<ReportBenchResult> {
  const server = await startBenchPostgres();
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  await admin.query('CREATE DATABASE bench_reports');
  await admin.end();
  const logger = createLogger({ level: 'warn' });
  const database = await openDatabase({ databaseUrl: server.url('bench_reports'), dataDir: '.data' }, logger);
  try {
    const seedStarted = performance.now();
    await database.db.query(
      `INSERT INTO charge_requests (status, source, team_id, channel_id, requester_id, customer_name, description,
         amount_minor, currency, created_at, approved_at, link_created_at, paid_at, amount_received_minor)
       SELECT s.status, 'agent', 'T0', 'C' || (g % 50), 'U' || (g % 200), 'Customer ' || (g % 5000), 'seeded',
         amount, cur, created,
         CASE WHEN s.status IN ('approved','link_created','paid','refunded','link_failed') THEN created + interval '2 hours' END,
         CASE WHEN s.status IN ('link_created','paid','refunded') THEN created + interval '2 hours 1 minute' END,
         CASE WHEN s.status IN ('paid','refunded') THEN created + interval '1 day' END,
         CASE WHEN s.status IN ('paid','refunded') THEN amount END
       FROM generate_series(1, $1) g,
         LATERAL (SELECT now() - (random() * interval '730 days') AS created,
                         (1000 + floor(random() * 500000))::bigint AS amount,
                         (ARRAY['USD','USD','USD','EUR','EUR','GBP','JPY'])[1 + (g % 7)] AS cur) r,
         LATERAL (SELECT (ARRAY['paid','paid','paid','link_created','pending_approval','rejected','canceled','refunded','approved','link_failed'])[1 + (g % 10)] AS status) s`,
      [rows],
    );
    await database.db.query(
      `INSERT INTO charge_approvals (charge_request_id, version, approver_id, decision, created_at)
       SELECT id, 1, 'UFIN' || (number % 5), 'approved', approved_at FROM charge_requests WHERE approved_at IS NOT NULL`,
    );
    await database.db.query(
      `INSERT INTO agent_runs (team_id, channel_id, user_id, model, input_tokens, output_tokens, total_tokens, latency_ms, outcome, created_at)
       SELECT 'T0', channel_id, requester_id, 'gpt-5-mini', 1500, 200, 1700, 900, 'proposed', created_at FROM charge_requests`,
    );
    await database.db.query('VACUUM ANALYZE');
    const seedSeconds = round((performance.now() - seedStarted) / 1000);

    const prices = { inputPerMTokUsd: '0.25', outputPerMTokUsd: '2.00' };
    const cases: { name: string; period: string; by?: 'requester' | 'channel' | 'approver' | 'status' }[] = [
      { name: 'report 30d', period: '30d' },
      { name: 'report 30d by requester', period: '30d', by: 'requester' },
      { name: 'report 30d by channel', period: '30d', by: 'channel' },
      { name: 'report 30d by approver', period: '30d', by: 'approver' },
      { name: 'report 30d by status', period: '30d', by: 'status' },
      { name: 'report today', period: 'today' },
      { name: 'report last-month', period: 'last-month' },
      { name: 'report 365d (≈500k rows)', period: '365d' },
    ];
    const reports = [];
    let correct = true;
    for (const c of cases) {
      const period = parsePeriod(c.period, 'UTC');
      if (!period.ok) throw new Error(period.message);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        await buildUsageReport(database.db, period.period, prices, c.by);
        times.push(performance.now() - started);
      }
      reports.push({ name: c.name, medianMs: round(median(times)), runs });
      if (c.period === '365d' && !c.by) {
        const report = await buildUsageReport(database.db, period.period, prices);
        const direct = await database.db.query<{ currency: string; n: string; amount: string }>(
          `SELECT currency, count(*) AS n, sum(amount_minor) AS amount FROM charge_requests
           WHERE created_at >= $1 AND created_at < $2 GROUP BY currency`,
          [period.period.start, period.period.end],
        );
        correct = direct.every((d) => {
          const t = report.totals.find((x) => x.currency === d.currency);
          return t?.requested === Number(d.n) && t.requestedMinor === BigInt(d.amount);
        });
      }
    }
    return { rows, seedSeconds, reports, correct };
  } finally {
    await database.close();
    await server.stop();
  }
}
