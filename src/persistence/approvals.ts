import type { EntityManager } from 'typeorm';
import type { ApprovalRow } from '../db/entities.js';

export type Decision = Pick<ApprovalRow, 'approverId' | 'decision' | 'reason' | 'createdAt'>;

/** Records a decision bound to one version. One per approver per version (unique constraint). */
export async function recordDecision(
  manager: EntityManager,
  decision: {
    chargeRequestId: string;
    version: number;
    approverId: string;
    decision: ApprovalRow['decision'];
    reason: string | null;
  },
): Promise<void> {
  await manager.query(
    `INSERT INTO charge_approvals (charge_request_id, version, approver_id, decision, reason) VALUES ($1, $2, $3, $4, $5)`,
    [decision.chargeRequestId, decision.version, decision.approverId, decision.decision, decision.reason],
  );
}

/** Decisions on one version, oldest first. Decisions on earlier versions never count. */
export async function listDecisions(
  manager: EntityManager,
  chargeRequestId: string,
  version: number,
): Promise<Decision[]> {
  const rows: { approver_id: string; decision: ApprovalRow['decision']; reason: string | null; created_at: Date }[] =
    await manager.query(
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
