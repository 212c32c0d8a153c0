import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Link attempts (part of the Stripe idempotency key after a permanent failure) and the finance-channel card. */

export class PaymentLinkAttempts1795238847700 implements MigrationInterface {
  name = 'PaymentLinkAttempts1795238847700';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "charge_requests" ADD "link_attempt" integer NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "charge_requests" ADD "finance_card_ts" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "charge_requests" DROP COLUMN "finance_card_ts"`);
    await queryRunner.query(`ALTER TABLE "charge_requests" DROP COLUMN "link_attempt"`);
  }
}
