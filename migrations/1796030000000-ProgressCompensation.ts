import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bank progress (SPEC §3) counts a loan until the date it was compensated: its 'compensated' loan
 * event (activeBorrowersSql). So that date is one the progress summaries depend on:
 *
 * - inserting a 'compensated' event deletes the summaries from its effective date on (loan events are
 *   append-only, so no update or delete can move it; TRUNCATE, which row triggers do not stop, deletes
 *   every summary); other events (registration, delinquency, extensions) change no count and delete nothing;
 * - a partial index finds a loan's compensation without reading its other events.
 *
 * The writer that pays a claim also changes the loan's status, whose trigger already deletes from the
 * disbursement date on; this keeps the rule "every write that can change progress as of D deletes
 * the summaries of D" (migration ProgressSummaries) true of the events table on its own.
 */
export class ProgressCompensation1796030000000 implements MigrationInterface {
  name = 'ProgressCompensation1796030000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "loan_events_compensated_idx" ON "loan_events" ("loan_id", "effective_date") WHERE kind = 'compensated'`,
    );
    await queryRunner.query(`
      CREATE FUNCTION progress_compensations_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM progress_summaries_invalidate((SELECT min(effective_date) FROM new_rows WHERE kind = 'compensated'));
        RETURN NULL;
      END
      $$
    `);
    await queryRunner.query(
      `CREATE TRIGGER "loan_events_progress_insert" AFTER INSERT ON "loan_events" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION progress_compensations_changed()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "loan_events_progress_truncate" AFTER TRUNCATE ON "loan_events" FOR EACH STATEMENT EXECUTE FUNCTION progress_rows_changed()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const trigger of ['truncate', 'insert']) {
      await queryRunner.query(`DROP TRIGGER "loan_events_progress_${trigger}" ON "loan_events"`);
    }
    await queryRunner.query(`DROP FUNCTION progress_compensations_changed()`);
    await queryRunner.query(`DROP INDEX "loan_events_compensated_idx"`);
  }
}
