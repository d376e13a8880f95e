// Loads what the settlement engine needs, as a bounded stream (STYLE.md "Bulk work is set-based"):
// a bank's loans come in chunks of CHUNK_SIZE by contract number (keyset on the
// loans_contract_number_key index), and each chunk's repayments, schedule rows, extensions and
// driven households are read with four `= ANY($1)` queries. Memory holds one chunk, never the bank;
// there is never one query per loan.
import type { EntityManager } from 'typeorm';
import { Decimal, type IsoDate, type SettlementPeriod } from '../../core';
import type { ModelParameters } from '../models/model-parameters';
import type { DatedAmount, Instalment, LoanSubsidyFacts } from './subsidy-line';

export const CHUNK_SIZE = 1000;

/** A loan as the statement shows it: contract, borrower (name and masked ID or USCC), model, principal. */
export interface LoanHeader {
  id: string;
  contractNumber: string;
  modelCode: string;
  borrowerKind: 'household' | 'enterprise';
  borrowerName: string;
  borrowerIdentifier: string;
  principal: Decimal;
}

export interface LoanForPeriod {
  loan: LoanHeader;
  facts: LoanSubsidyFacts;
}

/**
 * Which loans: a bank's subsidised loans for the period (optionally with every loan that an approved
 * batch booked for that period, so that a correction can take a booked amount back), or one loan.
 */
export type LoanSelection = { bankId: string; includeBooked?: boolean } | { loanId: string };

/** Every model version's parameters, keyed by id (a small table, read once per computation). */
export type ModelVersions = ReadonlyMap<string, ModelParameters>;

export async function loadModelVersions(manager: EntityManager): Promise<ModelVersions> {
  const rows: Array<{ id: string; parameters: ModelParameters }> = await manager.query('SELECT id, parameters FROM financing_model_versions');
  return new Map(rows.map((r) => [r.id, r.parameters]));
}

/**
 * The versions whose loans are settled (issue 6): an interest-subsidy rule other than `none`, or a
 * required guarantee with a fee-subsidy rate above zero for households or enterprises.
 */
export function subsidisedVersionIds(versions: ModelVersions): string[] {
  const carriesFeeSubsidy = (p: ModelParameters) =>
    p.guarantee.required && (new Decimal(p.guarantee.feeSubsidyRates.household).gt(0) || new Decimal(p.guarantee.feeSubsidyRates.enterprise).gt(0));
  return [...versions].filter(([, p]) => p.subsidy.rule !== 'none' || carriesFeeSubsidy(p)).map(([id]) => id);
}

/** Disbursed on or before the period's last day and not closed before its first day (issue 6). */
const SUBSIDISED_IN_PERIOD = `l.disbursement_date IS NOT NULL AND l.disbursement_date <= $3::date
   AND ((l.model_version_id = ANY($4::uuid[]) AND (l.closed_on IS NULL OR l.closed_on >= $5::date))
        OR ($6::varchar IS NOT NULL AND EXISTS (
          SELECT 1 FROM settlement_lines sl JOIN settlement_batches b ON b.id = sl.batch_id
           WHERE sl.loan_id = l.id AND b.bank_id = l.bank_id AND b.status IN ('approved', 'paid')
             AND ((sl.kind = 'regular' AND b.period = $6) OR (sl.kind = 'adjustment' AND sl.adjusts_period = $6)))))`;

const LOAN_COLUMNS = `l.id, l.contract_number, l.model_code, l.model_version_id, l.borrower_kind, l.enterprise_id,
       l.principal::text AS principal, l.rate_annual::text AS rate_annual, l.reference_rate_annual::text AS reference_rate_annual,
       l.disbursement_date, l.maturity_date, l.guarantor_id IS NOT NULL AS has_guarantor,
       coalesce(h.head_name, e.name, '') AS borrower_name, coalesce(h.id_number_masked, e.uscc, '') AS borrower_identifier
  FROM loans l
  LEFT JOIN households h ON h.id = l.household_id
  LEFT JOIN enterprises e ON e.id = l.enterprise_id`;

interface LoanRow {
  id: string;
  contract_number: string;
  model_code: string;
  model_version_id: string;
  borrower_kind: 'household' | 'enterprise';
  enterprise_id: string | null;
  principal: string;
  rate_annual: string;
  reference_rate_annual: string;
  disbursement_date: IsoDate;
  maturity_date: IsoDate;
  has_guarantor: boolean;
  borrower_name: string;
  borrower_identifier: string;
}

/** Yields the selected loans with their facts for the period, CHUNK_SIZE at a time, by contract number. */
export async function* streamLoanFacts(
  manager: EntityManager,
  selection: LoanSelection,
  period: SettlementPeriod,
  versions: ModelVersions,
  chunkSize = CHUNK_SIZE,
): AsyncGenerator<LoanForPeriod[]> {
  if ('loanId' in selection) {
    // As a batch selects its loans: disbursed, and not closed (settled, written off) before the period.
    const rows: LoanRow[] = await manager.query(
      `SELECT ${LOAN_COLUMNS} WHERE l.id = $1 AND l.disbursement_date IS NOT NULL AND (l.closed_on IS NULL OR l.closed_on >= $2::date)`,
      [selection.loanId, period.firstDay],
    );
    if (rows.length > 0) yield await withFacts(manager, rows, period, versions);
    return;
  }
  const subsidised = subsidisedVersionIds(versions);
  const booked = selection.includeBooked ? period.name : null;
  let after = '';
  for (;;) {
    const rows: LoanRow[] = await manager.query(
      `SELECT ${LOAN_COLUMNS}
        WHERE l.bank_id = $1 AND l.contract_number > $2 AND ${SUBSIDISED_IN_PERIOD}
        ORDER BY l.contract_number
        LIMIT $7`,
      [selection.bankId, after, period.lastDay, subsidised, period.firstDay, booked, chunkSize],
    );
    if (rows.length === 0) return;
    yield await withFacts(manager, rows, period, versions);
    if (rows.length < chunkSize) return;
    after = rows[rows.length - 1]!.contract_number;
  }
}

/** The banks that have subsidised loans in the period (for the scheduled drafts, issue 6 item 4). */
export async function banksWithSubsidisedLoans(manager: EntityManager, period: SettlementPeriod, versions: ModelVersions): Promise<string[]> {
  const rows: Array<{ bank_id: string }> = await manager.query(
    `SELECT DISTINCT l.bank_id FROM loans l
      WHERE l.disbursement_date IS NOT NULL AND l.disbursement_date <= $1::date
        AND l.model_version_id = ANY($2::uuid[]) AND (l.closed_on IS NULL OR l.closed_on >= $3::date)
      ORDER BY l.bank_id`,
    [period.lastDay, subsidisedVersionIds(versions), period.firstDay],
  );
  return rows.map((r) => r.bank_id);
}

async function withFacts(manager: EntityManager, rows: LoanRow[], period: SettlementPeriod, versions: ModelVersions): Promise<LoanForPeriod[]> {
  const ids = rows.map((r) => r.id);
  const linkedEnterprises = rows
    .filter((r) => r.enterprise_id && versions.get(r.model_version_id)?.subsidy.rule === 'fixed_rate_on_linked_base')
    .map((r) => r.enterprise_id!);
  // One after the other: inside a transaction they share one connection anyway.
  const payments = await loadPayments(manager, ids, period);
  const instalments = await loadInstalments(manager, ids, period);
  const extended = await loadExtendedInPeriod(manager, ids, period);
  const driven = await loadDrivenHouseholds(manager, [...new Set(linkedEnterprises)], period.lastDay);
  return rows.map((row) => {
    const parameters = versions.get(row.model_version_id);
    if (!parameters) throw new Error(`model version ${row.model_version_id} of loan ${row.id} is missing`);
    const paid = payments.get(row.id);
    return {
      loan: {
        id: row.id,
        contractNumber: row.contract_number,
        modelCode: row.model_code,
        borrowerKind: row.borrower_kind,
        borrowerName: row.borrower_name,
        borrowerIdentifier: row.borrower_identifier,
        principal: new Decimal(row.principal),
      },
      facts: {
        borrowerKind: row.borrower_kind,
        principal: new Decimal(row.principal),
        rateAnnual: new Decimal(row.rate_annual),
        referenceRateAnnual: new Decimal(row.reference_rate_annual),
        disbursementDate: row.disbursement_date,
        maturityDate: row.maturity_date,
        subsidy: parameters.subsidy,
        guarantee: parameters.guarantee,
        hasGuarantor: row.has_guarantor,
        drivenHouseholds: (row.enterprise_id && driven.get(row.enterprise_id)) || 0,
        principalRepaid: paid?.principal ?? [],
        interestPaid: paid?.interest ?? [],
        instalments: instalments.get(row.id) ?? [],
        extendedInPeriod: extended.has(row.id),
      },
    };
  });
}

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/** Net principal and net interest per value date (a reversal nets out on its repayment's date). */
async function loadPayments(manager: EntityManager, ids: string[], period: SettlementPeriod) {
  const rows: Array<{ loan_id: string; paid_on: IsoDate; principal: string; interest: string }> = await manager.query(
    `SELECT loan_id, paid_on, sum(principal)::text AS principal, sum(interest)::text AS interest
       FROM repayments WHERE loan_id = ANY($1::uuid[]) AND paid_on <= $2::date
      GROUP BY loan_id, paid_on ORDER BY loan_id, paid_on`,
    [ids, period.lastDay],
  );
  const byLoan = new Map<string, { principal: DatedAmount[]; interest: DatedAmount[] }>();
  for (const [loanId, group] of groupBy(rows, (r) => r.loan_id)) {
    byLoan.set(loanId, {
      principal: group.map((r) => ({ date: r.paid_on, amount: new Decimal(r.principal) })),
      interest: group.map((r) => ({ date: r.paid_on, amount: new Decimal(r.interest) })),
    });
  }
  return byLoan;
}

/** The current schedule's instalments due up to the period's last day, in schedule order. */
async function loadInstalments(manager: EntityManager, ids: string[], period: SettlementPeriod): Promise<Map<string, Instalment[]>> {
  const rows: Array<{ loan_id: string; due_date: IsoDate; principal_due: string; interest_due: string }> = await manager.query(
    `SELECT s.loan_id, s.due_date, s.principal_due::text, s.interest_due::text
       FROM loan_schedule s JOIN loans l ON l.id = s.loan_id AND s.version = l.schedule_version
      WHERE s.loan_id = ANY($1::uuid[]) AND s.due_date <= $2::date
      ORDER BY s.loan_id, s.seq`,
    [ids, period.lastDay],
  );
  const byLoan = new Map<string, Instalment[]>();
  for (const [loanId, group] of groupBy(rows, (r) => r.loan_id)) {
    byLoan.set(loanId, group.map((r) => ({ dueDate: r.due_date, principalDue: new Decimal(r.principal_due), interestDue: new Decimal(r.interest_due) })));
  }
  return byLoan;
}

async function loadExtendedInPeriod(manager: EntityManager, ids: string[], period: SettlementPeriod): Promise<Set<string>> {
  const rows: Array<{ loan_id: string }> = await manager.query(
    `SELECT DISTINCT loan_id FROM loan_events
      WHERE loan_id = ANY($1::uuid[]) AND kind = 'extended' AND effective_date BETWEEN $2::date AND $3::date`,
    [ids, period.firstDay, period.lastDay],
  );
  return new Set(rows.map((r) => r.loan_id));
}

/**
 * Driven households on a date (SPEC §3, §6.2): distinct households with an active linkage from the
 * enterprise whose status on that date (their latest household_history status row on or before it)
 * is poor or monitored. The status as of the date, not today's, so that recomputing an earlier
 * period for an adjustment counts what was true then.
 */
async function loadDrivenHouseholds(manager: EntityManager, enterpriseIds: string[], onDate: IsoDate): Promise<Map<string, number>> {
  if (enterpriseIds.length === 0) return new Map();
  const rows: Array<{ enterprise_id: string; driven: number }> = await manager.query(
    `SELECT l.source_enterprise_id AS enterprise_id, count(DISTINCT l.household_id)::int AS driven
       FROM linkages l
      CROSS JOIN LATERAL (
        SELECT hh.status FROM household_history hh
         WHERE hh.household_id = l.household_id AND hh.kind = 'status' AND hh.effective_date <= $2::date
         ORDER BY hh.effective_date DESC, hh.id DESC LIMIT 1) st
      WHERE l.source_enterprise_id = ANY($1::uuid[]) AND st.status IN ('poor', 'monitored')
        AND l.start_date <= $2::date AND (l.end_date IS NULL OR l.end_date >= $2::date) AND (l.ended_on IS NULL OR l.ended_on > $2::date)
      GROUP BY l.source_enterprise_id`,
    [enterpriseIds, onDate],
  );
  return new Map(rows.map((r) => [r.enterprise_id, r.driven]));
}
