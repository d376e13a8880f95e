import { Check, Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * The 百千万 progress (SPEC §3) as the API reported it on the first of a month, kept for the trend
 * (SPEC §8 "monthly: a snapshot of 百千万 progress"). One row per date and breakdown; a re-run of the
 * date replaces the report.
 */
@Entity('progress_snapshots')
@Unique('progress_snapshots_date_by_key', ['businessDate', 'breakdown'])
@Check('progress_snapshots_breakdown_check', `breakdown IN ('region', 'bank')`)
export class ProgressSnapshot {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'date' })
  businessDate!: string;

  /** `region` (city and counties) or `bank`, as `GET /progress?by=` names them. */
  @Column({ type: 'varchar', length: 8 })
  breakdown!: 'region' | 'bank';

  /** The whole report, exactly as `GET /progress?date=&by=` returns it to an admin. */
  @Column({ type: 'jsonb' })
  report!: Record<string, unknown>;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  takenAt!: Date;
}
