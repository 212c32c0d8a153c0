import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Database } from '../../src/db/database.js';
import { createPoolDb, type Db } from '../../src/db/sql.js';
import { monthSegments, type Period, parsePeriod } from '../../src/domain/periods.js';
import { startPeriodic } from '../../src/jobs/periodic.js';
import { recordDecisionOnce } from '../../src/persistence/approvals.js';
import { findChargeRequest, transitionChargeRequest } from '../../src/persistence/charge-requests.js';
import { staleSummaryMonths } from '../../src/persistence/report-summaries.js';
import { breakdown, DIMENSIONS } from '../../src/persistence/reports.js';
import { REPORT_SUMMARIES_JOB, refreshReportSummaries } from '../../src/use-cases/report-summaries.js';
import { buildUsageReport, reportScope, type UsageReport } from '../../src/use-cases/usage-report.js';
import { FakeClock, HOUR } from '../support/clock.js';
import { openTestDatabase, silentLogger } from '../support/database.js';
import { eventually } from '../support/http-fake.js';

const prices = { inputPerMTokUsd: '0.25', outputPerMTokUsd: '2.00' };
/** "Now" for these tests: September 2026 is the current month; December 2025 to August 2026 are closed. */
const NOW = new Date('2026-09-15T12:00:00Z');
const HISTORY_START = Date.parse('2025-12-20T00:00:00Z');
const HISTORY_END = Date.parse('2026-09-15T00:00:00Z');
const ZONES = ['America/Los_Angeles', 'Pacific/Chatham'];

/** A small deterministic PRNG, so that a failing case can be replayed. */
function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = mulberry32(20261115);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
/** Seconds, log-uniform between `min` and `max`. */
const logUniform = (min: number, max: number) => min * (max / min) ** random();

const APPROVED = ['approved', 'link_created', 'link_failed', 'paid', 'partially_refunded', 'refunded', 'link_expired'];
const LINKED = ['link_created', 'paid', 'partially_refunded', 'refunded', 'link_expired'];
const PAID = ['paid', 'partially_refunded', 'refunded'];
const STATUSES = [...APPROVED, 'pending_approval', 'rejected', 'canceled', 'expired', 'paid', 'paid'];

/**
 * Requests as history leaves them, created across nine months (some on the last and first hours of a
 * month, where zones disagree), with approvals (one or two approvers), rejections, flags, payments
 * of other amounts, and agent runs.
 */
async function seedHistory(db: Database['db'], count: number): Promise<void> {
  const rows = Array.from({ length: count }, () => {
    const edge = random() < 0.15;
    const createdMs = edge
      ? Date.UTC(2026, Math.floor(random() * 8), 1) + (random() - 0.5) * 30 * HOUR
      : HISTORY_START + random() * (HISTORY_END - HISTORY_START);
    const status = pick(STATUSES);
    const approvedMs = APPROVED.includes(status)
      ? createdMs + 1000 * (random() < 0.05 ? random() : logUniform(30, 5 * 86_400))
      : null;
    const linkedMs = approvedMs !== null && LINKED.includes(status) ? approvedMs + 60_000 : null;
    const paidMs = linkedMs !== null && PAID.includes(status) ? linkedMs + 1000 * logUniform(60, 10 * 86_400) : null;
    const amount = BigInt(100 + Math.floor(random() * 500_000));
    return {
      status,
      created: new Date(createdMs),
      approved: approvedMs === null ? null : new Date(approvedMs),
      linked: linkedMs === null ? null : new Date(linkedMs),
      paid: paidMs === null ? null : new Date(paidMs),
      amount: amount.toString(),
      received: paidMs === null ? null : (random() < 0.2 ? amount - 50n : amount).toString(),
      currency: pick(['USD', 'USD', 'EUR', 'JPY']),
      requester: pick(['U0ANA', 'U0BEN', 'U0CAI', 'U0DEV', 'U0EVE']),
      channel: pick(['C0SALES', 'C0OPS', 'C0FIN']),
      flags: random() < 0.2 ? '[{"code":"unusual_amount"}]' : '[]',
      approvers: status === 'rejected' ? 1 : approvedMs === null ? 0 : random() < 0.3 ? 2 : 1,
    };
  });
  const column = <K extends keyof (typeof rows)[number]>(key: K) => rows.map((r) => r[key]);
  const ids = await db.query<{ id: string; n: number }>(
    `INSERT INTO charge_requests (status, source, team_id, channel_id, requester_id, customer_name, description,
       amount_minor, currency, created_at, approved_at, link_created_at, paid_at, amount_received_minor, flags)
     SELECT s.status, 'command', 'T0', s.channel, s.requester, 'Acme Corp', 'seeded', s.amount, s.currency, s.created,
       s.approved, s.linked, s.paid, s.received, s.flags
     FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::timestamptz[], $7::timestamptz[],
       $8::timestamptz[], $9::timestamptz[], $10::bigint[], $11::jsonb[])
       AS s (status, channel, requester, amount, currency, created, approved, linked, paid, received, flags)
     RETURNING id, number AS n`,
    [
      column('status'),
      column('channel'),
      column('requester'),
      column('amount'),
      column('currency'),
      column('created'),
      column('approved'),
      column('linked'),
      column('paid'),
      column('received'),
      column('flags'),
    ],
  );
  const decisions = ids.flatMap(({ id }, i) => {
    const row = rows[i];
    if (!row) return [];
    return ['U0FIN1', 'U0FIN2'].slice(0, row.approvers).map((approver) => ({
      id,
      approver,
      decision: row.status === 'rejected' ? 'rejected' : 'approved',
    }));
  });
  await db.query(
    `INSERT INTO charge_approvals (charge_request_id, version, approver_id, decision)
     SELECT d.id, 1, d.approver, d.decision FROM unnest($1::uuid[], $2::text[], $3::text[]) AS d (id, approver, decision)`,
    [decisions.map((d) => d.id), decisions.map((d) => d.approver), decisions.map((d) => d.decision)],
  );
  const runs = Array.from({ length: Math.floor(count / 2) }, () => ({
    created: new Date(HISTORY_START + random() * (HISTORY_END - HISTORY_START)),
    outcome: pick(['proposed', 'revised', 'replied', 'model_timeout']),
    input: Math.floor(random() * 5000),
    output: Math.floor(random() * 800),
  }));
  await db.query(
    `INSERT INTO agent_runs (team_id, channel_id, user_id, model, input_tokens, output_tokens, total_tokens, latency_ms, outcome, created_at)
     SELECT 'T0', 'C0SALES', 'U0ANA', 'gpt-5-mini', r.input, r.output, r.input + r.output, 900, r.outcome, r.created
     FROM unnest($1::int[], $2::int[], $3::text[], $4::timestamptz[]) AS r (input, output, outcome, created)`,
    [runs.map((r) => r.input), runs.map((r) => r.output), runs.map((r) => r.outcome), runs.map((r) => r.created)],
  );
}

function periodOf(text: string, zone: string): Period {
  const parsed = parsePeriod(text, zone, NOW);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.period;
}

/** Random ranges from a few days to most of the history, in `zone`. */
function randomPeriods(zone: string, count: number): Period[] {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return Array.from({ length: count }, () => {
    const start = HISTORY_START - 10 * 86_400_000 + random() * (HISTORY_END - HISTORY_START);
    const end = Math.min(start + 86_400_000 * (3 + random() * 280), HISTORY_END + 86_400_000);
    return periodOf(`${day(start)}..${day(end)}`, zone);
  });
}

/** Counts and amounts, which must match exactly. */
const exact = (report: UsageReport) => ({
  ...report,
  totals: report.totals.map(({ medianApproveSeconds, medianPaySeconds, medianRelativeError, ...t }) => t),
});

let database: Database;
const db = () => database.db;
const refresh = (zone: string, clock = new FakeClock(NOW)) =>
  refreshReportSummaries({ db: db(), clock, zone, logger: silentLogger });

/**
 * The report for `period` (months from summaries where they are current) equals the report read from
 * every request: every count, amount and list line; medians within the bound the report states.
 * Returns whether summaries were used.
 */
async function expectSameAsEveryRequest(period: Period): Promise<boolean> {
  const reports = await Promise.all(
    DIMENSIONS.map(async (by) => ({
      summarised: await buildUsageReport(db(), period, prices, by),
      everyRequest: await buildUsageReport(db(), period, prices, by, { summaries: false }),
    })),
  );
  for (const { summarised, everyRequest } of reports) {
    expect(exact(summarised)).toEqual(exact(everyRequest));
    summarised.totals.forEach((t, i) => {
      const reference = everyRequest.totals[i];
      for (const [estimate, exactSeconds] of [
        [t.medianApproveSeconds, reference?.medianApproveSeconds ?? null],
        [t.medianPaySeconds, reference?.medianPaySeconds ?? null],
      ] as const) {
        if (exactSeconds === null) expect(estimate).toBeNull();
        else
          expect(Math.abs((estimate ?? Number.NaN) - exactSeconds)).toBeLessThanOrEqual(
            (t.medianRelativeError ?? 0) * exactSeconds + 0.5,
          );
      }
    });
  }
  // Every line of every breakdown, not only the top ones a report shows.
  for (const by of DIMENSIONS) {
    expect(await breakdown(db(), reportScope(period), by, 10_000)).toEqual(
      await breakdown(db(), reportScope(period, { summaries: false }), by, 10_000),
    );
  }
  return reports.some(({ summarised }) => summarised.totals.some((t) => t.medianRelativeError !== undefined));
}

const changesNoted = async () =>
  Number((await db().query<{ n: string }>('SELECT count(*) AS n FROM report_changes'))[0]?.n);

beforeAll(async () => {
  database = await openTestDatabase();
  await seedHistory(db(), 1500);
});
afterAll(async () => {
  await database?.close();
});

describe('monthly report summaries', () => {
  test.each(ZONES)(
    'when the closed months of %s are summarised, then every report equals the one read from every request',
    async (zone) => {
      const { summarised } = await refresh(zone);
      expect(summarised).toBe(9); // December 2025 to August 2026
      const periods = [
        ...['365d', 'last-month', 'this-month', '30d', '2026-01-15..2026-06-10', '2025-11-01..2026-09-30'].map((p) =>
          periodOf(p, zone),
        ),
        ...randomPeriods(zone, 12),
      ];
      let usedSummaries = 0;
      for (const period of periods) if (await expectSameAsEveryRequest(period)) usedSummaries++;
      // Up to a month is always read raw; most of these periods are longer and hold closed months.
      expect(usedSummaries).toBeGreaterThanOrEqual(8);
    },
  );

  test('when REPORT_TIMEZONE changes, then the other zone’s summaries are dropped and the new zone’s months summarised', async () => {
    await refresh('America/Los_Angeles');
    const zones = async () =>
      (await db().query<{ zone: string }>('SELECT DISTINCT zone FROM report_months')).map((r) => r.zone);
    expect(await zones()).toEqual(['America/Los_Angeles']);
    expect((await refresh('Pacific/Chatham')).summarised).toBe(9);
    expect(await zones()).toEqual(['Pacific/Chatham']);
    expect((await refresh('Pacific/Chatham')).summarised).toBe(0);
  });
});

describe('changes after a month was summarised', () => {
  const zone = 'UTC';
  const months = monthSegments(periodOf('2025-12-01..2026-08-31', zone));

  test('when old requests are approved, paid, flagged and run late, then reports show it at once, and again after the job', async () => {
    await refresh(zone);
    expect(await staleSummaryMonths(db(), zone, months)).toEqual([]);
    const year = periodOf('2025-12-01..2026-08-31', zone);
    const before = await buildUsageReport(db(), year, prices, 'approver');

    // March: an approval (approval row and transition, as an approver's click writes them).
    const [pending] = await db().query<{ id: string }>(
      `SELECT id FROM charge_requests WHERE status = 'pending_approval'
       AND created_at >= '2026-03-01' AND created_at < '2026-04-01' LIMIT 1`,
    );
    const request = await findChargeRequest(db(), pending?.id ?? '');
    if (!request) throw new Error('no pending request in March');
    await db().transaction(async (tx) => {
      await recordDecisionOnce(tx, {
        chargeRequestId: request.id,
        version: request.version,
        approverId: 'U0FIN3',
        delegateId: null,
        decision: 'approved',
        reason: null,
        at: NOW,
      });
      await transitionChargeRequest(tx, {
        id: request.id,
        action: 'approve',
        expected: { status: request.status, version: request.version },
        actor: 'U0FIN3',
        changes: { approvedAt: NOW },
      });
    });
    // May: a late payment, as a webhook records it.
    const [linked] = await db().query<{ id: string; version: number }>(
      `SELECT id, version FROM charge_requests WHERE status = 'link_created'
       AND created_at >= '2026-05-01' AND created_at < '2026-06-01' LIMIT 1`,
    );
    const paid = await transitionChargeRequest(db(), {
      id: linked?.id ?? '',
      action: 'record_payment',
      expected: { status: 'link_created', version: linked?.version ?? 0 },
      actor: 'stripe',
      changes: { paidAt: NOW, amountReceivedMinor: 4200n },
    });
    expect(paid.ok).toBe(true);
    // July: an agent run recorded late.
    await db().query(
      `INSERT INTO agent_runs (team_id, channel_id, user_id, model, input_tokens, output_tokens, total_tokens, latency_ms, outcome, created_at)
       VALUES ('T0', 'C0OPS', 'U0ANA', 'gpt-5-mini', 1000, 100, 1100, 500, 'proposed', '2026-07-04T10:00:00Z')`,
    );

    const stale = (await staleSummaryMonths(db(), zone, months)).map((m) => m.start.toISOString().slice(0, 7));
    expect(stale.sort()).toEqual(['2026-03', '2026-05', '2026-07']);
    const after = await buildUsageReport(db(), year, prices, 'approver');
    const ofCurrency = (r: UsageReport) => r.totals.find((t) => t.currency === request.currency);
    expect(ofCurrency(after)?.approved).toBe((ofCurrency(before)?.approved ?? 0) + 1);
    expect(after.ai.runs).toBe(before.ai.runs + 1);
    expect(await expectSameAsEveryRequest(year)).toBe(true);

    expect((await refresh(zone)).summarised).toBe(3);
    expect(await staleSummaryMonths(db(), zone, months)).toEqual([]);
    expect(await changesNoted()).toBe(0);
    expect(exact(await buildUsageReport(db(), year, prices, 'approver'))).toEqual(exact(after));
    expect(await expectSameAsEveryRequest(year)).toBe(true);
  });

  test('when requests of the current month are created, approved and paid, then nothing is noted', async () => {
    await refresh(zone);
    expect(await changesNoted()).toBe(0);
    const [created] = await db().query<{ id: string }>(
      `INSERT INTO charge_requests (status, source, team_id, channel_id, requester_id, customer_name, description,
         amount_minor, currency, created_at)
       VALUES ('pending_approval', 'command', 'T0', 'C0SALES', 'U0ANA', 'Acme Corp', 'this month', 5000, 'USD', '2026-09-10T09:00:00Z')
       RETURNING id`,
    );
    const id = created?.id ?? '';
    await recordDecisionOnce(db(), {
      chargeRequestId: id,
      version: 1,
      approverId: 'U0FIN1',
      delegateId: null,
      decision: 'approved',
      reason: null,
      at: NOW,
    });
    for (const [action, status, changes] of [
      ['approve', 'pending_approval', { approvedAt: NOW }],
      ['create_link', 'approved', { linkCreatedAt: NOW, paymentLinkId: 'plink_1' }],
      ['record_payment', 'link_created', { paidAt: NOW, amountReceivedMinor: 5000n }],
    ] as const) {
      const moved = await transitionChargeRequest(db(), {
        id,
        action,
        expected: { status, version: 1 },
        actor: 'test',
        changes,
      });
      expect(moved.ok).toBe(true);
    }
    await db().query(
      `INSERT INTO agent_runs (team_id, channel_id, user_id, model, latency_ms, outcome, created_at)
       VALUES ('T0', 'C0SALES', 'U0ANA', 'gpt-5-mini', 700, 'proposed', '2026-09-10T09:00:00Z')`,
    );
    expect(await changesNoted()).toBe(0);
    // The same change to last month's request is noted.
    await db().query(
      `UPDATE charge_requests SET flags = '[{"code":"unusual_amount"}]'
       WHERE id = (SELECT id FROM charge_requests WHERE created_at >= '2026-08-01' AND created_at < '2026-08-31' LIMIT 1)`,
    );
    expect(await changesNoted()).toBe(1);
  });

  test('when a writer that read the old horizon is still open, then the month waits for it, and its change is summarised', async () => {
    await refresh(zone);
    // The writer changes a request of September while September is still the current month: no note.
    const writer = createPoolDb({ url: database.url, max: 1 });
    const october = new FakeClock(new Date('2026-10-15T12:00:00Z'));
    let commit: () => void = () => undefined;
    const committed = new Promise<void>((resolve) => {
      commit = resolve;
    });
    let changed: () => void = () => undefined;
    const written = new Promise<void>((resolve) => {
      changed = resolve;
    });
    const open = writer.transaction(async (tx) => {
      await tx.query(
        `UPDATE charge_requests SET flags = '[{"code":"possible_duplicate"}]'
         WHERE id = (SELECT id FROM charge_requests WHERE created_at >= '2026-09-05' AND created_at < '2026-09-14' LIMIT 1)`,
      );
      changed();
      await committed;
    });
    try {
      await written;
      // October begins: September closes while the writer is still open, so it is not summarised yet.
      const held = await refreshReportSummaries({
        db: db(),
        clock: october,
        zone,
        logger: silentLogger,
        writersTimeoutMs: 200,
      });
      expect(held.summarised).toBe(0);
      commit();
      await open;
      expect(await changesNoted()).toBe(0);
      const run = await refreshReportSummaries({ db: db(), clock: october, zone, logger: silentLogger });
      expect(run.summarised).toBe(1);
      expect(await expectSameAsEveryRequest(periodOf('2026-07-01..2026-09-30', zone))).toBe(true);
    } finally {
      commit();
      await open.catch(() => undefined);
      await writer.end();
    }
  });
});

describe('the summary job', () => {
  test('when two instances start it at once, then one runs it and the other skips that run', async () => {
    await db().query('DELETE FROM report_months');
    const other = createPoolDb({ url: database.url, max: 2 });
    let runs = 0;
    let active = 0;
    let peak = 0;
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const job = (instanceDb: Db) =>
      startPeriodic(
        REPORT_SUMMARIES_JOB.name,
        HOUR,
        async () => {
          runs++;
          peak = Math.max(peak, ++active);
          await gate;
          await refreshReportSummaries({
            db: instanceDb,
            clock: new FakeClock(NOW),
            zone: 'UTC',
            logger: silentLogger,
          });
          active--;
        },
        silentLogger,
        { singleton: { db: instanceDb, lockKey: REPORT_SUMMARIES_JOB.lockKey } },
      );
    try {
      const first = job(db());
      await eventually(() => (runs === 1 ? true : undefined), 'the first instance running the job');
      // The second instance's first run finds the lock held and skips.
      await job(other).stop();
      expect(runs).toBe(1);
      open();
      await first.stop();
      expect(peak).toBe(1);
      const [months] = await db().query<{ n: string }>("SELECT count(*) AS n FROM report_months WHERE zone = 'UTC'");
      expect(Number(months?.n)).toBe(9);
    } finally {
      open();
      await other.end();
    }
  });
});
