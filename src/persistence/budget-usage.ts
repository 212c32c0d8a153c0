import type { Queryable } from '../db/sql.js';
import { COMMITTED_STATUSES, LIVE_STATUSES } from '../domain/charge-status.js';
import type { BudgetUsage } from '../domain/policy.js';

export interface UsageScope {
  readonly requesterId: string;
  readonly channelId: string;
  readonly currency: string;
  /** The requester's day and the channel's month, in the policy's time zone. */
  readonly day: { start: Date; end: Date };
  readonly month: { start: Date; end: Date };
  /** The request being checked, which must not count against itself. */
  readonly excludeId?: string;
}

/**
 * Serialises every check-and-approve on the same budgets, across transactions and app instances:
 * transaction-scoped advisory locks on the requester's day and the channel's month, always taken in
 * the same order so two transactions can never wait on each other.
 */
export async function lockBudgets(db: Queryable, scope: UsageScope): Promise<void> {
  const keys = [
    `requester:${scope.requesterId}:${scope.currency}:${scope.day.start.toISOString()}`,
    `channel:${scope.channelId}:${scope.currency}:${scope.month.start.toISOString()}`,
  ].sort();
  await db.query(
    'SELECT pg_advisory_xact_lock(hashtext(key)) FROM unnest($1::text[]) WITH ORDINALITY AS k(key, n) ORDER BY n',
    [keys],
  );
}

/**
 * What is already used: the requester's requests created that day (pending or approved) and the
 * channel's approvals that month, in the same currency.
 */
export async function budgetUsage(db: Queryable, scope: UsageScope): Promise<BudgetUsage> {
  const [row] = await db.query<{ requester_today: string; channel_month: string }>(
    `SELECT
       coalesce(sum(amount_minor) FILTER (WHERE requester_id = $1 AND created_at >= $4 AND created_at < $5
         AND status = ANY($9)), 0) AS requester_today,
       coalesce(sum(amount_minor) FILTER (WHERE channel_id = $2 AND approved_at >= $6 AND approved_at < $7
         AND status = ANY($10)), 0) AS channel_month
     FROM charge_requests
     WHERE currency = $3 AND id IS DISTINCT FROM $8
       AND (requester_id = $1 OR channel_id = $2)
       AND (created_at >= $4 OR approved_at >= $6)`,
    [
      scope.requesterId,
      scope.channelId,
      scope.currency,
      scope.day.start,
      scope.day.end,
      scope.month.start,
      scope.month.end,
      scope.excludeId ?? null,
      // A requester's day counts what is pending as well as what is committed.
      LIVE_STATUSES,
      COMMITTED_STATUSES,
    ],
  );
  return { requesterToday: BigInt(row?.requester_today ?? 0), channelThisMonth: BigInt(row?.channel_month ?? 0) };
}

/** Approved totals per channel and currency in a month, largest first (for /charges policy and reports). */
export async function channelBudgetUse(
  db: Queryable,
  month: { start: Date; end: Date },
): Promise<{ channelId: string; currency: string; usedMinor: bigint }[]> {
  const rows = await db.query<{ channel_id: string; currency: string; used: string }>(
    `SELECT channel_id, currency, sum(amount_minor) AS used FROM charge_requests
     WHERE approved_at >= $1 AND approved_at < $2 AND status = ANY($3)
     GROUP BY 1, 2 ORDER BY used DESC LIMIT 20`,
    [month.start, month.end, COMMITTED_STATUSES],
  );
  return rows.map((r) => ({ channelId: r.channel_id, currency: r.currency, usedMinor: BigInt(r.used) }));
}
