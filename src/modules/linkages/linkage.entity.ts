import { Check, Column, Entity, Exclusion, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { Decimal } from '../../core/money';
import { decimalTransformer } from '../../shared/db/decimal-transformer';
import { Enterprise } from '../enterprises/enterprise.entity';
import { Household } from '../households/household.entity';
import { User } from '../users/user.entity';

export const LINKAGE_TYPES = [
  'employment',
  'dividend',
  'land_lease',
  'order_purchase',
  'equity',
  'facility_lease',
  'joint_operation',
  'self_employment_support',
] as const;
export type LinkageType = (typeof LINKAGE_TYPES)[number];
export type LinkageSourceKind = 'enterprise' | 'household';
/** Two linkages of one (source, household, type) active on the same day (migration LinkageNoOverlap). */
export const LINKAGE_OVERLAP_CONSTRAINT = 'linkages_one_active_excl';

/**
 * A benefit linkage (利益联结, SPEC §3) from an enterprise or a demonstration household to a
 * household. `sourceId` repeats whichever source it is so that one exclusion constraint can hold
 * "one active linkage per (source, household, type)". Ending a linkage sets `endedOn`; the row stays.
 * A linkage is active on day D when startDate ≤ D, D ≤ endDate (if any) and D < endedOn (if any):
 * the days [startDate, least(endDate + 1, endedOn)), which two linkages of one triple never share.
 */
@Entity('linkages')
@Exclusion(LINKAGE_OVERLAP_CONSTRAINT, `USING gist (source_id WITH =, household_id WITH =, type WITH =, daterange(start_date, least(end_date + 1, ended_on)) WITH &&)`)
@Index('linkages_household_idx', ['householdId'])
@Index('linkages_source_idx', ['sourceId'])
// Driven households are counted by the enterprise (settlement, registration of enterprise loans, the ledger import).
@Index('linkages_source_enterprise_idx', ['sourceEnterpriseId'])
@Check('linkages_type_check', `type IN ('employment', 'dividend', 'land_lease', 'order_purchase', 'equity', 'facility_lease', 'joint_operation', 'self_employment_support')`)
@Check(
  'linkages_source_check',
  `(source_kind = 'enterprise' AND source_enterprise_id IS NOT NULL AND source_household_id IS NULL AND source_id = source_enterprise_id)
    OR (source_kind = 'household' AND source_household_id IS NOT NULL AND source_enterprise_id IS NULL AND source_id = source_household_id)`,
)
@Check('linkages_not_self_check', `source_household_id IS NULL OR source_household_id <> household_id`)
@Check('linkages_dates_check', `(end_date IS NULL OR end_date >= start_date) AND (ended_on IS NULL OR ended_on >= start_date)`)
@Check('linkages_benefit_check', `agreed_annual_benefit >= 0`)
export class Linkage {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  sourceKind!: LinkageSourceKind;

  @Column({ type: 'uuid' })
  sourceId!: string;

  @Column({ type: 'uuid', nullable: true })
  sourceEnterpriseId!: string | null;

  @ManyToOne(() => Enterprise, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'source_enterprise_id', referencedColumnName: 'id' })
  sourceEnterprise?: Enterprise | null;

  @Column({ type: 'uuid', nullable: true })
  sourceHouseholdId!: string | null;

  @ManyToOne(() => Household, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'source_household_id', referencedColumnName: 'id' })
  sourceHousehold?: Household | null;

  @Column({ type: 'uuid' })
  householdId!: string;

  @ManyToOne(() => Household, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'household_id', referencedColumnName: 'id' })
  household?: Household;

  @Column({ type: 'varchar', length: 32 })
  type!: LinkageType;

  @Column({ type: 'varchar', length: 64, nullable: true })
  agreementNumber!: string | null;

  @Column({ type: 'date' })
  startDate!: string;

  @Column({ type: 'date', nullable: true })
  endDate!: string | null;

  @Column({ type: 'numeric', precision: 14, scale: 2, transformer: decimalTransformer })
  agreedAnnualBenefit!: Decimal;

  /** The household's region path, copied for scope filters. */
  @Index('linkages_region_path_idx')
  @Column({ type: 'varchar', length: 120, collation: 'C' })
  regionPath!: string;

  @Column({ type: 'date', nullable: true })
  endedOn!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  endReason!: string | null;

  @Column({ type: 'uuid', nullable: true })
  createdBy!: string | null;

  @ManyToOne(() => User, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'created_by', referencedColumnName: 'id' })
  creator?: User | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
