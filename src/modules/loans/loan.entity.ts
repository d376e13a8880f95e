import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Decimal } from '../../core/money';
import { decimalTransformer } from '../../shared/db/decimal-transformer';
import { RiskFund } from '../funds/risk-fund.entity';
import { Enterprise } from '../enterprises/enterprise.entity';
import { Household } from '../households/household.entity';
import { Institution } from '../institutions/institution.entity';
import { FinancingModel } from '../models/financing-model.entity';
import { ModelVersion } from '../models/model-version.entity';
import { User } from '../users/user.entity';

export const LOAN_STATUSES = [
  'pending_guarantee',
  'registered',
  'active',
  'overdue',
  'defaulted',
  'compensated',
  'written_off',
  'settled',
  'cancelled',
] as const;
export type LoanStatus = (typeof LOAN_STATUSES)[number];
export const REPAYMENT_METHODS = ['interest_quarterly_principal_at_maturity', 'equal_installment', 'equal_principal'] as const;
export type RepaymentMethod = (typeof REPAYMENT_METHODS)[number];

/** Statuses in which a loan still holds principal (and capacity, and the household's one-loan slot). */
export const OPEN_LOAN_STATUSES: readonly LoanStatus[] = ['pending_guarantee', 'registered', 'active', 'overdue', 'defaulted'];

/**
 * A loan (SPEC §5). `bankId` is the head-office bank, `branchId` the lending branch. `regionPath` is
 * the borrower's (village for a household, registered region for an enterprise), for scope and the
 * circuit breakers. `exclusiveHouseholdId` is set only under models allowing one active loan per
 * household, so that a partial unique index enforces that rule across all banks.
 */
@Entity('loans')
@Unique('loans_contract_number_key', ['bankId', 'contractNumber'])
@Index('loans_one_per_household_key', ['modelCode', 'exclusiveHouseholdId'], {
  unique: true,
  where: `exclusive_household_id IS NOT NULL AND status IN ('pending_guarantee', 'registered', 'active', 'overdue', 'defaulted')`,
})
@Index('loans_bank_status_idx', ['bankId', 'status'])
@Index('loans_household_idx', ['householdId'])
@Index('loans_enterprise_idx', ['enterpriseId'])
// Index-only sums for fund capacity (migration LoanIndexes) and the circuit breakers, which read the
// region-path index (migration LoanRegionIndex). The migrations make the columns after the first
// one(s) INCLUDE columns, which TypeORM cannot write; it reads them back as columns of the index,
// so declaring them here keeps the schema diff empty. loans_fund_open_idx also serves the foreign
// key to risk_funds, and loans_region_cover_idx every region-path prefix read.
@Index('loans_fund_open_idx', ['riskFundId', 'status', 'outstandingPrincipal'])
@Index('loans_region_cover_idx', ['regionPath', 'modelCode', 'status', 'outstandingPrincipal'])
@Check('loans_status_check', `status IN ('pending_guarantee', 'registered', 'active', 'overdue', 'defaulted', 'compensated', 'written_off', 'settled', 'cancelled')`)
@Check('loans_method_check', `repayment_method IN ('interest_quarterly_principal_at_maturity', 'equal_installment', 'equal_principal')`)
@Check(
  'loans_borrower_check',
  `(borrower_kind = 'household' AND household_id IS NOT NULL AND enterprise_id IS NULL)
    OR (borrower_kind = 'enterprise' AND enterprise_id IS NOT NULL AND household_id IS NULL)`,
)
@Check('loans_exclusive_household_check', `exclusive_household_id IS NULL OR exclusive_household_id = household_id`)
@Check('loans_amounts_check', `principal > 0 AND outstanding_principal >= 0 AND outstanding_principal <= principal`)
@Check('loans_rates_check', `rate_annual >= 0 AND rate_annual < 1 AND reference_rate_annual > 0 AND reference_rate_annual < 1`)
@Check('loans_dates_check', `maturity_date > contract_date AND current_maturity_date >= maturity_date AND (disbursement_date IS NULL OR disbursement_date >= contract_date)`)
@Check('loans_days_past_due_check', `days_past_due >= 0`)
export class Loan {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  bankId!: string;

  @ManyToOne(() => Institution, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'bank_id', referencedColumnName: 'id' })
  bank?: Institution;

  @Column({ type: 'uuid' })
  branchId!: string;

  @ManyToOne(() => Institution, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'branch_id', referencedColumnName: 'id' })
  branch?: Institution;

  @Column({ type: 'varchar', length: 64 })
  contractNumber!: string;

  @Column({ type: 'varchar', length: 40 })
  modelCode!: string;

  @ManyToOne(() => FinancingModel, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'model_code', referencedColumnName: 'code' })
  model?: FinancingModel;

  @Column({ type: 'uuid' })
  modelVersionId!: string;

  @ManyToOne(() => ModelVersion, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'model_version_id', referencedColumnName: 'id' })
  modelVersion?: ModelVersion;

  @Column({ type: 'varchar', length: 16 })
  borrowerKind!: 'household' | 'enterprise';

  @Column({ type: 'uuid', nullable: true })
  householdId!: string | null;

  @ManyToOne(() => Household, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'household_id', referencedColumnName: 'id' })
  household?: Household | null;

  @Column({ type: 'uuid', nullable: true })
  exclusiveHouseholdId!: string | null;

  @Column({ type: 'uuid', nullable: true })
  enterpriseId!: string | null;

  @ManyToOne(() => Enterprise, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'enterprise_id', referencedColumnName: 'id' })
  enterprise?: Enterprise | null;

  @Column({ type: 'varchar', length: 120, collation: 'C' })
  regionPath!: string;

  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  principal!: Decimal;

  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  outstandingPrincipal!: Decimal;

  @Column({ type: 'numeric', precision: 10, scale: 8, transformer: decimalTransformer })
  rateAnnual!: Decimal;

  @Column({ type: 'numeric', precision: 10, scale: 8, transformer: decimalTransformer })
  referenceRateAnnual!: Decimal;

  @Column({ type: 'date' })
  contractDate!: string;

  @Column({ type: 'date', nullable: true })
  disbursementDate!: string | null;

  /** The contractual maturity; subsidies stop after it even when the loan is extended (SPEC §6.2). */
  @Column({ type: 'date' })
  maturityDate!: string;

  @Column({ type: 'date' })
  currentMaturityDate!: string;

  @Column({ type: 'int' })
  termMonths!: number;

  @Column({ type: 'varchar', length: 48 })
  repaymentMethod!: RepaymentMethod;

  @Column({ type: 'varchar', length: 200 })
  purpose!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  agreementNumber!: string | null;

  /** Households the enterprise drove at registration (enterprise models). */
  @Column({ type: 'int', nullable: true })
  drivenHouseholds!: number | null;

  @Column({ type: 'uuid', nullable: true })
  guarantorId!: string | null;

  @ManyToOne(() => Institution, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'guarantor_id', referencedColumnName: 'id' })
  guarantor?: Institution | null;

  @Column({ type: 'uuid', nullable: true })
  riskFundId!: string | null;

  @ManyToOne(() => RiskFund, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'risk_fund_id', referencedColumnName: 'id' })
  riskFund?: RiskFund | null;

  @Column({ type: 'varchar', length: 24 })
  status!: LoanStatus;

  @Column({ type: 'int', default: 0 })
  daysPastDue!: number;

  @Column({ type: 'date', nullable: true })
  delinquencyAsOf!: string | null;

  @Column({ type: 'int', default: 1 })
  scheduleVersion!: number;

  @Column({ type: 'date', nullable: true })
  closedOn!: string | null;

  @Column({ type: 'uuid' })
  createdBy!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'created_by', referencedColumnName: 'id' })
  creator?: User;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
