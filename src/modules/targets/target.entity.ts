import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Institution } from '../institutions/institution.entity';
import { Region } from '../regions/region.entity';
import { User } from '../users/user.entity';

export type TargetScope = 'city' | 'county' | 'bank';

/**
 * One line of the 百千万 task breakdown list (任务分解清单, SPEC §3): the city's three targets, or a
 * county's or a bank's share of them. The county lines and the bank lines each add up to the city.
 */
@Entity('targets')
@Index('targets_region_key', ['regionCode'], { unique: true, where: `scope <> 'bank'` })
@Index('targets_bank_key', ['bankId'], { unique: true, where: `scope = 'bank'` })
@Check('targets_scope_check', `scope IN ('city', 'county', 'bank')`)
@Check(
  'targets_subject_check',
  `(scope = 'bank') = (bank_id IS NOT NULL) AND (scope <> 'bank') = (region_code IS NOT NULL)`,
)
@Check('targets_counts_check', `enterprises >= 0 AND demonstration_households >= 0 AND linked_households >= 0`)
export class Target {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 8 })
  scope!: TargetScope;

  @Column({ type: 'varchar', length: 12, nullable: true })
  regionCode!: string | null;

  @ManyToOne(() => Region, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'region_code', referencedColumnName: 'code' })
  region?: Region | null;

  @Column({ type: 'uuid', nullable: true })
  bankId!: string | null;

  @ManyToOne(() => Institution, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'bank_id', referencedColumnName: 'id' })
  bank?: Institution | null;

  /** 百企带动: driving enterprises. */
  @Column({ type: 'int' })
  enterprises!: number;

  /** 千户示范: demonstration households. */
  @Column({ type: 'int' })
  demonstrationHouseholds!: number;

  /** 万户联结: linked households. */
  @Column({ type: 'int' })
  linkedHouseholds!: number;

  @Column({ type: 'uuid', nullable: true })
  updatedBy!: string | null;

  @ManyToOne(() => User, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'updated_by', referencedColumnName: 'id' })
  updater?: User | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
