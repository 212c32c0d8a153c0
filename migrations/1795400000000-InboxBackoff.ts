import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Stripe inbox gets the outbox's shape: a status (pending, processed, dead) and a next attempt
 * time, so a failing event is retried with growing delays and then kept as dead instead of spending
 * every attempt within milliseconds.
 */
export class InboxBackoff1795400000000 implements MigrationInterface {
  name = 'InboxBackoff1795400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."stripe_events_unprocessed_idx"`);
    await queryRunner.query(`ALTER TABLE "stripe_events" ADD "status" text NOT NULL DEFAULT 'pending'`);
    await queryRunner.query(
      `ALTER TABLE "stripe_events" ADD "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()`,
    );
    await queryRunner.query(
      `ALTER TABLE "stripe_events" ADD CONSTRAINT "stripe_events_status_check" CHECK ("status" IN ('pending', 'processed', 'dead'))`,
    );
    await queryRunner.query(`CREATE INDEX "stripe_events_due_idx" ON "stripe_events"  ("status", "next_attempt_at") `);
    // Hand-written: carry over what the old columns said.
    await queryRunner.query(`UPDATE "stripe_events" SET "status" = 'processed' WHERE "processed_at" IS NOT NULL`);
    await queryRunner.query(
      `UPDATE "stripe_events" SET "status" = 'dead' WHERE "processed_at" IS NULL AND "attempts" >= 10`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."stripe_events_due_idx"`);
    await queryRunner.query(`ALTER TABLE "stripe_events" DROP CONSTRAINT "stripe_events_status_check"`);
    await queryRunner.query(`ALTER TABLE "stripe_events" DROP COLUMN "next_attempt_at"`);
    await queryRunner.query(`ALTER TABLE "stripe_events" DROP COLUMN "status"`);
    await queryRunner.query(
      `CREATE INDEX "stripe_events_unprocessed_idx" ON "stripe_events"  ("processed_at", "received_at") `,
    );
  }
}
