import { MEASURES, type Measure } from './targets.rules';

/**
 * Progress of the 百千万 project as of a date (SPEC §3), as set-based SQL: distinct counts, no loop
 * over rows in JavaScript. Every query takes the date as `$1` (YYYY-MM-DD).
 *
 * "As of D":
 * - a linkage is active when start_date ≤ D, D ≤ end_date (if any) and D < ended_on (if any);
 * - a household's status and demonstration flag are those of its latest household_history row of
 *   that kind with effective_date ≤ D (later rows recorded on the same day win, by id); a household
 *   with no status row on or before D did not exist yet, and linkages to or from it do not count.
 * Indexes used: household_history (household_id, kind, effective_date) for the as-of look-ups,
 * the primary keys of households, enterprises and regions for the joins.
 */
/** The household's latest history value of one kind on or before the date ($1), via the history index. */
const latestAsOf = (kind: 'status' | 'demonstration', column: string, householdId: string) => `
           SELECT hh.${column} FROM household_history hh
            WHERE hh.household_id = ${householdId} AND hh.kind = '${kind}' AND hh.effective_date <= $1::date
            ORDER BY hh.effective_date DESC, hh.id DESC
            LIMIT 1`;

/*
 * Each as-of look-up joins a base table by its key (households, household_history), never one CTE
 * to another: with stale statistics the planner may expect a handful of active linkages, and a
 * nested loop between two CTE scans of thousands of rows each would then take seconds.
 */
const COUNTED_CTES = `
  counted_linkage AS (
    SELECT l.source_kind, l.source_enterprise_id, l.source_household_id, l.household_id,
           st.status AS household_status, h.region_path AS household_path
      FROM linkages l
      JOIN households h ON h.id = l.household_id
     CROSS JOIN LATERAL (${latestAsOf('status', 'status', 'h.id')}) st
     WHERE l.start_date <= $1::date
       AND (l.end_date IS NULL OR l.end_date >= $1::date)
       AND (l.ended_on IS NULL OR l.ended_on > $1::date)
  ),
  driving_enterprise AS (
    SELECT DISTINCT cl.source_enterprise_id AS id
      FROM counted_linkage cl
     WHERE cl.source_kind = 'enterprise' AND cl.household_status IN ('poor', 'monitored')
  ),
  demonstration_household AS (
    SELECT s.id, s.region_path
      FROM households s
     CROSS JOIN LATERAL (${latestAsOf('status', 'status', 's.id')}) st
     CROSS JOIN LATERAL (${latestAsOf('demonstration', 'is_demonstration', 's.id')}) dm
     WHERE dm.is_demonstration
       AND s.id IN (SELECT cl.source_household_id FROM counted_linkage cl WHERE cl.source_kind = 'household')
  ),
  linked_household AS (
    SELECT DISTINCT cl.household_id AS id, cl.household_path AS region_path FROM counted_linkage cl
  )`;

/**
 * Who holds an active loan from which bank on the date: rows (bank_id, borrower_kind, borrower_id)
 * with borrower_kind 'household' or 'enterprise' and bank_id the head-office bank.
 * This is the one place bank progress learns about loans.
 */
export function activeBorrowersSql(dateSql: string): string {
  // Active on the date: disbursed by then, and either still open or settled only after it. Loans
  // compensated or written off no longer count (their date is not kept on the loan).
  return `SELECT DISTINCT l.bank_id, l.borrower_kind::varchar AS borrower_kind, COALESCE(l.household_id, l.enterprise_id) AS borrower_id
            FROM loans l
           WHERE l.disbursement_date <= ${dateSql}
             AND (l.status IN ('active', 'overdue', 'defaulted') OR (l.status = 'settled' AND l.closed_on > ${dateSql}))`;
}

const COLUMN: Record<Measure, string> = {
  enterprises: 'enterprises',
  demonstrationHouseholds: 'demonstration_households',
  linkedHouseholds: 'linked_households',
};

/** `count(*) FILTER (…)` per measure over a relation with a `measure` column. */
const COUNT_COLUMNS = MEASURES.map((m) => `count(*) FILTER (WHERE measure = '${m}')::int AS ${COLUMN[m]}`).join(',\n         ');

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
 * By region: the city line and one line per county or district. Enterprises count where they are
 * registered (their region's county), households where they live. County = the path segment after
 * the city's path; things registered at the city itself count only in the city line.
 * $1 date · $2 the city's path ('410200/') · $3 the city's code · $4 the caller's region path
 * prefix ('' for city staff), which keeps only lines inside it.
 */
export const PROGRESS_BY_REGION_SQL = `
WITH ${COUNTED_CTES},
  located AS (
    SELECT 'enterprises' AS measure, r.path AS region_path
      FROM driving_enterprise de
      JOIN enterprises e ON e.id = de.id
      JOIN regions r ON r.code = e.region_code
    UNION ALL SELECT 'demonstrationHouseholds', region_path FROM demonstration_household
    UNION ALL SELECT 'linkedHouseholds', region_path FROM linked_household
  ),
  in_county AS (
    SELECT measure, NULLIF(split_part(substr(region_path, length($2::text) + 1), '/', 1), '') AS county_code
      FROM located
     WHERE left(region_path, length($2::text)) = $2::text
  ),
  tally AS (
    SELECT CASE WHEN GROUPING(county_code) = 1 THEN $3::varchar ELSE county_code END AS code,
         ${COUNT_COLUMNS}
      FROM in_county
     GROUP BY GROUPING SETS ((), (county_code))
  ),
  line AS (
    SELECT 0 AS sort, 'city' AS scope, r.code, r.name, r.path FROM regions r WHERE r.code = $3::varchar
    UNION ALL
    SELECT 1, 'county', r.code, r.name, r.path FROM regions r WHERE r.parent_code = $3::varchar AND r.level = 'county'
  )
SELECT l.scope, l.code AS region_code, NULL::uuid AS bank_id, l.name,
         ${MEASURE_COLUMNS}
  FROM line l
  LEFT JOIN targets t ON t.scope <> 'bank' AND t.region_code = l.code
  LEFT JOIN tally c ON c.code = l.code
 WHERE left(l.path, length($4::text)) = $4::text
 ORDER BY l.sort, l.code`;

/**
 * By bank: one line per bank (head office), counting only enterprises and households that hold an
 * active loan from it, and households linked on the date to an enterprise that does (SPEC §3).
 * $1 date · $2 the region path the counted things must lie in (the city's, or a county's for county
 * staff) · $3 one bank's id to keep only its line (a loan officer), or NULL for all.
 * `activeBorrowers` is activeBorrowersSql's; tests pass a fixed set to check the rest of the query.
 */
export function progressByBankSql(activeBorrowers: string = activeBorrowersSql('$1::date')): string {
  return `
WITH ${COUNTED_CTES},
  active_borrower AS (${activeBorrowers}),
  household_bank AS (
    SELECT ab.bank_id, ab.borrower_id AS household_id FROM active_borrower ab WHERE ab.borrower_kind = 'household'
    UNION
    SELECT ab.bank_id, cl.household_id
      FROM counted_linkage cl
      JOIN active_borrower ab ON ab.borrower_kind = 'enterprise' AND ab.borrower_id = cl.source_enterprise_id
  ),
  located AS (
    SELECT ab.bank_id, 'enterprises' AS measure, de.id, r.path AS region_path
      FROM driving_enterprise de
      JOIN active_borrower ab ON ab.borrower_kind = 'enterprise' AND ab.borrower_id = de.id
      JOIN enterprises e ON e.id = de.id
      JOIN regions r ON r.code = e.region_code
    UNION
    SELECT hb.bank_id, 'demonstrationHouseholds', dh.id, dh.region_path
      FROM demonstration_household dh JOIN household_bank hb ON hb.household_id = dh.id
    UNION
    SELECT hb.bank_id, 'linkedHouseholds', lh.id, lh.region_path
      FROM linked_household lh JOIN household_bank hb ON hb.household_id = lh.id
  ),
  tally AS (
    SELECT bank_id,
         ${COUNT_COLUMNS}
      FROM located
     WHERE left(region_path, length($2::text)) = $2::text
     GROUP BY bank_id
  )
SELECT 'bank' AS scope, NULL::varchar AS region_code, i.id AS bank_id, i.name,
         ${MEASURE_COLUMNS}
  FROM institutions i
  LEFT JOIN targets t ON t.scope = 'bank' AND t.bank_id = i.id
  LEFT JOIN tally c ON c.bank_id = i.id
 WHERE i.type = 'bank' AND ($3::uuid IS NULL OR i.id = $3::uuid)
 ORDER BY i.name, i.id`;
}

export { COLUMN as MEASURE_COLUMN };
