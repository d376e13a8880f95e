import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Loan } from './loan.entity';

/**
 * The history of a loan: registration, disbursement, status changes, extensions (展期, with the old
 * and new maturity), settlement. Written by the services and the delinquency job; never edited.
 */
@Entity('loan_events')
@Index('loan_events_loan_idx', ['loanId', 'id'])
// Extensions inside a settlement period (settlement-source, regular-lines.sql): rare, so the partial index is tiny.
@Index('loan_events_extended_idx', ['loanId', 'effectiveDate'], { where: `kind = 'extended'` })
// A loan's compensation, the day bank progress stops counting it (progress.sql.ts activeBorrowersSql).
@Index('loan_events_compensated_idx', ['loanId', 'effectiveDate'], { where: `kind = 'compensated'` })
export class LoanEvent {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'uuid' })
  loanId!: string;

  @ManyToOne(() => Loan, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'loan_id', referencedColumnName: 'id' })
  loan?: Loan;

  @Column({ type: 'varchar', length: 32 })
  kind!: string;

  @Column({ type: 'date' })
  effectiveDate!: string;

  @Column({ type: 'varchar', length: 24, nullable: true })
  fromStatus!: string | null;

  @Column({ type: 'varchar', length: 24, nullable: true })
  toStatus!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  details!: Record<string, unknown> | null;

  /** Null when the delinquency job made the change. */
  @Column({ type: 'uuid', nullable: true })
  createdBy!: string | null;

  @Column({ type: 'timestamptz', default: () => 'clock_timestamp()' })
  createdAt!: Date;
}
