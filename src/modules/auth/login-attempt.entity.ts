import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One login attempt; failures in a window rate-limit further attempts across all instances. */
@Entity('login_attempts')
@Index('login_attempts_username_idx', ['username', 'attemptedAt'])
@Index('login_attempts_ip_idx', ['ip', 'attemptedAt'])
export class LoginAttempt {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  username!: string;

  @Column({ type: 'varchar', length: 64 })
  ip!: string;

  @Column({ type: 'boolean' })
  succeeded!: boolean;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  attemptedAt!: Date;
}
