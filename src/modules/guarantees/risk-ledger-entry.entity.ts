import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { Decimal } from '../../core/money';
import { decimalTransformer } from '../../shared/db/decimal-transformer';
import { FundMovement } from '../funds/fund-movement.entity';
import { RiskFund } from '../funds/risk-fund.entity';
import { Institution } from '../institutions/institution.entity';
import { Claim } from '../claims/claim.entity';
import { ClaimShare } from '../claims/claim-share.entity';
import { Loan } from '../loans/loan.entity';
import type { RiskParty } from '../models/model-parameters';
import { User } from '../users/user.entity';
import { Guarantee } from './guarantee.entity';

export const RISK_LEDGER_KINDS = ['guarantee_fee', 'fee_subsidy', 'claim_payment', 'recovery'] as const;
export type RiskLedgerKind = (typeof RISK_LEDGER_KINDS)[number];

/**
 * The money trail of guarantees and claims (issue 5 item 6): one append-only row per movement, tied
 * to its loan and to its guarantee or claim share. `amount` is signed from the party's side: a fee or
 * fee subsidy the guarantor earns and a recovery a party receives are positive, a claim payment a
 * party makes is negative. So any party's balance at a date is the sum of its rows up to that date,
 * and a correction is a new row with the difference (a trigger refuses UPDATE and DELETE).
 */
@Entity('risk_ledger_entries')
@Index('risk_ledger_entries_loan_idx', ['loanId'])
@Index('risk_ledger_entries_institution_idx', ['institutionId', 'occurredOn'])
@Index('risk_ledger_entries_fund_idx', ['fundId', 'occurredOn'])
@Index('risk_ledger_entries_guarantee_idx', ['guaranteeId', 'period', 'kind'])
@Index('risk_ledger_entries_claim_idx', ['claimId', 'claimShareId'])
@Check('risk_ledger_entries_kind_check', `kind IN ('guarantee_fee', 'fee_subsidy', 'claim_payment', 'recovery')`)
@Check('risk_ledger_entries_party_check', `party IN ('guarantor', 'reguarantor', 'bank', 'government', 'risk_fund', 'insurer')`)
@Check(
  'risk_ledger_entries_shape_check',
  `(kind IN ('guarantee_fee', 'fee_subsidy') AND guarantee_id IS NOT NULL AND period IS NOT NULL AND claim_id IS NULL AND amount <> 0)
    OR (kind = 'claim_payment' AND claim_id IS NOT NULL AND claim_share_id IS NOT NULL AND period IS NULL AND amount < 0)
    OR (kind = 'recovery' AND claim_id IS NOT NULL AND claim_share_id IS NOT NULL AND period IS NULL AND amount > 0)`,
)
@Check('risk_ledger_entries_fund_check', `(party = 'risk_fund') = (fund_id IS NOT NULL)`)
export class RiskLedgerEntry {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: RiskLedgerKind;

  @Column({ type: 'uuid' })
  loanId!: string;

  @ManyToOne(() => Loan, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'loan_id', referencedColumnName: 'id' })
  loan?: Loan;

  @Column({ type: 'uuid', nullable: true })
  guaranteeId!: string | null;

  @ManyToOne(() => Guarantee, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'guarantee_id', referencedColumnName: 'id' })
  guarantee?: Guarantee | null;

  @Column({ type: 'uuid', nullable: true })
  claimId!: string | null;

  @ManyToOne(() => Claim, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'claim_id', referencedColumnName: 'id' })
  claim?: Claim | null;

  /** The party's share the payment or recovery belongs to. */
  @Column({ type: 'uuid', nullable: true })
  claimShareId!: string | null;

  @ManyToOne(() => ClaimShare, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'claim_share_id', referencedColumnName: 'id' })
  claimShare?: ClaimShare | null;

  @Column({ type: 'varchar', length: 16 })
  party!: RiskParty;

  /** The guarantor or bank when the party is an institution of the register. */
  @Column({ type: 'uuid', nullable: true })
  institutionId!: string | null;

  @ManyToOne(() => Institution, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'institution_id', referencedColumnName: 'id' })
  institution?: Institution | null;

  @Column({ type: 'uuid', nullable: true })
  fundId!: string | null;

  @ManyToOne(() => RiskFund, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'fund_id', referencedColumnName: 'id' })
  fund?: RiskFund | null;

  /** The fund's own record of the same money (payouts and recoveries of the risk_fund party). */
  @Column({ type: 'bigint', nullable: true })
  fundMovementId!: string | null;

  @ManyToOne(() => FundMovement, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'fund_movement_id', referencedColumnName: 'id' })
  fundMovement?: FundMovement | null;

  /** Fees and subsidies: the settlement period, `2026Q3`. */
  @Column({ type: 'varchar', length: 6, nullable: true })
  period!: string | null;

  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  amount!: Decimal;

  @Column({ type: 'date' })
  occurredOn!: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  reference!: string | null;

  @Column({ type: 'uuid' })
  createdBy!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'created_by', referencedColumnName: 'id' })
  creator?: User;

  @Column({ type: 'timestamptz', default: () => 'clock_timestamp()' })
  createdAt!: Date;
}
