import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The register of SPEC §3: households (ID numbers only encrypted, hashed and masked), their dated
 * status and demonstration history, linkages (one active per source, household and type, by a
 * partial unique index), benefit records and the 百千万 targets. Generated from the entities and
 * reviewed by hand.
 */
export class Register1795917941842 implements MigrationInterface {
  name = 'Register1795917941842';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "households" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "household_number" character varying(32) NOT NULL,
        "head_name" character varying(50) NOT NULL,
        "id_number_ciphertext" text NOT NULL,
        "id_number_hash" character(64) NOT NULL,
        "id_number_masked" character varying(18) NOT NULL,
        "birth_date" date NOT NULL,
        "phone" character varying(20),
        "village_code" character varying(12) NOT NULL,
        "region_path" character varying(120) COLLATE "C" NOT NULL,
        "members" integer NOT NULL,
        "laborers" integer NOT NULL,
        "status" character varying(16) NOT NULL,
        "status_since" date NOT NULL,
        "is_demonstration" boolean NOT NULL DEFAULT false,
        "demonstration_since" date,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "households_id_number_hash_key" UNIQUE ("id_number_hash"),
        CONSTRAINT "households_household_number_key" UNIQUE ("household_number"),
        CONSTRAINT "households_id_masked_check" CHECK (id_number_masked ~ '^[0-9]{6}\\*{8}[0-9]{3}[0-9X]$'),
        CONSTRAINT "households_demonstration_check" CHECK (is_demonstration = (demonstration_since IS NOT NULL)),
        CONSTRAINT "households_laborers_check" CHECK (laborers >= 0 AND laborers <= members),
        CONSTRAINT "households_members_check" CHECK (members >= 1 AND members <= 50),
        CONSTRAINT "households_status_check" CHECK (status IN ('poor', 'lifted', 'monitored')),
        CONSTRAINT "households_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "households_region_path_idx" ON "households"("region_path")`);
    await queryRunner.query(`
      CREATE TABLE "linkages" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "source_kind" character varying(16) NOT NULL,
        "source_id" uuid NOT NULL,
        "source_enterprise_id" uuid,
        "source_household_id" uuid,
        "household_id" uuid NOT NULL,
        "type" character varying(32) NOT NULL,
        "agreement_number" character varying(64),
        "start_date" date NOT NULL,
        "end_date" date,
        "agreed_annual_benefit" numeric(14,2) NOT NULL,
        "region_path" character varying(120) COLLATE "C" NOT NULL,
        "ended_on" date,
        "end_reason" character varying(200),
        "created_by" uuid,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "linkages_benefit_check" CHECK (agreed_annual_benefit >= 0),
        CONSTRAINT "linkages_dates_check" CHECK ((end_date IS NULL OR end_date >= start_date) AND (ended_on IS NULL OR ended_on >= start_date)),
        CONSTRAINT "linkages_not_self_check" CHECK (source_household_id IS NULL OR source_household_id <> household_id),
        CONSTRAINT "linkages_source_check" CHECK ((source_kind = 'enterprise' AND source_enterprise_id IS NOT NULL AND source_household_id IS NULL AND source_id = source_enterprise_id)
    OR (source_kind = 'household' AND source_household_id IS NOT NULL AND source_enterprise_id IS NULL AND source_id = source_household_id)),
        CONSTRAINT "linkages_type_check" CHECK (type IN ('employment', 'dividend', 'land_lease', 'order_purchase', 'equity', 'facility_lease', 'joint_operation', 'self_employment_support')),
        CONSTRAINT "linkages_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "linkages_region_path_idx" ON "linkages"("region_path")`);
    await queryRunner.query(`CREATE INDEX "linkages_source_idx" ON "linkages"("source_id")`);
    await queryRunner.query(`CREATE INDEX "linkages_household_idx" ON "linkages"("household_id")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "linkages_one_active_key" ON "linkages"("source_id", "household_id", "type") WHERE ended_on IS NULL`);
    await queryRunner.query(`
      CREATE TABLE "benefit_records" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "linkage_id" uuid NOT NULL,
        "household_id" uuid NOT NULL,
        "enterprise_id" uuid,
        "region_path" character varying(120) COLLATE "C" NOT NULL,
        "paid_on" date NOT NULL,
        "amount" numeric(14,2) NOT NULL,
        "kind" character varying(16) NOT NULL,
        "note" character varying(200),
        "status" character varying(16) NOT NULL DEFAULT 'reported',
        "reported_by" uuid NOT NULL,
        "reported_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "decided_by" uuid,
        "decided_at" TIMESTAMP WITH TIME ZONE,
        "reject_reason" character varying(200),
        CONSTRAINT "benefit_records_decision_check" CHECK ((status = 'reported') = (decided_by IS NULL AND decided_at IS NULL)
    AND (status = 'rejected') = (reject_reason IS NOT NULL)),
        CONSTRAINT "benefit_records_amount_check" CHECK (amount > 0),
        CONSTRAINT "benefit_records_status_check" CHECK (status IN ('reported', 'confirmed', 'rejected')),
        CONSTRAINT "benefit_records_kind_check" CHECK (kind IN ('wage', 'dividend', 'rent', 'purchase', 'other')),
        CONSTRAINT "benefit_records_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "benefit_records_region_path_idx" ON "benefit_records"("region_path")`);
    await queryRunner.query(`CREATE INDEX "benefit_records_enterprise_idx" ON "benefit_records"("enterprise_id", "paid_on")`);
    await queryRunner.query(`CREATE INDEX "benefit_records_household_idx" ON "benefit_records"("household_id", "paid_on")`);
    await queryRunner.query(`CREATE INDEX "benefit_records_linkage_idx" ON "benefit_records"("linkage_id")`);
    await queryRunner.query(`
      CREATE TABLE "household_history" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "household_id" uuid NOT NULL,
        "kind" character varying(16) NOT NULL,
        "status" character varying(16),
        "is_demonstration" boolean,
        "effective_date" date NOT NULL,
        "reason" character varying(200),
        "changed_by" uuid,
        "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "household_history_value_check" CHECK ((kind = 'status' AND status IN ('poor', 'lifted', 'monitored') AND is_demonstration IS NULL)
    OR (kind = 'demonstration' AND status IS NULL AND is_demonstration IS NOT NULL)),
        CONSTRAINT "household_history_kind_check" CHECK (kind IN ('status', 'demonstration')),
        CONSTRAINT "household_history_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "household_history_household_idx" ON "household_history"("household_id", "kind", "effective_date")`);
    await queryRunner.query(`
      CREATE TABLE "targets" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "scope" character varying(8) NOT NULL,
        "region_code" character varying(12),
        "bank_id" uuid,
        "enterprises" integer NOT NULL,
        "demonstration_households" integer NOT NULL,
        "linked_households" integer NOT NULL,
        "updated_by" uuid,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "targets_counts_check" CHECK (enterprises >= 0 AND demonstration_households >= 0 AND linked_households >= 0),
        CONSTRAINT "targets_subject_check" CHECK ((scope = 'bank') = (bank_id IS NOT NULL) AND (scope <> 'bank') = (region_code IS NOT NULL)),
        CONSTRAINT "targets_scope_check" CHECK (scope IN ('city', 'county', 'bank')),
        CONSTRAINT "targets_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE UNIQUE INDEX "targets_bank_key" ON "targets"("bank_id") WHERE scope = 'bank'`);
    await queryRunner.query(`CREATE UNIQUE INDEX "targets_region_key" ON "targets"("region_code") WHERE scope <> 'bank'`);
    await queryRunner.query(`ALTER TABLE "households" ADD CONSTRAINT "households_village_code_fkey" FOREIGN KEY ("village_code") REFERENCES "regions"("code") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "linkages" ADD CONSTRAINT "linkages_source_enterprise_id_fkey" FOREIGN KEY ("source_enterprise_id") REFERENCES "enterprises"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "linkages" ADD CONSTRAINT "linkages_source_household_id_fkey" FOREIGN KEY ("source_household_id") REFERENCES "households"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "linkages" ADD CONSTRAINT "linkages_household_id_fkey" FOREIGN KEY ("household_id") REFERENCES "households"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "linkages" ADD CONSTRAINT "linkages_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "benefit_records" ADD CONSTRAINT "benefit_records_linkage_id_fkey" FOREIGN KEY ("linkage_id") REFERENCES "linkages"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "benefit_records" ADD CONSTRAINT "benefit_records_reported_by_fkey" FOREIGN KEY ("reported_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "benefit_records" ADD CONSTRAINT "benefit_records_decided_by_fkey" FOREIGN KEY ("decided_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "household_history" ADD CONSTRAINT "household_history_household_id_fkey" FOREIGN KEY ("household_id") REFERENCES "households"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "household_history" ADD CONSTRAINT "household_history_changed_by_fkey" FOREIGN KEY ("changed_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "targets" ADD CONSTRAINT "targets_region_code_fkey" FOREIGN KEY ("region_code") REFERENCES "regions"("code") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "targets" ADD CONSTRAINT "targets_bank_id_fkey" FOREIGN KEY ("bank_id") REFERENCES "institutions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "targets" ADD CONSTRAINT "targets_updated_by_fkey" FOREIGN KEY ("updated_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "targets" DROP CONSTRAINT "targets_updated_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "targets" DROP CONSTRAINT "targets_bank_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "targets" DROP CONSTRAINT "targets_region_code_fkey"`);
    await queryRunner.query(`ALTER TABLE "household_history" DROP CONSTRAINT "household_history_changed_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "household_history" DROP CONSTRAINT "household_history_household_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "benefit_records" DROP CONSTRAINT "benefit_records_decided_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "benefit_records" DROP CONSTRAINT "benefit_records_reported_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "benefit_records" DROP CONSTRAINT "benefit_records_linkage_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "linkages" DROP CONSTRAINT "linkages_created_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "linkages" DROP CONSTRAINT "linkages_household_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "linkages" DROP CONSTRAINT "linkages_source_household_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "linkages" DROP CONSTRAINT "linkages_source_enterprise_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "households" DROP CONSTRAINT "households_village_code_fkey"`);
    await queryRunner.query(`DROP INDEX "public"."targets_region_key"`);
    await queryRunner.query(`DROP INDEX "public"."targets_bank_key"`);
    await queryRunner.query(`DROP TABLE "targets"`);
    await queryRunner.query(`DROP INDEX "public"."household_history_household_idx"`);
    await queryRunner.query(`DROP TABLE "household_history"`);
    await queryRunner.query(`DROP INDEX "public"."benefit_records_linkage_idx"`);
    await queryRunner.query(`DROP INDEX "public"."benefit_records_household_idx"`);
    await queryRunner.query(`DROP INDEX "public"."benefit_records_enterprise_idx"`);
    await queryRunner.query(`DROP INDEX "public"."benefit_records_region_path_idx"`);
    await queryRunner.query(`DROP TABLE "benefit_records"`);
    await queryRunner.query(`DROP INDEX "public"."linkages_one_active_key"`);
    await queryRunner.query(`DROP INDEX "public"."linkages_household_idx"`);
    await queryRunner.query(`DROP INDEX "public"."linkages_source_idx"`);
    await queryRunner.query(`DROP INDEX "public"."linkages_region_path_idx"`);
    await queryRunner.query(`DROP TABLE "linkages"`);
    await queryRunner.query(`DROP INDEX "public"."households_region_path_idx"`);
    await queryRunner.query(`DROP TABLE "households"`);
  }
}
