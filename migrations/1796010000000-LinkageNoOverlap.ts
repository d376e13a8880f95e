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
 *
 * Rows the old rules let overlap (a linkage ended on a future date and a renewal starting before that
 * date; a backdated second linkage) would make the constraint fail to build. Before it is added, each
 * linkage whose active days run into those of the next linkage of its triple (by start date, then id)
 * is ended on that next linkage's start date — the later agreement supersedes the earlier, the reading
 * of a renewal — with an end reason naming it, and an audit entry per row changed
 * (request id `migration:LinkageNoOverlap`). Rows that overlap nothing are not touched.
 */
export class LinkageNoOverlap1796010000000 implements MigrationInterface {
  name = 'LinkageNoOverlap1796010000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    await queryRunner.query(`
      WITH ordered AS (
        SELECT id, start_date, end_date, ended_on, end_reason,
               lead(start_date) OVER w AS next_start, lead(id) OVER w AS next_id
          FROM "linkages"
        WINDOW w AS (PARTITION BY source_id, household_id, type ORDER BY start_date, id)
      ),
      cut AS (
        SELECT * FROM ordered
         WHERE next_start IS NOT NULL AND daterange(start_date, least(end_date + 1, ended_on)) && daterange(next_start, NULL)
      ),
      ended AS (
        UPDATE "linkages" l
           SET ended_on = c.next_start,
               end_reason = coalesce(c.end_reason, 'superseded by linkage ' || c.next_id || ' (migration LinkageNoOverlap)'),
               updated_at = now()
          FROM cut c
         WHERE l.id = c.id
        RETURNING l.id, l.region_path, c.ended_on AS ended_before, c.end_reason AS reason_before, l.ended_on, l.end_reason
      )
      INSERT INTO "audit_log" (action, entity_type, entity_id, before, after, request_id, region_path)
      SELECT 'end', 'linkage', e.id::text,
             jsonb_build_object('endedOn', e.ended_before, 'endReason', e.reason_before),
             jsonb_build_object('endedOn', e.ended_on, 'endReason', e.end_reason),
             'migration:LinkageNoOverlap', e.region_path
        FROM ended e`);
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
    // The old index holds one row without ended_on per triple; the new rules also let a renewal follow
    // an agreement past its end_date with neither ended. Such an earlier row is ended the day after its
    // end_date, which changes none of its active days (least(end_date + 1, ended_on) stays the same).
    await queryRunner.query(`
      UPDATE "linkages" l SET ended_on = l.end_date + 1, updated_at = now()
       WHERE l.ended_on IS NULL AND l.end_date IS NOT NULL
         AND EXISTS (SELECT 1 FROM "linkages" o
                      WHERE o.source_id = l.source_id AND o.household_id = l.household_id AND o.type = l.type
                        AND o.ended_on IS NULL AND o.id <> l.id AND o.start_date > l.end_date)`);
    await queryRunner.query(`CREATE UNIQUE INDEX "linkages_one_active_key" ON "linkages"("source_id", "household_id", "type") WHERE ended_on IS NULL`);
    await queryRunner.query(`ALTER TABLE "linkages" DROP CONSTRAINT "linkages_one_active_excl"`);
    // btree_gist stays: it holds no data, and something else in the database may use it.
  }
}
