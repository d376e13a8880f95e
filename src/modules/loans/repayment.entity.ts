import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Decimal } from '../../core/money';
import { decimalTransformer } from '../../shared/db/decimal-transformer';
import { User } from '../users/user.entity';
import { Loan } from './loan.entity';

/**
 * A repayment, or the reversal of one (SPEC §5: corrections are reversals, not edits). A reversal
 * carries the negated parts of the repayment it undoes; each repayment can be reversed once.
 * Append-only: a trigger refuses UPDATE and DELETE.
 */
@Entity('repayments')
@Unique('repayments_idempotency_key', ['loanId', 'idempotencyKey'])
@Unique('repayments_reverses_key', ['reversesId'])
@Index('repayments_loan_idx', ['loanId', 'paidOn'])
@Check('repayments_kind_check', `kind IN ('repayment', 'reversal')`)
@Check(
  'repayments_parts_check',
  `(kind = 'repayment' AND reverses_id IS NULL AND principal >= 0 AND interest >= 0 AND penalty >= 0 AND principal + interest + penalty > 0)
    OR (kind = 'reversal' AND reverses_id IS NOT NULL AND principal <= 0 AND interest <= 0 AND penalty <= 0 AND principal + interest + penalty < 0)`,
)
export class Repayment {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  loanId!: string;

  @ManyToOne(() => Loan, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'loan_id', referencedColumnName: 'id' })
  loan?: Loan;

  @Column({ type: 'varchar', length: 16 })
  kind!: 'repayment' | 'reversal';

  @Column({ type: 'date' })
  paidOn!: string;

  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  principal!: Decimal;

  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  interest!: Decimal;

  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  penalty!: Decimal;

  @Column({ type: 'uuid', nullable: true })
  reversesId!: string | null;

  @ManyToOne(() => Repayment, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'reverses_id', referencedColumnName: 'id' })
  reverses?: Repayment | null;

  @Column({ type: 'varchar', length: 100 })
  idempotencyKey!: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  note!: string | null;

  @Column({ type: 'uuid' })
  createdBy!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'created_by', referencedColumnName: 'id' })
  creator?: User;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
