import type { Db } from '../db/sql.js';
import type { Clock } from '../domain/clock.js';
import { dayAndMonthOf, monthSegments } from '../domain/periods.js';
import type { Logger } from '../logger.js';
import {
  dropOtherSummaries,
  earliestReportedActivity,
  raiseSummaryHorizon,
  staleSummaryMonths,
  summariseMonth,
  waitForEarlierWriters,
} from '../persistence/report-summaries.js';

/** The periodic job: one instance at a time (a PostgreSQL advisory lock), every few minutes. */
export const REPORT_SUMMARIES_JOB = {
  name: 'report-summaries',
  lockKey: 'countersign:report-summaries',
  intervalMs: 5 * 60_000,
} as const;

export interface ReportSummaryDeps {
  readonly db: Db;
  readonly clock: Clock;
  /** REPORT_TIMEZONE: summaries are of its calendar months. */
  readonly zone: string;
  readonly logger: Logger;
  /** How long a run waits for writers that started before it (default 30 s) before giving up until the next. */
  readonly writersTimeoutMs?: number;
}

/**
 * Keeps a summary of every closed month of the report zone, from the first request to last month:
 * summarises months that have none, or changed since (requests approved, paid or refunded later count
 * in the month they were created in), and drops summaries of another zone. Until a month is summarised
 * again, reports read it raw, so they are exact either way; this only keeps year-long reports fast.
 */
export async function refreshReportSummaries(deps: ReportSummaryDeps): Promise<{ summarised: number }> {
  const { db, zone, logger } = deps;
  const thisMonth = dayAndMonthOf(deps.clock.now(), zone).month.start;
  await raiseSummaryHorizon(db, thisMonth);
  await dropOtherSummaries(db, zone);
  const first = await earliestReportedActivity(db);
  if (!first || first >= thisMonth) return { summarised: 0 };
  const closedMonths = monthSegments({ start: dayAndMonthOf(first, zone).month.start, end: thisMonth, zone });
  const stale = await staleSummaryMonths(db, zone, closedMonths);
  if (stale.length === 0) return { summarised: 0 };
  if (!(await waitForEarlierWriters(db, deps.writersTimeoutMs))) {
    logger.warn({ job: REPORT_SUMMARIES_JOB.name }, 'a long-running transaction holds back report summaries');
    return { summarised: 0 };
  }
  for (const month of stale) await summariseMonth(db, zone, month);
  logger.info({ job: REPORT_SUMMARIES_JOB.name, months: stale.length, zone }, 'report months summarised');
  return { summarised: stale.length };
}
