import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Decimal } from '../../core/money';
import { decimalTransformer } from '../../shared/db/decimal-transformer';
import { Region } from '../regions/region.entity';

export const INSTITUTION_TYPES = [
  'bank',
  'bank_branch',
  'guarantee_company',
  'finance_bureau',
  'poverty_office',
  'insurer',
] as const;
export type InstitutionType = (typeof INSTITUTION_TYPES)[number];

/**
 * A bank (with branches), a government guarantee company, the finance bureau, the poverty office
 * or an insurer (SPEC §2). Guarantee companies carry net assets and a leverage limit (SPEC §5).
 */
@Entity('institutions')
@Unique('institutions_uscc_key', ['uscc'])
@Check('institutions_type_check', `type IN ('bank', 'bank_branch', 'guarantee_company', 'finance_bureau', 'poverty_office', 'insurer')`)
@Check('institutions_uscc_check', `uscc ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'`)
@Check('institutions_branch_parent_check', `(type = 'bank_branch') = (parent_id IS NOT NULL)`)
@Check(
  'institutions_guarantor_check',
  `(type = 'guarantee_company') = (net_assets IS NOT NULL AND leverage_limit IS NOT NULL AND single_client_limit_ratio IS NOT NULL)`,
)
@Check('institutions_net_assets_check', `net_assets IS NULL OR net_assets > 0`)
@Check('institutions_leverage_check', `leverage_limit IS NULL OR (leverage_limit > 0 AND leverage_limit <= 20)`)
@Check('institutions_single_client_check', `single_client_limit_ratio IS NULL OR (single_client_limit_ratio > 0 AND single_client_limit_ratio <= 1)`)
export class Institution {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 24 })
  type!: InstitutionType;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 18 })
  uscc!: string;

  @Index('institutions_parent_idx')
  @Column({ type: 'uuid', nullable: true })
  parentId!: string | null;

  @ManyToOne(() => Institution, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'parent_id', referencedColumnName: 'id' })
  parent?: Institution | null;

  @Column({ type: 'varchar', length: 12 })
  regionCode!: string;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'region_code', referencedColumnName: 'code' })
  region?: Region;

  @Column({ type: 'numeric', precision: 18, scale: 2, nullable: true, transformer: decimalTransformer })
  netAssets!: Decimal | null;

  @Column({ type: 'numeric', precision: 6, scale: 2, nullable: true, transformer: decimalTransformer })
  leverageLimit!: Decimal | null;

  @Column({ type: 'numeric', precision: 6, scale: 4, nullable: true, transformer: decimalTransformer })
  singleClientLimitRatio!: Decimal | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
