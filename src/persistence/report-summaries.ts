import { setTimeout as sleep } from 'node:timers/promises';
import type { Db, Queryable } from '../db/sql.js';
import { OPEN_STATUSES, REJECTED_STATUSES } from '../domain/charge-status.js';
import {
  DIMENSIONS,
  type DurationMeasure,
  RAW_AI_USAGE,
  rawDurationsSql,
  rawGroupsSql,
  rawTotalsSql,
  SUMMARY_DEFINITION,
  TOTALS_COLUMNS,
} from './reports.js';

/**
 * Monthly report summaries and how they stay exact.
 *
 * Triggers (ReportSummaries migration) note every change to a request, approval or agent run created
 * before the horizon, in the writing transaction: one append-only row in report_changes holding the
 * instant the changed row counts at. A summarised month with a note inside it is stale, and reports
 * read it raw until it is summarised again; summarising a month clears the notes its snapshot saw.
 *
 * The horizon only moves forward, and a month is summarised only once every writer that might have
 * seen a horizon below the month's end has finished (waitForEarlierWriters): a change is therefore
 * either inside the summary's snapshot or noted.
 */

/** The month a summary stands for, in its zone. */
export interface SummaryMonth {
  readonly start: Date;
  readonly end: Date;
}

/** Moves the horizon to `until`, never back: from now on, changes to rows created before it are noted. */
export async function raiseSummaryHorizon(db: Queryable, until: Date): Promise<void> {
  await db.query(
    `INSERT INTO report_horizon (id, summarised_until) VALUES (true, $1)
     ON CONFLICT (id) DO UPDATE SET summarised_until = greatest(report_horizon.summarised_until, EXCLUDED.summarised_until)`,
    [until],
  );
}

/**
 * Waits until every transaction that was writing when this is called has ended. Called after
 * raiseSummaryHorizon, it guarantees that no writer that read an older horizon (and so noted
 * nothing) can still commit: any change not in a snapshot taken afterwards is noted. Only writers
 * are waited for (they hold a transaction id; readers do not). False when that takes longer than
 * `timeoutMs`, say behind a transaction left open: nothing may be summarised yet.
 */
export async function waitForEarlierWriters(db: Queryable, timeoutMs = 30_000): Promise<boolean> {
  // A writer that read the old horizon had its id before the raise committed, so below this xmax;
  // once no id below it is running, they have all ended.
  const [snapshot] = await db.query<{ xmax: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax');
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const [row] = await db.query<{ ended: boolean }>(
      'SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 AS ended',
      [snapshot?.xmax],
    );
    if (row?.ended) return true;
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
}

/** When the first request or agent run was created (null: nothing yet). */
export async function earliestReportedActivity(db: Queryable): Promise<Date | null> {
  const [row] = await db.query<{ at: Date | null }>(
    `SELECT least((SELECT min(created_at) FROM charge_requests), (SELECT min(created_at) FROM agent_runs)) AS at`,
  );
  return row?.at ?? null;
}

/** Removes summaries of other zones or definitions (after a change of REPORT_TIMEZONE, or of the code). */
export async function dropOtherSummaries(db: Queryable, zone: string): Promise<void> {
  await db.query('DELETE FROM report_months WHERE zone <> $1 OR definition <> $2', [zone, SUMMARY_DEFINITION]);
}

/** Of `months`, those without a summary in `zone`, or changed since they were summarised; newest first. */
export async function staleSummaryMonths(
  db: Queryable,
  zone: string,
  months: readonly SummaryMonth[],
): Promise<SummaryMonth[]> {
  const rows = await db.query<{ start: Date; end: Date }>(
    `SELECT s.lo AS start, s.hi AS end
     FROM unnest($1::timestamptz[], $2::timestamptz[]) AS s (lo, hi)
     WHERE NOT EXISTS (SELECT 1 FROM report_months m
                       WHERE m.zone = $3 AND m.definition = $4 AND m.month_start = s.lo AND m.month_end = s.hi)
        OR EXISTS (SELECT 1 FROM report_changes c WHERE c.row_created_at >= s.lo AND c.row_created_at < s.hi)
     ORDER BY s.lo DESC`,
    [months.map((m) => m.start), months.map((m) => m.end), zone, SUMMARY_DEFINITION],
  );
  return rows.map((r) => ({ start: r.start, end: r.end }));
}

/**
 * Summarises one month of `zone` from the raw rows (the same SQL a report uses for its raw days) and
 * clears the notes of changes in it, in one REPEATABLE READ transaction: the summary and the notes it
 * clears come from the same snapshot, so a change committed after it keeps its note.
 */
export async function summariseMonth(db: Db, zone: string, month: SummaryMonth): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await tx.query('DELETE FROM report_months WHERE zone = $1 AND month_start = $2', [zone, month.start]);
    const segment = 'raw_segment AS (SELECT $2::timestamptz AS lo, $3::timestamptz AS hi)';
    const [created] = await tx.query<{ id: string }>(
      `WITH ${segment}
       INSERT INTO report_months (zone, month_start, month_end, definition, runs, proposals, failures, input_tokens, output_tokens)
       SELECT $1, $2, $3, $4, ai.* FROM (${RAW_AI_USAGE}) ai
       RETURNING id`,
      [zone, month.start, month.end, SUMMARY_DEFINITION],
    );
    const params = [created?.id, month.start, month.end];
    const histogram = (measure: DurationMeasure) =>
      `SELECT currency, jsonb_object_agg(bucket, n) AS counts FROM (${rawDurationsSql(measure)}) d GROUP BY currency`;
    await tx.query(
      `WITH ${segment}
       INSERT INTO report_month_totals (month_id, currency, ${TOTALS_COLUMNS.join(', ')},
         approve_histogram, pay_histogram)
       SELECT $1::bigint, t.*, coalesce(a.counts, '{}'), coalesce(p.counts, '{}')
       FROM (${rawTotalsSql('$4', '$5')}) t
       LEFT JOIN (${histogram('approve')}) a ON a.currency = t.currency
       LEFT JOIN (${histogram('pay')}) p ON p.currency = t.currency`,
      [...params, OPEN_STATUSES, REJECTED_STATUSES],
    );
    await tx.query(
      `WITH ${segment}
       INSERT INTO report_month_groups (month_id, dimension, key, currency, requests, amount_minor)
       ${DIMENSIONS.map((by) => `SELECT $1::bigint, '${by}', g.* FROM (${rawGroupsSql(by)}) g`).join('\nUNION ALL\n')}`,
      params,
    );
    await tx.query('DELETE FROM report_changes WHERE row_created_at >= $1 AND row_created_at < $2', [
      month.start,
      month.end,
    ]);
  });
}
