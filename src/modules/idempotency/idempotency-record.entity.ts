import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The first answer to a request made with an Idempotency-Key (SPEC §11: POST /loans). Written in the
 * same transaction as the change, so a retry returns this answer and never makes a second change.
 * `scope` separates callers (e.g. `loans:<bankId>`), `requestHash` catches a key reused for a
 * different request.
 */
@Entity('idempotency_records')
export class IdempotencyRecord {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  scope!: string;

  @PrimaryColumn({ type: 'varchar', length: 100 })
  key!: string;

  @Column({ type: 'char', length: 64 })
  requestHash!: string;

  @Column({ type: 'int', nullable: true })
  responseStatus!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  responseBody!: unknown;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
