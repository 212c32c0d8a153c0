import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stripe events become an inbox: stored verified at receipt, applied by a worker that marks them
 * processed in the same transaction as their state change.
 */

export class StripeEventInbox1795240742111 implements MigrationInterface {
  name = 'StripeEventInbox1795240742111';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "stripe_events" ADD "payload" jsonb`);
    await queryRunner.query(`ALTER TABLE "stripe_events" ADD "processed_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "stripe_events" ADD "outcome" text`);
    await queryRunner.query(`ALTER TABLE "stripe_events" ADD "attempts" integer NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "stripe_events" ADD "last_error" text`);
    await queryRunner.query(
      `CREATE INDEX "stripe_events_unprocessed_idx" ON "stripe_events"  ("processed_at", "received_at") `,
    );
    // Hand-written: events stored before the inbox were applied when they arrived.
    await queryRunner.query(
      `UPDATE "stripe_events" SET "processed_at" = "received_at", "outcome" = 'applied_on_receipt'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."stripe_events_unprocessed_idx"`);
    await queryRunner.query(`ALTER TABLE "stripe_events" DROP COLUMN "last_error"`);
    await queryRunner.query(`ALTER TABLE "stripe_events" DROP COLUMN "attempts"`);
    await queryRunner.query(`ALTER TABLE "stripe_events" DROP COLUMN "outcome"`);
    await queryRunner.query(`ALTER TABLE "stripe_events" DROP COLUMN "processed_at"`);
    await queryRunner.query(`ALTER TABLE "stripe_events" DROP COLUMN "payload"`);
  }
}
