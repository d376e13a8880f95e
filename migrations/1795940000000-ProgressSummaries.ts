import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 7: the 百千万 progress report served from per-city summaries (`progress_summaries`, entity
 * targets/progress-summary.entity.ts), and the triggers that keep them true.
 *
 * Every write that can change progress as of a date D deletes the summaries dated D and later, in the
 * writer's transaction, through progress_summaries_invalidate(D). D is the earliest date the write
 * can change: a linkage's start (or, when only its end moves, the first day its activity differs), a
 * history row's effective date, a loan's disbursement date (or, when only its end moves, the first day
 * it differs; a loan compensated or written off stops counting on every date since its disbursement,
 * because that date is not kept); -infinity for a household or enterprise that moves, a region whose
 * path changes, and TRUNCATE. Targets, names and institutions are read when a report is read, so they
 * need no trigger. Bulk inserts and deletes fire once per statement (transition tables); updates once
 * per row, and only when a column the counts read has changed (the WHEN clauses), so the daily
 * delinquency run (active → overdue → defaulted, all counting alike) deletes nothing.
 *
 * The writer also holds a shared advisory lock (7310202) until it commits: a summary build takes it
 * exclusively for a moment before taking its snapshot, so that every writer that could have missed
 * the build's claim row has committed by then (see progress-summaries.ts).
 */
const LOCK_KEY = 7_310_202;

const TRUNCATED = ['linkages', 'household_history', 'households', 'enterprises', 'regions', 'loans'];
/** Tables whose inserted or deleted rows change progress from the earliest date in this column. */
const INSERTED = [
  { table: 'linkages', column: 'start_date' },
  { table: 'household_history', column: 'effective_date' },
  { table: 'loans', column: 'disbursement_date' },
];
const DELETED = [...INSERTED, { table: 'regions', column: null }];

export class ProgressSummaries1795940000000 implements MigrationInterface {
  name = 'ProgressSummaries1795940000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "progress_summaries" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "business_date" date NOT NULL,
        "city_code" character varying(12) NOT NULL,
        "breakdown" character varying(8) NOT NULL,
        "counted_path" character varying(120) COLLATE "C" NOT NULL,
        "state" character varying(8) NOT NULL,
        "builder" uuid NOT NULL,
        "counts" jsonb,
        "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "computed_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "progress_summaries_key" UNIQUE ("business_date", "city_code", "breakdown", "counted_path"),
        CONSTRAINT "progress_summaries_ready_check" CHECK ((state = 'ready') = (counts IS NOT NULL AND computed_at IS NOT NULL)),
        CONSTRAINT "progress_summaries_state_check" CHECK (state IN ('building', 'ready')),
        CONSTRAINT "progress_summaries_breakdown_check" CHECK (breakdown IN ('region', 'bank')),
        CONSTRAINT "progress_summaries_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(
      `ALTER TABLE "progress_summaries" ADD CONSTRAINT "progress_summaries_city_code_fkey" FOREIGN KEY ("city_code") REFERENCES "regions"("code") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );

    await queryRunner.query(`
      CREATE FUNCTION progress_summaries_invalidate(from_date date) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        IF from_date IS NULL THEN
          RETURN;
        END IF;
        PERFORM pg_advisory_xact_lock_shared(${LOCK_KEY});
        DELETE FROM progress_summaries WHERE business_date >= from_date;
      END
      $$
    `);
    // Statement triggers: TG_ARGV[0] names the date column of the transition table; none for TRUNCATE.
    await queryRunner.query(`
      CREATE FUNCTION progress_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        from_date date;
      BEGIN
        IF TG_OP = 'TRUNCATE' OR TG_NARGS = 0 THEN
          from_date := '-infinity';
        ELSE
          EXECUTE format('SELECT min(%I) FROM %I', TG_ARGV[0], CASE WHEN TG_OP = 'INSERT' THEN 'new_rows' ELSE 'old_rows' END) INTO from_date;
        END IF;
        PERFORM progress_summaries_invalidate(from_date);
        RETURN NULL;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE FUNCTION progress_linkage_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- Active on D: start_date <= D <= least(end_date, ended_on - 1). With the same link and start,
        -- only the days after the earlier of the two last days differ.
        PERFORM progress_summaries_invalidate(CASE
          WHEN (OLD.source_kind, OLD.source_id, OLD.household_id, OLD.start_date) IS DISTINCT FROM (NEW.source_kind, NEW.source_id, NEW.household_id, NEW.start_date)
            THEN least(OLD.start_date, NEW.start_date)
          ELSE least(least(OLD.end_date, OLD.ended_on - 1), least(NEW.end_date, NEW.ended_on - 1)) + 1
        END);
        RETURN NULL;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE FUNCTION progress_history_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM progress_summaries_invalidate(least(OLD.effective_date, NEW.effective_date));
        RETURN NULL;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE FUNCTION progress_loan_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        -- Counting on D: disbursement_date <= D < the end (infinity while open, closed_on once settled).
        old_end date := CASE WHEN OLD.status IN ('active', 'overdue', 'defaulted') THEN 'infinity'::date WHEN OLD.status = 'settled' THEN OLD.closed_on END;
        new_end date := CASE WHEN NEW.status IN ('active', 'overdue', 'defaulted') THEN 'infinity'::date WHEN NEW.status = 'settled' THEN NEW.closed_on END;
        old_start date := CASE WHEN old_end IS NOT NULL THEN OLD.disbursement_date END;
        new_start date := CASE WHEN new_end IS NOT NULL THEN NEW.disbursement_date END;
      BEGIN
        IF old_start IS NULL AND new_start IS NULL THEN
          RETURN NULL;
        END IF;
        IF (OLD.bank_id, OLD.borrower_kind, OLD.household_id, OLD.enterprise_id, old_start) IS DISTINCT FROM (NEW.bank_id, NEW.borrower_kind, NEW.household_id, NEW.enterprise_id, new_start) THEN
          PERFORM progress_summaries_invalidate(least(old_start, new_start));
        ELSIF old_end IS DISTINCT FROM new_end THEN
          PERFORM progress_summaries_invalidate(least(old_end, new_end));
        END IF;
        RETURN NULL;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE FUNCTION progress_everything_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM progress_summaries_invalidate('-infinity');
        RETURN NULL;
      END
      $$
    `);

    for (const { table, column } of INSERTED) {
      await queryRunner.query(
        `CREATE TRIGGER "${table}_progress_insert" AFTER INSERT ON "${table}" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION progress_rows_changed('${column}')`,
      );
    }
    for (const { table, column } of DELETED) {
      await queryRunner.query(
        `CREATE TRIGGER "${table}_progress_delete" AFTER DELETE ON "${table}" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION progress_rows_changed(${column ? `'${column}'` : ''})`,
      );
    }
    for (const table of TRUNCATED) {
      await queryRunner.query(`CREATE TRIGGER "${table}_progress_truncate" AFTER TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION progress_rows_changed()`);
    }
    await queryRunner.query(`
      CREATE TRIGGER "linkages_progress_update" AFTER UPDATE ON "linkages" FOR EACH ROW
      WHEN ((OLD.source_kind, OLD.source_id, OLD.household_id, OLD.start_date, OLD.end_date, OLD.ended_on)
            IS DISTINCT FROM (NEW.source_kind, NEW.source_id, NEW.household_id, NEW.start_date, NEW.end_date, NEW.ended_on))
      EXECUTE FUNCTION progress_linkage_updated()
    `);
    await queryRunner.query(`
      CREATE TRIGGER "household_history_progress_update" AFTER UPDATE ON "household_history" FOR EACH ROW
      WHEN ((OLD.household_id, OLD.kind, OLD.status, OLD.is_demonstration, OLD.effective_date)
            IS DISTINCT FROM (NEW.household_id, NEW.kind, NEW.status, NEW.is_demonstration, NEW.effective_date))
      EXECUTE FUNCTION progress_history_updated()
    `);
    await queryRunner.query(`
      CREATE TRIGGER "loans_progress_update" AFTER UPDATE ON "loans" FOR EACH ROW
      WHEN ((OLD.bank_id, OLD.borrower_kind, OLD.household_id, OLD.enterprise_id, OLD.disbursement_date,
             OLD.status IN ('active', 'overdue', 'defaulted'), CASE WHEN OLD.status = 'settled' THEN OLD.closed_on END)
            IS DISTINCT FROM (NEW.bank_id, NEW.borrower_kind, NEW.household_id, NEW.enterprise_id, NEW.disbursement_date,
             NEW.status IN ('active', 'overdue', 'defaulted'), CASE WHEN NEW.status = 'settled' THEN NEW.closed_on END))
      EXECUTE FUNCTION progress_loan_updated()
    `);
    for (const [table, columns] of [
      ['households', ['region_path']],
      ['enterprises', ['region_code']],
      ['regions', ['code', 'path']],
    ] as const) {
      const changed = columns.map((c) => `OLD.${c} IS DISTINCT FROM NEW.${c}`).join(' OR ');
      await queryRunner.query(
        `CREATE TRIGGER "${table}_progress_update" AFTER UPDATE ON "${table}" FOR EACH ROW WHEN (${changed}) EXECUTE FUNCTION progress_everything_changed()`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['regions', 'enterprises', 'households', 'loans', 'household_history', 'linkages']) {
      await queryRunner.query(`DROP TRIGGER "${table}_progress_update" ON "${table}"`);
    }
    for (const table of TRUNCATED) await queryRunner.query(`DROP TRIGGER "${table}_progress_truncate" ON "${table}"`);
    for (const { table } of DELETED) await queryRunner.query(`DROP TRIGGER "${table}_progress_delete" ON "${table}"`);
    for (const { table } of INSERTED) await queryRunner.query(`DROP TRIGGER "${table}_progress_insert" ON "${table}"`);
    for (const fn of ['progress_everything_changed', 'progress_loan_updated', 'progress_history_updated', 'progress_linkage_updated', 'progress_rows_changed']) {
      await queryRunner.query(`DROP FUNCTION ${fn}()`);
    }
    await queryRunner.query(`DROP FUNCTION progress_summaries_invalidate(date)`);
    await queryRunner.query(`ALTER TABLE "progress_summaries" DROP CONSTRAINT "progress_summaries_city_code_fkey"`);
    await queryRunner.query(`DROP TABLE "progress_summaries"`);
  }
}
