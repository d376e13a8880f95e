import { MEASURES, type Measure } from './targets.rules';

/**
 * Progress of the 百千万 project as of a date (SPEC §3), as set-based SQL: distinct counts, no loop
 * over rows in JavaScript. It comes in two parts, so that a report reads the same whether its counts
 * were just computed or kept in `progress_summaries` (progress-summaries.ts):
 *
 * 1. the counts (`progressCountsSql`): per city, county (and bank), how many driving enterprises,
 *    demonstration households and linked households lie there on the date — rows
 *    (city_code, county_code, bank_id, enterprises, demonstration_households, linked_households);
 * 2. the report (`PROGRESS_BY_REGION_SQL`, `PROGRESS_BY_BANK_SQL`): those rows of one city, given as a
 *    JSON parameter, added up into the city, county or bank lines, with targets and per cent.
 *
 * "As of D" (every query takes the date as `$1`, YYYY-MM-DD):
 * - a linkage is active when start_date ≤ D, D ≤ end_date (if any) and D < ended_on (if any);
 * - a household's status and demonstration flag are those of its latest household_history row of
 *   that kind with effective_date ≤ D (later rows recorded on the same day win, by id); a household
 *   with no status row on or before D did not exist yet, and linkages to or from it do not count.
 *
 * Everything counted has one place: an enterprise the region it is registered in, a household where
 * it lives. County = the path segment after the city's path (NULL for things registered at the city
 * itself, which count only in the city line). So the city's count is the sum of its county rows, and
 * the counts of one city can be computed, stored and added up on their own.
 */

/** The household's latest history value of one kind on or before the date ($1), via the history index. */
const latestAsOf = (kind: 'status' | 'demonstration', column: string, householdId: string) => `
           SELECT hh.${column} FROM household_history hh
            WHERE hh.household_id = ${householdId} AND hh.kind = '${kind}' AND hh.effective_date <= $1::date
            ORDER BY hh.effective_date DESC, hh.id DESC
            LIMIT 1`;

/** The household had a status row on or before the date: it existed (index-only on the history index). */
const registeredBy = (householdId: string) =>
  `EXISTS (SELECT 1 FROM household_history hs WHERE hs.household_id = ${householdId} AND hs.kind = 'status' AND hs.effective_date <= $1::date)`;

const activeOn = (l: string) =>
  `${l}.start_date <= $1::date AND (${l}.end_date IS NULL OR ${l}.end_date >= $1::date) AND (${l}.ended_on IS NULL OR ${l}.ended_on > $1::date)`;

/*
 * The three sets of SPEC §3, each filtered at its source on the path counted in ($2: '' for all,
 * a city's path, or a narrower one), so a city's counts read that city's rows only:
 * - linked households: living there, with a status row by D and ≥1 active linkage from any source;
 * - driving enterprises: registered there, with ≥1 active linkage to a household poor or monitored on D
 *   (wherever that household lives);
 * - demonstration households: living there, existing and designated on D, source of ≥1 active linkage
 *   to a household that exists on D.
 */
// MATERIALIZED: each set is counted once, as a whole, and then joined by hash; inlined into the bank
// query, the planner would probe households and linkages once per (bank, household) pair instead.
const LOCATED_CTES = `
  linked_household AS MATERIALIZED (
    SELECT h.id, h.region_path FROM households h
     WHERE h.region_path LIKE $2::text || '%'
       AND EXISTS (SELECT 1 FROM linkages l WHERE l.household_id = h.id AND ${activeOn('l')})
       AND ${registeredBy('h.id')}
  ),
  driving_enterprise AS MATERIALIZED (
    SELECT e.id, r.path AS region_path
      FROM enterprises e JOIN regions r ON r.code = e.region_code
     WHERE r.path LIKE $2::text || '%'
       AND EXISTS (SELECT 1 FROM linkages l
                    CROSS JOIN LATERAL (${latestAsOf('status', 'status', 'l.household_id')}) st
                    WHERE l.source_id = e.id AND l.source_kind = 'enterprise' AND ${activeOn('l')}
                      AND st.status IN ('poor', 'monitored'))
  ),
  demonstration_household AS MATERIALIZED (
    SELECT s.id, s.region_path FROM households s
     CROSS JOIN LATERAL (${latestAsOf('demonstration', 'is_demonstration', 's.id')}) dm
     WHERE s.region_path LIKE $2::text || '%' AND dm.is_demonstration AND ${registeredBy('s.id')}
       AND EXISTS (SELECT 1 FROM linkages l
                    WHERE l.source_id = s.id AND l.source_kind = 'household' AND ${activeOn('l')} AND ${registeredBy('l.household_id')})
  ),
  city AS (SELECT code, path FROM regions WHERE level = 'city')`;

/**
 * Who holds an active loan from which bank on the date: rows (bank_id, borrower_kind, borrower_id)
 * with borrower_kind 'household' or 'enterprise' and bank_id the head-office bank.
 * This is the one place bank progress learns about loans.
 */
export function activeBorrowersSql(dateSql: string): string {
  // Active on the date: disbursed by then, and neither closed nor compensated by then. A loan is
  // compensated on the date of its 'compensated' event (the claim paid, ClaimPaymentsService), and
  // counts on no day from then on, whatever its status became later (settled after a recovery, or
  // reopened). A loan written off keeps no date, so it counts on no date; nor does one marked
  // compensated without its event.
  const compensated = (by: string) => `EXISTS (SELECT 1 FROM loan_events ev WHERE ev.loan_id = l.id AND ev.kind = 'compensated'${by})`;
  return `SELECT DISTINCT l.bank_id, l.borrower_kind::varchar AS borrower_kind, COALESCE(l.household_id, l.enterprise_id) AS borrower_id
            FROM loans l
           WHERE l.disbursement_date <= ${dateSql}
             AND (l.status IN ('active', 'overdue', 'defaulted')
                  OR (l.status = 'settled' AND l.closed_on > ${dateSql})
                  OR (l.status = 'compensated' AND ${compensated('')}))
             AND NOT ${compensated(` AND ev.effective_date <= ${dateSql}`)}`;
}

const COUNTS_BY_PLACE = `count(*) FILTER (WHERE measure = 'enterprises')::int AS enterprises,
         count(*) FILTER (WHERE measure = 'demonstrationHouseholds')::int AS demonstration_households,
         count(*) FILTER (WHERE measure = 'linkedHouseholds')::int AS linked_households`;

/*
 * Counted things are first added up by their exact path (a few thousand villages), then each path is
 * given its city (the city region whose path begins it) and county (the segment after the city).
 */
const BY_CITY_AND_COUNTY = (bank: string) => `
  by_path AS (
    SELECT ${bank} AS bank_id, region_path, ${COUNTS_BY_PLACE}
      FROM located GROUP BY ${bank === 'NULL::uuid' ? '' : 'bank_id, '}region_path
  )
SELECT c.code AS city_code, NULLIF(split_part(substr(p.region_path, length(c.path) + 1), '/', 1), '') AS county_code, p.bank_id,
       sum(p.enterprises)::int AS enterprises, sum(p.demonstration_households)::int AS demonstration_households,
       sum(p.linked_households)::int AS linked_households
  FROM by_path p JOIN city c ON left(p.region_path, length(c.path)) = c.path
 GROUP BY 1, 2, 3`;

/**
 * The counts for the region report: rows (city_code, county_code, bank_id NULL, counts) of
 * everything on the date ($1) whose place lies under the path $2 ('' for every city).
 */
export const PROGRESS_COUNTS_BY_REGION_SQL = `
WITH ${LOCATED_CTES},
  located AS (
    SELECT 'enterprises' AS measure, region_path FROM driving_enterprise
    UNION ALL SELECT 'demonstrationHouseholds', region_path FROM demonstration_household
    UNION ALL SELECT 'linkedHouseholds', region_path FROM linked_household
  ),
  ${BY_CITY_AND_COUNTY('NULL::uuid')}`;

/**
 * The counts for the bank report: rows (city_code, county_code, bank_id, counts), counting for a bank
 * only enterprises and households that hold an active loan from it, and households linked on the date
 * to an enterprise that does (SPEC §3). $1 date · $2 the path counted in ('' for every city).
 * `activeBorrowers` is activeBorrowersSql's; tests pass a fixed set to check the rest of the query.
 */
export function progressCountsByBankSql(activeBorrowers: string = activeBorrowersSql('$1::date')): string {
  // A household's banks: its own loans', and those of the enterprises linked to it on the date. (A
  // household counted below exists on the date, so these linkages are counted ones.)
  return `
WITH ${LOCATED_CTES},
  active_borrower AS (${activeBorrowers}),
  household_bank AS (
    SELECT ab.bank_id, ab.borrower_id AS household_id FROM active_borrower ab WHERE ab.borrower_kind = 'household'
    UNION
    SELECT ab.bank_id, l.household_id
      FROM active_borrower ab
      JOIN linkages l ON l.source_id = ab.borrower_id AND l.source_kind = 'enterprise' AND ${activeOn('l')}
     WHERE ab.borrower_kind = 'enterprise'
  ),
  located AS (
    SELECT ab.bank_id, 'enterprises' AS measure, de.region_path
      FROM driving_enterprise de JOIN active_borrower ab ON ab.borrower_kind = 'enterprise' AND ab.borrower_id = de.id
    UNION ALL
    SELECT hb.bank_id, 'demonstrationHouseholds', dh.region_path FROM demonstration_household dh JOIN household_bank hb ON hb.household_id = dh.id
    UNION ALL
    SELECT hb.bank_id, 'linkedHouseholds', lh.region_path FROM linked_household lh JOIN household_bank hb ON hb.household_id = lh.id
  ),
  ${BY_CITY_AND_COUNTY('bank_id')}`;
}

/*
 * The report from one city's counts. `counts` is the relation the counts come from: by default the
 * JSON array parameter `$5` (from progress_summaries, or just computed — the same text either way).
 */
const COUNTS_FROM_JSON = (param: string) =>
  `SELECT * FROM jsonb_to_recordset(${param}::jsonb) AS c(county_code varchar, bank_id uuid, enterprises int, demonstration_households int, linked_households int)`;

const COLUMN: Record<Measure, string> = {
  enterprises: 'enterprises',
  demonstrationHouseholds: 'demonstration_households',
  linkedHouseholds: 'linked_households',
};

const SUM_COLUMNS = MEASURES.map((m) => `sum(${COLUMN[m]})::int AS ${COLUMN[m]}`).join(', ');

/**
 * Target, actual and per cent per measure: per cent = actual ÷ target × 100, rounded half-up to one
 * decimal in numeric (no float), as text ("62.5"); NULL when the target is 0.
 */
const MEASURE_COLUMNS = MEASURES.map((m) => {
  const c = COLUMN[m];
  return `COALESCE(t.${c}, 0) AS ${c}_target, COALESCE(c.${c}, 0) AS ${c}_actual,
          CASE WHEN t.${c} > 0 THEN round(100.0 * COALESCE(c.${c}, 0) / t.${c}, 1)::text END AS ${c}_percent`;
}).join(',\n         ');

/**
 * By region: the city line and one line per county or district, from the city's counts.
 * $1 the city's code · $2 the caller's region path prefix ('' for city staff), which keeps only lines
 * inside it · $3 the counts (JSON array of progressCountsSql rows of this city, without city_code).
 */
export const PROGRESS_BY_REGION_SQL = `
WITH counts AS (${COUNTS_FROM_JSON('$3')}),
  tally AS (
    SELECT $1::varchar AS code, ${SUM_COLUMNS} FROM counts
    UNION ALL
    SELECT county_code, ${SUM_COLUMNS} FROM counts WHERE county_code IS NOT NULL GROUP BY county_code
  ),
  line AS (
    SELECT 0 AS sort, 'city' AS scope, r.code, r.name, r.path FROM regions r WHERE r.code = $1::varchar
    UNION ALL
    SELECT 1, 'county', r.code, r.name, r.path FROM regions r WHERE r.parent_code = $1::varchar AND r.level = 'county'
  )
SELECT l.scope, l.code AS region_code, NULL::uuid AS bank_id, l.name,
         ${MEASURE_COLUMNS}
  FROM line l
  LEFT JOIN targets t ON t.scope <> 'bank' AND t.region_code = l.code
  LEFT JOIN tally c ON c.code = l.code
 WHERE left(l.path, length($2::text)) = $2::text
 ORDER BY l.sort, l.code`;

/**
 * By bank: one line per bank (head office), from the city's counts.
 * $1 one county's code to count only there (county staff), or NULL for the whole of the counts ·
 * $2 one bank's id to keep only its line (a loan officer), or NULL for all · $3 the counts.
 */
export const PROGRESS_BY_BANK_SQL = bankReportSql(COUNTS_FROM_JSON('$3'));

function bankReportSql(counts: string): string {
  return `
WITH counts AS (${counts}),
  tally AS (
    SELECT bank_id, ${SUM_COLUMNS} FROM counts WHERE $1::varchar IS NULL OR county_code = $1::varchar GROUP BY bank_id
  )
SELECT 'bank' AS scope, NULL::varchar AS region_code, i.id AS bank_id, i.name,
         ${MEASURE_COLUMNS}
  FROM institutions i
  LEFT JOIN targets t ON t.scope = 'bank' AND t.bank_id = i.id
  LEFT JOIN tally c ON c.bank_id = i.id
 WHERE i.type = 'bank' AND ($2::uuid IS NULL OR i.id = $2::uuid)
 ORDER BY i.name, i.id`;
}

/**
 * The bank report in one statement, counting from `activeBorrowers` (tests pass a fixed set):
 * $1 date · $2 the region path the counted things must lie in · $3 one bank's id, or NULL for all.
 */
export function progressByBankSql(activeBorrowers: string = activeBorrowersSql('$1::date')): string {
  const counts = `SELECT county_code, bank_id, enterprises, demonstration_households, linked_households FROM (${progressCountsByBankSql(activeBorrowers)}) x`;
  // The report's parameters are renumbered onto this statement's: no county filter, $3 the bank.
  return bankReportSql(counts).replaceAll('$1::varchar', 'NULL::varchar').replaceAll('$2::uuid', '$3::uuid');
}

export { COLUMN as MEASURE_COLUMN };
