import type { MigrationInterface, QueryRunner } from 'typeorm';
import { customerKey } from '../src/domain/customer.js';

/**
 * Agent trust: the requester's own words behind a proposal (quoted on the card), and each request's
 * normalised customer, so duplicates and a customer's usual amounts are found by index.
 */
export class AgentTrust1795420000000 implements MigrationInterface {
  name = 'AgentTrust1795420000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "charge_requests" ADD "customer_key" text NOT NULL DEFAULT ''`);
    await queryRunner.query(`ALTER TABLE "charge_requests" ADD "requester_words" text`);
    await queryRunner.query(
      `CREATE INDEX "charge_requests_customer_created_at_idx" ON "charge_requests"  ("customer_key", "currency", "created_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "charge_requests_amount_idx" ON "charge_requests"  ("currency", "amount_minor") `,
    );
    // Hand-written: existing requests get the key the app computes (the normalisation lives in the domain).
    const names: { customer_name: string }[] = await queryRunner.query(
      'SELECT DISTINCT customer_name FROM "charge_requests"',
    );
    for (const { customer_name } of names) {
      await queryRunner.query('UPDATE "charge_requests" SET "customer_key" = $1 WHERE "customer_name" = $2', [
        customerKey(customer_name),
        customer_name,
      ]);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."charge_requests_amount_idx"`);
    await queryRunner.query(`DROP INDEX "public"."charge_requests_customer_created_at_idx"`);
    await queryRunner.query(`ALTER TABLE "charge_requests" DROP COLUMN "requester_words"`);
    await queryRunner.query(`ALTER TABLE "charge_requests" DROP COLUMN "customer_key"`);
  }
}
