import type { Queryable, Tx } from '../db/sql.js';
import type { ChargeRequest } from '../domain/charge-request.js';
import type { ChargeStatus } from '../domain/charge-status.js';
import type { Money } from '../domain/money.js';
import { toChargeRequest } from './charge-requests.js';

/**
 * Serialises every proposal and edit of one amount in one currency, across transactions and app
 * instances, until the caller's transaction ends: two identical proposals racing each other (parallel
 * tool calls of one model step, two instances) see each other's commit before deciding.
 */
export async function lockIntent(tx: Tx, money: Money): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
    `charge-intent:${money.currency}:${money.amountMinor.toString()}`,
  ]);
}

/** Its latest step: paid, linked, approved or requested. */
export function latestStepAt(r: Pick<ChargeRequest, 'paidAt' | 'linkCreatedAt' | 'approvedAt' | 'createdAt'>): Date {
  return r.paidAt ?? r.linkCreatedAt ?? r.approvedAt ?? r.createdAt;
}

/**
 * Requests for exactly this amount in this currency, in `statuses`, whose latest step is at or after
 * `since`, newest first (the caller compares customers).
 */
export async function findSameAmount(
  db: Queryable,
  query: { money: Money; statuses: readonly ChargeStatus[]; since: Date; excludeId?: string },
): Promise<ChargeRequest[]> {
  const rows = await db.query<Parameters<typeof toChargeRequest>[0]>(
    `SELECT * FROM charge_requests
     WHERE currency = $1 AND amount_minor = $2 AND status = ANY($3)
       AND coalesce(paid_at, link_created_at, approved_at, created_at) >= $4 AND id IS DISTINCT FROM $5
     ORDER BY number DESC LIMIT 50`,
    [query.money.currency, query.money.amountMinor.toString(), query.statuses, query.since, query.excludeId ?? null],
  );
  return rows.map(toChargeRequest);
}

/** The latest `limit` amounts of one customer (by normalised name) or one requester, in one currency. */
export async function recentAmounts(
  db: Queryable,
  query: {
    by: { customerKey: string } | { requesterId: string };
    currency: string;
    statuses: readonly ChargeStatus[];
    excludeId?: string;
    limit: number;
  },
): Promise<bigint[]> {
  const [column, value] =
    'customerKey' in query.by ? ['customer_key', query.by.customerKey] : ['requester_id', query.by.requesterId];
  const rows = await db.query<{ amount_minor: string }>(
    `SELECT amount_minor FROM charge_requests
     WHERE ${column} = $1 AND currency = $2 AND status = ANY($3) AND id IS DISTINCT FROM $4
     ORDER BY created_at DESC LIMIT $5`,
    [value, query.currency, query.statuses, query.excludeId ?? null, query.limit],
  );
  return rows.map((r) => BigInt(r.amount_minor));
}
