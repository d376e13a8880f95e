import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The foundation schema: regions, institutions, enterprises, users, login attempts, reference rates
 * and the append-only audit log. Generated from the entities, then reviewed by hand; the audit-log
 * triggers and the seeded 2015-10-24 benchmark rates (SPEC §2) were added by hand.
 */
export class Foundation1795917333097 implements MigrationInterface {
  name = 'Foundation1795917333097';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "audit_log" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
        "actor_user_id" uuid,
        "actor_role" character varying(24),
        "action" character varying(64) NOT NULL,
        "entity_type" character varying(64) NOT NULL,
        "entity_id" character varying(64) NOT NULL,
        "before" jsonb,
        "after" jsonb,
        "request_id" character varying(64),
        "region_path" character varying(120) COLLATE "C",
        "institution_id" uuid,
        CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "audit_log_region_path_idx" ON "audit_log"("region_path")`);
    await queryRunner.query(`CREATE INDEX "audit_log_occurred_idx" ON "audit_log"("occurred_at")`);
    await queryRunner.query(`CREATE INDEX "audit_log_entity_idx" ON "audit_log"("entity_type", "entity_id")`);
    await queryRunner.query(`
      CREATE TABLE "login_attempts" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "username" character varying(64) NOT NULL,
        "ip" character varying(64) NOT NULL,
        "succeeded" boolean NOT NULL,
        "attempted_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "login_attempts_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "login_attempts_ip_idx" ON "login_attempts"("ip", "attempted_at")`);
    await queryRunner.query(`CREATE INDEX "login_attempts_username_idx" ON "login_attempts"("username", "attempted_at")`);
    await queryRunner.query(`
      CREATE TABLE "regions" (
        "code" character varying(12) NOT NULL,
        "name" character varying(100) NOT NULL,
        "level" character varying(16) NOT NULL,
        "parent_code" character varying(12),
        "path" character varying(120) COLLATE "C" NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "regions_path_check" CHECK (right(path, length(code) + 1) = code || '/'),
        CONSTRAINT "regions_code_check" CHECK (code ~ '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$'),
        CONSTRAINT "regions_level_check" CHECK (level IN ('province', 'city', 'county', 'township', 'village')),
        CONSTRAINT "regions_pkey" PRIMARY KEY ("code")
      )
    `);
    await queryRunner.query(`CREATE INDEX "regions_path_idx" ON "regions"("path")`);
    await queryRunner.query(`
      CREATE TABLE "enterprises" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" character varying(200) NOT NULL,
        "uscc" character varying(18) NOT NULL,
        "kind" character varying(24) NOT NULL,
        "region_code" character varying(12) NOT NULL,
        "industry" character varying(100),
        "legal_representative" character varying(50),
        "status" character varying(16) NOT NULL DEFAULT 'active',
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "enterprises_uscc_key" UNIQUE ("uscc"),
        CONSTRAINT "enterprises_uscc_check" CHECK (uscc ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
        CONSTRAINT "enterprises_status_check" CHECK (status IN ('active', 'inactive')),
        CONSTRAINT "enterprises_kind_check" CHECK (kind IN ('company', 'cooperative', 'village_collective')),
        CONSTRAINT "enterprises_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "institutions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "type" character varying(24) NOT NULL,
        "name" character varying(200) NOT NULL,
        "uscc" character varying(18) NOT NULL,
        "parent_id" uuid,
        "region_code" character varying(12) NOT NULL,
        "net_assets" numeric(18,2),
        "leverage_limit" numeric(6,2),
        "single_client_limit_ratio" numeric(6,4),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "institutions_uscc_key" UNIQUE ("uscc"),
        CONSTRAINT "institutions_single_client_check" CHECK (single_client_limit_ratio IS NULL OR (single_client_limit_ratio > 0 AND single_client_limit_ratio <= 1)),
        CONSTRAINT "institutions_leverage_check" CHECK (leverage_limit IS NULL OR (leverage_limit > 0 AND leverage_limit <= 20)),
        CONSTRAINT "institutions_net_assets_check" CHECK (net_assets IS NULL OR net_assets > 0),
        CONSTRAINT "institutions_guarantor_check" CHECK ((type = 'guarantee_company') = (net_assets IS NOT NULL AND leverage_limit IS NOT NULL AND single_client_limit_ratio IS NOT NULL)),
        CONSTRAINT "institutions_branch_parent_check" CHECK ((type = 'bank_branch') = (parent_id IS NOT NULL)),
        CONSTRAINT "institutions_uscc_check" CHECK (uscc ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
        CONSTRAINT "institutions_type_check" CHECK (type IN ('bank', 'bank_branch', 'guarantee_company', 'finance_bureau', 'poverty_office', 'insurer')),
        CONSTRAINT "institutions_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "institutions_parent_idx" ON "institutions"("parent_id")`);
    await queryRunner.query(`
      CREATE TABLE "users" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "username" character varying(64) NOT NULL,
        "display_name" character varying(100) NOT NULL,
        "password_hash" character varying(255) NOT NULL,
        "role" character varying(24) NOT NULL,
        "region_code" character varying(12) NOT NULL,
        "institution_id" uuid,
        "enterprise_id" uuid,
        "active" boolean NOT NULL DEFAULT true,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "users_username_key" UNIQUE ("username"),
        CONSTRAINT "users_username_check" CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
        CONSTRAINT "users_enterprise_binding_check" CHECK ((role = 'enterprise') = (enterprise_id IS NOT NULL)),
        CONSTRAINT "users_loan_officer_institution_check" CHECK (role <> 'loan_officer' OR institution_id IS NOT NULL),
        CONSTRAINT "users_role_check" CHECK (role IN ('loan_officer', 'finance_officer', 'poverty_office', 'enterprise', 'auditor', 'admin')),
        CONSTRAINT "users_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "reference_rates" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "effective_date" date NOT NULL,
        "tenor" character varying(16) NOT NULL,
        "rate_annual" numeric(10,8) NOT NULL,
        "created_by" uuid,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "reference_rates_effective_tenor_key" UNIQUE ("effective_date",
        "tenor"),
        CONSTRAINT "reference_rates_rate_check" CHECK (rate_annual > 0 AND rate_annual < 1),
        CONSTRAINT "reference_rates_tenor_check" CHECK (tenor IN ('up_to_1y', '1y_to_5y', 'over_5y', 'lpr_1y', 'lpr_5y_plus')),
        CONSTRAINT "reference_rates_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`ALTER TABLE "regions" ADD CONSTRAINT "regions_parent_code_fkey" FOREIGN KEY ("parent_code") REFERENCES "regions"("code") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "enterprises" ADD CONSTRAINT "enterprises_region_code_fkey" FOREIGN KEY ("region_code") REFERENCES "regions"("code") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "institutions" ADD CONSTRAINT "institutions_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "institutions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "institutions" ADD CONSTRAINT "institutions_region_code_fkey" FOREIGN KEY ("region_code") REFERENCES "regions"("code") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "users" ADD CONSTRAINT "users_region_code_fkey" FOREIGN KEY ("region_code") REFERENCES "regions"("code") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "users" ADD CONSTRAINT "users_institution_id_fkey" FOREIGN KEY ("institution_id") REFERENCES "institutions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "users" ADD CONSTRAINT "users_enterprise_id_fkey" FOREIGN KEY ("enterprise_id") REFERENCES "enterprises"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "reference_rates" ADD CONSTRAINT "reference_rates_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);

    // SPEC §9: the audit log is append-only. The database itself refuses to rewrite history,
    // whatever the application does.
    await queryRunner.query(`
      CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON "audit_log"
      FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()
    `);
    await queryRunner.query(`
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON "audit_log"
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()
    `);

    // SPEC §2: the 2015-10-24 benchmark lending rates are reference data every environment needs.
    await queryRunner.query(`
      INSERT INTO "reference_rates" ("effective_date", "tenor", "rate_annual") VALUES
        ('2015-10-24', 'up_to_1y', 0.0435),
        ('2015-10-24', '1y_to_5y', 0.0475),
        ('2015-10-24', 'over_5y', 0.0490)
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER audit_log_no_truncate ON "audit_log"`);
    await queryRunner.query(`DROP TRIGGER audit_log_no_update_delete ON "audit_log"`);
    await queryRunner.query(`DROP FUNCTION audit_log_refuse_change()`);
    await queryRunner.query(`ALTER TABLE "reference_rates" DROP CONSTRAINT "reference_rates_created_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "users" DROP CONSTRAINT "users_enterprise_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "users" DROP CONSTRAINT "users_institution_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "users" DROP CONSTRAINT "users_region_code_fkey"`);
    await queryRunner.query(`ALTER TABLE "institutions" DROP CONSTRAINT "institutions_region_code_fkey"`);
    await queryRunner.query(`ALTER TABLE "institutions" DROP CONSTRAINT "institutions_parent_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "enterprises" DROP CONSTRAINT "enterprises_region_code_fkey"`);
    await queryRunner.query(`ALTER TABLE "regions" DROP CONSTRAINT "regions_parent_code_fkey"`);
    await queryRunner.query(`DROP TABLE "reference_rates"`);
    await queryRunner.query(`DROP TABLE "users"`);
    await queryRunner.query(`DROP INDEX "public"."institutions_parent_idx"`);
    await queryRunner.query(`DROP TABLE "institutions"`);
    await queryRunner.query(`DROP TABLE "enterprises"`);
    await queryRunner.query(`DROP INDEX "public"."regions_path_idx"`);
    await queryRunner.query(`DROP TABLE "regions"`);
    await queryRunner.query(`DROP INDEX "public"."login_attempts_username_idx"`);
    await queryRunner.query(`DROP INDEX "public"."login_attempts_ip_idx"`);
    await queryRunner.query(`DROP TABLE "login_attempts"`);
    await queryRunner.query(`DROP INDEX "public"."audit_log_entity_idx"`);
    await queryRunner.query(`DROP INDEX "public"."audit_log_occurred_idx"`);
    await queryRunner.query(`DROP INDEX "public"."audit_log_region_path_idx"`);
    await queryRunner.query(`DROP TABLE "audit_log"`);
  }
}
