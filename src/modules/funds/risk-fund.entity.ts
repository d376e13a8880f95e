import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Decimal } from '../../core/money';
import { decimalTransformer } from '../../shared/db/decimal-transformer';
import { Institution } from '../institutions/institution.entity';
import { FinancingModel } from '../models/financing-model.entity';
import { Region } from '../regions/region.entity';

/**
 * A risk-compensation fund (风险补偿金, SPEC §5): money a county deposits at a bank for one model.
 * Loans under it may not exceed balance × multiple in outstanding principal. `balance` is the sum of
 * its movements, kept on the row so that a registration can lock the fund and check capacity.
 */
@Entity('risk_funds')
@Unique('risk_funds_county_bank_model_key', ['countyCode', 'bankId', 'modelCode'])
@Check('risk_funds_balance_check', `balance >= 0`)
@Check('risk_funds_multiple_check', `multiple > 0 AND multiple <= 50`)
export class RiskFund {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 12 })
  countyCode!: string;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'county_code', referencedColumnName: 'code' })
  county?: Region;

  @Column({ type: 'uuid' })
  bankId!: string;

  @ManyToOne(() => Institution, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'bank_id', referencedColumnName: 'id' })
  bank?: Institution;

  @Column({ type: 'varchar', length: 40 })
  modelCode!: string;

  @ManyToOne(() => FinancingModel, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'model_code', referencedColumnName: 'code' })
  model?: FinancingModel;

  @Column({ type: 'numeric', precision: 6, scale: 2, transformer: decimalTransformer })
  multiple!: Decimal;

  @Column({ type: 'numeric', precision: 16, scale: 2, transformer: decimalTransformer })
  balance!: Decimal;

  @Column({ type: 'varchar', length: 120, collation: 'C' })
  regionPath!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
