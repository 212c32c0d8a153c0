import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Thread history for the agent; the unique message ts is what processes one Slack message once. */

export class Conversations1795238163930 implements MigrationInterface {
  name = 'Conversations1795238163930';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "conversation_messages" ("id" BIGSERIAL NOT NULL, "team_id" text NOT NULL, "channel_id" text NOT NULL, "thread_ts" text NOT NULL, "message_ts" text NOT NULL, "role" text NOT NULL, "user_id" text, "text" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "conversation_messages_once" UNIQUE ("team_id", "channel_id", "message_ts"), CONSTRAINT "conversation_messages_role_check" CHECK ("role" IN ('user', 'assistant')), CONSTRAINT "PK_113248f25c4c0a7c179b3f5a609" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "conversation_messages_thread_idx" ON "conversation_messages"  ("team_id", "channel_id", "thread_ts", "id") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."conversation_messages_thread_idx"`);
    await queryRunner.query(`DROP TABLE "conversation_messages"`);
  }
}
