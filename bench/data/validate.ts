import type { DataSource } from 'typeorm';
import { DelinquencyService } from '../../src/modules/loans/delinquency.service';
import type { ScalePlan } from './plan';
import { AS_OF } from './register';

/**
 * The loaded data against the service's rules, set-based. Each check counts the rows that break
 * one rule; every count must be 0. Eligibility itself was checked per loan by the service's
 * `checkEligibility` while generating; here come the rules that span rows and tables.
 */
const CHECKS: Array<{ rule: string; sql: string }> = [
  {
    rule: 'outstanding principal = principal − repaid principal',
    sql: `SELECT count(*) FROM loans l LEFT JOIN (SELECT loan_id, sum(principal) AS repaid FROM repayments GROUP BY loan_id) r ON r.loan_id = l.id
           WHERE l.outstanding_principal <> l.principal - coalesce(r.repaid, 0)`,
  },
  {
    rule: "settled exactly when no principal is outstanding and the current schedule's interest is paid, with its closing date",
    sql: `SELECT count(*) FROM loans l
            LEFT JOIN (SELECT loan_id, sum(interest) AS interest FROM repayments GROUP BY loan_id) r ON r.loan_id = l.id
            LEFT JOIN (SELECT s.loan_id, sum(s.interest_due) AS interest FROM loan_schedule s JOIN loans c ON c.id = s.loan_id AND s.version = c.schedule_version GROUP BY s.loan_id) s ON s.loan_id = l.id
           WHERE l.status IN ('active', 'overdue', 'defaulted', 'settled')
             AND ((l.status = 'settled') <> (l.outstanding_principal = 0 AND coalesce(r.interest, 0) >= coalesce(s.interest, 0)) OR (l.status = 'settled') <> (l.closed_on IS NOT NULL))`,
  },
  {
    rule: 'schedule principal parts sum to the principal',
    sql: `SELECT count(*) FROM loans l JOIN (SELECT loan_id, sum(principal_due) AS p FROM loan_schedule WHERE version = 1 GROUP BY loan_id) s ON s.loan_id = l.id
           WHERE s.p <> l.principal`,
  },
  { rule: 'every disbursed loan has a schedule', sql: `SELECT count(*) FROM loans l WHERE l.disbursement_date IS NOT NULL AND NOT EXISTS (SELECT 1 FROM loan_schedule s WHERE s.loan_id = l.id)` },
  {
    rule: 'repayments between disbursement and AS_OF; interest not above the current schedule',
    sql: `SELECT count(*) FROM loans l JOIN (SELECT loan_id, min(paid_on) AS first, max(paid_on) AS last, sum(interest) AS interest FROM repayments GROUP BY loan_id) r ON r.loan_id = l.id
            JOIN (SELECT s.loan_id, sum(s.interest_due) AS interest FROM loan_schedule s JOIN loans c ON c.id = s.loan_id AND s.version = c.schedule_version GROUP BY s.loan_id) s ON s.loan_id = l.id
           WHERE r.first < l.disbursement_date OR r.last > '${AS_OF}'::date OR r.interest > s.interest`,
  },
  {
    rule: "risk-fund capacity: open loans' outstanding ≤ balance × multiple",
    sql: `SELECT count(*) FROM risk_funds f JOIN (SELECT risk_fund_id, sum(outstanding_principal) AS o FROM loans
             WHERE status IN ('pending_guarantee', 'registered', 'active', 'overdue', 'defaulted') GROUP BY risk_fund_id) l ON l.risk_fund_id = f.id
           WHERE l.o > f.balance * f.multiple`,
  },
  {
    rule: 'fund balance = sum of its movements',
    sql: `SELECT count(*) FROM risk_funds f LEFT JOIN (SELECT fund_id, sum(amount) AS s FROM fund_movements GROUP BY fund_id) m ON m.fund_id = f.id WHERE f.balance <> coalesce(m.s, 0)`,
  },
  {
    rule: 'guarantor leverage: guaranteed outstanding ≤ net assets × leverage',
    sql: `SELECT count(*) FROM institutions g JOIN (
             SELECT l.guarantor_id, sum(l.outstanding_principal * (v.parameters->'guarantee'->>'coverageRatio')::numeric) AS exposure
               FROM loans l JOIN financing_model_versions v ON v.id = l.model_version_id
              WHERE l.guarantor_id IS NOT NULL AND l.status IN ('pending_guarantee', 'registered', 'active', 'overdue', 'defaulted')
              GROUP BY l.guarantor_id) e ON e.guarantor_id = g.id
           WHERE e.exposure > g.net_assets * g.leverage_limit`,
  },
  {
    rule: 'one open loan per household under exclusive models, over time: the earlier loan closed before the next contract',
    sql: `SELECT count(*) FROM (
             SELECT contract_date, lag(closed_on) OVER w AS previous_closed, lag(status) OVER w AS previous_status
               FROM loans WHERE exclusive_household_id IS NOT NULL
             WINDOW w AS (PARTITION BY model_code, exclusive_household_id ORDER BY contract_date)) x
           WHERE x.previous_status IS NOT NULL AND (x.previous_closed IS NULL OR x.previous_closed >= x.contract_date)`,
  },
  {
    // By source_id (indexed) rather than source_enterprise_id, which has no index (see docs/performance.md).
    rule: 'driven households stored on enterprise loans = the count on the contract date (status as of that date)',
    sql: `SELECT count(*) FROM loans l CROSS JOIN LATERAL (
             SELECT count(DISTINCT k.household_id)::int AS n FROM linkages k
              WHERE k.source_id = l.enterprise_id AND k.source_kind = 'enterprise' AND k.start_date <= l.contract_date
                AND (k.end_date IS NULL OR k.end_date >= l.contract_date) AND (k.ended_on IS NULL OR k.ended_on > l.contract_date)
                AND (SELECT hh.status FROM household_history hh WHERE hh.household_id = k.household_id AND hh.kind = 'status'
                      AND hh.effective_date <= l.contract_date ORDER BY hh.effective_date DESC, hh.id DESC LIMIT 1) IN ('poor', 'monitored')) d
           WHERE l.borrower_kind = 'enterprise' AND l.driven_households IS DISTINCT FROM d.n`,
  },
  {
    rule: 'models requiring driven households have at least one',
    sql: `SELECT count(*) FROM loans l JOIN financing_model_versions v ON v.id = l.model_version_id
           WHERE (v.parameters->'eligibility'->>'minDrivenHouseholds')::int > coalesce(l.driven_households, 0)`,
  },
  {
    rule: 'no defaulted loan under a model with circuit breakers (no township could have tripped)',
    sql: `SELECT count(*) FROM loans l JOIN financing_model_versions v ON v.id = l.model_version_id WHERE l.status = 'defaulted' AND v.parameters ? 'circuitBreaker'`,
  },
  {
    rule: 'loans lent only after the borrower was registered',
    sql: `SELECT count(*) FROM loans l
            JOIN (SELECT household_id, min(effective_date) AS registered FROM household_history WHERE kind = 'status' GROUP BY household_id) h
              ON h.household_id = l.household_id
           WHERE l.contract_date < h.registered`,
  },
];

export async function validateData(dataSource: DataSource, plan: ScalePlan, log: (line: string) => void): Promise<string[]> {
  const problems: string[] = [];
  for (const check of CHECKS) {
    const started = Date.now();
    const [row] = await dataSource.query(check.sql);
    const count = Number(row.count);
    log(`check ${count === 0 ? 'ok  ' : 'FAIL'} ${check.rule}: ${count} (${Date.now() - started} ms)`);
    if (count !== 0) problems.push(`${check.rule}: ${count} rows`);
  }
  // The service's own delinquency job on AS_OF finds nothing to change: statuses and days past due
  // are what the job itself would have left.
  const started = Date.now();
  const delinquency = await new DelinquencyService(dataSource).run(AS_OF);
  log(`check ${delinquency.loansUpdated === 0 ? 'ok  ' : 'FAIL'} delinquency job on ${AS_OF} changes nothing: ${delinquency.loansChecked} open loans checked, ${delinquency.loansUpdated} updated (${Date.now() - started} ms) ${JSON.stringify(delinquency.byStatus)}`);
  if (delinquency.loansUpdated !== 0) problems.push(`delinquency job would update ${delinquency.loansUpdated} loans`);
  const [{ n }] = await dataSource.query(`SELECT count(DISTINCT model_code)::int AS n FROM loans`);
  if (n !== 10) problems.push(`loans under ${n} of the ten models`);
  log(`loans under ${n} of the ten models (${plan.scale} scale)`);
  return problems;
}
