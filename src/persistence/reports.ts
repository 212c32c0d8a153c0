import type { Queryable } from '../db/sql.js';
import { OPEN_STATUSES, REJECTED_STATUSES } from '../domain/charge-status.js';
import { BUCKET_GROWTH, type BucketCount } from '../domain/duration-histogram.js';
import type { PeriodSegment } from '../domain/periods.js';

/**
 * Report queries. A report's period comes cut into month segments (domain/periods.ts monthSegments).
 * Each whole month that has a current summary (persistence/report-summaries.ts) in the report's zone
 * and no change noted since is read from the summary; every other segment (partial months at the
 * ends, the current month, months changed since they were summarised) is read raw from the covering
 * indexes. Each query decides this inside its own statement, so it is exact for its snapshot.
 */

/** What a report covers: its period cut into segments, and the zone whose monthly summaries apply. */
export interface ReportScope {
  readonly zone: string;
  readonly segments: readonly PeriodSegment[];
}

/**
 * What a summary's numbers mean. A summary computed under another definition (other status lists,
 * other buckets) is never read, and the summary job recomputes it. Bump the version when the SQL
 * below changes what it counts.
 */
export const SUMMARY_DEFINITION = `v1; open: ${OPEN_STATUSES.join(',')}; rejected: ${REJECTED_STATUSES.join(',')}; bucket growth: ${BUCKET_GROWTH}`;

/** $1–$5 of every report query. */
const scopeParams = (scope: ReportScope) => [
  scope.segments.map((s) => s.start),
  scope.segments.map((s) => s.end),
  scope.segments.map((s) => s.wholeMonth),
  scope.zone,
  SUMMARY_DEFINITION,
];

/** `segment` (each with the summary that stands for it, if any), `summarised` and `raw_segment`. */
const SCOPE = `segment AS (
    SELECT s.lo, s.hi, m.id AS month_id
    FROM unnest($1::timestamptz[], $2::timestamptz[], $3::boolean[]) AS s (lo, hi, whole_month)
    LEFT JOIN report_months m ON s.whole_month AND m.zone = $4 AND m.definition = $5
      AND m.month_start = s.lo AND m.month_end = s.hi
      AND NOT EXISTS (SELECT 1 FROM report_changes c WHERE c.row_created_at >= s.lo AND c.row_created_at < s.hi)),
  summarised AS (SELECT month_id FROM segment WHERE month_id IS NOT NULL),
  raw_segment AS (SELECT lo, hi FROM segment WHERE month_id IS NULL)`;

// The raw halves below read `raw_segment` (lo, hi); the summary job computes a month with the same
// SQL over one segment, so a summary and a raw read can never count differently.

const RAW_REQUESTS = 'raw_segment s JOIN charge_requests r ON r.created_at >= s.lo AND r.created_at < s.hi';

/** The per-currency funnel columns, in the order of report_month_totals. */
export const TOTALS_COLUMNS = [
  'requested',
  'requested_minor',
  'approved',
  'approved_minor',
  'rejected',
  'rejected_minor',
  'linked',
  'flagged',
  'paid',
  'paid_minor',
  'outstanding',
  'outstanding_minor',
] as const;

/** Raw funnel per currency; `open` and `rejected` are the parameters holding those status lists. */
export function rawTotalsSql(open: string, rejected: string, more = ''): string {
  return `SELECT r.currency,
       count(*) AS requested, coalesce(sum(r.amount_minor), 0) AS requested_minor,
       count(*) FILTER (WHERE r.approved_at IS NOT NULL) AS approved,
       coalesce(sum(r.amount_minor) FILTER (WHERE r.approved_at IS NOT NULL), 0) AS approved_minor,
       count(*) FILTER (WHERE r.status = ANY(${rejected})) AS rejected,
       coalesce(sum(r.amount_minor) FILTER (WHERE r.status = ANY(${rejected})), 0) AS rejected_minor,
       count(*) FILTER (WHERE r.link_created_at IS NOT NULL) AS linked,
       count(*) FILTER (WHERE r.flags <> '[]'::jsonb) AS flagged,
       count(*) FILTER (WHERE r.paid_at IS NOT NULL) AS paid,
       coalesce(sum(coalesce(r.amount_received_minor, r.amount_minor)) FILTER (WHERE r.paid_at IS NOT NULL), 0) AS paid_minor,
       count(*) FILTER (WHERE r.status = ANY(${open})) AS outstanding,
       coalesce(sum(r.amount_minor) FILTER (WHERE r.status = ANY(${open})), 0) AS outstanding_minor${more}
     FROM ${RAW_REQUESTS} GROUP BY r.currency`;
}

/** Seconds from request to approval, and to payment. */
const SECONDS_TO = {
  approve: `date_part('epoch', r.approved_at - r.created_at)`,
  pay: `date_part('epoch', r.paid_at - r.created_at)`,
} as const;

export type DurationMeasure = keyof typeof SECONDS_TO;

/** Raw duration bucket counts of one measure per currency (currency, bucket, n). */
export function rawDurationsSql(measure: DurationMeasure): string {
  return `SELECT r.currency, report_duration_bucket(${SECONDS_TO[measure]}) AS bucket, count(*) AS n
    FROM ${RAW_REQUESTS} WHERE ${SECONDS_TO[measure]} IS NOT NULL GROUP BY 1, 2`;
}

/** Raw AI usage (agent runs count in the period they ran in). */
export const RAW_AI_USAGE = `SELECT count(*) AS runs,
       count(*) FILTER (WHERE a.outcome IN ('proposed', 'revised')) AS proposals,
       count(*) FILTER (WHERE a.outcome LIKE 'model_%') AS failures,
       coalesce(sum(a.input_tokens), 0) AS input_tokens, coalesce(sum(a.output_tokens), 0) AS output_tokens
     FROM raw_segment s JOIN agent_runs a ON a.created_at >= s.lo AND a.created_at < s.hi`;

export type Dimension = 'requester' | 'channel' | 'approver' | 'status';

export const DIMENSIONS: readonly Dimension[] = ['requester', 'channel', 'approver', 'status'];

/** Raw requests (count and amount) per key and currency; approvers by the approvals of those requests. */
export function rawGroupsSql(by: Dimension): string {
  if (by === 'approver') {
    // Grouped per segment, so that each side is an index range scan of that segment.
    return `SELECT x.key, x.currency, sum(x.requests) AS requests, sum(x.amount_minor) AS amount_minor
      FROM raw_segment s CROSS JOIN LATERAL (
        SELECT a.approver_id AS key, r.currency, count(*) AS requests, sum(r.amount_minor) AS amount_minor
        FROM charge_approvals a JOIN charge_requests r ON r.id = a.charge_request_id
        WHERE a.decision = 'approved' AND a.request_created_at >= s.lo AND a.request_created_at < s.hi
          AND r.created_at >= s.lo AND r.created_at < s.hi
        GROUP BY 1, 2) x
      GROUP BY 1, 2`;
  }
  const key = { requester: 'r.requester_id', channel: 'r.channel_id', status: 'r.status' }[by];
  return `SELECT ${key} AS key, r.currency, count(*) AS requests, sum(r.amount_minor) AS amount_minor
    FROM ${RAW_REQUESTS} GROUP BY 1, 2`;
}

/** Funnel and amounts of the requests created in a period, for one currency. Amounts are exact. */
export interface CurrencyTotals {
  readonly currency: string;
  readonly requested: number;
  readonly requestedMinor: bigint;
  readonly approved: number;
  readonly approvedMinor: bigint;
  readonly rejected: number;
  readonly rejectedMinor: bigint;
  readonly paid: number;
  readonly paidMinor: bigint;
  readonly outstanding: number;
  readonly outstandingMinor: bigint;
  readonly linked: number;
  /** Requests with at least one flag (possible duplicate, not stated, unusual amount, …). */
  readonly flagged: number;
  /** Median seconds from request to approval, and to payment (null without any). */
  readonly medianApproveSeconds: number | null;
  readonly medianPaySeconds: number | null;
  /** Set when the medians are estimates: they are within this fraction of the exact ones (0.01 = 1%). */
  readonly medianRelativeError?: number;
}

type Row = Record<string, string | number | boolean | null>;
const big = (v: string | number | boolean | null | undefined) => BigInt(v ?? 0);
const num = (v: string | number | boolean | null | undefined) => Number(v ?? 0);
const median = (v: string | number | boolean | null | undefined) => (v === null || v === undefined ? null : Number(v));

const EXACT_MEDIANS = `,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ${SECONDS_TO.approve})
         FILTER (WHERE r.approved_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM summarised)) AS median_approve_s,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ${SECONDS_TO.pay})
         FILTER (WHERE r.paid_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM summarised)) AS median_pay_s`;

/**
 * Per-currency totals; exact. `fromSummaries` says whether any month came from a summary: without,
 * the medians are exact (percentile_cont over every request); with, they are null here and the
 * caller estimates them from durationHistograms.
 */
export async function currencyTotals(
  db: Queryable,
  scope: ReportScope,
): Promise<{ totals: CurrencyTotals[]; fromSummaries: boolean }> {
  const rows = await db.query<Row>(
    `WITH ${SCOPE},
     parts AS (
       SELECT currency, ${TOTALS_COLUMNS.join(', ')}, NULL::float8 AS median_approve_s, NULL::float8 AS median_pay_s
       FROM report_month_totals WHERE month_id IN (SELECT month_id FROM summarised)
       UNION ALL
       ${rawTotalsSql('$6', '$7', EXACT_MEDIANS)})
     SELECT currency, ${TOTALS_COLUMNS.map((c) => `sum(${c}) AS ${c}`).join(', ')},
       max(median_approve_s) AS median_approve_s, max(median_pay_s) AS median_pay_s,
       EXISTS (SELECT 1 FROM summarised) AS from_summaries
     FROM parts GROUP BY currency ORDER BY sum(requested) DESC, currency`,
    [...scopeParams(scope), OPEN_STATUSES, REJECTED_STATUSES],
  );
  const totals = rows.map((r) => ({
    currency: String(r.currency),
    requested: num(r.requested),
    requestedMinor: big(r.requested_minor),
    approved: num(r.approved),
    approvedMinor: big(r.approved_minor),
    rejected: num(r.rejected),
    rejectedMinor: big(r.rejected_minor),
    paid: num(r.paid),
    paidMinor: big(r.paid_minor),
    outstanding: num(r.outstanding),
    outstandingMinor: big(r.outstanding_minor),
    linked: num(r.linked),
    flagged: num(r.flagged),
    medianApproveSeconds: median(r.median_approve_s),
    medianPaySeconds: median(r.median_pay_s),
  }));
  return { totals, fromSummaries: rows.some((r) => r.from_summaries === true) };
}

export interface DurationBuckets extends BucketCount {
  readonly currency: string;
  readonly measure: DurationMeasure;
}

/** Time to approve and to pay, as bucket counts per currency: summaries and raw rows merged. */
export async function durationHistograms(db: Queryable, scope: ReportScope): Promise<DurationBuckets[]> {
  const measure = (m: DurationMeasure) =>
    `SELECT t.currency, '${m}' AS measure, h.key::integer AS bucket, h.value::bigint AS n
     FROM report_month_totals t, jsonb_each_text(t.${m}_histogram) AS h
     WHERE t.month_id IN (SELECT month_id FROM summarised)
     UNION ALL
     SELECT d.currency, '${m}', d.bucket, d.n FROM (${rawDurationsSql(m)}) d`;
  const rows = await db.query<Row>(
    `WITH ${SCOPE},
     parts AS (${measure('approve')} UNION ALL ${measure('pay')})
     SELECT currency, measure, bucket, sum(n) AS n FROM parts GROUP BY 1, 2, 3`,
    scopeParams(scope),
  );
  return rows.map((r) => ({
    currency: String(r.currency),
    measure: r.measure as DurationMeasure,
    bucket: num(r.bucket),
    count: num(r.n),
  }));
}

/** One line of a breakdown: a key (user, channel or status), and per currency its count and amount. */
export interface BreakdownRow {
  readonly key: string;
  readonly currency: string;
  readonly count: number;
  readonly amountMinor: bigint;
}

/** Requests of the period grouped by a dimension, largest first (per currency: never added across). */
export async function breakdown(db: Queryable, scope: ReportScope, by: Dimension, limit = 10): Promise<BreakdownRow[]> {
  const rows = await db.query<Row>(
    `WITH ${SCOPE},
     parts AS (
       SELECT key, currency, requests, amount_minor FROM report_month_groups
       WHERE month_id IN (SELECT month_id FROM summarised) AND dimension = $6
       UNION ALL
       ${rawGroupsSql(by)})
     SELECT key, currency, sum(requests) AS n, sum(amount_minor) AS amount
     FROM parts GROUP BY key, currency ORDER BY n DESC, key, currency LIMIT $7`,
    [...scopeParams(scope), by, limit],
  );
  return rows.map((r) => ({
    key: String(r.key),
    currency: String(r.currency),
    count: num(r.n),
    amountMinor: big(r.amount),
  }));
}

export interface AiUsage {
  readonly runs: number;
  readonly proposals: number;
  readonly failures: number;
  readonly inputTokens: bigint;
  readonly outputTokens: bigint;
}

export async function aiUsage(db: Queryable, scope: ReportScope): Promise<AiUsage> {
  const [r] = await db.query<Row>(
    `WITH ${SCOPE},
     parts AS (
       SELECT runs, proposals, failures, input_tokens, output_tokens
       FROM report_months WHERE id IN (SELECT month_id FROM summarised)
       UNION ALL
       ${RAW_AI_USAGE})
     SELECT sum(runs) AS runs, sum(proposals) AS proposals, sum(failures) AS failures,
       sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens
     FROM parts`,
    scopeParams(scope),
  );
  return {
    runs: num(r?.runs),
    proposals: num(r?.proposals),
    failures: num(r?.failures),
    inputTokens: big(r?.input_tokens),
    outputTokens: big(r?.output_tokens),
  };
}
