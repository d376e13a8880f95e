import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Region } from '../regions/region.entity';

export const HOUSEHOLD_STATUSES = ['poor', 'lifted', 'monitored'] as const;
export type HouseholdStatus = (typeof HOUSEHOLD_STATUSES)[number];

/**
 * A registered poor household (建档立卡贫困户, SPEC §3). The head's resident ID number is never stored
 * in clear: `idNumberCiphertext` is AES-256-GCM, `idNumberHash` a keyed HMAC for uniqueness and
 * lookup, `idNumberMasked` the form every other role sees (410225********1234).
 */
@Entity('households')
@Unique('households_household_number_key', ['householdNumber'])
@Unique('households_id_number_hash_key', ['idNumberHash'])
@Check('households_status_check', `status IN ('poor', 'lifted', 'monitored')`)
@Check('households_members_check', `members >= 1 AND members <= 50`)
@Check('households_laborers_check', `laborers >= 0 AND laborers <= members`)
@Check('households_demonstration_check', `is_demonstration = (demonstration_since IS NOT NULL)`)
@Check('households_id_masked_check', `id_number_masked ~ '^[0-9]{6}\\*{8}[0-9]{3}[0-9X]$'`)
export class Household {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  householdNumber!: string;

  @Column({ type: 'varchar', length: 50 })
  headName!: string;

  @Column({ type: 'text' })
  idNumberCiphertext!: string;

  @Column({ type: 'char', length: 64 })
  idNumberHash!: string;

  @Column({ type: 'varchar', length: 18 })
  idNumberMasked!: string;

  @Column({ type: 'date' })
  birthDate!: string;

  @Column({ type: 'varchar', length: 20, nullable: true })
  phone!: string | null;

  @Column({ type: 'varchar', length: 12 })
  villageCode!: string;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'village_code', referencedColumnName: 'code' })
  village?: Region;

  /** The village's path, copied so that scope filters need no join. */
  @Index('households_region_path_idx')
  @Column({ type: 'varchar', length: 120, collation: 'C' })
  regionPath!: string;

  @Column({ type: 'int' })
  members!: number;

  @Column({ type: 'int' })
  laborers!: number;

  @Column({ type: 'varchar', length: 16 })
  status!: HouseholdStatus;

  @Column({ type: 'date' })
  statusSince!: string;

  @Column({ type: 'boolean', default: false })
  isDemonstration!: boolean;

  @Column({ type: 'date', nullable: true })
  demonstrationSince!: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
