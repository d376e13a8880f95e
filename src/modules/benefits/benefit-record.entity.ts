import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { Decimal } from '../../core/money';
import { decimalTransformer } from '../../shared/db/decimal-transformer';
import { Linkage } from '../linkages/linkage.entity';
import { User } from '../users/user.entity';

export const BENEFIT_KINDS = ['wage', 'dividend', 'rent', 'purchase', 'other'] as const;
export type BenefitKind = (typeof BENEFIT_KINDS)[number];
export const BENEFIT_STATUSES = ['reported', 'confirmed', 'rejected'] as const;
export type BenefitStatus = (typeof BENEFIT_STATUSES)[number];

/**
 * Money actually delivered to a household under a linkage (SPEC §3): reported by the enterprise,
 * confirmed or rejected by the poverty office. Household, enterprise and region are copied from
 * the linkage so that scope filters and the enterprise's totals need no join.
 */
@Entity('benefit_records')
@Index('benefit_records_linkage_idx', ['linkageId'])
@Index('benefit_records_household_idx', ['householdId', 'paidOn'])
@Index('benefit_records_enterprise_idx', ['enterpriseId', 'paidOn'])
@Check('benefit_records_kind_check', `kind IN ('wage', 'dividend', 'rent', 'purchase', 'other')`)
@Check('benefit_records_status_check', `status IN ('reported', 'confirmed', 'rejected')`)
@Check('benefit_records_amount_check', `amount > 0`)
@Check(
  'benefit_records_decision_check',
  `(status = 'reported') = (decided_by IS NULL AND decided_at IS NULL)
    AND (status = 'rejected') = (reject_reason IS NOT NULL)`,
)
export class BenefitRecord {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  linkageId!: string;

  @ManyToOne(() => Linkage, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'linkage_id', referencedColumnName: 'id' })
  linkage?: Linkage;

  @Column({ type: 'uuid' })
  householdId!: string;

  @Column({ type: 'uuid', nullable: true })
  enterpriseId!: string | null;

  @Index('benefit_records_region_path_idx')
  @Column({ type: 'varchar', length: 120, collation: 'C' })
  regionPath!: string;

  @Column({ type: 'date' })
  paidOn!: string;

  @Column({ type: 'numeric', precision: 14, scale: 2, transformer: decimalTransformer })
  amount!: Decimal;

  @Column({ type: 'varchar', length: 16 })
  kind!: BenefitKind;

  @Column({ type: 'varchar', length: 200, nullable: true })
  note!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'reported' })
  status!: BenefitStatus;

  @Column({ type: 'uuid' })
  reportedBy!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'reported_by', referencedColumnName: 'id' })
  reporter?: User;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  reportedAt!: Date;

  @Column({ type: 'uuid', nullable: true })
  decidedBy!: string | null;

  @ManyToOne(() => User, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'decided_by', referencedColumnName: 'id' })
  decider?: User | null;

  @Column({ type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  rejectReason!: string | null;
}
