import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Decimal } from '../../core/money';
import { decimalTransformer } from '../../shared/db/decimal-transformer';
import { Institution } from '../institutions/institution.entity';
import { User } from '../users/user.entity';

export const BATCH_STATUSES = ['draft', 'submitted', 'approved', 'paid'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/**
 * A bank's quarterly subsidy settlement batch (SPEC §7): one per bank and period. `draft` batches are
 * recomputed at will; `submitted` by the bank; `approved` (or rejected back to draft) by a finance
 * officer other than the submitter; `paid`. Approved and paid batches never change: a trigger refuses
 * any UPDATE except approved → paid with the payment fields, and any change to the lines of a batch
 * that is not a draft (migration Settlements). Totals are sums of the already-rounded lines (§6.5).
 * `contentSha256` is the SHA-256 of the canonical content (docs/calculations.md), printed on the PDF.
 */
@Entity('settlement_batches')
@Unique('settlement_batches_bank_period_key', ['bankId', 'period'])
@Unique('settlement_batches_number_key', ['batchNumber'])
@Unique('settlement_batches_sha256_key', ['contentSha256'])
@Index('settlement_batches_period_idx', ['period', 'status'])
@Check('settlement_batches_status_check', `status IN ('draft', 'submitted', 'approved', 'paid')`)
@Check('settlement_batches_period_check', `period ~ '^[0-9]{4}Q[1-4]$' AND period_end > period_start`)
@Check('settlement_batches_totals_check', `total_amount = interest_subsidy_total + guarantee_fee_subsidy_total AND line_count >= loans_counted AND loans_counted >= loans_subsidised AND loans_subsidised >= 0`)
@Check('settlement_batches_sha256_check', `content_sha256 ~ '^[0-9a-f]{64}$' OR (content_sha256 IS NULL AND status = 'draft')`)
@Check(
  'settlement_batches_workflow_check',
  `(status = 'draft' OR (submitted_by IS NOT NULL AND submitted_at IS NOT NULL))
    AND ((status IN ('approved', 'paid')) = (approved_by IS NOT NULL AND approved_at IS NOT NULL))
    AND (approved_by IS NULL OR approved_by <> submitted_by)
    AND ((status = 'paid') = (paid_on IS NOT NULL AND payment_reference IS NOT NULL AND paid_by IS NOT NULL AND paid_at IS NOT NULL))`,
)
export class SettlementBatch {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 40 })
  batchNumber!: string;

  @Column({ type: 'uuid' })
  bankId!: string;

  @ManyToOne(() => Institution, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'bank_id', referencedColumnName: 'id' })
  bank?: Institution;

  /** The bank's region path, so that county staff see the batches of banks in their county. */
  @Index('settlement_batches_region_path_idx')
  @Column({ type: 'varchar', length: 120, collation: 'C' })
  regionPath!: string;

  /** `2026Q3` (SPEC §11), with its first and last day. */
  @Column({ type: 'varchar', length: 6 })
  period!: string;

  @Column({ type: 'date' })
  periodStart!: string;

  @Column({ type: 'date' })
  periodEnd!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: BatchStatus;

  /** How many times the draft has been computed. */
  @Column({ type: 'int', default: 1 })
  revision!: number;

  @Column({ type: 'int' })
  lineCount!: number;

  @Column({ type: 'int' })
  loansCounted!: number;

  @Column({ type: 'int' })
  loansSubsidised!: number;

  @Column({ type: 'int' })
  adjustmentCount!: number;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  openingBalanceTotal!: Decimal;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  closingBalanceTotal!: Decimal;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  interestSubsidyTotal!: Decimal;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  guaranteeFeeSubsidyTotal!: Decimal;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  totalAmount!: Decimal;

  /** Null only inside the transaction that creates the draft, before its lines are written. */
  @Column({ type: 'char', length: 64, nullable: true })
  contentSha256!: string | null;

  @Column({ type: 'timestamptz' })
  computedAt!: Date;

  /** Null when the scheduled job computed it. */
  @Column({ type: 'uuid', nullable: true })
  computedBy!: string | null;

  @ManyToOne(() => User, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'computed_by', referencedColumnName: 'id' })
  computer?: User | null;

  @Column({ type: 'timestamptz', nullable: true })
  submittedAt!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  submittedBy!: string | null;

  @ManyToOne(() => User, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'submitted_by', referencedColumnName: 'id' })
  submitter?: User | null;

  @Column({ type: 'timestamptz', nullable: true })
  approvedAt!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  approvedBy!: string | null;

  @ManyToOne(() => User, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'approved_by', referencedColumnName: 'id' })
  approver?: User | null;

  /** The last rejection, kept when the batch goes back to draft; the audit log has them all. */
  @Column({ type: 'timestamptz', nullable: true })
  rejectedAt!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  rejectedBy!: string | null;

  @ManyToOne(() => User, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'rejected_by', referencedColumnName: 'id' })
  rejecter?: User | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  rejectionReason!: string | null;

  @Column({ type: 'date', nullable: true })
  paidOn!: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  paymentReference!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  paidAt!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  paidBy!: string | null;

  @ManyToOne(() => User, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'paid_by', referencedColumnName: 'id' })
  payer?: User | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
