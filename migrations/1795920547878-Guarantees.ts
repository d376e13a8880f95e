import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 5: guarantee applications and guarantees, default claims (代偿) with their per-party shares,
 * and the risk ledger, the append-only money trail of guarantee fees, fee subsidies, claim payments
 * and recoveries. Generated from the entities and reviewed by hand; the append-only triggers were
 * added by hand and reuse refuse_change_append_only() from the Loans migration. Guarantees and claims
 * are workflow rows (their status changes); the money they move is only ever appended.
 */
const APPEND_ONLY_TABLES = ['claim_shares', 'risk_ledger_entries'];

export class Guarantees1795920547878 implements MigrationInterface {
  name = 'Guarantees1795920547878';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "guarantees" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "loan_id" uuid NOT NULL,
        "guarantor_id" uuid NOT NULL,
        "guaranteed_amount" numeric(16,2) NOT NULL,
        "coverage_ratio" numeric(5,4) NOT NULL,
        "fee_rate_annual" numeric(10,8) NOT NULL,
        "fee_subsidy_rate_annual" numeric(10,8) NOT NULL,
        "requested_disbursement_date" date,
        "status" character varying(16) NOT NULL,
        "filed_by" uuid NOT NULL,
        "filed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "decided_by" uuid,
        "decided_at" TIMESTAMP WITH TIME ZONE,
        "decided_on" date,
        "decision_reason" character varying(200),
        "letter_number" character varying(32),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "guarantees_letter_number_key" UNIQUE ("letter_number"),
        CONSTRAINT "guarantees_loan_id_key" UNIQUE ("loan_id"),
        CONSTRAINT "guarantees_maker_checker_check" CHECK (decided_by IS NULL OR decided_by <> filed_by),
        CONSTRAINT "guarantees_decision_check" CHECK ((status = 'pending' AND decided_by IS NULL AND decided_on IS NULL AND letter_number IS NULL)
    OR (status = 'approved' AND decided_by IS NOT NULL AND decided_on IS NOT NULL AND letter_number IS NOT NULL)
    OR (status = 'rejected' AND decided_by IS NOT NULL AND decided_on IS NOT NULL AND decision_reason IS NOT NULL AND letter_number IS NULL)),
        CONSTRAINT "guarantees_rates_check" CHECK (coverage_ratio > 0 AND coverage_ratio <= 1 AND fee_rate_annual >= 0 AND fee_rate_annual < 1 AND fee_subsidy_rate_annual >= 0 AND fee_subsidy_rate_annual < 1),
        CONSTRAINT "guarantees_amount_check" CHECK (guaranteed_amount > 0),
        CONSTRAINT "guarantees_status_check" CHECK (status IN ('pending', 'approved', 'rejected')),
        CONSTRAINT "guarantees_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "guarantees_guarantor_status_idx" ON "guarantees"("guarantor_id", "status")`);
    await queryRunner.query(`
      CREATE TABLE "claims" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "claim_number" character varying(32) NOT NULL,
        "loan_id" uuid NOT NULL,
        "guarantee_id" uuid,
        "model_version_id" uuid NOT NULL,
        "claim_date" date NOT NULL,
        "principal_outstanding" numeric(16,2) NOT NULL,
        "interest_unpaid" numeric(16,2) NOT NULL,
        "loss_amount" numeric(16,2) NOT NULL,
        "status" character varying(16) NOT NULL,
        "filed_by" uuid NOT NULL,
        "filed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "decided_by" uuid,
        "decided_at" TIMESTAMP WITH TIME ZONE,
        "decided_on" date,
        "decision_reason" character varying(200),
        "paid_on" date,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "claims_claim_number_key" UNIQUE ("claim_number"),
        CONSTRAINT "claims_maker_checker_check" CHECK (decided_by IS NULL OR decided_by <> filed_by),
        CONSTRAINT "claims_paid_check" CHECK ((status = 'paid') = (paid_on IS NOT NULL)),
        CONSTRAINT "claims_decision_check" CHECK ((status = 'filed' AND decided_by IS NULL AND decided_on IS NULL)
    OR (status IN ('approved', 'paid') AND decided_by IS NOT NULL AND decided_on IS NOT NULL)
    OR (status = 'rejected' AND decided_by IS NOT NULL AND decided_on IS NOT NULL AND decision_reason IS NOT NULL)),
        CONSTRAINT "claims_amounts_check" CHECK (principal_outstanding >= 0 AND interest_unpaid >= 0 AND loss_amount > 0 AND loss_amount = principal_outstanding + interest_unpaid),
        CONSTRAINT "claims_status_check" CHECK (status IN ('filed', 'approved', 'rejected', 'paid')),
        CONSTRAINT "claims_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE UNIQUE INDEX "claims_one_per_loan_key" ON "claims"("loan_id") WHERE status <> 'rejected'`);
    await queryRunner.query(`
      CREATE TABLE "claim_shares" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "claim_id" uuid NOT NULL,
        "seq" integer NOT NULL,
        "party" character varying(16) NOT NULL,
        "ratio" numeric(5,4) NOT NULL,
        "amount" numeric(16,2) NOT NULL,
        "institution_id" uuid,
        "fund_id" uuid,
        CONSTRAINT "claim_shares_seq_key" UNIQUE ("claim_id",
        "seq"),
        CONSTRAINT "claim_shares_fund_check" CHECK ((party = 'risk_fund') = (fund_id IS NOT NULL)),
        CONSTRAINT "claim_shares_amounts_check" CHECK (seq >= 1 AND ratio >= 0 AND ratio <= 1 AND amount >= 0),
        CONSTRAINT "claim_shares_party_check" CHECK (party IN ('guarantor', 'reguarantor', 'bank', 'government', 'risk_fund', 'insurer')),
        CONSTRAINT "claim_shares_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "risk_ledger_entries" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "kind" character varying(16) NOT NULL,
        "loan_id" uuid NOT NULL,
        "guarantee_id" uuid,
        "claim_id" uuid,
        "claim_share_id" uuid,
        "party" character varying(16) NOT NULL,
        "institution_id" uuid,
        "fund_id" uuid,
        "fund_movement_id" bigint,
        "period" character varying(6),
        "amount" numeric(16,2) NOT NULL,
        "occurred_on" date NOT NULL,
        "reference" character varying(100),
        "created_by" uuid NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT "risk_ledger_entries_fund_check" CHECK ((party = 'risk_fund') = (fund_id IS NOT NULL)),
        CONSTRAINT "risk_ledger_entries_shape_check" CHECK ((kind IN ('guarantee_fee', 'fee_subsidy') AND guarantee_id IS NOT NULL AND period IS NOT NULL AND claim_id IS NULL AND amount <> 0)
    OR (kind = 'claim_payment' AND claim_id IS NOT NULL AND claim_share_id IS NOT NULL AND period IS NULL AND amount < 0)
    OR (kind = 'recovery' AND claim_id IS NOT NULL AND claim_share_id IS NOT NULL AND period IS NULL AND amount > 0)),
        CONSTRAINT "risk_ledger_entries_party_check" CHECK (party IN ('guarantor', 'reguarantor', 'bank', 'government', 'risk_fund', 'insurer')),
        CONSTRAINT "risk_ledger_entries_kind_check" CHECK (kind IN ('guarantee_fee', 'fee_subsidy', 'claim_payment', 'recovery')),
        CONSTRAINT "risk_ledger_entries_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "risk_ledger_entries_claim_idx" ON "risk_ledger_entries"("claim_id", "claim_share_id")`);
    await queryRunner.query(`CREATE INDEX "risk_ledger_entries_guarantee_idx" ON "risk_ledger_entries"("guarantee_id", "period", "kind")`);
    await queryRunner.query(`CREATE INDEX "risk_ledger_entries_fund_idx" ON "risk_ledger_entries"("fund_id", "occurred_on")`);
    await queryRunner.query(`CREATE INDEX "risk_ledger_entries_institution_idx" ON "risk_ledger_entries"("institution_id", "occurred_on")`);
    await queryRunner.query(`CREATE INDEX "risk_ledger_entries_loan_idx" ON "risk_ledger_entries"("loan_id")`);
    await queryRunner.query(`ALTER TABLE "guarantees" ADD CONSTRAINT "guarantees_loan_id_fkey" FOREIGN KEY ("loan_id") REFERENCES "loans"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "guarantees" ADD CONSTRAINT "guarantees_guarantor_id_fkey" FOREIGN KEY ("guarantor_id") REFERENCES "institutions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "guarantees" ADD CONSTRAINT "guarantees_filed_by_fkey" FOREIGN KEY ("filed_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "guarantees" ADD CONSTRAINT "guarantees_decided_by_fkey" FOREIGN KEY ("decided_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "claims" ADD CONSTRAINT "claims_loan_id_fkey" FOREIGN KEY ("loan_id") REFERENCES "loans"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "claims" ADD CONSTRAINT "claims_guarantee_id_fkey" FOREIGN KEY ("guarantee_id") REFERENCES "guarantees"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "claims" ADD CONSTRAINT "claims_model_version_id_fkey" FOREIGN KEY ("model_version_id") REFERENCES "financing_model_versions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "claims" ADD CONSTRAINT "claims_filed_by_fkey" FOREIGN KEY ("filed_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "claims" ADD CONSTRAINT "claims_decided_by_fkey" FOREIGN KEY ("decided_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "claim_shares" ADD CONSTRAINT "claim_shares_claim_id_fkey" FOREIGN KEY ("claim_id") REFERENCES "claims"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "claim_shares" ADD CONSTRAINT "claim_shares_institution_id_fkey" FOREIGN KEY ("institution_id") REFERENCES "institutions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "claim_shares" ADD CONSTRAINT "claim_shares_fund_id_fkey" FOREIGN KEY ("fund_id") REFERENCES "risk_funds"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "risk_ledger_entries" ADD CONSTRAINT "risk_ledger_entries_loan_id_fkey" FOREIGN KEY ("loan_id") REFERENCES "loans"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "risk_ledger_entries" ADD CONSTRAINT "risk_ledger_entries_guarantee_id_fkey" FOREIGN KEY ("guarantee_id") REFERENCES "guarantees"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "risk_ledger_entries" ADD CONSTRAINT "risk_ledger_entries_claim_id_fkey" FOREIGN KEY ("claim_id") REFERENCES "claims"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "risk_ledger_entries" ADD CONSTRAINT "risk_ledger_entries_claim_share_id_fkey" FOREIGN KEY ("claim_share_id") REFERENCES "claim_shares"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "risk_ledger_entries" ADD CONSTRAINT "risk_ledger_entries_institution_id_fkey" FOREIGN KEY ("institution_id") REFERENCES "institutions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "risk_ledger_entries" ADD CONSTRAINT "risk_ledger_entries_fund_id_fkey" FOREIGN KEY ("fund_id") REFERENCES "risk_funds"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "risk_ledger_entries" ADD CONSTRAINT "risk_ledger_entries_fund_movement_id_fkey" FOREIGN KEY ("fund_movement_id") REFERENCES "fund_movements"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "risk_ledger_entries" ADD CONSTRAINT "risk_ledger_entries_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    for (const table of APPEND_ONLY_TABLES) {
      await queryRunner.query(
        `CREATE TRIGGER "${table}_append_only" BEFORE UPDATE OR DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only()`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of APPEND_ONLY_TABLES) await queryRunner.query(`DROP TRIGGER "${table}_append_only" ON "${table}"`);
    await queryRunner.query(`ALTER TABLE "risk_ledger_entries" DROP CONSTRAINT "risk_ledger_entries_created_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "risk_ledger_entries" DROP CONSTRAINT "risk_ledger_entries_fund_movement_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "risk_ledger_entries" DROP CONSTRAINT "risk_ledger_entries_fund_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "risk_ledger_entries" DROP CONSTRAINT "risk_ledger_entries_institution_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "risk_ledger_entries" DROP CONSTRAINT "risk_ledger_entries_claim_share_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "risk_ledger_entries" DROP CONSTRAINT "risk_ledger_entries_claim_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "risk_ledger_entries" DROP CONSTRAINT "risk_ledger_entries_guarantee_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "risk_ledger_entries" DROP CONSTRAINT "risk_ledger_entries_loan_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "claim_shares" DROP CONSTRAINT "claim_shares_fund_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "claim_shares" DROP CONSTRAINT "claim_shares_institution_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "claim_shares" DROP CONSTRAINT "claim_shares_claim_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "claims" DROP CONSTRAINT "claims_decided_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "claims" DROP CONSTRAINT "claims_filed_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "claims" DROP CONSTRAINT "claims_model_version_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "claims" DROP CONSTRAINT "claims_guarantee_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "claims" DROP CONSTRAINT "claims_loan_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "guarantees" DROP CONSTRAINT "guarantees_decided_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "guarantees" DROP CONSTRAINT "guarantees_filed_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "guarantees" DROP CONSTRAINT "guarantees_guarantor_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "guarantees" DROP CONSTRAINT "guarantees_loan_id_fkey"`);
    await queryRunner.query(`DROP INDEX "public"."risk_ledger_entries_loan_idx"`);
    await queryRunner.query(`DROP INDEX "public"."risk_ledger_entries_institution_idx"`);
    await queryRunner.query(`DROP INDEX "public"."risk_ledger_entries_fund_idx"`);
    await queryRunner.query(`DROP INDEX "public"."risk_ledger_entries_guarantee_idx"`);
    await queryRunner.query(`DROP INDEX "public"."risk_ledger_entries_claim_idx"`);
    await queryRunner.query(`DROP TABLE "risk_ledger_entries"`);
    await queryRunner.query(`DROP TABLE "claim_shares"`);
    await queryRunner.query(`DROP INDEX "public"."claims_one_per_loan_key"`);
    await queryRunner.query(`DROP TABLE "claims"`);
    await queryRunner.query(`DROP INDEX "public"."guarantees_guarantor_status_idx"`);
    await queryRunner.query(`DROP TABLE "guarantees"`);
  }
}
