import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payment links that do not come: server errors counted under the current idempotency key (to move
 * to the next key), and when the delay was announced (LINK_DELAY_ALERT, once per request).
 */
export class LinkRecovery1795410000000 implements MigrationInterface {
  name = 'LinkRecovery1795410000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "charge_requests" ADD "link_failures" integer NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "charge_requests" ADD "link_delayed_at" TIMESTAMP WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "charge_requests" DROP COLUMN "link_delayed_at"`);
    await queryRunner.query(`ALTER TABLE "charge_requests" DROP COLUMN "link_failures"`);
  }
}
