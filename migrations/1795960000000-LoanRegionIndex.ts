import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 7: one covering index for every region-path prefix read of loans, in place of three.
 *
 * The circuit breakers sum a township's open loans under one model by region-path prefix. The plain
 * region_path index and LoanIndexes' (model_code, region_path) INCLUDE (…) index could both serve
 * that range, and the planner, estimating about 100 rows for a township's prefix where there are
 * about 1,100, chose the plain one and visited the heap for every row: 11 ms a registration at
 * province scale, under the fund's lock, against 0.4 ms index-only (measured with
 * pg_stat_statements during `npm run bench -- register`). region_path INCLUDE (model_code, status,
 * outstanding_principal) answers the breakers index-only and still serves every region-scoped read
 * the plain index served, so the plain index and the model-first one go; so does
 * loans_risk_fund_idx, whose column leads loans_fund_open_idx. Three fewer indexes to keep up on
 * every loan written or repaid.
 */
export class LoanRegionIndex1795960000000 implements MigrationInterface {
  name = 'LoanRegionIndex1795960000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "loans_region_cover_idx" ON "loans" ("region_path") INCLUDE ("model_code", "status", "outstanding_principal")`);
    await queryRunner.query(`DROP INDEX "loans_region_path_idx"`);
    await queryRunner.query(`DROP INDEX "loans_model_region_idx"`);
    await queryRunner.query(`DROP INDEX "loans_risk_fund_idx"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "loans_risk_fund_idx" ON "loans"("risk_fund_id")`);
    await queryRunner.query(`CREATE INDEX "loans_model_region_idx" ON "loans" ("model_code", "region_path") INCLUDE ("status", "outstanding_principal")`);
    await queryRunner.query(`CREATE INDEX "loans_region_path_idx" ON "loans"("region_path")`);
    await queryRunner.query(`DROP INDEX "loans_region_cover_idx"`);
  }
}
