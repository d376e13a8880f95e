import type { DataSource } from 'typeorm';
import { Decimal } from '../../core/money';
import { named } from '../../shared/db/prepared';
import type { LoanDtoSource } from './loan.dto';
import type { LoanStatus, RepaymentMethod } from './loan.entity';
import type { RepaymentDto } from './loan-servicing.service';

/**
 * The read of GET /loans/:id in one statement (issue 7): the loan with its borrower's name, and its
 * current schedule, repayments and history as JSON arrays, instead of four queries and TypeORM's
 * entity hydration. Amounts leave PostgreSQL as text (a JSON number would become a float), in the
 * form formatMoney gives (numeric(16,2) prints two decimals, so the API can pass them on), and
 * timestamps as ISO strings in UTC with milliseconds, as Date#toISOString writes them.
 */
const LOAN_DETAIL_SQL = `
  SELECT l.id, l.bank_id, l.branch_id, l.contract_number, l.model_code, l.model_version_id, l.borrower_kind,
         l.household_id, l.enterprise_id, l.region_path, l.principal::text AS principal,
         l.outstanding_principal::text AS outstanding_principal, l.rate_annual::text AS rate_annual,
         l.reference_rate_annual::text AS reference_rate_annual, l.contract_date, l.disbursement_date, l.maturity_date,
         l.current_maturity_date, l.term_months, l.repayment_method, l.purpose, l.agreement_number, l.driven_households,
         l.guarantor_id, l.risk_fund_id, l.status, l.days_past_due, l.delinquency_as_of, l.closed_on,
         h.head_name, h.id_number_masked, e.name AS enterprise_name, e.uscc,
         (SELECT COALESCE(json_agg(json_build_object(
                   'seq', s.seq, 'dueDate', s.due_date, 'principalDue', s.principal_due::text, 'interestDue', s.interest_due::text,
                   'totalDue', (s.principal_due + s.interest_due)::text)
                   ORDER BY s.seq), '[]'::json)
            FROM loan_schedule s WHERE s.loan_id = l.id AND s.version = l.schedule_version) AS schedule,
         (SELECT COALESCE(json_agg(json_build_object(
                   'id', r.id, 'kind', r.kind, 'paidOn', r.paid_on, 'principal', r.principal::text, 'interest', r.interest::text,
                   'penalty', r.penalty::text, 'reversesId', r.reverses_id, 'note', r.note,
                   'createdAt', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                   ORDER BY r.paid_on, r.created_at), '[]'::json)
            FROM repayments r WHERE r.loan_id = l.id) AS repayments,
         (SELECT COALESCE(json_agg(json_build_object(
                   'kind', ev.kind, 'effectiveDate', ev.effective_date, 'fromStatus', ev.from_status, 'toStatus', ev.to_status,
                   'details', ev.details, 'at', to_char(ev.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                   ORDER BY ev.id), '[]'::json)
            FROM loan_events ev WHERE ev.loan_id = l.id) AS events
    FROM loans l
    LEFT JOIN households h ON h.id = l.household_id
    LEFT JOIN enterprises e ON e.id = l.enterprise_id
   WHERE l.id = $1`;

/** Amounts as PostgreSQL prints numeric(16,2): always two decimals, as formatMoney writes them. */
export interface ScheduleJson {
  seq: number;
  dueDate: string;
  principalDue: string;
  interestDue: string;
  totalDue: string;
}

/** A repayment as the detail query returns it: the DTO without the loan id it is nested under. */
export type RepaymentJson = Omit<RepaymentDto, 'loanId'>;

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
