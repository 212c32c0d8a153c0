import type { Queryable } from '../db/sql.js';
import type { ApprovalDecision } from '../domain/charge-request.js';

export interface Decision {
  /** Whose approval right was used: the approver who counts. */
  readonly approverId: string;
  /** Who clicked in the approver's stead, for a delegated decision. */
  readonly delegateId: string | null;
  readonly decision: ApprovalDecision;
  readonly reason: string | null;
  readonly createdAt: Date;
}

interface Row {
  approver_id: string;
  delegate_id: string | null;
  decision: ApprovalDecision;
  reason: string | null;
  created_at: Date;
}

const toDecision = (r: Row): Decision => ({
  approverId: r.approver_id,
  delegateId: r.delegate_id,
  decision: r.decision,
  reason: r.reason,
  createdAt: r.created_at,
});

/**
 * Records a decision bound to one version, once per approver per version (unique constraint): an
 * approver and their delegate share one decision. Returns false when this approver's decision on
 * this version was already recorded, by them or by their delegate. A rejection replaces an earlier
 * approval by the same approver (it closes the request, so the card must say who rejected).
 */
export async function recordDecisionOnce(
  db: Queryable,
  decision: {
    chargeRequestId: string;
    version: number;
    approverId: string;
    delegateId: string | null;
    decision: ApprovalDecision;
    reason: string | null;
    at: Date;
  },
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO charge_approvals (charge_request_id, version, approver_id, delegate_id, decision, reason, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (charge_request_id, version, approver_id) DO ${
       decision.decision === 'rejected'
         ? `UPDATE SET decision = EXCLUDED.decision, reason = EXCLUDED.reason, delegate_id = EXCLUDED.delegate_id,
              created_at = EXCLUDED.created_at`
         : 'NOTHING'
     } RETURNING id`,
    [
      decision.chargeRequestId,
      decision.version,
      decision.approverId,
      decision.delegateId,
      decision.decision,
      decision.reason,
      decision.at,
    ],
  );
  return rows.length === 1;
}

/** Distinct approvers who approved this version, not counting `excludeUserId` (the requester, where it must not count). */
export async function countApprovals(
  db: Queryable,
  chargeRequestId: string,
  version: number,
  excludeUserId: string | null,
): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(DISTINCT approver_id)::int AS n FROM charge_approvals
     WHERE charge_request_id = $1 AND version = $2 AND decision = 'approved' AND approver_id IS DISTINCT FROM $3`,
    [chargeRequestId, version, excludeUserId],
  );
  return row?.n ?? 0;
}

/** Decisions on one version, oldest first. Decisions on earlier versions never count. */
export async function listDecisions(db: Queryable, chargeRequestId: string, version: number): Promise<Decision[]> {
  const rows = await db.query<Row>(
    `SELECT approver_id, delegate_id, decision, reason, created_at FROM charge_approvals
       WHERE charge_request_id = $1 AND version = $2 ORDER BY created_at, id`,
    [chargeRequestId, version],
  );
  return rows.map(toDecision);
}

/** One approver's decision on one version, if recorded. */
export async function findDecision(
  db: Queryable,
  chargeRequestId: string,
  version: number,
  approverId: string,
): Promise<Decision | undefined> {
  const rows = await db.query<Row>(
    `SELECT approver_id, delegate_id, decision, reason, created_at FROM charge_approvals
       WHERE charge_request_id = $1 AND version = $2 AND approver_id = $3`,
    [chargeRequestId, version, approverId],
  );
  return rows[0] && toDecision(rows[0]);
}

/**
 * Who approved the current version of each request created in [start, end), oldest approval first:
 * "U0MAYA" or, for a delegated approval, "U0BOB for U0ALICE" (for the CSV export).
 */
export async function approversOfRequestsCreatedBetween(
  db: Queryable,
  start: Date,
  end: Date,
): Promise<Map<string, string[]>> {
  const rows = await db.query<{ id: string; approvers: string[] }>(
    `SELECT r.id, array_agg(CASE WHEN a.delegate_id IS NULL THEN a.approver_id
                                 ELSE a.delegate_id || ' for ' || a.approver_id END
                            ORDER BY a.created_at, a.id) AS approvers
       FROM charge_requests r
       JOIN charge_approvals a ON a.charge_request_id = r.id AND a.version = r.version AND a.decision = 'approved'
      WHERE r.created_at >= $1 AND r.created_at < $2
      GROUP BY r.id`,
    [start, end],
  );
  return new Map(rows.map((r) => [r.id, r.approvers]));
}
