import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Decimal } from '../../core/money';
import { decimalTransformer } from '../../shared/db/decimal-transformer';
import { Loan } from './loan.entity';

/**
 * One instalment of a loan's repayment schedule (SPEC §5). An extension writes a new version of the
 * schedule; the old rows stay, and the loan points at its current `scheduleVersion`.
 */
@Entity('loan_schedule')
@Unique('loan_schedule_seq_key', ['loanId', 'version', 'seq'])
@Check('loan_schedule_amounts_check', `principal_due >= 0 AND interest_due >= 0 AND seq >= 1 AND version >= 1`)
export class ScheduleEntry {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'uuid' })
  loanId!: string;

  @ManyToOne(() => Loan, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'loan_id', referencedColumnName: 'id' })
  loan?: Loan;

  @Column({ type: 'int' })
  version!: number;

  @Column({ type: 'int' })
  seq!: number;

  @Column({ type: 'date' })
  dueDate!: string;

  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  principalDue!: Decimal;

  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  interestDue!: Decimal;
}
