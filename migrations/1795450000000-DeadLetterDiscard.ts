import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dead letters an admin discards (/charges ops) leave the dead list but stay as `discarded` until
 * QUEUE_RETENTION removes them; the audit trail keeps who discarded what for good.
 */
export class DeadLetterDiscard1795450000000 implements MigrationInterface {
  name = 'DeadLetterDiscard1795450000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "slack_outbox" DROP CONSTRAINT "slack_outbox_status_check"`);
    await queryRunner.query(
      `ALTER TABLE "slack_outbox" ADD CONSTRAINT "slack_outbox_status_check" CHECK ("status" IN ('pending', 'delivered', 'dead', 'discarded'))`,
    );
    await queryRunner.query(`ALTER TABLE "stripe_events" DROP CONSTRAINT "stripe_events_status_check"`);
    await queryRunner.query(
      `ALTER TABLE "stripe_events" ADD CONSTRAINT "stripe_events_status_check" CHECK ("status" IN ('pending', 'processed', 'dead', 'discarded'))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Discarded rows go back to dead: the constraint without `discarded` must hold.
    await queryRunner.query(`UPDATE "slack_outbox" SET "status" = 'dead' WHERE "status" = 'discarded'`);
    await queryRunner.query(`UPDATE "stripe_events" SET "status" = 'dead' WHERE "status" = 'discarded'`);
    await queryRunner.query(`ALTER TABLE "stripe_events" DROP CONSTRAINT "stripe_events_status_check"`);
    await queryRunner.query(
      `ALTER TABLE "stripe_events" ADD CONSTRAINT "stripe_events_status_check" CHECK ("status" IN ('pending', 'processed', 'dead'))`,
    );
    await queryRunner.query(`ALTER TABLE "slack_outbox" DROP CONSTRAINT "slack_outbox_status_check"`);
    await queryRunner.query(
      `ALTER TABLE "slack_outbox" ADD CONSTRAINT "slack_outbox_status_check" CHECK ("status" IN ('pending', 'delivered', 'dead'))`,
    );
  }
}
