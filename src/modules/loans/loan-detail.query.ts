import type { DataSource } from 'typeorm';
import { Decimal } from '../../core/money';
import { named } from '../../shared/db/prepared';
import type { LoanDtoSource } from './loan.dto';
import type { LoanStatus, RepaymentMethod } from './loan.entity';
import type { RepaymentDto } from './loan-servicing.service';

/**
 * A loan's detail in one statement (issue 7): the loan with its borrower's name, and its current
 * schedule, repayments and history as JSON arrays, instead of four queries and TypeORM's entity
 * hydration. Read as a row (readLoanDetail: the loan statement PDF) or as the API's whole answer
 * (readLoanDetailDocument: GET /loans/:id). Amounts leave PostgreSQL as text (a JSON number would
 * become a float), in the form formatMoney gives (numeric(16,2) prints two decimals, so the API can
 * pass them on), and timestamps as ISO strings in UTC with milliseconds, as Date#toISOString writes.
 */
const SCHEDULE_JSON = `
         (SELECT COALESCE(json_agg(json_build_object(
                   'seq', s.seq, 'dueDate', s.due_date, 'principalDue', s.principal_due::text, 'interestDue', s.interest_due::text,
                   'totalDue', (s.principal_due + s.interest_due)::text)
                   ORDER BY s.seq), '[]'::json)
            FROM loan_schedule s WHERE s.loan_id = l.id AND s.version = l.schedule_version)`;
const REPAYMENTS_JSON = `
         (SELECT COALESCE(json_agg(json_build_object(
                   'id', r.id, 'loanId', r.loan_id, 'kind', r.kind, 'paidOn', r.paid_on, 'principal', r.principal::text,
                   'interest', r.interest::text, 'penalty', r.penalty::text, 'reversesId', r.reverses_id, 'note', r.note,
                   'createdAt', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                   ORDER BY r.paid_on, r.created_at), '[]'::json)
            FROM repayments r WHERE r.loan_id = l.id)`;
const EVENTS_JSON = `
         (SELECT COALESCE(json_agg(json_build_object(
                   'kind', ev.kind, 'effectiveDate', ev.effective_date, 'fromStatus', ev.from_status, 'toStatus', ev.to_status,
                   'details', ev.details, 'at', to_char(ev.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                   ORDER BY ev.id), '[]'::json)
            FROM loan_events ev WHERE ev.loan_id = l.id)`;
const BORROWER_JOINS = `
    FROM loans l
    LEFT JOIN households h ON h.id = l.household_id
    LEFT JOIN enterprises e ON e.id = l.enterprise_id`;

const LOAN_DETAIL_SQL = `
  SELECT l.id, l.bank_id, l.branch_id, l.contract_number, l.model_code, l.model_version_id, l.borrower_kind,
         l.household_id, l.enterprise_id, l.region_path, l.principal::text AS principal,
         l.outstanding_principal::text AS outstanding_principal, l.rate_annual::text AS rate_annual,
         l.reference_rate_annual::text AS reference_rate_annual, l.contract_date, l.disbursement_date, l.maturity_date,
         l.current_maturity_date, l.term_months, l.repayment_method, l.purpose, l.agreement_number, l.driven_households,
         l.guarantor_id, l.risk_fund_id, l.status, l.days_past_due, l.delinquency_as_of, l.closed_on,
         h.head_name, h.id_number_masked, e.name AS enterprise_name, e.uscc,
         ${SCHEDULE_JSON} AS schedule,
         ${REPAYMENTS_JSON} AS repayments,
         ${EVENTS_JSON} AS events
  ${BORROWER_JOINS}
   WHERE l.id = $1`;

/**
 * Loans whose arrays as GET /loans/:id reads them (kept, or built when none are kept), or whose kept
 * due amounts or repayment sums, differ from what their rows make now: none, unless a write reached
 * the rows without the triggers of migration LoanDetailArrays. The test harness runs it on every
 * test database before dropping it.
 */
export const LOAN_DETAIL_ARRAYS_DRIFT_SQL = `
  SELECT l.id
    FROM loans l
    LEFT JOIN loan_detail_arrays da ON da.loan_id = l.id
   WHERE COALESCE(da.schedule, ${SCHEDULE_JSON})::text <> (${SCHEDULE_JSON})::text
      OR COALESCE(da.repayments, ${REPAYMENTS_JSON})::text <> (${REPAYMENTS_JSON})::text
      OR COALESCE(da.events, ${EVENTS_JSON})::text <> (${EVENTS_JSON})::text
      OR (da.loan_id IS NOT NULL AND ROW(da.due_dates, da.due_totals)::text <> (
            SELECT ROW(COALESCE(array_agg(s.due_date ORDER BY s.seq), '{}'), COALESCE(array_agg(s.principal_due + s.interest_due ORDER BY s.seq), '{}'))::text
              FROM loan_schedule s WHERE s.loan_id = l.id AND s.version = l.schedule_version))
      OR (da.loan_id IS NOT NULL AND ROW(da.paid_through, da.paid_principal, da.paid_interest, da.paid_penalty)::text <> (
            SELECT ROW(max(r.paid_on), COALESCE(sum(r.principal), 0)::numeric(16,2), COALESCE(sum(r.interest), 0)::numeric(16,2), COALESCE(sum(r.penalty), 0)::numeric(16,2))::text
              FROM repayments r WHERE r.loan_id = l.id))
   ORDER BY l.id`;

/** A rate as formatRate writes it: at least 4 decimals, more only when the rate has them. */
const rateText = (column: string) =>
  `CASE WHEN scale(trim_scale(${column})) < 4 THEN round(${column}, 4)::text ELSE trim_scale(${column})::text END`;

/**
 * The kept repayment sums are the balances' as of any date on or after the latest date paid on;
 * before it (or for a loan without a kept row) the repayments are summed as of the date.
 */
const KEPT_SUMS_APPLY = `(da.loan_id IS NOT NULL AND (da.paid_through IS NULL OR da.paid_through <= $2::date))`;

/** The loan's own fields and its borrower's name and identifier, as LoanDetailDto names them. */
const DOCUMENT_LOAN_FIELDS = `
           'id', l.id, 'bankId', l.bank_id, 'branchId', l.branch_id, 'contractNumber', l.contract_number,
           'modelCode', l.model_code, 'modelVersionId', l.model_version_id, 'borrowerKind', l.borrower_kind,
           'householdId', l.household_id, 'enterpriseId', l.enterprise_id,
           'borrowerName', COALESCE(h.head_name, e.name),
           'borrowerIdentifier', CASE WHEN h.head_name IS NOT NULL THEN h.id_number_masked WHEN e.name IS NOT NULL THEN e.uscc END,
           'principal', l.principal::text, 'outstandingPrincipal', l.outstanding_principal::text,
           'rateAnnual', ${rateText('l.rate_annual')}, 'referenceRateAnnual', ${rateText('l.reference_rate_annual')},
           'contractDate', l.contract_date, 'disbursementDate', l.disbursement_date, 'maturityDate', l.maturity_date,
           'currentMaturityDate', l.current_maturity_date, 'termMonths', l.term_months, 'repaymentMethod', l.repayment_method,
           'purpose', l.purpose, 'agreementNumber', l.agreement_number, 'drivenHouseholds', l.driven_households,
           'guarantorId', l.guarantor_id, 'riskFundId', l.risk_fund_id, 'status', l.status, 'daysPastDue', l.days_past_due,
           'delinquencyAsOf', l.delinquency_as_of, 'closedOn', l.closed_on`;

/**
 * The balances as of $2 (balancesAt() as sums) from what was repaid and what fell due by then. The
 * arrears part by part, as the overdue judgement: principal paid ahead does not pay interest owed.
 */
const documentBalances = (paid: { principal: string; interest: string; penalty: string }, due: { total: string; principal: string }) => `
           'balances', json_build_object(
             'asOf', $2::date,
             'outstandingPrincipal', (CASE WHEN l.disbursement_date <= $2::date THEN l.principal - ${paid.principal} ELSE 0 END)::numeric(16,2)::text,
             'principalPaid', ${paid.principal}::numeric(16,2)::text,
             'interestPaid', ${paid.interest}::numeric(16,2)::text,
             'penaltyPaid', ${paid.penalty}::numeric(16,2)::text,
             'dueToDate', ${due.total}::numeric(16,2)::text,
             'arrears', (greatest(${due.principal} - ${paid.principal}, 0)
                         + greatest(${due.total} - ${due.principal} - ${paid.interest}, 0))::numeric(16,2)::text)`;

/**
 * What the current schedule made due by $2, in all and of principal, from the kept running totals
 * (migrations LoanDetailDueToDate, LoanDetailArrearsByPart): the element at the count of due dates on
 * or before $2; none before the first.
 */
const KEPT_DUE = {
  total: `COALESCE(da.due_cumulative[width_bucket($2::date, da.due_dates)], 0)`,
  principal: `COALESCE(da.due_principal_cumulative[width_bucket($2::date, da.due_dates)], 0)`,
};

/**
 * GET /loans/:id as PostgreSQL writes it (issue 7): the whole LoanDetailDto as JSON text, which the
 * API passes on without parsing and re-serialising it (a quarter of the read's cost in Node). The
 * same fields, formats and balances as LoansQueryService#detail builds in JavaScript for the loan
 * statement; the balances repeat balancesAt() as sums, and a test holds the two equal on every loan
 * of the test data at several dates.
 *
 * The usual read: everything but the loan's own fields as the database keeps it (loan_detail_arrays,
 * rewritten by triggers whenever the rows change: migrations LoanDetailArrays, LoanDetailDueToDate).
 * `document` is NULL when the kept row cannot answer — no kept row, balances as of a date before the
 * latest repayment, due dates out of order — and LOAN_DETAIL_DOCUMENT_SQL answers instead. The two
 * are separate statements because PostgreSQL sets up every node of a plan on each execution, run or
 * not: with the rows' sub-selects as never-taken branches this one took a third longer (province
 * data, one connection: 0.27–0.29 ms against 0.20). $1 the loan · $2 the date of the balances.
 */
const LOAN_DETAIL_KEPT_DOCUMENT_SQL = `
  SELECT l.bank_id, l.region_path, l.enterprise_id,
         CASE WHEN ${KEPT_SUMS_APPLY} AND da.due_cumulative IS NOT NULL AND da.due_principal_cumulative IS NOT NULL THEN json_build_object(${DOCUMENT_LOAN_FIELDS},
           'schedule', da.schedule, 'repayments', da.repayments, 'events', da.events,
           ${documentBalances({ principal: 'da.paid_principal', interest: 'da.paid_interest', penalty: 'da.paid_penalty' }, KEPT_DUE)}
         )::text END AS document
  ${BORROWER_JOINS}
    LEFT JOIN loan_detail_arrays da ON da.loan_id = l.id
   WHERE l.id = $1`;

/**
 * GET /loans/:id when the kept row cannot answer alone (above): the arrays kept, or built from the
 * rows for a loan without a kept row; the kept sums when they apply, else the repayments summed as of
 * $2; the due amounts summed from the kept schedule array or the rows. $1 the loan · $2 the date of the balances.
 */
const LOAN_DETAIL_DOCUMENT_SQL = `
  SELECT l.bank_id, l.region_path, l.enterprise_id, json_build_object(${DOCUMENT_LOAN_FIELDS},
           'schedule', COALESCE(da.schedule, ${SCHEDULE_JSON}),
           'repayments', COALESCE(da.repayments, ${REPAYMENTS_JSON}),
           'events', COALESCE(da.events, ${EVENTS_JSON}),
           ${documentBalances({ principal: 'paid.principal', interest: 'paid.interest', penalty: 'paid.penalty' }, { total: 'due.total', principal: 'due.principal' })}
         )::text AS document
  ${BORROWER_JOINS}
    LEFT JOIN loan_detail_arrays da ON da.loan_id = l.id
   CROSS JOIN LATERAL (
         SELECT COALESCE(sum(r.principal), 0) AS principal, COALESCE(sum(r.interest), 0) AS interest, COALESCE(sum(r.penalty), 0) AS penalty
           FROM repayments r WHERE NOT ${KEPT_SUMS_APPLY} AND r.loan_id = l.id AND r.paid_on <= $2::date) paid_rows
   CROSS JOIN LATERAL (
         SELECT CASE WHEN ${KEPT_SUMS_APPLY} THEN da.paid_principal ELSE paid_rows.principal END AS principal,
                CASE WHEN ${KEPT_SUMS_APPLY} THEN da.paid_interest ELSE paid_rows.interest END AS interest,
                CASE WHEN ${KEPT_SUMS_APPLY} THEN da.paid_penalty ELSE paid_rows.penalty END AS penalty) paid
   CROSS JOIN LATERAL (
         SELECT COALESCE(sum(s.principal_due + s.interest_due), 0) AS total, COALESCE(sum(s.principal_due), 0) AS principal
           FROM loan_schedule s WHERE da.loan_id IS NULL AND s.loan_id = l.id AND s.version = l.schedule_version AND s.due_date <= $2::date) due_rows
   CROSS JOIN LATERAL (
         SELECT COALESCE(sum((x.entry->>'totalDue')::numeric), 0) AS total, COALESCE(sum((x.entry->>'principalDue')::numeric), 0) AS principal
           FROM json_array_elements(da.schedule) AS x(entry) WHERE (x.entry->>'dueDate')::date <= $2::date) due_kept
   CROSS JOIN LATERAL (
         SELECT CASE WHEN da.loan_id IS NULL THEN due_rows.total ELSE due_kept.total END AS total,
                CASE WHEN da.loan_id IS NULL THEN due_rows.principal ELSE due_kept.principal END AS principal) due
   WHERE l.id = $1`;

/** Amounts as PostgreSQL prints numeric(16,2): always two decimals, as formatMoney writes them. */
export interface ScheduleJson {
  seq: number;
  dueDate: string;
  principalDue: string;
  interestDue: string;
  totalDue: string;
}

/** A repayment as the detail query returns it: its DTO. */
export type RepaymentJson = RepaymentDto;

export interface EventJson {
  kind: string;
  effectiveDate: string;
  fromStatus: string | null;
  toStatus: string | null;
  details: unknown;
  at: string;
}

interface LoanDetailRow {
  id: string;
  bank_id: string;
  branch_id: string;
  contract_number: string;
  model_code: string;
  model_version_id: string;
  borrower_kind: 'household' | 'enterprise';
  household_id: string | null;
  enterprise_id: string | null;
  region_path: string;
  principal: string;
  outstanding_principal: string;
  rate_annual: string;
  reference_rate_annual: string;
  contract_date: string;
  disbursement_date: string | null;
  maturity_date: string;
  current_maturity_date: string;
  term_months: number;
  repayment_method: RepaymentMethod;
  purpose: string;
  agreement_number: string | null;
  driven_households: number | null;
  guarantor_id: string | null;
  risk_fund_id: string | null;
  status: LoanStatus;
  days_past_due: number;
  delinquency_as_of: string | null;
  closed_on: string | null;
  head_name: string | null;
  id_number_masked: string | null;
  enterprise_name: string | null;
  uscc: string | null;
  schedule: ScheduleJson[];
  repayments: RepaymentJson[];
  events: EventJson[];
}

export interface LoanDetailRecord {
  loan: LoanDtoSource & { regionPath: string };
  schedule: ScheduleJson[];
  repayments: RepaymentJson[];
  events: EventJson[];
}

/** One loan by id with everything its detail shows, whoever asks; the caller applies scope. */
export async function readLoanDetail(dataSource: DataSource, id: string): Promise<LoanDetailRecord | null> {
  const rows: LoanDetailRow[] = await dataSource.query(named('loan-detail', LOAN_DETAIL_SQL), [id]);
  const row = rows[0];
  if (!row) return null;
  return {
    loan: {
      id: row.id,
      bankId: row.bank_id,
      branchId: row.branch_id,
      contractNumber: row.contract_number,
      modelCode: row.model_code,
      modelVersionId: row.model_version_id,
      borrowerKind: row.borrower_kind,
      householdId: row.household_id,
      enterpriseId: row.enterprise_id,
      regionPath: row.region_path,
      household: row.head_name !== null ? { headName: row.head_name, idNumberMasked: row.id_number_masked! } : null,
      enterprise: row.enterprise_name !== null ? { name: row.enterprise_name, uscc: row.uscc! } : null,
      principal: new Decimal(row.principal),
      outstandingPrincipal: new Decimal(row.outstanding_principal),
      rateAnnual: new Decimal(row.rate_annual),
      referenceRateAnnual: new Decimal(row.reference_rate_annual),
      contractDate: row.contract_date,
      disbursementDate: row.disbursement_date,
      maturityDate: row.maturity_date,
      currentMaturityDate: row.current_maturity_date,
      termMonths: row.term_months,
      repaymentMethod: row.repayment_method,
      purpose: row.purpose,
      agreementNumber: row.agreement_number,
      drivenHouseholds: row.driven_households,
      guarantorId: row.guarantor_id,
      riskFundId: row.risk_fund_id,
      status: row.status,
      daysPastDue: row.days_past_due,
      delinquencyAsOf: row.delinquency_as_of,
      closedOn: row.closed_on,
    },
    schedule: row.schedule,
    repayments: row.repayments,
    events: row.events,
  };
}

/** The caller-independent answer of GET /loans/:id as JSON text, with what scope is decided on; null when there is no such loan. */
export async function readLoanDetailDocument(
  dataSource: DataSource,
  id: string,
  asOf: string,
): Promise<{ scope: { bankId: string; regionPath: string; enterpriseId: string | null }; json: string } | null> {
  type Row = { bank_id: string; region_path: string; enterprise_id: string | null; document: string | null };
  let [row]: Row[] = await dataSource.query(named('loan-detail-kept-document', LOAN_DETAIL_KEPT_DOCUMENT_SQL), [id, asOf]);
  if (row && row.document === null) {
    [row] = await dataSource.query(named('loan-detail-document', LOAN_DETAIL_DOCUMENT_SQL), [id, asOf]);
  }
  if (!row || row.document === null) return null;
  return { scope: { bankId: row.bank_id, regionPath: row.region_path, enterpriseId: row.enterprise_id }, json: row.document };
}
