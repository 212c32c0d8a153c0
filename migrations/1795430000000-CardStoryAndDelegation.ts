import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the card needs to tell the whole story (who canceled and why, the dispute's reason), and
 * delegation: an approver hands their approval right to someone for a window; a decision made that
 * way records both the approver who counts and the delegate who clicked.
 */
export class CardStoryAndDelegation1795430000000 implements MigrationInterface {
  name = 'CardStoryAndDelegation1795430000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "charge_requests" ADD "dispute_reason" text`);
    await queryRunner.query(`ALTER TABLE "charge_requests" ADD "canceled_by" text`);
    await queryRunner.query(`ALTER TABLE "charge_requests" ADD "cancel_reason" text`);
    await queryRunner.query(`ALTER TABLE "charge_approvals" ADD "delegate_id" text`);
    await queryRunner.query(
      `CREATE TABLE "approval_delegations" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "delegator_id" text NOT NULL, "delegate_id" text NOT NULL, "starts_at" TIMESTAMP WITH TIME ZONE NOT NULL, "ends_at" TIMESTAMP WITH TIME ZONE NOT NULL, "reason" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "revoked_at" TIMESTAMP WITH TIME ZONE, "revoked_by" text, CONSTRAINT "approval_delegations_window_check" CHECK ("ends_at" > "starts_at"), CONSTRAINT "approval_delegations_not_self_check" CHECK ("delegator_id" <> "delegate_id"), CONSTRAINT "PK_approval_delegations" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "approval_delegations_delegate_idx" ON "approval_delegations"  ("delegate_id", "ends_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "approval_delegations_delegator_idx" ON "approval_delegations"  ("delegator_id", "ends_at") `,
    );
    // Hand-written: the dispute reason of requests disputed before this column existed is on the audit trail.
    await queryRunner.query(
      `UPDATE "charge_requests" r SET "dispute_reason" = a."details"->>'reason'
       FROM "audit_events" a WHERE a."charge_request_id" = r."id" AND a."action" = 'dispute' AND r."disputed"`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."approval_delegations_delegator_idx"`);
    await queryRunner.query(`DROP INDEX "public"."approval_delegations_delegate_idx"`);
    await queryRunner.query(`DROP TABLE "approval_delegations"`);
    await queryRunner.query(`ALTER TABLE "charge_approvals" DROP COLUMN "delegate_id"`);
    await queryRunner.query(`ALTER TABLE "charge_requests" DROP COLUMN "cancel_reason"`);
    await queryRunner.query(`ALTER TABLE "charge_requests" DROP COLUMN "canceled_by"`);
    await queryRunner.query(`ALTER TABLE "charge_requests" DROP COLUMN "dispute_reason"`);
  }
}
