import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Decimal } from '../../core/money';
import { decimalTransformer } from '../../shared/db/decimal-transformer';
import { Loan } from '../loans/loan.entity';
import { FinancingModel } from '../models/financing-model.entity';
import { SettlementBatch } from './settlement-batch.entity';

export type LineKind = 'regular' | 'adjustment';

/** One priced segment as stored (SPEC §6.2 steps 1–2): strings, so that nothing is ever a float. */
export interface StoredSegment {
  kind: 'interest' | 'guarantee_fee';
  from: string;
  to: string;
  days: number;
  base: string;
  rate: string;
  amount: string;
}

/**
 * One line of a settlement batch (SPEC §7). A `regular` line is one loan's subsidy for the batch's
 * period, with the claim fields (balances at the period's start and end), the segments that produced
 * it and the reason for a zero. An `adjustment` line corrects an earlier, approved period: its
 * amounts are the difference between a fresh computation of that period and what was booked, and it
 * refers to the original line. The borrower's name and identifier are copied in, so that an
 * approved statement reads the same forever. Lines of a batch that is not a draft never change
 * (trigger in migration Settlements).
 */
@Entity('settlement_lines')
@Unique('settlement_lines_line_no_key', ['batchId', 'lineNo'])
@Index('settlement_lines_one_per_loan_key', ['batchId', 'loanId'], { unique: true, where: `kind = 'regular'` })
@Index('settlement_lines_loan_idx', ['loanId'])
// Only adjustment lines refer to another line: the index holds those and nothing for the regular lines.
@Index('settlement_lines_adjusts_idx', ['adjustsLineId'], { where: 'adjusts_line_id IS NOT NULL' })
@Check('settlement_lines_kind_check', `kind IN ('regular', 'adjustment')`)
@Check('settlement_lines_reason_check', `reason IS NULL OR reason IN ('OVERDUE', 'EXTENDED', 'AFTER_MATURITY')`)
@Check('settlement_lines_total_check', `total_amount = interest_subsidy + guarantee_fee_subsidy AND line_no >= 1 AND days >= 0`)
@Check(
  'settlement_lines_regular_check',
  `kind <> 'regular' OR (interest_subsidy >= 0 AND guarantee_fee_subsidy >= 0 AND adjusts_period IS NULL AND adjusts_line_id IS NULL
    AND opening_balance IS NOT NULL AND closing_balance IS NOT NULL AND days > 0 AND (reason IS NULL OR total_amount = 0))`,
)
@Check(
  'settlement_lines_adjustment_check',
  `kind <> 'adjustment' OR (adjusts_period ~ '^[0-9]{4}Q[1-4]$' AND opening_balance IS NULL AND closing_balance IS NULL
    AND (interest_subsidy <> 0 OR guarantee_fee_subsidy <> 0))`,
)
export class SettlementLine {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'uuid' })
  batchId!: string;

  @ManyToOne(() => SettlementBatch, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'batch_id', referencedColumnName: 'id' })
  batch?: SettlementBatch;

  @Column({ type: 'int' })
  lineNo!: number;

  @Column({ type: 'varchar', length: 12 })
  kind!: LineKind;

  @Column({ type: 'uuid' })
  loanId!: string;

  @ManyToOne(() => Loan, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'loan_id', referencedColumnName: 'id' })
  loan?: Loan;

  @Column({ type: 'varchar', length: 64 })
  contractNumber!: string;

  @Column({ type: 'varchar', length: 16 })
  borrowerKind!: 'household' | 'enterprise';

  @Column({ type: 'varchar', length: 200 })
  borrowerName!: string;

  /** A household's masked ID number or an enterprise's USCC. */
  @Column({ type: 'varchar', length: 32 })
  borrowerIdentifier!: string;

  @Column({ type: 'varchar', length: 40 })
  modelCode!: string;

  @ManyToOne(() => FinancingModel, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'model_code', referencedColumnName: 'code' })
  model?: FinancingModel;

  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  principal!: Decimal;

  @Column({ type: 'numeric', precision: 16, scale: 2, nullable: true, transformer: decimalTransformer })
  openingBalance!: Decimal | null;

  @Column({ type: 'numeric', precision: 16, scale: 2, nullable: true, transformer: decimalTransformer })
  closingBalance!: Decimal | null;

  @Column({ type: 'int' })
  days!: number;

  @Column({ type: 'numeric', precision: 10, scale: 8, nullable: true, transformer: decimalTransformer })
  interestRate!: Decimal | null;

  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  interestSubsidy!: Decimal;

  @Column({ type: 'numeric', precision: 10, scale: 8, nullable: true, transformer: decimalTransformer })
  feeSubsidyRate!: Decimal | null;

  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  guaranteeFeeSubsidy!: Decimal;

  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  totalAmount!: Decimal;

  @Column({ type: 'varchar', length: 16, nullable: true })
  reason!: string | null;

  @Column({ type: 'jsonb' })
  segments!: StoredSegment[];

  /** For an adjustment: the period it corrects, and that period's line for the loan (if it had one). */
  @Column({ type: 'varchar', length: 6, nullable: true })
  adjustsPeriod!: string | null;

  @Column({ type: 'bigint', nullable: true })
  adjustsLineId!: string | null;

  @ManyToOne(() => SettlementLine, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'adjusts_line_id', referencedColumnName: 'id' })
  adjustsLine?: SettlementLine | null;
}
