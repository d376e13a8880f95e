import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Region } from '../regions/region.entity';

export const ENTERPRISE_KINDS = ['company', 'cooperative', 'village_collective'] as const;
export type EnterpriseKind = (typeof ENTERPRISE_KINDS)[number];
export const ENTERPRISE_STATUSES = ['active', 'inactive'] as const;
export type EnterpriseStatus = (typeof ENTERPRISE_STATUSES)[number];

/** A driving enterprise (带贫企业, SPEC §3). Its register and API grow in the register issue. */
@Entity('enterprises')
@Unique('enterprises_uscc_key', ['uscc'])
@Check('enterprises_kind_check', `kind IN ('company', 'cooperative', 'village_collective')`)
@Check('enterprises_status_check', `status IN ('active', 'inactive')`)
@Check('enterprises_uscc_check', `uscc ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'`)
export class Enterprise {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 18 })
  uscc!: string;

  @Column({ type: 'varchar', length: 24 })
  kind!: EnterpriseKind;

  @Column({ type: 'varchar', length: 12 })
  regionCode!: string;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'region_code', referencedColumnName: 'code' })
  region?: Region;

  @Column({ type: 'varchar', length: 100, nullable: true })
  industry!: string | null;

  @Column({ type: 'varchar', length: 50, nullable: true })
  legalRepresentative!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status!: EnterpriseStatus;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
