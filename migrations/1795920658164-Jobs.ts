import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 6 item 4, the scheduled jobs (SPEC §8): the record of every job run (`job_runs`, with partial
 * unique indexes so that a job and business date has at most one run in progress and one first
 * success), the monthly 百千万 progress snapshots kept for the trend, the daily circuit-breaker
 * snapshot of township and village NPL ratios, and the reminders to banks whose settlement batch is
 * late. Generated from the entities and reviewed by hand; only this tables are here.
 */

export class Jobs1795920658164 implements MigrationInterface {
  name = 'Jobs1795920658164';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "job_runs" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "job" character varying(40) NOT NULL,
        "business_date" date NOT NULL,
        "trigger" character varying(16) NOT NULL,
        "rerun" boolean NOT NULL DEFAULT false,
        "status" character varying(16) NOT NULL,
        "instance_id" character varying(120) NOT NULL,
        "requested_by" uuid,
        "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
        "finished_at" TIMESTAMP WITH TIME ZONE,
        "counts" jsonb,
        "error" text,
        CONSTRAINT "job_runs_error_check" CHECK ((status = 'failed') = (error IS NOT NULL)),
        CONSTRAINT "job_runs_finished_check" CHECK ((status = 'running') = (finished_at IS NULL) AND (finished_at IS NULL OR finished_at >= started_at)),
        CONSTRAINT "job_runs_trigger_check" CHECK (trigger IN ('schedule', 'catch_up', 'admin')),
        CONSTRAINT "job_runs_status_check" CHECK (status IN ('running', 'succeeded', 'failed')),
        CONSTRAINT "job_runs_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "job_runs_job_idx" ON "job_runs"("job", "id")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "job_runs_succeeded_key" ON "job_runs"("job", "business_date") WHERE status = 'succeeded' AND NOT rerun`);
    await queryRunner.query(`CREATE UNIQUE INDEX "job_runs_running_key" ON "job_runs"("job", "business_date") WHERE status = 'running'`);
    await queryRunner.query(`
      CREATE TABLE "npl_snapshots" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "business_date" date NOT NULL,
        "model_code" character varying(40) NOT NULL,
        "level" character varying(8) NOT NULL,
        "region_code" character varying(12) NOT NULL,
        "defaulted_principal" numeric(18,2) NOT NULL,
        "outstanding_principal" numeric(18,2) NOT NULL,
        "npl_ratio" numeric(7,4) NOT NULL,
        "threshold" numeric(7,4) NOT NULL,
        "tripped" boolean NOT NULL,
        CONSTRAINT "npl_snapshots_date_model_region_key" UNIQUE ("business_date",
        "model_code",
        "region_code"),
        CONSTRAINT "npl_snapshots_amounts_check" CHECK (defaulted_principal >= 0 AND defaulted_principal <= outstanding_principal),
        CONSTRAINT "npl_snapshots_level_check" CHECK (level IN ('township', 'village')),
        CONSTRAINT "npl_snapshots_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "npl_snapshots_tripped_idx" ON "npl_snapshots"("business_date") WHERE tripped`);
    await queryRunner.query(`
      CREATE TABLE "progress_snapshots" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "business_date" date NOT NULL,
        "breakdown" character varying(8) NOT NULL,
        "report" jsonb NOT NULL,
        "taken_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "progress_snapshots_date_by_key" UNIQUE ("business_date",
        "breakdown"),
        CONSTRAINT "progress_snapshots_breakdown_check" CHECK (breakdown IN ('region', 'bank')),
        CONSTRAINT "progress_snapshots_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "submission_reminders" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "batch_id" uuid NOT NULL,
        "bank_id" uuid NOT NULL,
        "period" character varying(6) NOT NULL,
        "business_date" date NOT NULL,
        "due_on" date NOT NULL,
        "working_days_since_period_end" integer NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "submission_reminders_batch_date_key" UNIQUE ("batch_id",
        "business_date"),
        CONSTRAINT "submission_reminders_days_check" CHECK (working_days_since_period_end > 3),
        CONSTRAINT "submission_reminders_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "submission_reminders_bank_idx" ON "submission_reminders"("bank_id", "business_date")`);
    await queryRunner.query(`ALTER TABLE "job_runs" ADD CONSTRAINT "job_runs_requested_by_fkey" FOREIGN KEY ("requested_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "npl_snapshots" ADD CONSTRAINT "npl_snapshots_model_code_fkey" FOREIGN KEY ("model_code") REFERENCES "financing_models"("code") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "submission_reminders" ADD CONSTRAINT "submission_reminders_bank_id_fkey" FOREIGN KEY ("bank_id") REFERENCES "institutions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "submission_reminders" DROP CONSTRAINT "submission_reminders_bank_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "npl_snapshots" DROP CONSTRAINT "npl_snapshots_model_code_fkey"`);
    await queryRunner.query(`ALTER TABLE "job_runs" DROP CONSTRAINT "job_runs_requested_by_fkey"`);
    await queryRunner.query(`DROP INDEX "public"."submission_reminders_bank_idx"`);
    await queryRunner.query(`DROP TABLE "submission_reminders"`);
    await queryRunner.query(`DROP TABLE "progress_snapshots"`);
    await queryRunner.query(`DROP INDEX "public"."npl_snapshots_tripped_idx"`);
    await queryRunner.query(`DROP TABLE "npl_snapshots"`);
    await queryRunner.query(`DROP INDEX "public"."job_runs_running_key"`);
    await queryRunner.query(`DROP INDEX "public"."job_runs_succeeded_key"`);
    await queryRunner.query(`DROP INDEX "public"."job_runs_job_idx"`);
    await queryRunner.query(`DROP TABLE "job_runs"`);
  }
}
