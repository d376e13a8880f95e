import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Region } from '../regions/region.entity';

export type ProgressSummaryState = 'building' | 'ready';

/**
 * The counts of one city's 百千万 progress report as of a business date (SPEC §3), kept so that the
 * report is read rather than recounted (issue 7): the rows of progressCountsSql for the city, as JSON.
 * Targets, names and per cent are not kept: the report adds them when it is read.
 *
 * A row is only ever a true answer: every write that can change progress as of a date deletes the
 * rows of that date and later (triggers of migration ProgressSummaries), and a summary is stored only
 * if no such write slipped in while it was computed (progress-summaries.ts). `building` rows are
 * claims of a summary being computed; readers use `ready` rows only.
 */
@Entity('progress_summaries')
@Unique('progress_summaries_key', ['businessDate', 'cityCode', 'breakdown', 'countedPath'])
@Check('progress_summaries_breakdown_check', `breakdown IN ('region', 'bank')`)
@Check('progress_summaries_state_check', `state IN ('building', 'ready')`)
@Check('progress_summaries_ready_check', `(state = 'ready') = (counts IS NOT NULL AND computed_at IS NOT NULL)`)
export class ProgressSummary {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'date' })
  businessDate!: string;

  /** The programme's city. */
  @Column({ type: 'varchar', length: 12 })
  cityCode!: string;

  @ManyToOne(() => Region, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'city_code', referencedColumnName: 'code' })
  city?: Region;

  /** `region` (city and counties) or `bank`, as `GET /progress?by=` names them. */
  @Column({ type: 'varchar', length: 8 })
  breakdown!: 'region' | 'bank';

  /** Only things under this path are counted: the city's path, or a narrower one (a township's staff). */
  @Column({ type: 'varchar', length: 120, collation: 'C' })
  countedPath!: string;

  @Column({ type: 'varchar', length: 8 })
  state!: ProgressSummaryState;

  /** Which build claimed a `building` row; only that build may make it `ready`. */
  @Column({ type: 'uuid' })
  builder!: string;

  /** progressCountsSql rows of the city: [{ county_code, bank_id, enterprises, demonstration_households, linked_households }]. */
  @Column({ type: 'jsonb', nullable: true })
  counts!: Array<Record<string, unknown>> | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  startedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  computedAt!: Date | null;
}
