import type { MigrationInterface, QueryRunner } from 'typeorm';

const STATUSES_BEFORE = `'pending_approval', 'approved', 'link_created', 'link_failed', 'payment_processing', 'payment_failed', 'paid', 'partially_refunded', 'refunded', 'rejected', 'canceled'`;

/**
 * The approvers' workflow over time: when each wait for approval began, escalation, reminders (once
 * per request, wait and period), DM copies of cards, and the `expired` and `link_expired` statuses.
 */
export class ApprovalWorkflow1795440000000 implements MigrationInterface {
  name = 'ApprovalWorkflow1795440000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "approval_reminders" ("id" BIGSERIAL NOT NULL, "charge_request_id" uuid NOT NULL, "kind" text NOT NULL, "round_since" TIMESTAMP WITH TIME ZONE NOT NULL, "period" integer NOT NULL, "recipients" jsonb NOT NULL, "sent_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "approval_reminders_once" UNIQUE ("charge_request_id", "round_since", "kind", "period"), CONSTRAINT "approval_reminders_kind_check" CHECK ("kind" IN ('reminder', 'escalation')), CONSTRAINT "PK_1eac4b919e3b47ef426293cf922" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "card_copies" ("id" BIGSERIAL NOT NULL, "charge_request_id" uuid NOT NULL, "occasion" text NOT NULL, "user_id" text NOT NULL, "channel_id" text NOT NULL, "ts" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "card_copies_once" UNIQUE ("charge_request_id", "occasion", "user_id"), CONSTRAINT "PK_26310904ebca61560512144abdd" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "charge_requests" ADD "awaiting_approval_since" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()`,
    );
    // Requests that were already waiting have waited since they were created.
    await queryRunner.query(`UPDATE "charge_requests" SET "awaiting_approval_since" = "created_at"`);
    await queryRunner.query(`ALTER TABLE "charge_requests" ADD "escalated_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "charge_requests" DROP CONSTRAINT "charge_requests_status_check"`);
    await queryRunner.query(
      `ALTER TABLE "charge_requests" ADD CONSTRAINT "charge_requests_status_check" CHECK ("status" IN (${STATUSES_BEFORE}, 'expired', 'link_expired'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "approval_reminders" ADD CONSTRAINT "FK_50442130fe2ca5fa038e93e1153" FOREIGN KEY ("charge_request_id") REFERENCES "charge_requests"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "card_copies" ADD CONSTRAINT "FK_7ab4621b7b703bd1c3c0a252bfa" FOREIGN KEY ("charge_request_id") REFERENCES "charge_requests"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "card_copies" DROP CONSTRAINT "FK_7ab4621b7b703bd1c3c0a252bfa"`);
    await queryRunner.query(`ALTER TABLE "approval_reminders" DROP CONSTRAINT "FK_50442130fe2ca5fa038e93e1153"`);
    await queryRunner.query(`ALTER TABLE "charge_requests" DROP CONSTRAINT "charge_requests_status_check"`);
    await queryRunner.query(
      `ALTER TABLE "charge_requests" ADD CONSTRAINT "charge_requests_status_check" CHECK ("status" IN (${STATUSES_BEFORE}))`,
    );
    await queryRunner.query(`ALTER TABLE "charge_requests" DROP COLUMN "escalated_at"`);
    await queryRunner.query(`ALTER TABLE "charge_requests" DROP COLUMN "awaiting_approval_since"`);
    await queryRunner.query(`DROP TABLE "card_copies"`);
    await queryRunner.query(`DROP TABLE "approval_reminders"`);
  }
}
