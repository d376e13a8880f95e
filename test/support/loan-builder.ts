import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Decimal, generateSchedule, type IsoDate, type ScheduleRow } from '../../src/core';
import type { RepaymentMethod } from '../../src/modules/loans/loan.entity';
import { residentId, unique, uscc } from './fixtures';

/**
 * Loans written straight into the database, with their schedule, repayments, reversals and
 * extensions, for settlement tests that need many loans or a history no API call can make quickly
 * (a repayment on any past date, a late payment, a loan extended in a given quarter).
 */
export interface TestBank {
  id: string;
  name: string;
  uscc: string;
}

let bankCounter = 0;

/** A new head-office bank of its own, so that its batches hold only the test's loans. */
export async function createTestBank(db: DataSource, name = '测试银行'): Promise<TestBank> {
  bankCounter += 1;
  const code = uscc(`914102009${String(process.pid % 100).padStart(2, '0')}${String(bankCounter).padStart(3, '0')}B9X`.slice(0, 17));
  const fullName = `${name}${unique()}`;
  const [row] = await db.query(`INSERT INTO institutions (type, name, uscc, region_code) VALUES ('bank', $1, $2, '410200') RETURNING id`, [fullName, code]);
  return { id: row.id, name: fullName, uscc: code };
}

/** Households in status `status` since `since` (with their history row), in a Lankao village. */
export async function createHouseholds(db: DataSource, count: number, options: { status?: string; since?: string } = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const n = unique();
    const id = residentId('410225', '19800101', Number(n.slice(-3)));
    const [row] = await db.query(
      `INSERT INTO households (household_number, head_name, id_number_ciphertext, id_number_hash, id_number_masked, birth_date, village_code, region_path, members, laborers, status, status_since)
       SELECT $1, $2, 'test-only', $3, $4, '1980-01-01', r.code, r.path, 3, 2, $5, $6 FROM regions r WHERE r.code = '410225100201'
       RETURNING id`,
      [`T-${n}`, `测试户${n.slice(-4)}`, crypto.createHash('sha256').update(`hh-${n}-${crypto.randomUUID()}`).digest('hex'), `${id.slice(0, 6)}********${id.slice(14)}`, options.status ?? 'poor', options.since ?? '2024-01-01'],
    );
    await db.query(`INSERT INTO household_history (household_id, kind, status, effective_date, reason) VALUES ($1, 'status', $2, $3, 'test')`, [row.id, options.status ?? 'poor', options.since ?? '2024-01-01']);
    ids.push(row.id);
  }
  return ids;
}

/** An enterprise in Lankao with an active linkage from `start` to each of the households. */
export async function createLinkedEnterprise(db: DataSource, householdIds: string[], start = '2025-01-01'): Promise<string> {
  const code = uscc(`91410225T${unique().padStart(8, '0')}`.slice(0, 17));
  const [enterprise] = await db.query(`INSERT INTO enterprises (name, uscc, kind, region_code) VALUES ($1, $2, 'company', '410225') RETURNING id`, [`测试带贫企业${unique()}`, code]);
  for (const householdId of householdIds) {
    await db.query(
      `INSERT INTO linkages (source_kind, source_id, source_enterprise_id, household_id, type, start_date, agreed_annual_benefit, region_path)
       VALUES ('enterprise', $1, $1, $2, 'employment', $3, '3000.00', '410200/410225/')`,
      [enterprise.id, householdId, start],
    );
  }
  return enterprise.id;
}

export interface TestRepayment {
  paidOn: string;
  principal: string;
  interest?: string;
  /** A reversal (value-dated on the same day) follows the repayment. */
  reversed?: boolean;
}

export interface TestLoan {
  bankId: string;
  contractNumber?: string;
  modelCode: string;
  borrowerKind: 'household' | 'enterprise';
  borrowerId: string;
  principal: string;
  rateAnnual: string;
  referenceRateAnnual: string;
  disbursementDate: string;
  maturityDate: string;
  currentMaturityDate?: string;
  method?: RepaymentMethod;
  guarantorId?: string | null;
  repayments?: TestRepayment[];
  /** loan_events 'extended' with this effective date (the maturity moves to currentMaturityDate). */
  extendedOn?: string;
  /** Pay every instalment due on or before this date, on its due date (principal capped at what is left). */
  payInstalmentsUpTo?: string;
  createdBy: string;
}

/**
 * The loan's current schedule. An extended loan keeps the instalments due on or before the extension
 * (but not the one at the maturity it moves) and plans what they leave of the principal after the
 * last of them to the new maturity (as LoanServicingService.extend does).
 */
export function scheduleFor(loan: Pick<TestLoan, 'principal' | 'rateAnnual' | 'method' | 'disbursementDate' | 'maturityDate' | 'extendedOn' | 'currentMaturityDate'>): ScheduleRow[] {
  const plan = (principal: Decimal, to: string, replanAfter?: string) =>
    generateSchedule({
      principal,
      rateAnnual: new Decimal(loan.rateAnnual),
      method: loan.method ?? 'interest_quarterly_principal_at_maturity',
      disbursementDate: loan.disbursementDate as IsoDate,
      maturityDate: to as IsoDate,
      ...(replanAfter ? { replanAfter: replanAfter as IsoDate } : {}),
    });
  const original = plan(new Decimal(loan.principal), loan.maturityDate);
  if (!loan.extendedOn || !loan.currentMaturityDate) return original;
  const kept = original.filter((row) => row.dueDate <= loan.extendedOn! && row.dueDate < loan.maturityDate);
  const left = kept.reduce((sum, row) => sum.minus(row.principalDue), new Decimal(loan.principal));
  const rest = plan(left, loan.currentMaturityDate, kept.at(-1)?.dueDate);
  return [...kept, ...rest.map((row) => ({ ...row, seq: row.seq + kept.length }))];
}

/** The repayments a loan ends up with: its own, plus its instalments paid on time when asked for. */
export function repaymentsOf(loan: TestLoan): TestRepayment[] {
  const own = [...(loan.repayments ?? [])].sort((a, b) => a.paidOn.localeCompare(b.paidOn));
  if (!loan.payInstalmentsUpTo) return capPrincipal(loan.principal, own);
  const due = scheduleFor(loan).filter((row) => row.dueDate <= loan.payInstalmentsUpTo!);
  const all: TestRepayment[] = [...own];
  for (const row of due) all.push({ paidOn: row.dueDate, principal: row.principalDue.toFixed(2), interest: row.interestDue.toFixed(2) });
  return capPrincipal(loan.principal, all.sort((a, b) => a.paidOn.localeCompare(b.paidOn)));
}

/** Never repays more principal than is left: later scheduled principal shrinks after prepayments. */
function capPrincipal(principal: string, repayments: TestRepayment[]): TestRepayment[] {
  let left = new Decimal(principal);
  const result: TestRepayment[] = [];
  for (const r of repayments) {
    const part = r.reversed ? new Decimal(r.principal) : Decimal.min(new Decimal(r.principal), left);
    if (!r.reversed) left = left.minus(part);
    if (part.isZero() && new Decimal(r.interest ?? '0').isZero()) continue;
    result.push({ ...r, principal: part.toFixed(2) });
  }
  return result;
}

export async function insertLoan(db: DataSource, loan: TestLoan): Promise<{ id: string; contractNumber: string }> {
  const contractNumber = loan.contractNumber ?? `TL-${unique()}`;
  const repayments = repaymentsOf(loan);
  const repaid = repayments.filter((r) => !r.reversed).reduce((sum, r) => sum.plus(r.principal), new Decimal(0));
  const outstanding = new Decimal(loan.principal).minus(repaid);
  const closedOn = outstanding.isZero() ? repayments.filter((r) => !r.reversed).at(-1)!.paidOn : null;
  const borrowerTable = loan.borrowerKind === 'household' ? 'households' : 'enterprises';
  const regionSql = loan.borrowerKind === 'household' ? `(SELECT region_path FROM households WHERE id = $4)` : `(SELECT r.path FROM enterprises e JOIN regions r ON r.code = e.region_code WHERE e.id = $4)`;
  const [row] = await db.query(
    `INSERT INTO loans (bank_id, branch_id, contract_number, model_code, model_version_id, borrower_kind, household_id, enterprise_id, region_path,
            principal, outstanding_principal, rate_annual, reference_rate_annual, contract_date, disbursement_date, maturity_date, current_maturity_date,
            term_months, repayment_method, purpose, guarantor_id, status, closed_on, created_by, schedule_version)
     SELECT $1::uuid, $1::uuid, $2, $3::varchar, v.id, $5, ${borrowerTable === 'households' ? '$4::uuid' : 'NULL'}, ${borrowerTable === 'enterprises' ? '$4::uuid' : 'NULL'}, ${regionSql},
            $6, $7, $8, $9, $10::date, $10::date, $11, $12, 12, $13, '测试', $14, $15, $16, $17, $18
       FROM financing_model_versions v WHERE v.model_code = $3::varchar AND v.version = 1
     RETURNING id`,
    [
      loan.bankId, contractNumber, loan.modelCode, loan.borrowerId, loan.borrowerKind, loan.principal, outstanding.toFixed(2), loan.rateAnnual,
      loan.referenceRateAnnual, loan.disbursementDate, loan.maturityDate, loan.currentMaturityDate ?? loan.maturityDate,
      loan.method ?? 'interest_quarterly_principal_at_maturity', loan.guarantorId ?? null, closedOn ? 'settled' : 'active', closedOn, loan.createdBy, loan.extendedOn ? 2 : 1,
    ],
  );
  const schedule = scheduleFor(loan);
  await db.query(
    `INSERT INTO loan_schedule (loan_id, version, seq, due_date, principal_due, interest_due)
     SELECT $1, $3, x.seq, x.due_date, x.principal_due, x.interest_due FROM jsonb_to_recordset($2::jsonb) AS x(seq int, due_date date, principal_due numeric, interest_due numeric)`,
    [row.id, JSON.stringify(schedule.map((s) => ({ seq: s.seq, due_date: s.dueDate, principal_due: s.principalDue.toFixed(2), interest_due: s.interestDue.toFixed(2) }))), loan.extendedOn ? 2 : 1],
  );
  for (const [i, r] of repayments.entries()) {
    const [paid] = await db.query(
      `INSERT INTO repayments (loan_id, kind, paid_on, principal, interest, penalty, idempotency_key, created_by) VALUES ($1, 'repayment', $2, $3, $4, 0, $5, $6) RETURNING id`,
      [row.id, r.paidOn, r.principal, r.interest ?? '0.00', `k-${i}`, loan.createdBy],
    );
    if (r.reversed) {
      await db.query(
        `INSERT INTO repayments (loan_id, kind, paid_on, principal, interest, penalty, reverses_id, idempotency_key, created_by) VALUES ($1, 'reversal', $2, -$3::numeric, -$4::numeric, 0, $5, $6, $7)`,
        [row.id, r.paidOn, r.principal, r.interest ?? '0.00', paid.id, `reversal/${paid.id}`, loan.createdBy],
      );
    }
  }
  if (loan.extendedOn) {
    await db.query(`INSERT INTO loan_events (loan_id, kind, effective_date, details) VALUES ($1, 'extended', $2, '{}')`, [row.id, loan.extendedOn]);
  }
  return { id: row.id, contractNumber };
}

export async function userId(db: DataSource, username: string): Promise<string> {
  const [row] = await db.query('SELECT id FROM users WHERE username = $1', [username]);
  return row.id;
}
