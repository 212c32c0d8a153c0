import pg from 'pg';
import { openDatabase } from '../src/db/database.js';
import { systemClock } from '../src/domain/clock.js';
import { parsePeriod } from '../src/domain/periods.js';
import { createLogger } from '../src/logger.js';
import type { Dimension } from '../src/persistence/reports.js';
import { refreshReportSummaries } from '../src/use-cases/report-summaries.js';
import { buildUsageReport, type UsageReport } from '../src/use-cases/usage-report.js';
import { median, round, startBenchPostgres } from './support.js';

/** Every report type, including a year, answers within this at 1,000,000 requests. */
export const REPORT_TARGET_MS = 300;

export interface ReportBenchResult {
  readonly rows: number;
  readonly seedSeconds: number;
  /** The summary job's first run over the seeded history (it runs in the background in the app). */
  readonly summarySeconds: number;
  readonly reports: { name: string; medianMs: number; runs: number }[];
  /** What was checked, and whether it held. */
  readonly checks: { name: string; ok: boolean }[];
  readonly correct: boolean;
}

interface ReportCase {
  readonly name: string;
  readonly period: string;
  readonly by?: Dimension;
  /** Compare with the report read from every request (exact counts, sums and lists; medians within bound). */
  readonly check?: boolean;
}

const CASES: readonly ReportCase[] = [
  { name: 'report today', period: 'today' },
  { name: 'report 30d', period: '30d' },
  { name: 'report 30d by requester', period: '30d', by: 'requester' },
  { name: 'report 30d by channel', period: '30d', by: 'channel' },
  { name: 'report 30d by approver', period: '30d', by: 'approver' },
  { name: 'report 30d by status', period: '30d', by: 'status' },
  { name: 'report last-month', period: 'last-month' },
  { name: 'report 365d', period: '365d', check: true },
  { name: 'report 365d by requester', period: '365d', by: 'requester', check: true },
  { name: 'report 365d by channel', period: '365d', by: 'channel', check: true },
  { name: 'report 365d by approver', period: '365d', by: 'approver', check: true },
  { name: 'report 365d by status', period: '365d', by: 'status', check: true },
];

const prices = { inputPerMTokUsd: '0.25', outputPerMTokUsd: '2.00' };

/** Everything but the medians, as text: counts and amounts must match to the unit. */
const exactPart = (report: UsageReport) =>
  JSON.stringify(
    {
      ...report,
      totals: report.totals.map(({ medianApproveSeconds, medianPaySeconds, medianRelativeError, ...t }) => t),
    },
    (_key, value) => (typeof value === 'bigint' ? value.toString() : value),
  );

/** The same report, and medians within the bound the report states (exact ones exactly). */
function agrees(report: UsageReport, reference: UsageReport): boolean {
  const within = (value: number | null, exact: number | null, relativeError = 0) =>
    value === exact || (value !== null && exact !== null && Math.abs(value - exact) <= relativeError * exact + 0.5);
  return (
    exactPart(report) === exactPart(reference) &&
    report.totals.every((t, i) => {
      const r = reference.totals[i];
      return (
        within(t.medianApproveSeconds, r?.medianApproveSeconds ?? null, t.medianRelativeError) &&
        within(t.medianPaySeconds, r?.medianPaySeconds ?? null, t.medianRelativeError)
      );
    })
  );
}

/**
 * Seeds `rows` charge requests spread over two years (four currencies, 200 requesters, 50
 * channels, realistic statuses) plus approvals and agent runs, summarises the closed months as the
 * app's job does, then times every report type and checks the year-long ones against reports read
 * from every request.
 */
export async function benchReports(rows = 1_000_000, runs = 11): Promise<ReportBenchResult> {
  const server = await startBenchPostgres();
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  await admin.query('CREATE DATABASE bench_reports');
  await admin.end();
  const logger = createLogger({ level: 'warn' });
  const database = await openDatabase({ databaseUrl: server.url('bench_reports'), dataDir: '.data' }, logger);
  const { db } = database;
  try {
    const seedStarted = performance.now();
    await db.query(
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
    await db.query(
      `INSERT INTO charge_approvals (charge_request_id, version, approver_id, decision, created_at)
       SELECT id, 1, 'UFIN' || (number % 5), 'approved', approved_at FROM charge_requests WHERE approved_at IS NOT NULL`,
    );
    await db.query(
      `INSERT INTO agent_runs (team_id, channel_id, user_id, model, input_tokens, output_tokens, total_tokens, latency_ms, outcome, created_at)
       SELECT 'T0', channel_id, requester_id, 'gpt-5-mini', 1500, 200, 1700, 900, 'proposed', created_at FROM charge_requests`,
    );
    await db.query('VACUUM ANALYZE');
    const seedSeconds = round((performance.now() - seedStarted) / 1000);

    const summaryStarted = performance.now();
    await refreshReportSummaries({ db, clock: systemClock, zone: 'UTC', logger });
    const summarySeconds = round((performance.now() - summaryStarted) / 1000);
    await db.query('ANALYZE');

    const reports: ReportBenchResult['reports'] = [];
    const checks: { name: string; ok: boolean }[] = [];
    const timed = async (name: string, run: () => Promise<unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        await run();
        times.push(performance.now() - started);
      }
      reports.push({ name, medianMs: round(median(times)), runs });
    };
    const periodOf = (text: string) => {
      const parsed = parsePeriod(text, 'UTC');
      if (!parsed.ok) throw new Error(parsed.message);
      return parsed.period;
    };
    const matchesEveryRequest = async (name: string, period: string, by?: Dimension) => {
      const [report, reference] = await Promise.all([
        buildUsageReport(db, periodOf(period), prices, by),
        buildUsageReport(db, periodOf(period), prices, by, { summaries: false }),
      ]);
      checks.push({ name, ok: agrees(report, reference) });
    };

    for (const c of CASES) {
      await timed(c.name, () => buildUsageReport(db, periodOf(c.period), prices, c.by));
      if (c.check) await matchesEveryRequest(`${c.name} = the same report read from every request`, c.period, c.by);
    }

    // The year's totals against a count written by hand.
    const year = periodOf('365d');
    const report = await buildUsageReport(db, year, prices);
    const direct = await db.query<{ currency: string; n: string; amount: string }>(
      `SELECT currency, count(*) AS n, sum(amount_minor) AS amount FROM charge_requests
       WHERE created_at >= $1 AND created_at < $2 GROUP BY currency`,
      [year.start, year.end],
    );
    checks.push({
      name: 'report 365d totals = a direct count',
      ok:
        direct.length === report.totals.length &&
        direct.every((d) => {
          const t = report.totals.find((x) => x.currency === d.currency);
          return t?.requested === Number(d.n) && t.requestedMinor === BigInt(d.amount);
        }),
    });

    // Requests of a summarised month paid late: the month is read raw until the job runs again.
    const [changed] = await db.query<{ n: string }>(
      `WITH late AS (
         UPDATE charge_requests SET status = 'paid', paid_at = now(), amount_received_minor = amount_minor
         WHERE id IN (SELECT id FROM charge_requests WHERE status = 'link_created'
                      AND created_at >= date_trunc('month', now()) - interval '4 months'
                      AND created_at < date_trunc('month', now()) - interval '3 months' LIMIT 100)
         RETURNING 1)
       SELECT count(*) AS n FROM late`,
    );
    checks.push({ name: '100 late payments in a summarised month', ok: Number(changed?.n) === 100 });
    await timed('report 365d by approver, a month changed since its summary', () =>
      buildUsageReport(db, year, prices, 'approver'),
    );
    await matchesEveryRequest('report 365d right after late payments = read from every request', '365d', 'approver');
    const resummarised = await refreshReportSummaries({ db, clock: systemClock, zone: 'UTC', logger });
    checks.push({ name: 'the job summarises the changed month again', ok: resummarised.summarised === 1 });
    await matchesEveryRequest('report 365d after the job ran again = read from every request', '365d', 'approver');

    return { rows, seedSeconds, summarySeconds, reports, checks, correct: checks.every((c) => c.ok) };
  } finally {
    await database.close();
    await server.stop();
  }
}
