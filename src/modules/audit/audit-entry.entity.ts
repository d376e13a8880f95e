import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One change, written in the same transaction as the change itself (SPEC §9). The table is
 * append-only: triggers in the migration refuse UPDATE, DELETE and TRUNCATE.
 * `regionPath` and `institutionId` say whose data it is, so an auditor sees only their region.
 */
@Entity('audit_log')
@Index('audit_log_entity_idx', ['entityType', 'entityId'])
@Index('audit_log_occurred_idx', ['occurredAt'])
export class AuditEntry {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'timestamptz', default: () => 'clock_timestamp()' })
  occurredAt!: Date;

  @Column({ type: 'uuid', nullable: true })
  actorUserId!: string | null;

  @Column({ type: 'varchar', length: 24, nullable: true })
  actorRole!: string | null;

  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ type: 'varchar', length: 64 })
  entityType!: string;

  @Column({ type: 'varchar', length: 64 })
  entityId!: string;

  @Column({ type: 'jsonb', nullable: true })
  before!: Record<string, unknown> | null;

  @Column({ type: 'jsonb', nullable: true })
  after!: Record<string, unknown> | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  requestId!: string | null;

  @Index('audit_log_region_path_idx')
  @Column({ type: 'varchar', length: 120, collation: 'C', nullable: true })
  regionPath!: string | null;

  @Column({ type: 'uuid', nullable: true })
  institutionId!: string | null;
}
