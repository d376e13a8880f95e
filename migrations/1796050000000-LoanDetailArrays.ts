import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 7, reading one loan: GET /loans/:id answers the loan with its current schedule, its
 * repayments and its history as JSON arrays, and building those arrays (about 24 JSON objects a loan,
 * with their amounts and timestamps formatted) was about a third of the detail statement's time
 * (province data, one connection: 0.38–0.57 ms a read built, 0.30–0.35 ms kept), and its balances
 * as of a date (two more look-ups of those rows) most of the rest. They are kept here — the arrays as
 * the detail writes them; the current schedule's due dates and amounts; the repayments' sums with the
 * latest date paid on — and rewritten by the database itself whenever their rows change:
 *
 * - a statement trigger on each of loan_schedule, repayments and loan_events (insert, update and
 *   delete: transition tables need one trigger per event) rewrites the arrays of the loans it touched,
 *   once per statement, however many rows it wrote; a change of a loan's schedule_version (an
 *   extension) rewrites that loan's; TRUNCATE of any of the three rebuilds every loan's;
 * - loan_detail_arrays_refresh creates a loan's row with all its parts when it has none (a new loan,
 *   which no other transaction can see yet); otherwise it locks the loans' rows first, in id order,
 *   and only then computes the changed part, in a statement of its own: a writer that waited
 *   for another's lock on the same loan computes from what that one committed, so no write is lost;
 * - the expressions are the ones the live detail query uses (src/modules/loans/loan-detail.query.ts,
 *   which falls back to them for a loan with no row here, and to the rows for balances as of a date
 *   before the latest repayment); the test harness compares the kept parts with the rows for every
 *   loan of every test database before dropping it.
 */
const SCHEDULE_ENTRY = `json_build_object(
  'seq', s.seq, 'dueDate', s.due_date, 'principalDue', s.principal_due::text, 'interestDue', s.interest_due::text,
  'totalDue', (s.principal_due + s.interest_due)::text) ORDER BY s.seq`;
const REPAYMENT_ENTRY = `json_build_object(
  'id', r.id, 'loanId', r.loan_id, 'kind', r.kind, 'paidOn', r.paid_on, 'principal', r.principal::text,
  'interest', r.interest::text, 'penalty', r.penalty::text, 'reversesId', r.reverses_id, 'note', r.note,
  'createdAt', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) ORDER BY r.paid_on, r.created_at`;
const EVENT_ENTRY = `json_build_object(
  'kind', ev.kind, 'effectiveDate', ev.effective_date, 'fromStatus', ev.from_status, 'toStatus', ev.to_status,
  'details', ev.details, 'at', to_char(ev.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) ORDER BY ev.id`;

/**
 * What each table's rows make of the loan `l`, as one correlated sub-select (a few loans at a time):
 * its JSON array, and for the balances of GET /loans/:id as of a date, the current schedule's due
 * dates and amounts (principal + interest) in instalment order, and the repayments' sums with the
 * latest date paid on (the sums are the balances' for any date on or after it).
 */
const PARTS = {
  schedule: {
    columns: 'schedule, due_dates, due_totals',
    select: `SELECT COALESCE(json_agg(${SCHEDULE_ENTRY}), '[]'::json), COALESCE(array_agg(s.due_date ORDER BY s.seq), '{}'),
                    COALESCE(array_agg(s.principal_due + s.interest_due ORDER BY s.seq), '{}')
               FROM loan_schedule s WHERE s.loan_id = l.id AND s.version = l.schedule_version`,
  },
  repayments: {
    columns: 'repayments, paid_through, paid_principal, paid_interest, paid_penalty',
    select: `SELECT COALESCE(json_agg(${REPAYMENT_ENTRY}), '[]'::json), max(r.paid_on),
                    COALESCE(sum(r.principal), 0), COALESCE(sum(r.interest), 0), COALESCE(sum(r.penalty), 0)
               FROM repayments r WHERE r.loan_id = l.id`,
  },
  events: {
    columns: 'events',
    select: `SELECT COALESCE(json_agg(${EVENT_ENTRY}), '[]'::json) FROM loan_events ev WHERE ev.loan_id = l.id`,
  },
} as const;
const PART_NAMES = ['schedule', 'repayments', 'events'] as const;
/**
 * A bulk writer of new loans (the ledger import) may set fupin.loan_detail_deferred to 'on' for its
 * transaction (set_config(…, true)), write its loans' rows, and then call
 * loan_detail_arrays_refresh(ids, 'all') once for all of them, instead of a refresh per statement and
 * table; it must do so before it commits (the test harness's drift check holds it to that).
 */
const DEFERRED = `current_setting('fupin.loan_detail_deferred', true) = 'on'`;

/** Each table of rows, and the array its rows make. */
const TABLES = [
  ['loan_schedule', 'schedule'],
  ['repayments', 'repayments'],
  ['loan_events', 'events'],
] as const;
const EVENTS = [
  ['insert', 'INSERT', 'NEW TABLE AS new_rows'],
  ['update', 'UPDATE', 'OLD TABLE AS old_rows NEW TABLE AS new_rows'],
  ['delete', 'DELETE', 'OLD TABLE AS old_rows'],
] as const;

export class LoanDetailArrays1796050000000 implements MigrationInterface {
  name = 'LoanDetailArrays1796050000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "loan_detail_arrays" (
        "loan_id" uuid NOT NULL,
        "schedule" json NOT NULL DEFAULT '[]'::json,
        "repayments" json NOT NULL DEFAULT '[]'::json,
        "events" json NOT NULL DEFAULT '[]'::json,
        "due_dates" date[] NOT NULL DEFAULT '{}',
        "due_totals" numeric[] NOT NULL DEFAULT '{}',
        "paid_through" date,
        "paid_principal" numeric(16,2) NOT NULL DEFAULT 0,
        "paid_interest" numeric(16,2) NOT NULL DEFAULT 0,
        "paid_penalty" numeric(16,2) NOT NULL DEFAULT 0,
        CONSTRAINT "loan_detail_arrays_pkey" PRIMARY KEY ("loan_id"),
        CONSTRAINT "loan_detail_arrays_loan_id_fkey" FOREIGN KEY ("loan_id") REFERENCES "loans"("id") ON DELETE CASCADE
      )
    `);
    // Rows that exist are locked first, in id order, and only the part that changed is computed, in
    // a statement of its own. A loan without a kept row gets one with all three arrays, in one
    // statement: only its own transaction can see a loan it is creating. One that another writer
    // created meanwhile (ON CONFLICT) is locked and updated as if it had been there.
    // Generic plans: with custom ones (PostgreSQL's choice for `= ANY ($1)`) each call planned the
    // three sub-selects again, twice the cost of running them (measured: 0.8 → 0.35–0.45 ms a call).
    await queryRunner.query(`
      CREATE FUNCTION loan_detail_arrays_refresh(loan_ids uuid[], part text) RETURNS void LANGUAGE plpgsql
      SET plan_cache_mode = force_generic_plan AS $$
      DECLARE
        existing uuid[];
        created uuid[];
      BEGIN
        IF part NOT IN (${PART_NAMES.map((p) => `'${p}'`).join(', ')}, 'all') THEN
          RAISE EXCEPTION 'loan_detail_arrays_refresh: no part called %', part;
        END IF;
        existing := ARRAY(SELECT d.loan_id FROM loan_detail_arrays d WHERE d.loan_id = ANY (loan_ids) ORDER BY d.loan_id FOR UPDATE);
        IF cardinality(existing) < cardinality(loan_ids) THEN
          WITH added AS (
            INSERT INTO loan_detail_arrays (loan_id, ${PARTS.schedule.columns}, ${PARTS.repayments.columns}, ${PARTS.events.columns})
            SELECT l.id, sp.*, rp.*, ep.*
              FROM loans l
             CROSS JOIN LATERAL (${PARTS.schedule.select}) sp
             CROSS JOIN LATERAL (${PARTS.repayments.select}) rp
             CROSS JOIN LATERAL (${PARTS.events.select}) ep
             WHERE l.id = ANY (loan_ids) AND l.id <> ALL (existing)
             ORDER BY l.id
            ON CONFLICT (loan_id) DO NOTHING
            RETURNING loan_id)
          SELECT COALESCE(array_agg(loan_id), '{}') INTO created FROM added;
          existing := existing || ARRAY(SELECT d.loan_id FROM loan_detail_arrays d
                                         WHERE d.loan_id = ANY (loan_ids) AND d.loan_id <> ALL (existing) AND d.loan_id <> ALL (created)
                                         ORDER BY d.loan_id FOR UPDATE);
        END IF;
        IF cardinality(existing) = 0 THEN
          RETURN;
        END IF;
        ${PART_NAMES.map(
          (part) => `IF part IN ('${part}', 'all') THEN
          UPDATE loan_detail_arrays d SET (${PARTS[part].columns}) = (${PARTS[part].select})
            FROM loans l WHERE l.id = d.loan_id AND d.loan_id = ANY (existing);
        END IF;`,
        ).join('\n        ')}
      END
      $$
    `);
    // Every loan at once (the backfill below, TRUNCATE, a bulk load): grouped in one pass per table
    // rather than three look-ups per loan (measured: 28 s for 100,000 loans by look-ups).
    await queryRunner.query(`
      CREATE FUNCTION loan_detail_arrays_rebuild() RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM loan_detail_arrays;
        INSERT INTO loan_detail_arrays (loan_id, ${PARTS.schedule.columns}, ${PARTS.repayments.columns}, ${PARTS.events.columns})
        SELECT l.id, COALESCE(s.a, '[]'::json), COALESCE(s.dates, '{}'), COALESCE(s.totals, '{}'),
               COALESCE(r.a, '[]'::json), r.through, COALESCE(r.principal, 0), COALESCE(r.interest, 0), COALESCE(r.penalty, 0),
               COALESCE(ev.a, '[]'::json)
          FROM loans l
          LEFT JOIN (SELECT s.loan_id, json_agg(${SCHEDULE_ENTRY}) AS a, array_agg(s.due_date ORDER BY s.seq) AS dates,
                            array_agg(s.principal_due + s.interest_due ORDER BY s.seq) AS totals
                       FROM loan_schedule s JOIN loans cur ON cur.id = s.loan_id AND s.version = cur.schedule_version
                      GROUP BY s.loan_id) s ON s.loan_id = l.id
          LEFT JOIN (SELECT r.loan_id, json_agg(${REPAYMENT_ENTRY}) AS a, max(r.paid_on) AS through,
                            sum(r.principal) AS principal, sum(r.interest) AS interest, sum(r.penalty) AS penalty
                       FROM repayments r GROUP BY r.loan_id) r ON r.loan_id = l.id
          LEFT JOIN (SELECT ev.loan_id, json_agg(${EVENT_ENTRY}) AS a FROM loan_events ev GROUP BY ev.loan_id) ev ON ev.loan_id = l.id;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE FUNCTION loan_detail_arrays_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF ${DEFERRED} THEN
          RETURN NULL;
        END IF;
        IF TG_LEVEL = 'ROW' THEN
          PERFORM loan_detail_arrays_refresh(ARRAY[NEW.id], TG_ARGV[0]);
        ELSIF TG_OP = 'INSERT' THEN
          PERFORM loan_detail_arrays_refresh(ARRAY(SELECT DISTINCT loan_id FROM new_rows), TG_ARGV[0]);
        ELSIF TG_OP = 'UPDATE' THEN
          PERFORM loan_detail_arrays_refresh(ARRAY(SELECT loan_id FROM new_rows UNION SELECT loan_id FROM old_rows), TG_ARGV[0]);
        ELSE
          PERFORM loan_detail_arrays_refresh(ARRAY(SELECT DISTINCT loan_id FROM old_rows), TG_ARGV[0]);
        END IF;
        RETURN NULL;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE FUNCTION loan_detail_arrays_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM loan_detail_arrays_rebuild();
        RETURN NULL;
      END
      $$
    `);
    for (const [table, part] of TABLES) {
      for (const [suffix, event, transition] of EVENTS) {
        await queryRunner.query(
          `CREATE TRIGGER "${table}_detail_${suffix}" AFTER ${event} ON "${table}" REFERENCING ${transition} FOR EACH STATEMENT EXECUTE FUNCTION loan_detail_arrays_changed('${part}')`,
        );
      }
      await queryRunner.query(`CREATE TRIGGER "${table}_detail_truncate" AFTER TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION loan_detail_arrays_truncated()`);
    }
    await queryRunner.query(
      `CREATE TRIGGER "loans_detail_schedule_version" AFTER UPDATE OF "schedule_version" ON "loans" FOR EACH ROW
         WHEN (OLD.schedule_version IS DISTINCT FROM NEW.schedule_version) EXECUTE FUNCTION loan_detail_arrays_changed('schedule')`,
    );
    await queryRunner.query(`SELECT loan_detail_arrays_rebuild()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "loans_detail_schedule_version" ON "loans"`);
    for (const [table] of TABLES) {
      for (const suffix of ['truncate', ...EVENTS.map(([s]) => s)]) await queryRunner.query(`DROP TRIGGER "${table}_detail_${suffix}" ON "${table}"`);
    }
    for (const fn of ['truncated()', 'changed()', 'rebuild()', 'refresh(uuid[], text)']) {
      await queryRunner.query(`DROP FUNCTION loan_detail_arrays_${fn}`);
    }
    await queryRunner.query(`DROP TABLE "loan_detail_arrays"`);
  }
}
