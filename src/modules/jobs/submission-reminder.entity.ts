import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Institution } from '../institutions/institution.entity';
import { SettlementBatch } from '../settlements/settlement-batch.entity';

/**
 * A reminder to a bank that its settlement batch is still in draft more than 3 working days after
 * the period ended (SPEC §7 "submitted by the bank (due within 3 working days)", §8). One per batch
 * and business date: the daily job writes today's for every late batch, and a re-run adds nothing.
 */
@Entity('submission_reminders')
@Unique('submission_reminders_batch_date_key', ['batchId', 'businessDate'])
@Index('submission_reminders_bank_idx', ['bankId', 'businessDate'])
@Check('submission_reminders_days_check', `working_days_since_period_end > 3`)
export class SubmissionReminder {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  /** The settlement batch still in draft. A reminder means nothing without its batch, hence CASCADE. */
  @Column({ type: 'uuid' })
  batchId!: string;

  @ManyToOne(() => SettlementBatch, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'batch_id', referencedColumnName: 'id' })
  batch?: SettlementBatch;

  /** The head-office bank that owns the batch and is reminded. */
  @Column({ type: 'uuid' })
  bankId!: string;

  @ManyToOne(() => Institution, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'bank_id', referencedColumnName: 'id' })
  bank?: Institution;

  /** The settlement period, e.g. `2026Q3`. */
  @Column({ type: 'varchar', length: 6 })
  period!: string;

  @Column({ type: 'date' })
  businessDate!: string;

  /** The last day to submit: the 3rd working day after the period's last day. */
  @Column({ type: 'date' })
  dueOn!: string;

  @Column({ type: 'int' })
  workingDaysSincePeriodEnd!: number;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
