import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 6: quarterly subsidy settlement (SPEC §6.2–§6.5, §7): settlement batches (one per bank and
 * period) and their lines (one per loan, plus adjustment lines correcting approved earlier periods).
 * Generated from the entities and reviewed by hand; the triggers were added by hand:
 * - an approved or paid batch never changes: UPDATE is refused except approved → paid touching only
 *   the payment fields, and DELETE is refused;
 * - a batch's lines change only while it is a draft (INSERT, UPDATE and DELETE are refused otherwise);
 * - TRUNCATE is refused once any batch has left draft.
 */
const FROZEN_PAYMENT_FIELDS = `ARRAY['status', 'paid_on', 'payment_reference', 'paid_at', 'paid_by', 'updated_at']`;

export class Settlements1795920704253 implements MigrationInterface {
  name = 'Settlements1795920704253';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "settlement_batches" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "batch_number" character varying(40) NOT NULL,
        "bank_id" uuid NOT NULL,
        "region_path" character varying(120) COLLATE "C" NOT NULL,
        "period" character varying(6) NOT NULL,
        "period_start" date NOT NULL,
        "period_end" date NOT NULL,
        "status" character varying(16) NOT NULL,
        "revision" integer NOT NULL DEFAULT '1',
        "line_count" integer NOT NULL,
        "loans_counted" integer NOT NULL,
        "loans_subsidised" integer NOT NULL,
        "adjustment_count" integer NOT NULL,
        "opening_balance_total" numeric(18,2) NOT NULL,
        "closing_balance_total" numeric(18,2) NOT NULL,
        "interest_subsidy_total" numeric(18,2) NOT NULL,
        "guarantee_fee_subsidy_total" numeric(18,2) NOT NULL,
        "total_amount" numeric(18,2) NOT NULL,
        "content_sha256" character(64),
        "computed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "computed_by" uuid,
        "submitted_at" TIMESTAMP WITH TIME ZONE,
        "submitted_by" uuid,
        "approved_at" TIMESTAMP WITH TIME ZONE,
        "approved_by" uuid,
        "rejected_at" TIMESTAMP WITH TIME ZONE,
        "rejected_by" uuid,
        "rejection_reason" character varying(500),
        "paid_on" date,
        "payment_reference" character varying(100),
        "paid_at" TIMESTAMP WITH TIME ZONE,
        "paid_by" uuid,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "settlement_batches_sha256_key" UNIQUE ("content_sha256"),
        CONSTRAINT "settlement_batches_number_key" UNIQUE ("batch_number"),
        CONSTRAINT "settlement_batches_bank_period_key" UNIQUE ("bank_id",
        "period"),
        CONSTRAINT "settlement_batches_workflow_check" CHECK ((status = 'draft' OR (submitted_by IS NOT NULL AND submitted_at IS NOT NULL))
    AND ((status IN ('approved', 'paid')) = (approved_by IS NOT NULL AND approved_at IS NOT NULL))
    AND (approved_by IS NULL OR approved_by <> submitted_by)
    AND ((status = 'paid') = (paid_on IS NOT NULL AND payment_reference IS NOT NULL AND paid_by IS NOT NULL AND paid_at IS NOT NULL))),
        CONSTRAINT "settlement_batches_sha256_check" CHECK (content_sha256 ~ '^[0-9a-f]{64}$' OR (content_sha256 IS NULL AND status = 'draft')),
        CONSTRAINT "settlement_batches_totals_check" CHECK (total_amount = interest_subsidy_total + guarantee_fee_subsidy_total AND line_count >= loans_counted AND loans_counted >= loans_subsidised AND loans_subsidised >= 0),
        CONSTRAINT "settlement_batches_period_check" CHECK (period ~ '^[0-9]{4}Q[1-4]$' AND period_end > period_start),
        CONSTRAINT "settlement_batches_status_check" CHECK (status IN ('draft', 'submitted', 'approved', 'paid')),
        CONSTRAINT "settlement_batches_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "settlement_batches_region_path_idx" ON "settlement_batches"("region_path")`);
    await queryRunner.query(`CREATE INDEX "settlement_batches_period_idx" ON "settlement_batches"("period", "status")`);
    await queryRunner.query(`
      CREATE TABLE "settlement_lines" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "batch_id" uuid NOT NULL,
        "line_no" integer NOT NULL,
        "kind" character varying(12) NOT NULL,
        "loan_id" uuid NOT NULL,
        "contract_number" character varying(64) NOT NULL,
        "borrower_kind" character varying(16) NOT NULL,
        "borrower_name" character varying(200) NOT NULL,
        "borrower_identifier" character varying(32) NOT NULL,
        "model_code" character varying(40) NOT NULL,
        "principal" numeric(16,2) NOT NULL,
        "opening_balance" numeric(16,2),
        "closing_balance" numeric(16,2),
        "days" integer NOT NULL,
        "interest_rate" numeric(10,8),
        "interest_subsidy" numeric(16,2) NOT NULL,
        "fee_subsidy_rate" numeric(10,8),
        "guarantee_fee_subsidy" numeric(16,2) NOT NULL,
        "total_amount" numeric(16,2) NOT NULL,
        "reason" character varying(16),
        "segments" jsonb NOT NULL,
        "adjusts_period" character varying(6),
        "adjusts_line_id" bigint,
        CONSTRAINT "settlement_lines_line_no_key" UNIQUE ("batch_id",
        "line_no"),
        CONSTRAINT "settlement_lines_adjustment_check" CHECK (kind <> 'adjustment' OR (adjusts_period ~ '^[0-9]{4}Q[1-4]$' AND opening_balance IS NULL AND closing_balance IS NULL
    AND (interest_subsidy <> 0 OR guarantee_fee_subsidy <> 0))),
        CONSTRAINT "settlement_lines_regular_check" CHECK (kind <> 'regular' OR (interest_subsidy >= 0 AND guarantee_fee_subsidy >= 0 AND adjusts_period IS NULL AND adjusts_line_id IS NULL
    AND opening_balance IS NOT NULL AND closing_balance IS NOT NULL AND days > 0 AND (reason IS NULL OR total_amount = 0))),
        CONSTRAINT "settlement_lines_total_check" CHECK (total_amount = interest_subsidy + guarantee_fee_subsidy AND line_no >= 1 AND days >= 0),
        CONSTRAINT "settlement_lines_reason_check" CHECK (reason IS NULL OR reason IN ('OVERDUE', 'EXTENDED', 'AFTER_MATURITY')),
        CONSTRAINT "settlement_lines_kind_check" CHECK (kind IN ('regular', 'adjustment')),
        CONSTRAINT "settlement_lines_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "settlement_lines_adjusts_idx" ON "settlement_lines"("adjusts_line_id")`);
    await queryRunner.query(`CREATE INDEX "settlement_lines_loan_idx" ON "settlement_lines"("loan_id")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "settlement_lines_one_per_loan_key" ON "settlement_lines"("batch_id", "loan_id") WHERE kind = 'regular'`);
    await queryRunner.query(`ALTER TABLE "settlement_batches" ADD CONSTRAINT "settlement_batches_bank_id_fkey" FOREIGN KEY ("bank_id") REFERENCES "institutions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "settlement_batches" ADD CONSTRAINT "settlement_batches_computed_by_fkey" FOREIGN KEY ("computed_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "settlement_batches" ADD CONSTRAINT "settlement_batches_submitted_by_fkey" FOREIGN KEY ("submitted_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "settlement_batches" ADD CONSTRAINT "settlement_batches_approved_by_fkey" FOREIGN KEY ("approved_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "settlement_batches" ADD CONSTRAINT "settlement_batches_rejected_by_fkey" FOREIGN KEY ("rejected_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "settlement_batches" ADD CONSTRAINT "settlement_batches_paid_by_fkey" FOREIGN KEY ("paid_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "settlement_lines" ADD CONSTRAINT "settlement_lines_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "settlement_batches"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "settlement_lines" ADD CONSTRAINT "settlement_lines_loan_id_fkey" FOREIGN KEY ("loan_id") REFERENCES "loans"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "settlement_lines" ADD CONSTRAINT "settlement_lines_model_code_fkey" FOREIGN KEY ("model_code") REFERENCES "financing_models"("code") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "settlement_lines" ADD CONSTRAINT "settlement_lines_adjusts_line_id_fkey" FOREIGN KEY ("adjusts_line_id") REFERENCES "settlement_lines"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);

    // SPEC §7: "Approved batches never change", enforced by the database as well as the service.
    await queryRunner.query(`
      CREATE FUNCTION settlement_batches_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.status IN ('approved', 'paid') THEN
          IF TG_OP = 'UPDATE' AND OLD.status = 'approved' AND NEW.status = 'paid'
             AND (to_jsonb(NEW) - ${FROZEN_PAYMENT_FIELDS}) = (to_jsonb(OLD) - ${FROZEN_PAYMENT_FIELDS}) THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION 'settlement batch % is %: it can no longer change (only approved -> paid with the payment fields)', OLD.batch_number, OLD.status
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_OP = 'DELETE' THEN
          RETURN OLD;
        END IF;
        RETURN NEW;
      END
      $$
    `);
    await queryRunner.query(
      `CREATE TRIGGER "settlement_batches_frozen" BEFORE UPDATE OR DELETE ON "settlement_batches" FOR EACH ROW EXECUTE FUNCTION settlement_batches_guard()`,
    );
    await queryRunner.query(`
      CREATE FUNCTION settlement_lines_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        touched uuid[];
        frozen record;
      BEGIN
        IF TG_OP = 'INSERT' THEN
          touched := ARRAY[NEW.batch_id];
        ELSIF TG_OP = 'DELETE' THEN
          touched := ARRAY[OLD.batch_id];
        ELSE
          touched := ARRAY[OLD.batch_id, NEW.batch_id];
        END IF;
        SELECT batch_number, status INTO frozen FROM settlement_batches WHERE id = ANY(touched) AND status <> 'draft' LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'settlement batch % is %: its lines can no longer change', frozen.batch_number, frozen.status
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_OP = 'DELETE' THEN
          RETURN OLD;
        END IF;
        RETURN NEW;
      END
      $$
    `);
    await queryRunner.query(
      `CREATE TRIGGER "settlement_lines_frozen" BEFORE INSERT OR UPDATE OR DELETE ON "settlement_lines" FOR EACH ROW EXECUTE FUNCTION settlement_lines_guard()`,
    );
    await queryRunner.query(`
      CREATE FUNCTION settlement_truncate_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM settlement_batches WHERE status <> 'draft') THEN
          RAISE EXCEPTION '% holds settlements that left draft: TRUNCATE is not allowed', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NULL;
      END
      $$
    `);
    for (const table of ['settlement_batches', 'settlement_lines']) {
      await queryRunner.query(`CREATE TRIGGER "${table}_no_truncate" BEFORE TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION settlement_truncate_guard()`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['settlement_batches', 'settlement_lines']) await queryRunner.query(`DROP TRIGGER "${table}_no_truncate" ON "${table}"`);
    await queryRunner.query(`DROP TRIGGER "settlement_lines_frozen" ON "settlement_lines"`);
    await queryRunner.query(`DROP TRIGGER "settlement_batches_frozen" ON "settlement_batches"`);
    await queryRunner.query(`DROP FUNCTION settlement_truncate_guard()`);
    await queryRunner.query(`DROP FUNCTION settlement_lines_guard()`);
    await queryRunner.query(`DROP FUNCTION settlement_batches_guard()`);
    await queryRunner.query(`ALTER TABLE "settlement_lines" DROP CONSTRAINT "settlement_lines_adjusts_line_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "settlement_lines" DROP CONSTRAINT "settlement_lines_model_code_fkey"`);
    await queryRunner.query(`ALTER TABLE "settlement_lines" DROP CONSTRAINT "settlement_lines_loan_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "settlement_lines" DROP CONSTRAINT "settlement_lines_batch_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "settlement_batches" DROP CONSTRAINT "settlement_batches_paid_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "settlement_batches" DROP CONSTRAINT "settlement_batches_rejected_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "settlement_batches" DROP CONSTRAINT "settlement_batches_approved_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "settlement_batches" DROP CONSTRAINT "settlement_batches_submitted_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "settlement_batches" DROP CONSTRAINT "settlement_batches_computed_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "settlement_batches" DROP CONSTRAINT "settlement_batches_bank_id_fkey"`);
    await queryRunner.query(`DROP INDEX "public"."settlement_lines_one_per_loan_key"`);
    await queryRunner.query(`DROP INDEX "public"."settlement_lines_loan_idx"`);
    await queryRunner.query(`DROP INDEX "public"."settlement_lines_adjusts_idx"`);
    await queryRunner.query(`DROP TABLE "settlement_lines"`);
    await queryRunner.query(`DROP INDEX "public"."settlement_batches_period_idx"`);
    await queryRunner.query(`DROP INDEX "public"."settlement_batches_region_path_idx"`);
    await queryRunner.query(`DROP TABLE "settlement_batches"`);
  }
}
