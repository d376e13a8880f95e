import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Decimal } from '../../core/money';
import { decimalTransformer } from '../../shared/db/decimal-transformer';
import { FinancingModel } from '../models/financing-model.entity';

/**
 * The daily circuit-breaker check (SPEC §5 熔断, §8): for each model with breakers, the
 * non-performing ratio of every township and village where it has open loans, and whether the
 * breaker is tripped there. Registration still decides live (funds/fund-checks.ts); this is the
 * record of the state each day, for supervision and the trend. A re-run of a date replaces its rows.
 */
@Entity('npl_snapshots')
@Unique('npl_snapshots_date_model_region_key', ['businessDate', 'modelCode', 'regionCode'])
@Index('npl_snapshots_tripped_idx', ['businessDate'], { where: 'tripped' })
@Check('npl_snapshots_level_check', `level IN ('township', 'village')`)
@Check('npl_snapshots_amounts_check', `defaulted_principal >= 0 AND defaulted_principal <= outstanding_principal`)
export class NplSnapshot {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'date' })
  businessDate!: string;

  @Column({ type: 'varchar', length: 40 })
  modelCode!: string;

  @ManyToOne(() => FinancingModel, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'model_code', referencedColumnName: 'code' })
  model?: FinancingModel;

  @Column({ type: 'varchar', length: 8 })
  level!: 'township' | 'village';

  /** The township (9 digits) or village (12 digits) code, as it appears in the loans' region paths. */
  @Column({ type: 'varchar', length: 12 })
  regionCode!: string;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  defaultedPrincipal!: Decimal;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: decimalTransformer })
  outstandingPrincipal!: Decimal;

  /** defaulted / outstanding, half-up to 4 decimals, for display; `tripped` is decided on the exact sums. */
  @Column({ type: 'numeric', precision: 7, scale: 4, transformer: decimalTransformer })
  nplRatio!: Decimal;

  /** The model's threshold for this level on the business date. */
  @Column({ type: 'numeric', precision: 7, scale: 4, transformer: decimalTransformer })
  threshold!: Decimal;

  @Column({ type: 'boolean' })
  tripped!: boolean;
}
