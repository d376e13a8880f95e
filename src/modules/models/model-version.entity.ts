import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { User } from '../users/user.entity';
import { FinancingModel } from './financing-model.entity';
import type { ModelParameters } from './model-parameters';

/**
 * A model's parameter set from `effectiveFrom` on (SPEC §4). Versions are added, never edited: a
 * trigger refuses UPDATE and DELETE, and a loan keeps the version in force on its contract date.
 */
@Entity('financing_model_versions')
@Unique('financing_model_versions_number_key', ['modelCode', 'version'])
@Unique('financing_model_versions_effective_key', ['modelCode', 'effectiveFrom'])
@Check('financing_model_versions_version_check', `version >= 1`)
export class ModelVersion {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 40 })
  modelCode!: string;

  @ManyToOne(() => FinancingModel, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'model_code', referencedColumnName: 'code' })
  model?: FinancingModel;

  @Column({ type: 'int' })
  version!: number;

  @Column({ type: 'date' })
  effectiveFrom!: string;

  @Column({ type: 'jsonb' })
  parameters!: ModelParameters;

  @Column({ type: 'uuid', nullable: true })
  createdBy!: string | null;

  @ManyToOne(() => User, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'created_by', referencedColumnName: 'id' })
  creator?: User | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
