import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Decimal } from '../../core/money';
import { decimalTransformer } from '../../shared/db/decimal-transformer';
import { RiskFund } from '../funds/risk-fund.entity';
import { Institution } from '../institutions/institution.entity';
import type { RiskParty } from '../models/model-parameters';
import { Claim } from './claim.entity';

/**
 * One party's share of a claim's loss (SPEC §6.4), in the model's order. Written once when the claim
 * is filed and never changed (a trigger refuses UPDATE and DELETE): what was paid and recovered is the
 * sum of the share's risk_ledger_entries.
 */
@Entity('claim_shares')
@Unique('claim_shares_seq_key', ['claimId', 'seq'])
@Check('claim_shares_party_check', `party IN ('guarantor', 'reguarantor', 'bank', 'government', 'risk_fund', 'insurer')`)
@Check('claim_shares_amounts_check', `seq >= 1 AND ratio >= 0 AND ratio <= 1 AND amount >= 0`)
@Check('claim_shares_fund_check', `(party = 'risk_fund') = (fund_id IS NOT NULL)`)
export class ClaimShare {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  claimId!: string;

  @ManyToOne(() => Claim, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'claim_id', referencedColumnName: 'id' })
  claim?: Claim;

  @Column({ type: 'int' })
  seq!: number;

  @Column({ type: 'varchar', length: 16 })
  party!: RiskParty;

  @Column({ type: 'numeric', precision: 5, scale: 4, transformer: decimalTransformer })
  ratio!: Decimal;

  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  amount!: Decimal;

  /** The guarantor or the lending bank; null for parties outside the register (re-guarantor, government, insurer). */
  @Column({ type: 'uuid', nullable: true })
  institutionId!: string | null;

  @ManyToOne(() => Institution, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'institution_id', referencedColumnName: 'id' })
  institution?: Institution | null;

  /** The risk-compensation fund that pays the risk_fund party's share. */
  @Column({ type: 'uuid', nullable: true })
  fundId!: string | null;

  @ManyToOne(() => RiskFund, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'fund_id', referencedColumnName: 'id' })
  fund?: RiskFund | null;
}
