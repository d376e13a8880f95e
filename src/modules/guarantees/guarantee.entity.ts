import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Decimal } from '../../core/money';
import { decimalTransformer } from '../../shared/db/decimal-transformer';
import { Institution } from '../institutions/institution.entity';
import { Loan } from '../loans/loan.entity';
import { User } from '../users/user.entity';

export const GUARANTEE_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type GuaranteeStatus = (typeof GUARANTEE_STATUSES)[number];

/**
 * A guarantee application and, once approved, the guarantee itself (SPEC §5). Filed automatically
 * when a loan under a guarantee model is registered; decided once by a finance officer who did not
 * file it (maker-checker). Coverage and rates are copied from the loan's model version and
 * registration at filing, so later model versions never change an existing guarantee. Whether an
 * approved guarantee is still in force, released or compensated follows the loan's status
 * (guarantee.rules.ts), so a reversal that reopens a settled loan reinstates it without a write.
 */
@Entity('guarantees')
@Unique('guarantees_loan_id_key', ['loanId'])
@Unique('guarantees_letter_number_key', ['letterNumber'])
@Index('guarantees_guarantor_status_idx', ['guarantorId', 'status'])
@Check('guarantees_status_check', `status IN ('pending', 'approved', 'rejected')`)
@Check('guarantees_amount_check', `guaranteed_amount > 0`)
@Check('guarantees_rates_check', `coverage_ratio > 0 AND coverage_ratio <= 1 AND fee_rate_annual >= 0 AND fee_rate_annual < 1 AND fee_subsidy_rate_annual >= 0 AND fee_subsidy_rate_annual < 1`)
@Check(
  'guarantees_decision_check',
  `(status = 'pending' AND decided_by IS NULL AND decided_on IS NULL AND letter_number IS NULL)
    OR (status = 'approved' AND decided_by IS NOT NULL AND decided_on IS NOT NULL AND letter_number IS NOT NULL)
    OR (status = 'rejected' AND decided_by IS NOT NULL AND decided_on IS NOT NULL AND decision_reason IS NOT NULL AND letter_number IS NULL)`,
)
@Check('guarantees_maker_checker_check', `decided_by IS NULL OR decided_by <> filed_by`)
export class Guarantee {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  loanId!: string;

  @ManyToOne(() => Loan, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'loan_id', referencedColumnName: 'id' })
  loan?: Loan;

  @Column({ type: 'uuid' })
  guarantorId!: string;

  @ManyToOne(() => Institution, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'guarantor_id', referencedColumnName: 'id' })
  guarantor?: Institution;

  /** Principal × coverage ratio, rounded half-up to the fen (the figure on the letter). */
  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  guaranteedAmount!: Decimal;

  @Column({ type: 'numeric', precision: 5, scale: 4, transformer: decimalTransformer })
  coverageRatio!: Decimal;

  @Column({ type: 'numeric', precision: 10, scale: 8, transformer: decimalTransformer })
  feeRateAnnual!: Decimal;

  @Column({ type: 'numeric', precision: 10, scale: 8, transformer: decimalTransformer })
  feeSubsidyRateAnnual!: Decimal;

  /** The disbursement date the bank gave at registration; approval disburses on it when it has come. */
  @Column({ type: 'date', nullable: true })
  requestedDisbursementDate!: string | null;

  @Column({ type: 'varchar', length: 16 })
  status!: GuaranteeStatus;

  /** The loan officer who registered the loan, which filed the application. */
  @Column({ type: 'uuid' })
  filedBy!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'filed_by', referencedColumnName: 'id' })
  filer?: User;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  filedAt!: Date;

  @Column({ type: 'uuid', nullable: true })
  decidedBy!: string | null;

  @ManyToOne(() => User, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'decided_by', referencedColumnName: 'id' })
  decider?: User | null;

  @Column({ type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  /** The business date of the decision: the letter's date when approved. */
  @Column({ type: 'date', nullable: true })
  decidedOn!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  decisionReason!: string | null;

  /** 担保函 number, given on approval. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  letterNumber!: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
