import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Enterprise } from '../enterprises/enterprise.entity';
import { Institution } from '../institutions/institution.entity';
import { Region } from '../regions/region.entity';

export const ROLES = ['loan_officer', 'finance_officer', 'poverty_office', 'enterprise', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * A person who logs in (SPEC §1, §9). Every user belongs to a region (the city or a county), which
 * bounds what they see; bank staff also to their bank or branch, enterprise staff to their enterprise.
 */
@Entity('users')
@Unique('users_username_key', ['username'])
@Check('users_role_check', `role IN ('loan_officer', 'finance_officer', 'poverty_office', 'enterprise', 'auditor', 'admin')`)
@Check('users_loan_officer_institution_check', `role <> 'loan_officer' OR institution_id IS NOT NULL`)
@Check('users_enterprise_binding_check', `(role = 'enterprise') = (enterprise_id IS NOT NULL)`)
@Check('users_username_check', `username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'`)
export class User {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  username!: string;

  @Column({ type: 'varchar', length: 100 })
  displayName!: string;

  /** `scrypt$N$r$p$salt$hash`, see users/password.ts. */
  @Column({ type: 'varchar', length: 255 })
  passwordHash!: string;

  @Column({ type: 'varchar', length: 24 })
  role!: Role;

  @Column({ type: 'varchar', length: 12 })
  regionCode!: string;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'region_code', referencedColumnName: 'code' })
  region?: Region;

  @Column({ type: 'uuid', nullable: true })
  institutionId!: string | null;

  @ManyToOne(() => Institution, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'institution_id', referencedColumnName: 'id' })
  institution?: Institution | null;

  @Column({ type: 'uuid', nullable: true })
  enterpriseId!: string | null;

  @ManyToOne(() => Enterprise, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'enterprise_id', referencedColumnName: 'id' })
  enterprise?: Enterprise | null;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  /** Moves on at each password reset; a token issued under an earlier one is refused (AuthService). */
  @Column({ type: 'integer', default: 0 })
  tokenGeneration!: number;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
