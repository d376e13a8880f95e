import type { EntityManager } from 'typeorm';
import { formatMoney } from '../../core/money';
import type { NewLoanRow } from '../loans/loan-assessment';
import { scheduleEntries } from '../loans/loan-registration.service';
import { insertRows, type BulkColumn } from './bulk';

/**
 * Writes the loans of a ledger import as registration writes one (LoanRegistrationService.insertLoan):
 * the loan row, its 'registered' event, and for a loan disbursed at registration its first schedule.
 * Set-based: chunked INSERT … SELECT FROM unnest; schedules are generated a slice of loans at a time,
 * so a file of long monthly loans never holds all of its instalments in memory.
 */
export interface LoanToWrite {
  id: string;
  row: NewLoanRow;
}

/** Loans whose schedules are generated and inserted together. */
const SCHEDULE_SLICE_LOANS = 500;

export async function writeLoans<L extends LoanToWrite>(
  manager: EntityManager,
  loans: readonly L[],
  eventOf: (loan: L) => { kind: string; effectiveDate: string; fromStatus: string | null; toStatus: string | null; details: Record<string, unknown>; createdBy: string },
): Promise<void> {
  // The loans' kept detail (migration LoanDetailArrays) is built once for all of them at the end,
  // not by the triggers after every chunk and table (a second pass over each new loan).
  await manager.query(`SELECT set_config('fupin.loan_detail_deferred', 'on', true)`);
  await insertRows(manager, 'loans', LOAN_COLUMNS, loans);
  const events = loans.map((loan) => ({ loanId: loan.id, ...eventOf(loan) }));
  await insertRows(manager, 'loan_events', EVENT_COLUMNS, events);
  const disbursed = loans.filter((loan) => loan.row.disbursementDate !== null);
  for (let start = 0; start < disbursed.length; start += SCHEDULE_SLICE_LOANS) {
    const entries = disbursed
      .slice(start, start + SCHEDULE_SLICE_LOANS)
      .flatMap((loan) => scheduleEntries({ id: loan.id, ...loan.row }, loan.row.scheduleVersion, loan.row.disbursementDate!));
    await insertRows(manager, 'loan_schedule', SCHEDULE_COLUMNS, entries);
  }
  await manager.query(`SELECT loan_detail_arrays_refresh($1::uuid[], 'all')`, [loans.map((loan) => loan.id)]);
  await manager.query(`SELECT set_config('fupin.loan_detail_deferred', 'off', true)`);
}

type Event = { loanId: string; kind: string; effectiveDate: string; fromStatus: string | null; toStatus: string | null; details: Record<string, unknown>; createdBy: string };
type Entry = ReturnType<typeof scheduleEntries>[number];

/** Rates are written as exact decimal strings; amounts with their two decimals. */
const LOAN_COLUMNS: Array<BulkColumn<LoanToWrite>> = [
  ['id', 'uuid', (l) => l.id],
  ['bank_id', 'uuid', (l) => l.row.bankId],
  ['branch_id', 'uuid', (l) => l.row.branchId],
  ['contract_number', 'text', (l) => l.row.contractNumber],
  ['model_code', 'text', (l) => l.row.modelCode],
  ['model_version_id', 'uuid', (l) => l.row.modelVersionId],
  ['borrower_kind', 'text', (l) => l.row.borrowerKind],
  ['household_id', 'uuid', (l) => l.row.householdId],
  ['exclusive_household_id', 'uuid', (l) => l.row.exclusiveHouseholdId],
  ['enterprise_id', 'uuid', (l) => l.row.enterpriseId],
  ['region_path', 'text', (l) => l.row.regionPath],
  ['principal', 'numeric', (l) => formatMoney(l.row.principal)],
  ['outstanding_principal', 'numeric', (l) => formatMoney(l.row.outstandingPrincipal)],
  ['rate_annual', 'numeric', (l) => l.row.rateAnnual.toFixed()],
  ['reference_rate_annual', 'numeric', (l) => l.row.referenceRateAnnual.toFixed()],
  ['contract_date', 'date', (l) => l.row.contractDate],
  ['disbursement_date', 'date', (l) => l.row.disbursementDate],
  ['maturity_date', 'date', (l) => l.row.maturityDate],
  ['current_maturity_date', 'date', (l) => l.row.currentMaturityDate],
  ['term_months', 'int', (l) => l.row.termMonths],
  ['repayment_method', 'text', (l) => l.row.repaymentMethod],
  ['purpose', 'text', (l) => l.row.purpose],
  ['agreement_number', 'text', (l) => l.row.agreementNumber],
  ['driven_households', 'int', (l) => l.row.drivenHouseholds],
  ['guarantor_id', 'uuid', (l) => l.row.guarantorId],
  ['risk_fund_id', 'uuid', (l) => l.row.riskFundId],
  ['status', 'text', (l) => l.row.status],
  ['days_past_due', 'int', (l) => l.row.daysPastDue],
  ['delinquency_as_of', 'date', (l) => l.row.delinquencyAsOf],
  ['schedule_version', 'int', (l) => l.row.scheduleVersion],
  ['closed_on', 'date', (l) => l.row.closedOn],
  ['created_by', 'uuid', (l) => l.row.createdBy],
];

const EVENT_COLUMNS: Array<BulkColumn<Event>> = [
  ['loan_id', 'uuid', (e) => e.loanId],
  ['kind', 'text', (e) => e.kind],
  ['effective_date', 'date', (e) => e.effectiveDate],
  ['from_status', 'text', (e) => e.fromStatus],
  ['to_status', 'text', (e) => e.toStatus],
  ['details', 'jsonb', (e) => JSON.stringify(e.details)],
  ['created_by', 'uuid', (e) => e.createdBy],
];

const SCHEDULE_COLUMNS: Array<BulkColumn<Entry>> = [
  ['loan_id', 'uuid', (s) => s.loanId],
  ['version', 'int', (s) => s.version],
  ['seq', 'int', (s) => s.seq],
  ['due_date', 'date', (s) => s.dueDate],
  ['principal_due', 'numeric', (s) => formatMoney(s.principalDue)],
  ['interest_due', 'numeric', (s) => formatMoney(s.interestDue)],
];
