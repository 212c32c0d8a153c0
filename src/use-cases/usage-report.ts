import type { Queryable } from '../db/sql.js';
import type { Period } from '../domain/periods.js';
import {
  type AiUsage,
  aiUsage,
  type BreakdownRow,
  breakdown,
  type CurrencyTotals,
  currencyTotals,
  type Dimension,
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

/** Everything `/charges report` shows, read in parallel from the database. */
export async function buildUsageReport(
  db: Queryable,
  period: Period,
  prices: ModelPrices,
  by?: Dimension,
): Promise<UsageReport> {
  const [totals, topRequesters, topChannels, usage, grouped] = await Promise.all([
    currencyTotals(db, period),
    breakdown(db, period, 'requester', 5),
    breakdown(db, period, 'channel', 5),
    aiUsage(db, period),
    by ? breakdown(db, period, by, 15) : Promise.resolve(undefined),
  ]);
  return {
    period,
    totals,
    topRequesters,
    topChannels,
    ...(by && grouped ? { breakdown: { by, rows: grouped } } : {}),
    ai: { ...usage, estimatedCostMicroUsd: estimateCostMicroUsd(usage.inputTokens, usage.outputTokens, prices) },
  };
}
