import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users/user.entity';

/**
 * One search of the register by a resident ID number (POST /households/lookup, GET /households with
 * idNumber): who searched, when, and the household shown, if any. The searches of the last hour
 * limit a user's next ones across all instances (IdNumberSearches); the rows are the record of who
 * looked up whom. The number itself is not kept.
 */
@Entity('id_number_searches')
@Index('id_number_searches_user_idx', ['userId', 'searchedAt'])
export class IdNumberSearch {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'user_id', referencedColumnName: 'id' })
  user?: User;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  searchedAt!: Date;

  /** No foreign key: the record of a search stays when the household is deleted later, as audit entries do. */
  @Column({ type: 'uuid', nullable: true })
  householdId!: string | null;
}
