// A settlement line as stored and as hashed: every amount a string in its one canonical form, so that
// writing a line, reading it back and hashing it can never disagree (docs/calculations.md
// "Canonical content of a settlement batch").
import type { EntityManager } from 'typeorm';
import { Decimal, formatMoney, formatRate, type PricedSegment } from '../../core';
import type { LoanHeader } from './settlement-source';
import type { LineKind, StoredSegment } from './settlement-line.entity';
import type { SubsidyLine } from './subsidy-line';

export interface LineRecord {
  lineNo: number;
  kind: LineKind;
  loanId: string;
  contractNumber: string;
  borrowerKind: 'household' | 'enterprise';
  borrowerName: string;
  borrowerIdentifier: string;
  modelCode: string;
  principal: string;
  openingBalance: string | null;
  closingBalance: string | null;
  days: number;
  interestRate: string | null;
  interestSubsidy: string;
  feeSubsidyRate: string | null;
  guaranteeFeeSubsidy: string;
  totalAmount: string;
  reason: string | null;
  segments: StoredSegment[];
  adjustsPeriod: string | null;
  adjustsLineId: string | null;
}

/** A segment base: money, or money × coverage (up to 8 decimals); at least 2 decimals, never rounded. */
export function formatBase(base: Decimal): string {
  return base.toFixed(Math.max(2, base.decimalPlaces()));
}

/** A segment amount, already rounded to the li (SPEC §6.2 step 2): exactly 3 decimals. */
export function formatLi(amount: Decimal): string {
  if (amount.decimalPlaces() > 3) throw new Error(`a segment amount has more than 3 decimals: ${amount.toString()}`);
  return amount.toFixed(3);
}

export function storedSegments(kind: StoredSegment['kind'], segments: readonly PricedSegment[]): StoredSegment[] {
  return segments.map((s) => ({
    kind,
    from: s.from,
    to: s.to,
    days: s.days,
    base: formatBase(s.base),
    rate: formatRate(s.rateAnnual),
    amount: formatLi(s.amount),
  }));
}

/** Rebuilds a segment with its keys in canonical order (jsonb reorders keys). */
export function canonicalSegment(s: StoredSegment): StoredSegment {
  return { kind: s.kind, from: s.from, to: s.to, days: s.days, base: s.base, rate: s.rate, amount: s.amount };
}

const optionalRate = (rate: Decimal | null) => (rate === null ? null : formatRate(rate));

/** A loan's regular line (numbered by the caller). */
export function regularRecord(loan: LoanHeader, line: SubsidyLine, lineNo: number): LineRecord {
  return {
    lineNo,
    kind: 'regular',
    loanId: loan.id,
    contractNumber: loan.contractNumber,
    borrowerKind: loan.borrowerKind,
    borrowerName: loan.borrowerName,
    borrowerIdentifier: loan.borrowerIdentifier,
    modelCode: loan.modelCode,
    principal: formatMoney(loan.principal),
    openingBalance: formatMoney(line.openingBalance),
    closingBalance: formatMoney(line.closingBalance),
    days: line.days,
    interestRate: optionalRate(line.interestRate),
    interestSubsidy: formatMoney(line.interestSubsidy),
    feeSubsidyRate: optionalRate(line.feeSubsidyRate),
    guaranteeFeeSubsidy: formatMoney(line.guaranteeFeeSubsidy),
    totalAmount: formatMoney(line.totalAmount),
    reason: line.reason,
    segments: [...storedSegments('interest', line.interestSegments), ...storedSegments('guarantee_fee', line.feeSegments)],
    adjustsPeriod: null,
    adjustsLineId: null,
  };
}

/** Inserts a chunk of lines with one statement (jsonb_to_recordset), never one INSERT per line. */
export async function insertLines(manager: EntityManager, batchId: string, records: readonly LineRecord[]): Promise<void> {
  if (records.length === 0) return;
  const rows = records.map((r) => ({
    line_no: r.lineNo,
    kind: r.kind,
    loan_id: r.loanId,
    contract_number: r.contractNumber,
    borrower_kind: r.borrowerKind,
    borrower_name: r.borrowerName,
    borrower_identifier: r.borrowerIdentifier,
    model_code: r.modelCode,
    principal: r.principal,
    opening_balance: r.openingBalance,
    closing_balance: r.closingBalance,
    days: r.days,
    interest_rate: r.interestRate,
    interest_subsidy: r.interestSubsidy,
    fee_subsidy_rate: r.feeSubsidyRate,
    guarantee_fee_subsidy: r.guaranteeFeeSubsidy,
    total_amount: r.totalAmount,
    reason: r.reason,
    segments: r.segments,
    adjusts_period: r.adjustsPeriod,
    adjusts_line_id: r.adjustsLineId,
  }));
  await manager.query(
    `INSERT INTO settlement_lines (batch_id, ${LINE_COLUMNS.join(', ')})
     SELECT $1, ${LINE_COLUMNS.map((c) => `x.${c}`).join(', ')}
       FROM jsonb_to_recordset($2::jsonb) AS x(
         line_no int, kind varchar, loan_id uuid, contract_number varchar, borrower_kind varchar, borrower_name varchar,
         borrower_identifier varchar, model_code varchar, principal numeric, opening_balance numeric, closing_balance numeric,
         days int, interest_rate numeric, interest_subsidy numeric, fee_subsidy_rate numeric, guarantee_fee_subsidy numeric,
         total_amount numeric, reason varchar, segments jsonb, adjusts_period varchar, adjusts_line_id bigint)`,
    [batchId, JSON.stringify(rows)],
  );
}

const LINE_COLUMNS = [
  'line_no', 'kind', 'loan_id', 'contract_number', 'borrower_kind', 'borrower_name', 'borrower_identifier', 'model_code',
  'principal', 'opening_balance', 'closing_balance', 'days', 'interest_rate', 'interest_subsidy', 'fee_subsidy_rate',
  'guarantee_fee_subsidy', 'total_amount', 'reason', 'segments', 'adjusts_period', 'adjusts_line_id',
] as const;

interface StoredLineRow {
  id: string;
  line_no: number;
  kind: LineKind;
  loan_id: string;
  contract_number: string;
  borrower_kind: 'household' | 'enterprise';
  borrower_name: string;
  borrower_identifier: string;
  model_code: string;
  principal: string;
  opening_balance: string | null;
  closing_balance: string | null;
  days: number;
  interest_rate: string | null;
  interest_subsidy: string;
  fee_subsidy_rate: string | null;
  guarantee_fee_subsidy: string;
  total_amount: string;
  reason: string | null;
  segments: StoredSegment[];
  adjusts_period: string | null;
  adjusts_line_id: string | null;
}

export type StoredLine = LineRecord & { id: string };

const money = (text: string) => formatMoney(new Decimal(text));
const optionalMoney = (text: string | null) => (text === null ? null : money(text));
const rate = (text: string | null) => (text === null ? null : formatRate(new Decimal(text)));

function fromRow(r: StoredLineRow): StoredLine {
  return {
    id: String(r.id),
    lineNo: r.line_no,
    kind: r.kind,
    loanId: r.loan_id,
    contractNumber: r.contract_number,
    borrowerKind: r.borrower_kind,
    borrowerName: r.borrower_name,
    borrowerIdentifier: r.borrower_identifier,
    modelCode: r.model_code,
    principal: money(r.principal),
    openingBalance: optionalMoney(r.opening_balance),
    closingBalance: optionalMoney(r.closing_balance),
    days: r.days,
    interestRate: rate(r.interest_rate),
    interestSubsidy: money(r.interest_subsidy),
    feeSubsidyRate: rate(r.fee_subsidy_rate),
    guaranteeFeeSubsidy: money(r.guarantee_fee_subsidy),
    totalAmount: money(r.total_amount),
    reason: r.reason,
    segments: r.segments.map(canonicalSegment),
    adjustsPeriod: r.adjusts_period,
    adjustsLineId: r.adjusts_line_id === null ? null : String(r.adjusts_line_id),
  };
}

/** A page of a batch's lines in line order. */
export async function readLines(manager: EntityManager, batchId: string, page: { limit: number; offset: number }): Promise<StoredLine[]> {
  const rows: StoredLineRow[] = await manager.query(
    `SELECT * FROM settlement_lines WHERE batch_id = $1 ORDER BY line_no LIMIT $2 OFFSET $3`,
    [batchId, page.limit, page.offset],
  );
  return rows.map(fromRow);
}

/** Every line of a batch in line order, read `chunkSize` at a time (keyset on line_no): bounded memory. */
export async function* streamLines(manager: EntityManager, batchId: string, chunkSize = 1000): AsyncGenerator<StoredLine[]> {
  let after = 0;
  for (;;) {
    const rows: StoredLineRow[] = await manager.query(
      `SELECT * FROM settlement_lines WHERE batch_id = $1 AND line_no > $2 ORDER BY line_no LIMIT $3`,
      [batchId, after, chunkSize],
    );
    if (rows.length === 0) return;
    yield rows.map(fromRow);
    if (rows.length < chunkSize) return;
    after = rows[rows.length - 1]!.line_no;
  }
}
