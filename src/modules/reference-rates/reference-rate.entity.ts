import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Decimal } from '../../core/money';
import { decimalTransformer } from '../../shared/db/decimal-transformer';
import { User } from '../users/user.entity';

export const RATE_TENORS = ['up_to_1y', '1y_to_5y', 'over_5y', 'lpr_1y', 'lpr_5y_plus'] as const;
export type RateTenor = (typeof RATE_TENORS)[number];

/**
 * A benchmark or LPR rate in force from `effectiveDate` (SPEC §2). Rows are added, never edited:
 * the rate for a date is the latest row for its tenor on or before that date.
 */
@Entity('reference_rates')
@Unique('reference_rates_effective_tenor_key', ['effectiveDate', 'tenor'])
@Check('reference_rates_tenor_check', `tenor IN ('up_to_1y', '1y_to_5y', 'over_5y', 'lpr_1y', 'lpr_5y_plus')`)
@Check('reference_rates_rate_check', `rate_annual > 0 AND rate_annual < 1`)
export class ReferenceRate {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'date' })
  effectiveDate!: string;

  @Column({ type: 'varchar', length: 16 })
  tenor!: RateTenor;

  @Column({ type: 'numeric', precision: 10, scale: 8, transformer: decimalTransformer })
  rateAnnual!: Decimal;

  @Column({ type: 'uuid', nullable: true })
  createdBy!: string | null;

  @ManyToOne(() => User, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'created_by', referencedColumnName: 'id' })
  creator?: User | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
