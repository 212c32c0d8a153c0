import type { Queryable } from '../db/sql.js';
import { moneyOf } from '../domain/charge-request.js';
import { toCsv } from '../domain/csv.js';
import { flagCodes } from '../domain/flags.js';
import { toDecimalString } from '../domain/money.js';
import type { Period } from '../domain/periods.js';
import { approversOfRequestsCreatedBetween } from '../persistence/approvals.js';
import { findCreatedBetween } from '../persistence/charge-requests.js';

/** A single upload stays well inside Slack's file limits; longer periods are asked to be narrowed. */
export const EXPORT_ROW_LIMIT = 100_000;

const COLUMNS = [
  'reference',
  'status',
  'version',
  'source',
  'currency',
  'amount',
  'amount_minor',
  'amount_received_minor',
  'refunded_minor',
  'customer_name',
  'customer_email',
  'stripe_customer_id',
  'description',
  'requester_id',
  'approvers',
  'team_id',
  'channel_id',
  'thread_ts',
  'payment_link_id',
  'payment_link_url',
  'payment_intent_id',
  'payer_email',
  'disputed',
  'last_error',
  'created_at',
  'approved_at',
  'link_created_at',
  'paid_at',
  'closed_at',
  'updated_at',
  'flags',
] as const;

/**
 * One CSV row per request created in the period: every field and timestamp, amounts exact, and who
 * approved it (`approvers`: Slack ids separated by `;`, a delegated approval as "U0BOB for U0ALICE").
 */
export async function exportRequests(
  db: Queryable,
  period: Period,
): Promise<{ csv: string; count: number; truncated: boolean }> {
  const [requests, approvers] = await Promise.all([
    findCreatedBetween(db, period.start, period.end, EXPORT_ROW_LIMIT + 1),
    approversOfRequestsCreatedBetween(db, period.start, period.end),
  ]);
  const truncated = requests.length > EXPORT_ROW_LIMIT;
  const rows = requests
    .slice(0, EXPORT_ROW_LIMIT)
    .map((r) => [
      r.reference,
      r.status,
      r.version,
      r.source,
      r.currency,
      toDecimalString(moneyOf(r)),
      r.amountMinor,
      r.amountReceivedMinor,
      r.refundedMinor,
      r.customerName,
      r.customerEmail,
      r.stripeCustomerId,
      r.description,
      r.requesterId,
      (approvers.get(r.id) ?? []).join(';'),
      r.teamId,
      r.channelId,
      r.threadTs,
      r.paymentLinkId,
      r.paymentLinkUrl,
      r.paymentIntentId,
      r.payerEmail,
      r.disputed,
      r.lastError,
      r.createdAt,
      r.approvedAt,
      r.linkCreatedAt,
      r.paidAt,
      r.closedAt,
      r.updatedAt,
      flagCodes(r.flags),
    ]);
  return { csv: toCsv([[...COLUMNS], ...rows]), count: rows.length, truncated };
}
