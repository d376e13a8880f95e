import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SPEC §3 "one active linkage per (source, household, type)", held by dates rather than by
 * `ended_on IS NULL` alone.
 *
 * A linkage is active on day D when start_date ≤ D, D ≤ end_date (if any) and D < ended_on (if any)
 * (isActiveOn in linkages.service.ts). The partial unique index of Register allowed one row with
 * ended_on IS NULL per triple, so a linkage ended on a future date, or one ended on 2025-12-31 and
 * a new one starting 2025-06-01, made two linkages active on the same days; and it refused a renewal
 * that starts after the old agreement's end_date, which overlaps nothing. The exclusion constraint
 * states the rule itself: no two linkages of one triple have overlapping active days, the days being
 * [start_date, least(end_date + 1, ended_on)), unbounded when both are null (least ignores nulls; a
 * linkage ended on its start day is the empty range and overlaps nothing). source_id repeats the
 * enterprise or demonstration household, whichever is the source (linkages_source_check).
 *
 * btree_gist gives GiST the equality on uuid and varchar; it is a trusted extension since
 * PostgreSQL 13, so the owner of the database may create it.
 */
export class LinkageNoOverlap1796010000000 implements MigrationInterface {
  name = 'LinkageNoOverlap1796010000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    await queryRunner.query(`
      ALTER TABLE "linkages" ADD CONSTRAINT "linkages_one_active_excl" EXCLUDE USING gist (
        "source_id" WITH =,
        "household_id" WITH =,
        "type" WITH =,
        daterange("start_date", least("end_date" + 1, "ended_on")) WITH &&
      )`);
    await queryRunner.query(`DROP INDEX "linkages_one_active_key"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Fails when two linkages of one triple are both without ended_on (a renewal after an agreed
    // end date), which the old index could not hold.
    await queryRunner.query(`CREATE UNIQUE INDEX "linkages_one_active_key" ON "linkages"("source_id", "household_id", "type") WHERE ended_on IS NULL`);
    await queryRunner.query(`ALTER TABLE "linkages" DROP CONSTRAINT "linkages_one_active_excl"`);
    // btree_gist stays: it holds no data, and something else in the database may use it.
  }
}
