import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One of the ten financing models (十大金融扶贫模式, SPEC §4). Its rules live in versions. */
@Entity('financing_models')
export class FinancingModel {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  code!: string;

  @Column({ type: 'smallint' })
  number!: number;

  @Column({ type: 'varchar', length: 100 })
  nameZh!: string;

  @Column({ type: 'varchar', length: 200 })
  nameEn!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
