import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Decimal } from '../../core/money';
import { decimalTransformer } from '../../shared/db/decimal-transformer';
import { User } from '../users/user.entity';
import { RiskFund } from './risk-fund.entity';

export const FUND_MOVEMENT_KINDS = ['deposit', 'top_up', 'withdrawal', 'payout', 'recovery'] as const;
export type FundMovementKind = (typeof FUND_MOVEMENT_KINDS)[number];

/**
 * One change of a fund's balance; append-only (a trigger refuses UPDATE and DELETE). Deposits,
 * top-ups and recoveries are positive, withdrawals and payouts negative, so that the balance at a
 * date is the sum of the movements up to it. `idempotencyKey` makes a retried deposit harmless.
 */
@Entity('fund_movements')
@Index('fund_movements_fund_idx', ['fundId', 'occurredOn'])
@Unique('fund_movements_idempotency_key', ['fundId', 'idempotencyKey'])
@Check('fund_movements_kind_check', `kind IN ('deposit', 'top_up', 'withdrawal', 'payout', 'recovery')`)
@Check(
  'fund_movements_sign_check',
  `(kind IN ('deposit', 'top_up', 'recovery') AND amount > 0) OR (kind IN ('withdrawal', 'payout') AND amount < 0)`,
)
export class FundMovement {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'uuid' })
  fundId!: string;

  @ManyToOne(() => RiskFund, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'fund_id', referencedColumnName: 'id' })
  fund?: RiskFund;

  @Column({ type: 'varchar', length: 16 })
  kind!: FundMovementKind;

  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  amount!: Decimal;

  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  balanceAfter!: Decimal;

  @Column({ type: 'date' })
  occurredOn!: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  reference!: string | null;

  @Column({ type: 'varchar', length: 100 })
  idempotencyKey!: string;

  @Column({ type: 'uuid', nullable: true })
  claimId!: string | null;

  @Column({ type: 'uuid' })
  createdBy!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'created_by', referencedColumnName: 'id' })
  creator?: User;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
