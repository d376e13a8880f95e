import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GET /loans/:id's `arrears` judged part by part, as the overdue judgement is (docs/calculations.md
 * "Prepayments"): principal due less principal paid, plus interest due less interest paid, each
 * floored at zero. Pooled, a principal prepayment read as paying the interest the borrower still owed,
 * and the detail showed 0.00 arrears for a loan the delinquency run had made overdue.
 *
 * The kept row (migrations LoanDetailArrays, LoanDetailDueToDate) had the running totals of principal
 * and interest together; this keeps the principal's too, from the kept schedule array, under the same
 * condition (due dates in rising order, else NULL and the read sums the rows). A generated column, as
 * due_cumulative is, so the refresh and rebuild functions keep it without knowing of it. Adding it
 * rewrites the table once (≈ 1 M rows at province scale).
 */
export class LoanDetailArrearsByPart1796130000000 implements MigrationInterface {
  name = 'LoanDetailArrearsByPart1796130000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // IMMUTABLE: the result depends on the arguments alone (json_array_elements, ->> and the numeric
    // cast are immutable).
    await queryRunner.query(`
      CREATE FUNCTION loan_detail_running_principal(due_dates date[], schedule json) RETURNS numeric[]
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT loan_detail_running_totals(due_dates, ARRAY(
          SELECT (x.entry->>'principalDue')::numeric FROM json_array_elements(schedule) WITH ORDINALITY AS x(entry, n) ORDER BY x.n))
      $$
    `);
    await queryRunner.query(
      `ALTER TABLE "loan_detail_arrays" ADD COLUMN "due_principal_cumulative" numeric[]
         GENERATED ALWAYS AS (loan_detail_running_principal(due_dates, schedule)) STORED`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "loan_detail_arrays" DROP COLUMN "due_principal_cumulative"`);
    await queryRunner.query(`DROP FUNCTION loan_detail_running_principal(date[], json)`);
  }
}
