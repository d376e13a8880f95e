import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 4: the ten financing models and their versioned parameters, loans with their schedules,
 * repayments (with reversals) and events, risk-compensation funds with their movements, and the
 * idempotency records. Generated from the entities and reviewed by hand; the append-only triggers
 * and the seeded models (SPEC §4, version 1 effective 2015-01-01) were added by hand. The model
 * parameters are written out here, not imported, so this migration never changes after merge.
 */
const APPEND_ONLY_TABLES = ['financing_model_versions', 'fund_movements', 'repayments', 'loan_events'];

const MODELS = [
  {
    "number": 1,
    "code": "household_microcredit",
    "nameZh": "扶贫小额信贷",
    "nameEn": "Microcredit for poor households (loan assistance)",
    "parameters": {
      "eligibility": {
        "borrowerKinds": [
          "household"
        ],
        "householdStatuses": [
          "poor",
          "monitored"
        ],
        "borrowerAgeRange": {
          "min": 18,
          "max": 65
        },
        "principalCap": "50000.00",
        "termCapMonths": 36,
        "rateCapMultipleOfReference": "1",
        "oneActiveLoanPerHousehold": true
      },
      "subsidy": {
        "rule": "full_up_to_reference"
      },
      "guarantee": {
        "required": false
      },
      "riskSharing": [
        {
          "party": "risk_fund",
          "ratio": "0.8"
        },
        {
          "party": "bank",
          "ratio": "0.2"
        }
      ],
      "capacity": {
        "source": "risk_fund",
        "multiple": "10"
      },
      "compensationTriggerDaysPastDue": 90,
      "circuitBreaker": {
        "townshipNplRatio": "0.05",
        "villageNplRatio": "0.07"
      }
    }
  },
  {
    "number": 2,
    "code": "enterprise_driven",
    "nameZh": "带贫企业贷款（企贷企还）",
    "nameEn": "Loans to enterprises driving poor households",
    "parameters": {
      "eligibility": {
        "borrowerKinds": [
          "enterprise"
        ],
        "rateCapMultipleOfReference": "1.10",
        "minDrivenHouseholds": 1,
        "agreementRequired": true
      },
      "subsidy": {
        "rule": "fixed_rate_on_linked_base",
        "rateAnnual": "0.02",
        "quotaPerHousehold": "100000.00"
      },
      "guarantee": {
        "required": false
      },
      "riskSharing": [
        {
          "party": "bank",
          "ratio": "1"
        }
      ],
      "capacity": {
        "source": "none"
      },
      "compensationTriggerDaysPastDue": 90
    }
  },
  {
    "number": 3,
    "code": "government_guarantee",
    "nameZh": "政府性融资担保贷款",
    "nameEn": "Government financing guarantee loans",
    "parameters": {
      "eligibility": {
        "borrowerKinds": [
          "household",
          "enterprise"
        ]
      },
      "subsidy": {
        "rule": "none"
      },
      "guarantee": {
        "required": true,
        "coverageRatio": "0.8",
        "feeRateCaps": [
          {
            "upTo": "5000000.00",
            "rateAnnual": "0.01"
          },
          {
            "rateAnnual": "0.015"
          }
        ],
        "feeSubsidyRates": {
          "household": "0.015",
          "enterprise": "0.005"
        }
      },
      "riskSharing": [
        {
          "party": "guarantor",
          "ratio": "0.4"
        },
        {
          "party": "reguarantor",
          "ratio": "0.3"
        },
        {
          "party": "bank",
          "ratio": "0.2"
        },
        {
          "party": "government",
          "ratio": "0.1"
        }
      ],
      "capacity": {
        "source": "guarantor_leverage"
      },
      "compensationTriggerDaysPastDue": 90
    }
  },
  {
    "number": 4,
    "code": "risk_fund_enterprise",
    "nameZh": "风险补偿金增信贷款",
    "nameEn": "Risk-compensation-fund backed enterprise loans",
    "parameters": {
      "eligibility": {
        "borrowerKinds": [
          "enterprise"
        ],
        "enterpriseKinds": [
          "company",
          "cooperative"
        ]
      },
      "subsidy": {
        "rule": "fixed_rate_on_linked_base",
        "rateAnnual": "0.02",
        "quotaPerHousehold": "100000.00"
      },
      "guarantee": {
        "required": false
      },
      "riskSharing": [
        {
          "party": "risk_fund",
          "ratio": "0.5"
        },
        {
          "party": "bank",
          "ratio": "0.5"
        }
      ],
      "capacity": {
        "source": "risk_fund",
        "multiple": "10"
      },
      "compensationTriggerDaysPastDue": 90,
      "circuitBreaker": {
        "townshipNplRatio": "0.05",
        "villageNplRatio": "0.07"
      }
    }
  },
  {
    "number": 5,
    "code": "entrepreneurship_guarantee",
    "nameZh": "创业担保贷款",
    "nameEn": "Entrepreneurship guarantee loans (job transfer)",
    "parameters": {
      "eligibility": {
        "borrowerKinds": [
          "household"
        ],
        "borrowerAgeRange": {
          "min": 18,
          "max": 60
        },
        "principalCap": "200000.00",
        "termCapMonths": 36,
        "rateCapSpreadOverReference": "0.005"
      },
      "subsidy": {
        "rule": "reference_minus_spread",
        "spread": "0.015"
      },
      "guarantee": {
        "required": true,
        "coverageRatio": "1",
        "feeRateCaps": [
          {
            "upTo": "5000000.00",
            "rateAnnual": "0.01"
          },
          {
            "rateAnnual": "0.015"
          }
        ],
        "feeSubsidyRates": {
          "household": "0",
          "enterprise": "0"
        }
      },
      "riskSharing": [
        {
          "party": "guarantor",
          "ratio": "1"
        }
      ],
      "capacity": {
        "source": "guarantor_leverage"
      },
      "compensationTriggerDaysPastDue": 90
    }
  },
  {
    "number": 6,
    "code": "insurance_backed",
    "nameZh": "政银保",
    "nameEn": "Government-bank-insurer loans",
    "parameters": {
      "eligibility": {
        "borrowerKinds": [
          "household",
          "enterprise"
        ]
      },
      "subsidy": {
        "rule": "none"
      },
      "guarantee": {
        "required": false
      },
      "riskSharing": [
        {
          "party": "insurer",
          "ratio": "0.8"
        },
        {
          "party": "bank",
          "ratio": "0.1"
        },
        {
          "party": "government",
          "ratio": "0.1"
        }
      ],
      "capacity": {
        "source": "none"
      },
      "compensationTriggerDaysPastDue": 90
    }
  },
  {
    "number": 7,
    "code": "cooperative_driven",
    "nameZh": "合作社带动贷款",
    "nameEn": "Loans to cooperatives driving poor households",
    "parameters": {
      "eligibility": {
        "borrowerKinds": [
          "enterprise"
        ],
        "enterpriseKinds": [
          "cooperative"
        ],
        "rateCapMultipleOfReference": "1.10",
        "minDrivenHouseholds": 1,
        "agreementRequired": true
      },
      "subsidy": {
        "rule": "fixed_rate_on_linked_base",
        "rateAnnual": "0.02",
        "quotaPerHousehold": "50000.00"
      },
      "guarantee": {
        "required": false
      },
      "riskSharing": [
        {
          "party": "bank",
          "ratio": "1"
        }
      ],
      "capacity": {
        "source": "none"
      },
      "compensationTriggerDaysPastDue": 90
    }
  },
  {
    "number": 8,
    "code": "photovoltaic",
    "nameZh": "光伏扶贫贷款",
    "nameEn": "Photovoltaic poverty-alleviation loans",
    "parameters": {
      "eligibility": {
        "borrowerKinds": [
          "household",
          "enterprise"
        ],
        "enterpriseKinds": [
          "village_collective"
        ],
        "termCapMonths": 120
      },
      "subsidy": {
        "rule": "full_up_to_reference"
      },
      "guarantee": {
        "required": false
      },
      "riskSharing": [
        {
          "party": "bank",
          "ratio": "1"
        }
      ],
      "capacity": {
        "source": "none"
      },
      "compensationTriggerDaysPastDue": 90
    }
  },
  {
    "number": 9,
    "code": "relending_supported",
    "nameZh": "扶贫再贷款支持贷款",
    "nameEn": "Loans funded by PBoC poverty-alleviation relending",
    "parameters": {
      "eligibility": {
        "borrowerKinds": [
          "household",
          "enterprise"
        ],
        "rateCapMultipleOfReference": "1"
      },
      "subsidy": {
        "rule": "none"
      },
      "guarantee": {
        "required": false
      },
      "riskSharing": [
        {
          "party": "bank",
          "ratio": "1"
        }
      ],
      "capacity": {
        "source": "none"
      },
      "compensationTriggerDaysPastDue": 90,
      "relendingFunded": true
    }
  },
  {
    "number": 10,
    "code": "inclusive_credit_line",
    "nameZh": "普惠授信",
    "nameEn": "Inclusive credit lines for households",
    "parameters": {
      "eligibility": {
        "borrowerKinds": [
          "household"
        ],
        "principalCap": "30000.00",
        "termCapMonths": 36
      },
      "subsidy": {
        "rule": "full_up_to_reference"
      },
      "guarantee": {
        "required": false
      },
      "riskSharing": [
        {
          "party": "bank",
          "ratio": "1"
        }
      ],
      "capacity": {
        "source": "none"
      },
      "compensationTriggerDaysPastDue": 90
    }
  }
];

export class Loans1795918496392 implements MigrationInterface {
  name = 'Loans1795918496392';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "financing_models" (
        "code" character varying(40) NOT NULL,
        "number" smallint NOT NULL,
        "name_zh" character varying(100) NOT NULL,
        "name_en" character varying(200) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "financing_models_pkey" PRIMARY KEY ("code")
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "risk_funds" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "county_code" character varying(12) NOT NULL,
        "bank_id" uuid NOT NULL,
        "model_code" character varying(40) NOT NULL,
        "multiple" numeric(6,2) NOT NULL,
        "balance" numeric(16,2) NOT NULL,
        "region_path" character varying(120) COLLATE "C" NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "risk_funds_county_bank_model_key" UNIQUE ("county_code",
        "bank_id",
        "model_code"),
        CONSTRAINT "risk_funds_multiple_check" CHECK (multiple > 0 AND multiple <= 50),
        CONSTRAINT "risk_funds_balance_check" CHECK (balance >= 0),
        CONSTRAINT "risk_funds_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "fund_movements" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "fund_id" uuid NOT NULL,
        "kind" character varying(16) NOT NULL,
        "amount" numeric(16,2) NOT NULL,
        "balance_after" numeric(16,2) NOT NULL,
        "occurred_on" date NOT NULL,
        "reference" character varying(100),
        "idempotency_key" character varying(100) NOT NULL,
        "claim_id" uuid,
        "created_by" uuid NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "fund_movements_idempotency_key" UNIQUE ("fund_id",
        "idempotency_key"),
        CONSTRAINT "fund_movements_sign_check" CHECK ((kind IN ('deposit', 'top_up', 'recovery') AND amount > 0) OR (kind IN ('withdrawal', 'payout') AND amount < 0)),
        CONSTRAINT "fund_movements_kind_check" CHECK (kind IN ('deposit', 'top_up', 'withdrawal', 'payout', 'recovery')),
        CONSTRAINT "fund_movements_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "fund_movements_fund_idx" ON "fund_movements"("fund_id", "occurred_on")`);
    await queryRunner.query(`
      CREATE TABLE "idempotency_records" (
        "scope" character varying(100) NOT NULL,
        "key" character varying(100) NOT NULL,
        "request_hash" character(64) NOT NULL,
        "response_status" integer,
        "response_body" jsonb,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "idempotency_records_pkey" PRIMARY KEY ("scope",
        "key")
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "financing_model_versions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "model_code" character varying(40) NOT NULL,
        "version" integer NOT NULL,
        "effective_from" date NOT NULL,
        "parameters" jsonb NOT NULL,
        "created_by" uuid,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "financing_model_versions_effective_key" UNIQUE ("model_code",
        "effective_from"),
        CONSTRAINT "financing_model_versions_number_key" UNIQUE ("model_code",
        "version"),
        CONSTRAINT "financing_model_versions_version_check" CHECK (version >= 1),
        CONSTRAINT "financing_model_versions_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "loans" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "bank_id" uuid NOT NULL,
        "branch_id" uuid NOT NULL,
        "contract_number" character varying(64) NOT NULL,
        "model_code" character varying(40) NOT NULL,
        "model_version_id" uuid NOT NULL,
        "borrower_kind" character varying(16) NOT NULL,
        "household_id" uuid,
        "exclusive_household_id" uuid,
        "enterprise_id" uuid,
        "region_path" character varying(120) COLLATE "C" NOT NULL,
        "principal" numeric(16,2) NOT NULL,
        "outstanding_principal" numeric(16,2) NOT NULL,
        "rate_annual" numeric(10,8) NOT NULL,
        "reference_rate_annual" numeric(10,8) NOT NULL,
        "contract_date" date NOT NULL,
        "disbursement_date" date,
        "maturity_date" date NOT NULL,
        "current_maturity_date" date NOT NULL,
        "term_months" integer NOT NULL,
        "repayment_method" character varying(48) NOT NULL,
        "purpose" character varying(200) NOT NULL,
        "agreement_number" character varying(64),
        "driven_households" integer,
        "guarantor_id" uuid,
        "risk_fund_id" uuid,
        "status" character varying(24) NOT NULL,
        "days_past_due" integer NOT NULL DEFAULT '0',
        "delinquency_as_of" date,
        "schedule_version" integer NOT NULL DEFAULT '1',
        "closed_on" date,
        "created_by" uuid NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "loans_contract_number_key" UNIQUE ("bank_id",
        "contract_number"),
        CONSTRAINT "loans_days_past_due_check" CHECK (days_past_due >= 0),
        CONSTRAINT "loans_dates_check" CHECK (maturity_date > contract_date AND current_maturity_date >= maturity_date AND (disbursement_date IS NULL OR disbursement_date >= contract_date)),
        CONSTRAINT "loans_rates_check" CHECK (rate_annual >= 0 AND rate_annual < 1 AND reference_rate_annual > 0 AND reference_rate_annual < 1),
        CONSTRAINT "loans_amounts_check" CHECK (principal > 0 AND outstanding_principal >= 0 AND outstanding_principal <= principal),
        CONSTRAINT "loans_exclusive_household_check" CHECK (exclusive_household_id IS NULL OR exclusive_household_id = household_id),
        CONSTRAINT "loans_borrower_check" CHECK ((borrower_kind = 'household' AND household_id IS NOT NULL AND enterprise_id IS NULL)
    OR (borrower_kind = 'enterprise' AND enterprise_id IS NOT NULL AND household_id IS NULL)),
        CONSTRAINT "loans_method_check" CHECK (repayment_method IN ('interest_quarterly_principal_at_maturity', 'equal_installment', 'equal_principal')),
        CONSTRAINT "loans_status_check" CHECK (status IN ('pending_guarantee', 'registered', 'active', 'overdue', 'defaulted', 'compensated', 'written_off', 'settled', 'cancelled')),
        CONSTRAINT "loans_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "loans_region_path_idx" ON "loans"("region_path")`);
    await queryRunner.query(`CREATE INDEX "loans_risk_fund_idx" ON "loans"("risk_fund_id")`);
    await queryRunner.query(`CREATE INDEX "loans_enterprise_idx" ON "loans"("enterprise_id")`);
    await queryRunner.query(`CREATE INDEX "loans_household_idx" ON "loans"("household_id")`);
    await queryRunner.query(`CREATE INDEX "loans_bank_status_idx" ON "loans"("bank_id", "status")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "loans_one_per_household_key" ON "loans"("model_code", "exclusive_household_id") WHERE exclusive_household_id IS NOT NULL AND status IN ('pending_guarantee', 'registered', 'active', 'overdue', 'defaulted')`);
    await queryRunner.query(`
      CREATE TABLE "loan_events" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "loan_id" uuid NOT NULL,
        "kind" character varying(32) NOT NULL,
        "effective_date" date NOT NULL,
        "from_status" character varying(24),
        "to_status" character varying(24),
        "details" jsonb,
        "created_by" uuid,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT "loan_events_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "loan_events_loan_idx" ON "loan_events"("loan_id", "id")`);
    await queryRunner.query(`
      CREATE TABLE "repayments" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "loan_id" uuid NOT NULL,
        "kind" character varying(16) NOT NULL,
        "paid_on" date NOT NULL,
        "principal" numeric(16,2) NOT NULL,
        "interest" numeric(16,2) NOT NULL,
        "penalty" numeric(16,2) NOT NULL,
        "reverses_id" uuid,
        "idempotency_key" character varying(100) NOT NULL,
        "note" character varying(200),
        "created_by" uuid NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "repayments_reverses_key" UNIQUE ("reverses_id"),
        CONSTRAINT "repayments_idempotency_key" UNIQUE ("loan_id",
        "idempotency_key"),
        CONSTRAINT "repayments_parts_check" CHECK ((kind = 'repayment' AND reverses_id IS NULL AND principal >= 0 AND interest >= 0 AND penalty >= 0 AND principal + interest + penalty > 0)
    OR (kind = 'reversal' AND reverses_id IS NOT NULL AND principal <= 0 AND interest <= 0 AND penalty <= 0 AND principal + interest + penalty < 0)),
        CONSTRAINT "repayments_kind_check" CHECK (kind IN ('repayment', 'reversal')),
        CONSTRAINT "repayments_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "repayments_loan_idx" ON "repayments"("loan_id", "paid_on")`);
    await queryRunner.query(`
      CREATE TABLE "loan_schedule" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "loan_id" uuid NOT NULL,
        "version" integer NOT NULL,
        "seq" integer NOT NULL,
        "due_date" date NOT NULL,
        "principal_due" numeric(16,2) NOT NULL,
        "interest_due" numeric(16,2) NOT NULL,
        CONSTRAINT "loan_schedule_seq_key" UNIQUE ("loan_id",
        "version",
        "seq"),
        CONSTRAINT "loan_schedule_amounts_check" CHECK (principal_due >= 0 AND interest_due >= 0 AND seq >= 1 AND version >= 1),
        CONSTRAINT "loan_schedule_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`ALTER TABLE "risk_funds" ADD CONSTRAINT "risk_funds_county_code_fkey" FOREIGN KEY ("county_code") REFERENCES "regions"("code") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "risk_funds" ADD CONSTRAINT "risk_funds_bank_id_fkey" FOREIGN KEY ("bank_id") REFERENCES "institutions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "risk_funds" ADD CONSTRAINT "risk_funds_model_code_fkey" FOREIGN KEY ("model_code") REFERENCES "financing_models"("code") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "fund_movements" ADD CONSTRAINT "fund_movements_fund_id_fkey" FOREIGN KEY ("fund_id") REFERENCES "risk_funds"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "fund_movements" ADD CONSTRAINT "fund_movements_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "financing_model_versions" ADD CONSTRAINT "financing_model_versions_model_code_fkey" FOREIGN KEY ("model_code") REFERENCES "financing_models"("code") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "financing_model_versions" ADD CONSTRAINT "financing_model_versions_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "loans" ADD CONSTRAINT "loans_bank_id_fkey" FOREIGN KEY ("bank_id") REFERENCES "institutions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "loans" ADD CONSTRAINT "loans_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "institutions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "loans" ADD CONSTRAINT "loans_model_code_fkey" FOREIGN KEY ("model_code") REFERENCES "financing_models"("code") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "loans" ADD CONSTRAINT "loans_model_version_id_fkey" FOREIGN KEY ("model_version_id") REFERENCES "financing_model_versions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "loans" ADD CONSTRAINT "loans_household_id_fkey" FOREIGN KEY ("household_id") REFERENCES "households"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "loans" ADD CONSTRAINT "loans_enterprise_id_fkey" FOREIGN KEY ("enterprise_id") REFERENCES "enterprises"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "loans" ADD CONSTRAINT "loans_guarantor_id_fkey" FOREIGN KEY ("guarantor_id") REFERENCES "institutions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "loans" ADD CONSTRAINT "loans_risk_fund_id_fkey" FOREIGN KEY ("risk_fund_id") REFERENCES "risk_funds"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "loans" ADD CONSTRAINT "loans_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "loan_events" ADD CONSTRAINT "loan_events_loan_id_fkey" FOREIGN KEY ("loan_id") REFERENCES "loans"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "repayments" ADD CONSTRAINT "repayments_loan_id_fkey" FOREIGN KEY ("loan_id") REFERENCES "loans"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "repayments" ADD CONSTRAINT "repayments_reverses_id_fkey" FOREIGN KEY ("reverses_id") REFERENCES "repayments"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "repayments" ADD CONSTRAINT "repayments_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "loan_schedule" ADD CONSTRAINT "loan_schedule_loan_id_fkey" FOREIGN KEY ("loan_id") REFERENCES "loans"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);

    // Money history and model versions are append-only: corrections are new rows (SPEC §4, §5).
    await queryRunner.query(`
      CREATE FUNCTION refuse_change_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END
      $$
    `);
    for (const table of APPEND_ONLY_TABLES) {
      await queryRunner.query(
        `CREATE TRIGGER "${table}_append_only" BEFORE UPDATE OR DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only()`,
      );
    }

    // SPEC §4: the ten models with their version-1 parameters, all editable by adding versions.
    for (const model of MODELS) {
      await queryRunner.query(`INSERT INTO "financing_models" ("code", "number", "name_zh", "name_en") VALUES ($1, $2, $3, $4)`, [
        model.code,
        model.number,
        model.nameZh,
        model.nameEn,
      ]);
      await queryRunner.query(
        `INSERT INTO "financing_model_versions" ("model_code", "version", "effective_from", "parameters") VALUES ($1, 1, '2015-01-01', $2)`,
        [model.code, JSON.stringify(model.parameters)],
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of APPEND_ONLY_TABLES) await queryRunner.query(`DROP TRIGGER "${table}_append_only" ON "${table}"`);
    await queryRunner.query(`DROP FUNCTION refuse_change_append_only()`);
    await queryRunner.query(`ALTER TABLE "loan_schedule" DROP CONSTRAINT "loan_schedule_loan_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "repayments" DROP CONSTRAINT "repayments_created_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "repayments" DROP CONSTRAINT "repayments_reverses_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "repayments" DROP CONSTRAINT "repayments_loan_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "loan_events" DROP CONSTRAINT "loan_events_loan_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "loans" DROP CONSTRAINT "loans_created_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "loans" DROP CONSTRAINT "loans_risk_fund_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "loans" DROP CONSTRAINT "loans_guarantor_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "loans" DROP CONSTRAINT "loans_enterprise_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "loans" DROP CONSTRAINT "loans_household_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "loans" DROP CONSTRAINT "loans_model_version_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "loans" DROP CONSTRAINT "loans_model_code_fkey"`);
    await queryRunner.query(`ALTER TABLE "loans" DROP CONSTRAINT "loans_branch_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "loans" DROP CONSTRAINT "loans_bank_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "financing_model_versions" DROP CONSTRAINT "financing_model_versions_created_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "financing_model_versions" DROP CONSTRAINT "financing_model_versions_model_code_fkey"`);
    await queryRunner.query(`ALTER TABLE "fund_movements" DROP CONSTRAINT "fund_movements_created_by_fkey"`);
    await queryRunner.query(`ALTER TABLE "fund_movements" DROP CONSTRAINT "fund_movements_fund_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "risk_funds" DROP CONSTRAINT "risk_funds_model_code_fkey"`);
    await queryRunner.query(`ALTER TABLE "risk_funds" DROP CONSTRAINT "risk_funds_bank_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "risk_funds" DROP CONSTRAINT "risk_funds_county_code_fkey"`);
    await queryRunner.query(`DROP TABLE "loan_schedule"`);
    await queryRunner.query(`DROP INDEX "public"."repayments_loan_idx"`);
    await queryRunner.query(`DROP TABLE "repayments"`);
    await queryRunner.query(`DROP INDEX "public"."loan_events_loan_idx"`);
    await queryRunner.query(`DROP TABLE "loan_events"`);
    await queryRunner.query(`DROP INDEX "public"."loans_one_per_household_key"`);
    await queryRunner.query(`DROP INDEX "public"."loans_bank_status_idx"`);
    await queryRunner.query(`DROP INDEX "public"."loans_household_idx"`);
    await queryRunner.query(`DROP INDEX "public"."loans_enterprise_idx"`);
    await queryRunner.query(`DROP INDEX "public"."loans_risk_fund_idx"`);
    await queryRunner.query(`DROP INDEX "public"."loans_region_path_idx"`);
    await queryRunner.query(`DROP TABLE "loans"`);
    await queryRunner.query(`DROP TABLE "financing_model_versions"`);
    await queryRunner.query(`DROP TABLE "idempotency_records"`);
    await queryRunner.query(`DROP INDEX "public"."fund_movements_fund_idx"`);
    await queryRunner.query(`DROP TABLE "fund_movements"`);
    await queryRunner.query(`DROP TABLE "risk_funds"`);
    await queryRunner.query(`DROP TABLE "financing_models"`);
  }
}
