import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Flags on a request (possible duplicate, not stated by the requester, unusual amount, paid after expiry). */
export class RequestFlags1795401000000 implements MigrationInterface {
  name = 'RequestFlags1795401000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "charge_requests" ADD "flags" jsonb NOT NULL DEFAULT '[]'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "charge_requests" DROP COLUMN "flags"`);
  }
}
