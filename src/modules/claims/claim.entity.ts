import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Decimal } from '../../core/money';
import { decimalTransformer } from '../../shared/db/decimal-transformer';
import { Guarantee } from '../guarantees/guarantee.entity';
import { Loan } from '../loans/loan.entity';
import { ModelVersion } from '../models/model-version.entity';
import { User } from '../users/user.entity';

export const CLAIM_STATUSES = ['filed', 'approved', 'rejected', 'paid'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

/**
 * A default claim (代偿, SPEC §5) on a defaulted loan, filed by the lending bank: the loss (outstanding
 * principal + contractual interest accrued and unpaid to the claim date) and the model version whose
 * risk-sharing ratios split it (the shares are claim_shares rows). Approved or rejected once by a
 * finance officer who did not file it; `paid` once every share is paid. An approved claim whose loan
 * no longer owes what it was filed for is paid no further and may be rejected once what was paid has
 * come back as recoveries (claim-coverage.ts). A loan has at most one claim that is not rejected (a
 * partial unique index), so two filings racing cannot both pass.
 */
@Entity('claims')
@Unique('claims_claim_number_key', ['claimNumber'])
@Index('claims_one_per_loan_key', ['loanId'], { unique: true, where: `status <> 'rejected'` })
@Check('claims_status_check', `status IN ('filed', 'approved', 'rejected', 'paid')`)
@Check('claims_amounts_check', `principal_outstanding >= 0 AND interest_unpaid >= 0 AND loss_amount > 0 AND loss_amount = principal_outstanding + interest_unpaid`)
@Check(
  'claims_decision_check',
  `(status = 'filed' AND decided_by IS NULL AND decided_on IS NULL)
    OR (status IN ('approved', 'paid') AND decided_by IS NOT NULL AND decided_on IS NOT NULL)
    OR (status = 'rejected' AND decided_by IS NOT NULL AND decided_on IS NOT NULL AND decision_reason IS NOT NULL)`,
)
@Check('claims_paid_check', `(status = 'paid') = (paid_on IS NOT NULL)`)
@Check('claims_maker_checker_check', `decided_by IS NULL OR decided_by <> filed_by`)
export class Claim {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  claimNumber!: string;

  @Column({ type: 'uuid' })
  loanId!: string;

  @ManyToOne(() => Loan, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'loan_id', referencedColumnName: 'id' })
  loan?: Loan;

  @Column({ type: 'uuid', nullable: true })
  guaranteeId!: string | null;

  @ManyToOne(() => Guarantee, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'guarantee_id', referencedColumnName: 'id' })
  guarantee?: Guarantee | null;

  /** The loan's model version: its riskSharing gave the ratios. */
  @Column({ type: 'uuid' })
  modelVersionId!: string;

  @ManyToOne(() => ModelVersion, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'model_version_id', referencedColumnName: 'id' })
  modelVersion?: ModelVersion;

  @Column({ type: 'date' })
  claimDate!: string;

  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  principalOutstanding!: Decimal;

  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  interestUnpaid!: Decimal;

  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  lossAmount!: Decimal;

  @Column({ type: 'varchar', length: 16 })
  status!: ClaimStatus;

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

  @Column({ type: 'date', nullable: true })
  decidedOn!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  decisionReason!: string | null;

  /** The latest payment date of its shares, set when the last share is paid (not the last request's date). */
  @Column({ type: 'date', nullable: true })
  paidOn!: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
