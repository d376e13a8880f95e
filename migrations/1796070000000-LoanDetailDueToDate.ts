import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 7, reading one loan: GET /loans/:id shows what the current schedule made due up to a date.
 * It summed the kept due amounts of the instalments due by then (unnest into a function scan: the
 * largest node of the read's plan). Kept as running totals instead, the due to a date is one element:
 * `due_cumulative[width_bucket(date, due_dates)]` — width_bucket counts, by binary search, the due
 * dates on or before the date, and element 0 is NULL (nothing due yet). That needs the due dates in
 * rising order, which every schedule the service makes has (each instalment falls after the one
 * before); for one that had not, the running totals are NULL and the read sums the due amounts
 * instead (loan-detail.query.ts), so a wrong order can make the read slower, never wrong.
 *
 * A generated column, so every writer of due_totals (the refresh and rebuild functions of migration
 * LoanDetailArrays) keeps it without knowing of it. Adding it rewrites the table once (≈ 1 M rows at
 * province scale).
 */
export class LoanDetailDueToDate1796070000000 implements MigrationInterface {
  name = 'LoanDetailDueToDate1796070000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // IMMUTABLE (a generated column's expression must be): its result depends on its arguments alone.
    await queryRunner.query(`
      CREATE FUNCTION loan_detail_running_totals(due_dates date[], amounts numeric[]) RETURNS numeric[]
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT CASE WHEN bool_and(u.rising) IS FALSE THEN NULL ELSE COALESCE(array_agg(u.running ORDER BY u.n), '{}') END
          FROM (SELECT a.n, sum(a.amount) OVER w AS running, a.due_date >= COALESCE(lag(a.due_date) OVER w, a.due_date) AS rising
                  FROM unnest(due_dates, amounts) WITH ORDINALITY AS a(due_date, amount, n)
                WINDOW w AS (ORDER BY a.n)) u
      $$
    `);
    await queryRunner.query(
      `ALTER TABLE "loan_detail_arrays" ADD COLUMN "due_cumulative" numeric[] GENERATED ALWAYS AS (loan_detail_running_totals(due_dates, due_totals)) STORED`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "loan_detail_arrays" DROP COLUMN "due_cumulative"`);
    await queryRunner.query(`DROP FUNCTION loan_detail_running_totals(date[], numeric[])`);
  }
}
