import type { MigrationInterface, QueryRunner } from 'typeorm';

const REQUEST_REPORT_COLUMNS =
  'status, currency, amount_minor, amount_received_minor, approved_at, link_created_at, paid_at, flags, requester_id, channel_id, created_at';

/**
 * Year-long reports from monthly roll-ups (persistence/report-summaries.ts): summary tables, the
 * horizon below which changes are noted, the triggers that note them in the writing transaction, the
 * duration buckets, and covering indexes for the days a report still reads raw.
 */
export class ReportSummaries1795460000000 implements MigrationInterface {
  name = 'ReportSummaries1795460000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "report_horizon" ("id" boolean NOT NULL DEFAULT true, "summarised_until" TIMESTAMP WITH TIME ZONE, CONSTRAINT "report_horizon_one_row" CHECK ("id"), CONSTRAINT "PK_8d9d394ffbd0abfadc587ff142b" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "report_changes" ("id" BIGSERIAL NOT NULL, "row_created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_86578dfda1267fc6ce4e09b87e6" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "report_changes_row_created_at_idx" ON "report_changes"  ("row_created_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "report_months" ("id" BIGSERIAL NOT NULL, "zone" text NOT NULL, "month_start" TIMESTAMP WITH TIME ZONE NOT NULL, "month_end" TIMESTAMP WITH TIME ZONE NOT NULL, "definition" text NOT NULL, "computed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "runs" bigint NOT NULL, "proposals" bigint NOT NULL, "failures" bigint NOT NULL, "input_tokens" bigint NOT NULL, "output_tokens" bigint NOT NULL, CONSTRAINT "report_months_once" UNIQUE ("zone", "month_start"), CONSTRAINT "PK_9044713b47f9a3c82bcc5df080e" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "report_month_totals" ("month_id" bigint NOT NULL, "currency" character(3) NOT NULL, "requested" bigint NOT NULL, "requested_minor" bigint NOT NULL, "approved" bigint NOT NULL, "approved_minor" bigint NOT NULL, "rejected" bigint NOT NULL, "rejected_minor" bigint NOT NULL, "linked" bigint NOT NULL, "flagged" bigint NOT NULL, "paid" bigint NOT NULL, "paid_minor" bigint NOT NULL, "outstanding" bigint NOT NULL, "outstanding_minor" bigint NOT NULL, "approve_histogram" jsonb NOT NULL, "pay_histogram" jsonb NOT NULL, CONSTRAINT "PK_c419773e044dc5a2a0331eecdf5" PRIMARY KEY ("month_id", "currency"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "report_month_groups" ("month_id" bigint NOT NULL, "dimension" text NOT NULL, "key" text NOT NULL, "currency" character(3) NOT NULL, "requests" bigint NOT NULL, "amount_minor" bigint NOT NULL, CONSTRAINT "report_month_groups_dimension_check" CHECK ("dimension" IN ('requester', 'channel', 'approver', 'status')), CONSTRAINT "PK_9ae670857cffaa8d0468888f8f0" PRIMARY KEY ("month_id", "dimension", "key", "currency"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "report_month_totals" ADD CONSTRAINT "FK_fb80fd3474d506819178bc04eeb" FOREIGN KEY ("month_id") REFERENCES "report_months"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "report_month_groups" ADD CONSTRAINT "FK_29f4d4107fe4abf99c6f4eca709" FOREIGN KEY ("month_id") REFERENCES "report_months"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    // Hand-written from here on.
    // Nothing is summarised yet, so nothing is noted until the summary job sets the horizon.
    await queryRunner.query(`INSERT INTO "report_horizon" ("id", "summarised_until") VALUES (true, NULL)`);

    // An approval counts in the month its request was created in; the trigger keeps the copy exact.
    await queryRunner.query(`ALTER TABLE "charge_approvals" ADD "request_created_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `UPDATE "charge_approvals" a SET "request_created_at" = r."created_at" FROM "charge_requests" r WHERE r."id" = a."charge_request_id"`,
    );
    await queryRunner.query(`ALTER TABLE "charge_approvals" ALTER COLUMN "request_created_at" SET NOT NULL`);
    await queryRunner.query(`CREATE FUNCTION "charge_approvals_request_created_at"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                NEW.request_created_at := (SELECT created_at FROM charge_requests WHERE id = NEW.charge_request_id);
                RETURN NEW;
            END
        $$`);
    await queryRunner.query(
      `CREATE TRIGGER "charge_approvals_request_created_at" BEFORE INSERT OR UPDATE OF "charge_request_id", "request_created_at" ON "charge_approvals" FOR EACH ROW EXECUTE FUNCTION "charge_approvals_request_created_at"()`,
    );

    // Noting a change: one small insert, only for rows created before the horizon (in a month that may
    // be summarised), so the hot path (this month's requests) writes nothing extra. Append-only rows,
    // no upsert: concurrent writers never wait on each other, and the summary job deletes only the
    // notes its snapshot saw, so a change it did not see keeps its month stale.
    await queryRunner.query(`CREATE FUNCTION "report_note_change"("at" timestamptz) RETURNS void LANGUAGE sql AS $$
            INSERT INTO report_changes (row_created_at) SELECT at FROM report_horizon WHERE at < summarised_until
        $$`);
    // charge_requests and agent_runs count in the month of their created_at.
    await queryRunner.query(`CREATE FUNCTION "report_note_row_change"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    PERFORM report_note_change(OLD.created_at);
                END IF;
                IF TG_OP = 'INSERT' THEN
                    PERFORM report_note_change(NEW.created_at);
                ELSIF TG_OP = 'UPDATE' THEN
                    IF NEW.created_at IS DISTINCT FROM OLD.created_at THEN
                        PERFORM report_note_change(NEW.created_at);
                    END IF;
                END IF;
                RETURN NULL;
            END
        $$`);
    // Approvals count in the month of their request.
    await queryRunner.query(`CREATE FUNCTION "report_note_approval_change"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    PERFORM report_note_change(OLD.request_created_at);
                END IF;
                IF TG_OP = 'INSERT' THEN
                    PERFORM report_note_change(NEW.request_created_at);
                ELSIF TG_OP = 'UPDATE' THEN
                    IF NEW.request_created_at IS DISTINCT FROM OLD.request_created_at THEN
                        PERFORM report_note_change(NEW.request_created_at);
                    END IF;
                END IF;
                RETURN NULL;
            END
        $$`);
    await queryRunner.query(
      `CREATE TRIGGER "charge_requests_report_change" AFTER INSERT OR DELETE OR UPDATE OF ${REQUEST_REPORT_COLUMNS} ON "charge_requests" FOR EACH ROW EXECUTE FUNCTION "report_note_row_change"()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "agent_runs_report_change" AFTER INSERT OR DELETE OR UPDATE OF created_at, outcome, input_tokens, output_tokens ON "agent_runs" FOR EACH ROW EXECUTE FUNCTION "report_note_row_change"()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "charge_approvals_report_change" AFTER INSERT OR DELETE OR UPDATE OF decision, approver_id, request_created_at ON "charge_approvals" FOR EACH ROW EXECUTE FUNCTION "report_note_approval_change"()`,
    );

    // Duration buckets: [1.02^k, 1.02^(k+1)) seconds, -1 under a second (domain/duration-histogram.ts).
    await queryRunner.query(`CREATE FUNCTION "report_duration_bucket"("seconds" double precision) RETURNS integer
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT CASE WHEN seconds < 1 THEN -1 ELSE floor(ln(seconds) / ln(1.02))::integer END
        $$`);

    // Covering indexes: the raw days of a report (partial months, the current month, stale months) are
    // read from the index alone. flags is small by construction (codes and computed facts).
    await queryRunner.query(`DROP INDEX "public"."charge_requests_created_at_idx"`);
    await queryRunner.query(
      `CREATE INDEX "charge_requests_created_at_idx" ON "charge_requests" ("created_at") INCLUDE ("id", "currency", "amount_minor", "amount_received_minor", "status", "approved_at", "link_created_at", "paid_at", "flags", "requester_id", "channel_id")`,
    );
    await queryRunner.query(`DROP INDEX "public"."agent_runs_created_at_idx"`);
    await queryRunner.query(
      `CREATE INDEX "agent_runs_created_at_idx" ON "agent_runs" ("created_at") INCLUDE ("outcome", "input_tokens", "output_tokens")`,
    );
    await queryRunner.query(
      `CREATE INDEX "charge_approvals_request_created_at_idx" ON "charge_approvals" ("request_created_at") INCLUDE ("charge_request_id", "approver_id", "decision")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."charge_approvals_request_created_at_idx"`);
    await queryRunner.query(`DROP INDEX "public"."agent_runs_created_at_idx"`);
    await queryRunner.query(`CREATE INDEX "agent_runs_created_at_idx" ON "agent_runs"  ("created_at") `);
    await queryRunner.query(`DROP INDEX "public"."charge_requests_created_at_idx"`);
    await queryRunner.query(`CREATE INDEX "charge_requests_created_at_idx" ON "charge_requests"  ("created_at") `);
    await queryRunner.query(`DROP FUNCTION "report_duration_bucket"(double precision)`);
    await queryRunner.query(`DROP TRIGGER "charge_approvals_report_change" ON "charge_approvals"`);
    await queryRunner.query(`DROP TRIGGER "agent_runs_report_change" ON "agent_runs"`);
    await queryRunner.query(`DROP TRIGGER "charge_requests_report_change" ON "charge_requests"`);
    await queryRunner.query(`DROP FUNCTION "report_note_approval_change"()`);
    await queryRunner.query(`DROP FUNCTION "report_note_row_change"()`);
    await queryRunner.query(`DROP FUNCTION "report_note_change"(timestamptz)`);
    await queryRunner.query(`DROP TRIGGER "charge_approvals_request_created_at" ON "charge_approvals"`);
    await queryRunner.query(`DROP FUNCTION "charge_approvals_request_created_at"()`);
    await queryRunner.query(`ALTER TABLE "charge_approvals" DROP COLUMN "request_created_at"`);
    await queryRunner.query(`ALTER TABLE "report_month_groups" DROP CONSTRAINT "FK_29f4d4107fe4abf99c6f4eca709"`);
    await queryRunner.query(`ALTER TABLE "report_month_totals" DROP CONSTRAINT "FK_fb80fd3474d506819178bc04eeb"`);
    await queryRunner.query(`DROP TABLE "report_month_groups"`);
    await queryRunner.query(`DROP TABLE "report_month_totals"`);
    await queryRunner.query(`DROP TABLE "report_months"`);
    await queryRunner.query(`DROP INDEX "public"."report_changes_row_created_at_idx"`);
    await queryRunner.query(`DROP TABLE "report_changes"`);
    await queryRunner.query(`DROP TABLE "report_horizon"`);
  }
}
