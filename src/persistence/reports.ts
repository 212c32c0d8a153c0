import type { Queryable } from '../db/sql.js';
import { OPEN_STATUSES } from '../domain/charge-status.js';
import type { Period } from '../domain/periods.js';

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
}

type Row = Record<string, string | number | null>;
const big = (v: string | number | null | undefined) => BigInt(v ?? 0);
const num = (v: string | number | null | undefined) => Number(v ?? 0);
const median = (v: string | number | null | undefined) => (v === null || v === undefined ? null : Number(v));

export async function currencyTotals(db: Queryable, period: Period): Promise<CurrencyTotals[]> {
  const rows = await db.query<Row>(
    `SELECT currency,
       count(*) AS requested, coalesce(sum(amount_minor), 0) AS requested_minor,
       count(*) FILTER (WHERE approved_at IS NOT NULL) AS approved,
       coalesce(sum(amount_minor) FILTER (WHERE approved_at IS NOT NULL), 0) AS approved_minor,
       count(*) FILTER (WHERE status = 'rejected') AS rejected,
       coalesce(sum(amount_minor) FILTER (WHERE status = 'rejected'), 0) AS rejected_minor,
       count(*) FILTER (WHERE link_created_at IS NOT NULL) AS linked,
       count(*) FILTER (WHERE flags <> '[]'::jsonb) AS flagged,
       count(*) FILTER (WHERE paid_at IS NOT NULL) AS paid,
       coalesce(sum(coalesce(amount_received_minor, amount_minor)) FILTER (WHERE paid_at IS NOT NULL), 0) AS paid_minor,
       count(*) FILTER (WHERE status = ANY($3)) AS outstanding,
       coalesce(sum(amount_minor) FILTER (WHERE status = ANY($3)), 0) AS outstanding_minor,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM approved_at - created_at))
         FILTER (WHERE approved_at IS NOT NULL) AS median_approve_s,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM paid_at - created_at))
         FILTER (WHERE paid_at IS NOT NULL) AS median_pay_s
     FROM charge_requests WHERE created_at >= $1 AND created_at < $2
     GROUP BY currency ORDER BY count(*) DESC`,
    [period.start, period.end, OPEN_STATUSES],
  );
  return rows.map((r) => ({
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
}

export type Dimension = 'requester' | 'channel' | 'approver' | 'status';

/** One line of a breakdown: a key (user, channel or status), and per currency its count and amount. */
export interface BreakdownRow {
  readonly key: string;
  readonly currency: string;
  readonly count: number;
  readonly amountMinor: bigint;
}

/** Requests of the period grouped by a dimension, largest first (per currency: never added across). */
export async function breakdown(db: Queryable, period: Period, by: Dimension, limit = 10): Promise<BreakdownRow[]> {
  const sql =
    by === 'approver'
      ? `SELECT a.approver_id AS key, r.currency, count(*) AS n, sum(r.amount_minor) AS amount
         FROM charge_approvals a JOIN charge_requests r ON r.id = a.charge_request_id
         WHERE a.decision = 'approved' AND r.created_at >= $1 AND r.created_at < $2
         GROUP BY 1, 2 ORDER BY n DESC, key LIMIT $3`
      : `SELECT ${{ requester: 'requester_id', channel: 'channel_id', status: 'status' }[by]} AS key, currency,
           count(*) AS n, sum(amount_minor) AS amount
         FROM charge_requests WHERE created_at >= $1 AND created_at < $2
         GROUP BY 1, 2 ORDER BY n DESC, key LIMIT $3`;
  const rows = await db.query<Row>(sql, [period.start, period.end, limit]);
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

export async function aiUsage(db: Queryable, period: Period): Promise<AiUsage> {
  const [r] = await db.query<Row>(
    `SELECT count(*) AS runs,
       count(*) FILTER (WHERE outcome IN ('proposed', 'revised')) AS proposals,
       count(*) FILTER (WHERE outcome LIKE 'model_%') AS failures,
       coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens
     FROM agent_runs WHERE created_at >= $1 AND created_at < $2`,
    [period.start, period.end],
  );
  return {
    runs: num(r?.runs),
    proposals: num(r?.proposals),
    failures: num(r?.failures),
    inputTokens: big(r?.input_tokens),
    outputTokens: big(r?.output_tokens),
  };
}
