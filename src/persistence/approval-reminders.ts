import type { Queryable } from '../db/sql.js';
import type { ChargeRequest } from '../domain/charge-request.js';
import type { ChargeStatus } from '../domain/charge-status.js';
import { selectRequests } from './charge-requests.js';
import { toJson } from './json.js';

export type ReminderKind = 'reminder' | 'escalation';

/**
 * Requests in `statuses` that have waited at least since `before` and got no reminder after `before`
 * in their current wait: one reminder per REMIND_AFTER at most. `before` is the clock's now minus
 * REMIND_AFTER.
 */
export function findDueForReminder(
  db: Queryable,
  statuses: readonly ChargeStatus[],
  before: Date,
  limit: number,
): Promise<ChargeRequest[]> {
  return selectRequests(
    db,
    `SELECT r.* FROM charge_requests r
     WHERE r.status = ANY($1) AND r.awaiting_approval_since <= $2
       AND NOT EXISTS (
         SELECT 1 FROM approval_reminders a
         WHERE a.charge_request_id = r.id AND a.round_since = r.awaiting_approval_since AND a.kind = $4
           AND a.sent_at > $2)
     ORDER BY r.awaiting_approval_since LIMIT $3`,
    [statuses, before, limit, 'reminder' satisfies ReminderKind],
  );
}

export interface NewReminder {
  readonly request: Pick<ChargeRequest, 'id' | 'awaitingApprovalSince'>;
  readonly kind: ReminderKind;
  readonly period: number;
  readonly recipients: readonly string[];
  readonly sentAt: Date;
  /** Recorded only while the request is still in one of these statuses, in the same wait. */
  readonly statuses: readonly ChargeStatus[];
}

/**
 * Records a reminder or an escalation once per request, wait and period (a unique key), and only if
 * the request still waits as it did: returns its id, or undefined when another instance, an earlier
 * run or a decision got there first.
 */
export async function recordReminderOnce(db: Queryable, reminder: NewReminder): Promise<string | undefined> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO approval_reminders (charge_request_id, kind, round_since, period, recipients, sent_at)
     SELECT id, $2, awaiting_approval_since, $3, $4::jsonb, $5 FROM charge_requests
     WHERE id = $1 AND status = ANY($6) AND awaiting_approval_since = $7
     ON CONFLICT (charge_request_id, round_since, kind, period) DO NOTHING
     RETURNING id`,
    [
      reminder.request.id,
      reminder.kind,
      reminder.period,
      toJson(reminder.recipients),
      reminder.sentAt,
      reminder.statuses,
      reminder.request.awaitingApprovalSince,
    ],
  );
  return rows[0] ? String(rows[0].id) : undefined;
}
