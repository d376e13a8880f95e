import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users/user.entity';

export const JOB_RUN_STATUSES = ['running', 'succeeded', 'failed'] as const;
export type JobRunStatus = (typeof JOB_RUN_STATUSES)[number];

export const JOB_TRIGGERS = ['schedule', 'catch_up', 'admin'] as const;
export type JobTrigger = (typeof JOB_TRIGGERS)[number];

/**
 * One run of a scheduled job for a business date (SPEC §8): who started it (schedule, catch-up at
 * start, or an admin), on which instance, when, what it counted, and why it failed.
 *
 * Two partial unique indexes back the advisory lock of the runner with the database itself:
 * at most one run of a job for a date is `running`, and at most one first success exists for it.
 * An admin's deliberate re-run of a date that already succeeded is marked `rerun` and kept as its
 * own record, so the history shows every time the work was done.
 */
@Entity('job_runs')
@Index('job_runs_running_key', ['job', 'businessDate'], { unique: true, where: `status = 'running'` })
@Index('job_runs_succeeded_key', ['job', 'businessDate'], { unique: true, where: `status = 'succeeded' AND NOT rerun` })
@Index('job_runs_job_idx', ['job', 'id'])
@Check('job_runs_status_check', `status IN ('running', 'succeeded', 'failed')`)
@Check('job_runs_trigger_check', `trigger IN ('schedule', 'catch_up', 'admin')`)
@Check('job_runs_finished_check', `(status = 'running') = (finished_at IS NULL) AND (finished_at IS NULL OR finished_at >= started_at)`)
@Check('job_runs_error_check', `(status = 'failed') = (error IS NOT NULL)`)
export class JobRun {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'varchar', length: 40 })
  job!: string;

  @Column({ type: 'date' })
  businessDate!: string;

  @Column({ type: 'varchar', length: 16 })
  trigger!: JobTrigger;

  /** True when the date had already succeeded and an admin asked for the work again. */
  @Column({ type: 'boolean', default: false })
  rerun!: boolean;

  @Column({ type: 'varchar', length: 16 })
  status!: JobRunStatus;

  /** Host, process and a random suffix: which of several instances did the work. */
  @Column({ type: 'varchar', length: 120 })
  instanceId!: string;

  /** The admin who asked for the run; null for scheduled and catch-up runs. */
  @Column({ type: 'uuid', nullable: true })
  requestedBy!: string | null;

  @ManyToOne(() => User, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'requested_by', referencedColumnName: 'id' })
  requester?: User | null;

  @Column({ type: 'timestamptz', default: () => 'clock_timestamp()' })
  startedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  /** What the job did, e.g. `{ "loansChecked": 120, "statusChanges": 3 }`. */
  @Column({ type: 'jsonb', nullable: true })
  counts!: Record<string, unknown> | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;
}
