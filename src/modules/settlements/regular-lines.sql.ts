// The regular lines of a draft batch, computed and written by PostgreSQL in one set-based statement
// (issue 7: the settlement of a province is 700,000 lines; computing them loan by loan in JavaScript
// took 220× a plain INSERT … SELECT). It is the same rule as subsidy-line.ts (SPEC §6.1–§6.3), written
// for sets — the JavaScript engine stays the reference: GET /loans/:id/subsidy and the adjustment
// lines use it, and test/integration/settlement-engine.test.ts proves that both give every line
// identically (amounts, days, balances, rates, reasons, segments, to the character of their canonical
// form) for 200 seeded random loans over three periods (every zero reason, fee and linked bases).
//
// How each part of subsidy-line.ts reads here:
// - charged window W = [max(first day, disbursement), last day + 1), not cut at any maturity: a loan
//   still owing after its maturity is charged and keeps its line (0.00 with its reason, SPEC §6.2);
//   one repaid on its maturity day has a zero balance from then on. The subsidised window S ends at
//   the ORIGINAL maturity (an extension does not extend the subsidy);
// - a day is charged on the balance at its end: W is cut at every value date of a repayment inside it,
//   each piece carrying principal − (net principal repaid up to and including its first day);
// - segments are the maximal runs of a constant, non-zero eligible base (islands over the pieces:
//   a new run starts where the base changes or a zero-base piece was left out), priced
//   round(base × rate × days / 360, 3) — the division carried to 30 decimals, so the quotient's
//   repeating tail (never a 9: the divisor is 2³·3²·5) cannot move the rounding — and a line's amount
//   is round(Σ segments, 2);
// - OVERDUE (isOverdueInPeriod): instalments are checked on max(due date, day before the period) in
//   schedule order, principal paid against principal due and interest paid against interest due, each
//   cumulative. Before the period every check is against the same payments with a growing cumulative
//   due, so they collapse into one per part: paid before the period < due before the period. Each
//   instalment due inside the period is checked on its own date;
// - amounts are written in their canonical text forms (money 2 decimals, rates formatRate, bases
//   formatBase, segment amounts 3 decimals) so that stored, read back and hashed they agree.
import type { EntityManager } from 'typeorm';
import type { SettlementPeriod } from '../../core';

/** numeric → text with at least `min` decimals and no trailing zeros beyond them (formatRate, formatBase). */
const atLeastDecimals = (expression: string, min: number) =>
  `round(trim_scale(${expression}), greatest(${min}, scale(trim_scale(${expression}))))::text`;

/**
 * $1 batch ids and $2 their banks (parallel arrays: one draft batch per bank), $3 the period's first
 * day, $4 its last day, $5 the subsidised model versions. Returns, per batch, how many lines were
 * written and the sum of their totals. All banks of a period go through one statement, so the big
 * tables (repayments, the schedule) are read once, not once per bank.
 */
export const REGULAR_LINES_SQL = `
WITH target AS (
  SELECT * FROM unnest($1::uuid[], $2::uuid[]) AS t(batch_id, bank_id)
),
lo AS MATERIALIZED (
  SELECT t.batch_id, l.id, l.contract_number, l.model_code, l.borrower_kind::text AS borrower_kind, l.enterprise_id, l.principal,
         l.schedule_version, l.disbursement_date AS disbursed, l.maturity_date AS matures,
         greatest($3::date, l.disbursement_date) AS w_from,
         $4::date + 1 AS w_to,
         least($4::date + 1, l.maturity_date) AS s_to,
         coalesce(h.head_name, e.name, '') AS borrower_name,
         coalesce(h.id_number_masked, e.uscc, '') AS borrower_identifier,
         mv.parameters->'subsidy'->>'rule' AS rule,
         CASE mv.parameters->'subsidy'->>'rule'
           WHEN 'full_up_to_reference' THEN least(l.rate_annual, l.reference_rate_annual)
           WHEN 'fixed_rate_on_linked_base' THEN (mv.parameters->'subsidy'->>'rateAnnual')::numeric
           WHEN 'reference_minus_spread'
             THEN greatest(0, l.rate_annual - greatest(0, l.reference_rate_annual - (mv.parameters->'subsidy'->>'spread')::numeric))
         END AS interest_rate,
         CASE WHEN (mv.parameters->'guarantee'->>'required')::boolean AND l.guarantor_id IS NOT NULL
                   AND (mv.parameters->'guarantee'->'feeSubsidyRates'->>(l.borrower_kind::text))::numeric <> 0
              THEN (mv.parameters->'guarantee'->'feeSubsidyRates'->>(l.borrower_kind::text))::numeric END AS fee_rate,
         (mv.parameters->'guarantee'->>'coverageRatio')::numeric AS coverage,
         (mv.parameters->'subsidy'->>'quotaPerHousehold')::numeric AS quota
    FROM loans l
    JOIN target t ON t.bank_id = l.bank_id
    JOIN financing_model_versions mv ON mv.id = l.model_version_id
    LEFT JOIN households h ON h.id = l.household_id
    LEFT JOIN enterprises e ON e.id = l.enterprise_id
   WHERE l.disbursement_date IS NOT NULL AND l.disbursement_date <= $4::date
     AND l.model_version_id = ANY($5::uuid[]) AND (l.closed_on IS NULL OR l.closed_on >= $3::date)
),
paid_before AS (
  SELECT r.loan_id, sum(r.principal) AS principal, sum(r.interest) AS interest
    FROM repayments r
   WHERE r.paid_on < $3::date AND r.loan_id IN (SELECT id FROM lo)
   GROUP BY r.loan_id
),
pay AS MATERIALIZED (
  SELECT r.loan_id, r.paid_on, sum(r.principal) AS principal, sum(r.interest) AS interest
    FROM repayments r
   WHERE r.paid_on BETWEEN $3::date AND $4::date AND r.loan_id IN (SELECT id FROM lo)
   GROUP BY r.loan_id, r.paid_on
),
pay_inside AS (
  SELECT p.loan_id, sum(p.principal) FILTER (WHERE p.paid_on <= lo.w_from) AS to_w_from, sum(p.principal) AS principal
    FROM pay p JOIN lo ON lo.id = p.loan_id
   GROUP BY p.loan_id
),
paid AS MATERIALIZED (
  SELECT lo.id AS loan_id,
         coalesce(pb.principal, 0) AS repaid_before,
         coalesce(pb.principal, 0) + coalesce(pi.to_w_from, 0) AS repaid_to_w_from,
         coalesce(pb.principal, 0) + coalesce(pi.principal, 0) AS repaid_to_end,
         coalesce(pb.interest, 0) AS interest_before
    FROM lo LEFT JOIN paid_before pb ON pb.loan_id = lo.id LEFT JOIN pay_inside pi ON pi.loan_id = lo.id
),
due AS MATERIALIZED (
  SELECT s.loan_id, s.seq, s.due_date, s.principal_due, s.interest_due
    FROM loan_schedule s JOIN lo ON lo.id = s.loan_id AND s.version = lo.schedule_version
   WHERE s.due_date <= $4::date
),
due_before AS (
  SELECT loan_id, sum(principal_due) AS principal, sum(interest_due) AS interest FROM due WHERE due_date < $3::date GROUP BY loan_id
),
due_inside AS (
  SELECT d.loan_id, d.due_date,
         coalesce(b.principal, 0) + sum(d.principal_due) OVER w AS cumulative_principal,
         coalesce(b.interest, 0) + sum(d.interest_due) OVER w AS cumulative_interest
    FROM due d LEFT JOIN due_before b ON b.loan_id = d.loan_id
   WHERE d.due_date >= $3::date
  WINDOW w AS (PARTITION BY d.loan_id ORDER BY d.seq)
),
overdue AS (
  SELECT b.loan_id FROM due_before b JOIN paid pd ON pd.loan_id = b.loan_id
   WHERE pd.repaid_before < b.principal OR pd.interest_before < b.interest
  UNION ALL
  SELECT i.loan_id
    FROM due_inside i JOIN paid pd ON pd.loan_id = i.loan_id
    LEFT JOIN pay p ON p.loan_id = i.loan_id AND p.paid_on <= i.due_date
   GROUP BY i.loan_id, i.due_date, i.cumulative_principal, i.cumulative_interest, pd.repaid_before, pd.interest_before
  HAVING pd.repaid_before + coalesce(sum(p.principal), 0) < i.cumulative_principal
      OR pd.interest_before + coalesce(sum(p.interest), 0) < i.cumulative_interest
),
extended AS (
  SELECT DISTINCT ev.loan_id FROM loan_events ev
   WHERE ev.kind = 'extended' AND ev.effective_date BETWEEN $3::date AND $4::date AND ev.loan_id IN (SELECT id FROM lo)
),
driven AS (
  SELECT lk.source_enterprise_id AS enterprise_id, count(DISTINCT lk.household_id) AS households
    FROM linkages lk
   CROSS JOIN LATERAL (
     SELECT hh.status FROM household_history hh
      WHERE hh.household_id = lk.household_id AND hh.kind = 'status' AND hh.effective_date <= $4::date
      ORDER BY hh.effective_date DESC, hh.id DESC LIMIT 1) st
   WHERE lk.source_enterprise_id IN (SELECT enterprise_id FROM lo WHERE rule = 'fixed_rate_on_linked_base')
     AND st.status IN ('poor', 'monitored')
     AND lk.start_date <= $4::date AND (lk.end_date IS NULL OR lk.end_date >= $4::date) AND (lk.ended_on IS NULL OR lk.ended_on > $4::date)
   GROUP BY lk.source_enterprise_id
),
head AS MATERIALIZED (
  SELECT lo.*, pd.repaid_to_w_from,
         CASE WHEN $3::date - 1 < lo.disbursed THEN 0 ELSE lo.principal - pd.repaid_before END AS opening_balance,
         lo.principal - pd.repaid_to_end AS closing_balance,
         CASE WHEN od.loan_id IS NOT NULL THEN 'OVERDUE'
              WHEN ex.loan_id IS NOT NULL THEN 'EXTENDED'
              WHEN $3::date >= lo.matures THEN 'AFTER_MATURITY' END AS reason,
         lo.quota * coalesce(dr.households, 0) AS cap
    FROM lo JOIN paid pd ON pd.loan_id = lo.id
    LEFT JOIN driven dr ON dr.enterprise_id = lo.enterprise_id
    -- Joins, not IN (subquery) in the CASE: with a wrong row estimate PostgreSQL may evaluate such
    -- a subquery as a scan per loan instead of a hash.
    LEFT JOIN (SELECT DISTINCT loan_id FROM overdue) od ON od.loan_id = lo.id
    LEFT JOIN extended ex ON ex.loan_id = lo.id
),
point AS (
  SELECT h.id AS loan_id, h.w_from AS from_day, h.principal - h.repaid_to_w_from AS balance FROM head h
  UNION ALL
  SELECT p.loan_id, p.paid_on, h.principal - h.repaid_to_w_from - sum(p.principal) OVER (PARTITION BY p.loan_id ORDER BY p.paid_on)
    FROM pay p JOIN head h ON h.id = p.loan_id
   WHERE p.paid_on > h.w_from AND p.paid_on < h.w_to
),
piece AS MATERIALIZED (
  SELECT pt.loan_id, pt.from_day, coalesce(lead(pt.from_day) OVER (PARTITION BY pt.loan_id ORDER BY pt.from_day), h.w_to) AS until, pt.balance
    FROM point pt JOIN head h ON h.id = pt.loan_id
),
charged AS (
  SELECT loan_id, sum(until - from_day) FILTER (WHERE balance <> 0) AS days FROM piece GROUP BY loan_id
),
eligible AS (
  SELECT pc.loan_id, k.ord, k.kind, pc.from_day, least(pc.until, h.s_to) AS until, k.base, k.rate
    FROM piece pc JOIN head h ON h.id = pc.loan_id
   CROSS JOIN LATERAL (VALUES
     (1, 'interest', CASE WHEN h.rule = 'fixed_rate_on_linked_base' THEN least(pc.balance, h.cap) ELSE pc.balance END, h.interest_rate),
     (2, 'guarantee_fee', pc.balance * h.coverage, h.fee_rate)) AS k(ord, kind, base, rate)
   WHERE h.reason IS NULL AND pc.from_day < h.s_to AND k.rate IS NOT NULL AND k.base <> 0
),
run_start AS (
  SELECT e.*,
         CASE WHEN lag(e.base) OVER w = e.base AND lag(e.until) OVER w = e.from_day THEN 0 ELSE 1 END AS starts
    FROM eligible e
  WINDOW w AS (PARTITION BY e.loan_id, e.ord ORDER BY e.from_day)
),
run AS (
  SELECT r.*, sum(r.starts) OVER (PARTITION BY r.loan_id, r.ord ORDER BY r.from_day) AS run_no FROM run_start r
),
segment AS (
  SELECT loan_id, ord, kind, min(from_day) AS from_day, max(until) - 1 AS to_day, sum(until - from_day) AS days, base, rate
    FROM run GROUP BY loan_id, ord, kind, run_no, base, rate
),
priced AS (
  SELECT s.*, round((s.base * s.rate * s.days)::numeric(60, 30) / 360, 3) AS amount FROM segment s
),
line_amount AS (
  SELECT loan_id,
         coalesce(round(sum(amount) FILTER (WHERE ord = 1), 2), 0) AS interest,
         coalesce(round(sum(amount) FILTER (WHERE ord = 2), 2), 0) AS fee,
         jsonb_agg(jsonb_build_object(
           'kind', kind, 'from', to_char(from_day, 'YYYY-MM-DD'), 'to', to_char(to_day, 'YYYY-MM-DD'), 'days', days,
           'base', ${atLeastDecimals('base', 2)}, 'rate', ${atLeastDecimals('rate', 4)}, 'amount', amount::text)
           ORDER BY ord, from_day) AS segments
    FROM priced GROUP BY loan_id
),
written AS (
  INSERT INTO settlement_lines (batch_id, line_no, kind, loan_id, contract_number, borrower_kind, borrower_name, borrower_identifier,
              model_code, principal, opening_balance, closing_balance, days, interest_rate, interest_subsidy, fee_subsidy_rate,
              guarantee_fee_subsidy, total_amount, reason, segments, adjusts_period, adjusts_line_id)
  SELECT h.batch_id, row_number() OVER (PARTITION BY h.batch_id ORDER BY h.contract_number), 'regular', h.id, h.contract_number,
         h.borrower_kind, h.borrower_name, h.borrower_identifier, h.model_code, h.principal, h.opening_balance, h.closing_balance,
         c.days, h.interest_rate, coalesce(a.interest, 0), h.fee_rate, coalesce(a.fee, 0), coalesce(a.interest, 0) + coalesce(a.fee, 0),
         h.reason, coalesce(a.segments, '[]'::jsonb), NULL, NULL
    FROM head h
    JOIN charged c ON c.loan_id = h.id AND c.days > 0
    LEFT JOIN line_amount a ON a.loan_id = h.id
  RETURNING batch_id, total_amount
)
SELECT batch_id, count(*)::int AS lines, coalesce(sum(total_amount), 0)::text AS total FROM written GROUP BY batch_id`;

/** What was written for one batch. */
export interface RegularLinesWritten {
  lines: number;
  total: string;
}

/** Writes the regular lines of each bank's draft batch for the period (numbered 1…n by contract number). */
export async function insertRegularLines(
  manager: EntityManager,
  batches: ReadonlyArray<{ id: string; bankId: string }>,
  period: SettlementPeriod,
  subsidisedVersionIds: readonly string[],
): Promise<Map<string, RegularLinesWritten>> {
  // The CTEs carry no statistics: a planner that guesses a handful of rows for one of them would
  // join two of them in a nested loop — quadratic in the loans. Hash joins scale with the batch.
  // A province's period sorts a few hundred MB of pieces and lines: in memory, not in temporary
  // files. SET LOCAL ends with the caller's transaction even if the statement fails; on success
  // the settings in force before are put back for the rest of it.
  const [before] = await manager.query(`SELECT current_setting('enable_nestloop') AS nestloop, current_setting('work_mem') AS work_mem`);
  await manager.query(`SELECT set_config('enable_nestloop', 'off', true), set_config('work_mem', '512MB', true)`);
  const rows: Array<{ batch_id: string; lines: number; total: string }> = await manager.query(REGULAR_LINES_SQL, [
    batches.map((b) => b.id),
    batches.map((b) => b.bankId),
    period.firstDay,
    period.lastDay,
    subsidisedVersionIds,
  ]);
  await manager.query(`SELECT set_config('enable_nestloop', $1, true), set_config('work_mem', $2, true)`, [before.nestloop, before.work_mem]);
  const written = new Map(batches.map((b) => [b.id, { lines: 0, total: '0' }]));
  for (const row of rows) written.set(row.batch_id, { lines: row.lines, total: row.total });
  return written;
}
