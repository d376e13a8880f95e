import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users/user.entity';
import { Household } from './household.entity';

/**
 * Dated history of a household's status and demonstration designation (SPEC §3), so that progress
 * "as of a date" reads what was true then. One row per change; rows are never edited.
 * kind 'status': `status` holds the new status. kind 'demonstration': `isDemonstration` the new flag.
 */
@Entity('household_history')
@Index('household_history_household_idx', ['householdId', 'kind', 'effectiveDate'])
@Check('household_history_kind_check', `kind IN ('status', 'demonstration')`)
@Check(
  'household_history_value_check',
  `(kind = 'status' AND status IN ('poor', 'lifted', 'monitored') AND is_demonstration IS NULL)
    OR (kind = 'demonstration' AND status IS NULL AND is_demonstration IS NOT NULL)`,
)
export class HouseholdHistory {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'uuid' })
  householdId!: string;

  @ManyToOne(() => Household, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'household_id', referencedColumnName: 'id' })
  household?: Household;

  @Column({ type: 'varchar', length: 16 })
  kind!: 'status' | 'demonstration';

  @Column({ type: 'varchar', length: 16, nullable: true })
  status!: string | null;

  @Column({ type: 'boolean', nullable: true })
  isDemonstration!: boolean | null;

  @Column({ type: 'date' })
  effectiveDate!: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  reason!: string | null;

  @Column({ type: 'uuid', nullable: true })
  changedBy!: string | null;

  @ManyToOne(() => User, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'changed_by', referencedColumnName: 'id' })
  changer?: User | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  recordedAt!: Date;
}
