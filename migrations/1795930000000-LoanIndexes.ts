import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 7: index-only sums for loan registration. Fund capacity sums the open loans of one fund
 * while the fund row is locked (so every registration under the fund waits that long), and the
 * circuit breakers sum a township's and a village's loans under one model by region-path prefix.
 * Both read only status and outstanding principal, which the INCLUDE columns carry, so neither
 * visits the heap (bench/lib/proposed-indexes.ts measured them). The Loan entity declares the same
 * indexes with the INCLUDE column among its columns: TypeORM cannot write INCLUDE, but it reads the
 * index's columns from pg_index.indkey, which lists included columns too, so the schema diff is empty.
 */
export class LoanIndexes1795930000000 implements MigrationInterface {
  name = 'LoanIndexes1795930000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "loans_fund_open_idx" ON "loans" ("risk_fund_id", "status") INCLUDE ("outstanding_principal")`);
    await queryRunner.query(`CREATE INDEX "loans_model_region_idx" ON "loans" ("model_code", "region_path") INCLUDE ("status", "outstanding_principal")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "loans_model_region_idx"`);
    await queryRunner.query(`DROP INDEX "loans_fund_open_idx"`);
  }
}
