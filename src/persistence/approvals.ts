import type { Queryable } from '../db/sql.js';
import type { ApprovalDecision } from '../domain/charge-request.js';

export interface Decision {
  readonly approverId: string;
  readonly decision: ApprovalDecision;
  readonly reason: string | null;
  readonly createdAt: Date;
}

/**
 * Records a decision bound to one version, once per approver per version (unique constraint).
 * Returns false when this approver had already decided this version.
 */
export async function recordDecisionOnce(
  db: Queryable,
  decision: {
    chargeRequestId: string;
    version: number;
    approverId: string;
    decision: ApprovalDecision;
    reason: string | null;
  },
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO charge_approvals (charge_request_id, version, approver_id, decision, reason) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (charge_request_id, version, approver_id) DO NOTHING RETURNING id`,
    [decision.chargeRequestId, decision.version, decision.approverId, decision.decision, decision.reason],
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
  const rows = await db.query<{
    approver_id: string;
    decision: ApprovalDecision;
    reason: string | null;
    created_at: Date;
  }>(
    `SELECT approver_id, decision, reason, created_at FROM charge_approvals
       WHERE charge_request_id = $1 AND version = $2 ORDER BY created_at, id`,
    [chargeRequestId, version],
  );
  return rows.map((r) => ({
    approverId: r.approver_id,
    decision: r.decision,
    reason: r.reason,
    createdAt: r.created_at,
  }));
}
