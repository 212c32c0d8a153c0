import type { Queryable } from '../db/sql.js';
import { histogramMedian, MEDIAN_RELATIVE_ERROR } from '../domain/duration-histogram.js';
import { calendarDays, monthSegments, type Period } from '../domain/periods.js';
import {
  type AiUsage,
  aiUsage,
  type BreakdownRow,
  breakdown,
  type CurrencyTotals,
  currencyTotals,
  type Dimension,
  type DurationBuckets,
  durationHistograms,
  type ReportScope,
} from '../persistence/reports.js';

export interface UsageReport {
  readonly period: Period;
  readonly totals: CurrencyTotals[];
  readonly topRequesters: BreakdownRow[];
  readonly topChannels: BreakdownRow[];
  readonly breakdown?: { readonly by: Dimension; readonly rows: BreakdownRow[] };
  readonly ai: AiUsage & { readonly estimatedCostMicroUsd: bigint };
}

export interface ModelPrices {
  /** USD per million tokens, as decimal strings ("0.25"). */
  readonly inputPerMTokUsd: string;
  readonly outputPerMTokUsd: string;
}

/** "0.25" USD → 250000 micro-dollars, digit by digit (no floats, even for estimates). */
export function microUsd(decimal: string): bigint {
  const [whole = '0', fraction = ''] = decimal.split('.');
  return BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0').slice(0, 6));
}

/** Estimated model cost in micro-dollars, rounded half up. */
export function estimateCostMicroUsd(inputTokens: bigint, outputTokens: bigint, prices: ModelPrices): bigint {
  const scaled = inputTokens * microUsd(prices.inputPerMTokUsd) + outputTokens * microUsd(prices.outputPerMTokUsd);
  return (scaled + 500_000n) / 1_000_000n;
}

/**
 * A period of up to a month is read from every request, so its medians are exact. A longer one reads
 * its whole months from the monthly summaries (report-summaries.ts) where they are current.
 */
const LONGEST_RAW_REPORT_DAYS = 31;

/** Which segments of `period` a report may read from summaries (`summaries: false`: none). */
export function reportScope(period: Period, options: { summaries?: boolean } = {}): ReportScope {
  const segments =
    (options.summaries ?? true) && calendarDays(period) > LONGEST_RAW_REPORT_DAYS
      ? monthSegments(period)
      : [{ start: period.start, end: period.end, wholeMonth: false }];
  return { zone: period.zone, segments };
}

/** Medians read from merged duration buckets, marked with their error bound. */
function withEstimatedMedians(totals: CurrencyTotals, histograms: readonly DurationBuckets[]): CurrencyTotals {
  const estimate = (measure: DurationBuckets['measure']) =>
    histogramMedian(histograms.filter((h) => h.currency === totals.currency && h.measure === measure));
  return {
    ...totals,
    medianApproveSeconds: estimate('approve'),
    medianPaySeconds: estimate('pay'),
    medianRelativeError: MEDIAN_RELATIVE_ERROR,
  };
}

/**
 * Everything `/charges report` shows, read in parallel from the database. Counts and amounts are
 * exact; medians are exact unless summarised months were used, and then within MEDIAN_RELATIVE_ERROR.
 * `summaries: false` reads every request (the reference the summaries are tested against).
 */
export async function buildUsageReport(
  db: Queryable,
  period: Period,
  prices: ModelPrices,
  by?: Dimension,
  options: { summaries?: boolean } = {},
): Promise<UsageReport> {
  const scope = reportScope(period, options);
  const [{ totals, fromSummaries }, histograms, topRequesters, topChannels, usage, grouped] = await Promise.all([
    currencyTotals(db, scope),
    scope.segments.some((s) => s.wholeMonth) ? durationHistograms(db, scope) : Promise.resolve([]),
    breakdown(db, scope, 'requester', 5),
    breakdown(db, scope, 'channel', 5),
    aiUsage(db, scope),
    by ? breakdown(db, scope, by, 15) : Promise.resolve(undefined),
  ]);
  return {
    period,
    totals: fromSummaries ? totals.map((t) => withEstimatedMedians(t, histograms)) : totals,
    topRequesters,
    topChannels,
    ...(by && grouped ? { breakdown: { by, rows: grouped } } : {}),
    ai: { ...usage, estimatedCostMicroUsd: estimateCostMicroUsd(usage.inputTokens, usage.outputTokens, prices) },
  };
}
