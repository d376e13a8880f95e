import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

export const REGION_LEVELS = ['province', 'city', 'county', 'township', 'village'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

/**
 * An administrative division with its official code (SPEC §2). `path` is the materialised path of
 * codes from the top, e.g. `410200/410225/`, so "everything in a county" is a prefix match.
 */
@Entity('regions')
@Check('regions_level_check', `level IN ('province', 'city', 'county', 'township', 'village')`)
@Check('regions_code_check', `code ~ '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$'`)
@Check('regions_path_check', `right(path, length(code) + 1) = code || '/'`)
export class Region {
  @PrimaryColumn({ type: 'varchar', length: 12 })
  code!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  level!: RegionLevel;

  @Column({ type: 'varchar', length: 12, nullable: true })
  parentCode!: string | null;

  @ManyToOne(() => Region, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'parent_code', referencedColumnName: 'code' })
  parent?: Region | null;

  // Collation "C" makes a plain btree index serve `path LIKE '410200/410225/%'`.
  @Index('regions_path_idx')
  @Column({ type: 'varchar', length: 120, collation: 'C' })
  path!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
