import type { TestLoan } from './loan-builder';
import { repaymentsOf, scheduleFor } from './loan-builder';

/**
 * An independent computation of SPEC §6.1–§6.3 for the settlement tests: a plain day-by-day loop
 * over the loan's balance, integers only (BigInt fen and rate units), dates as UTC day numbers. It
 * calls nothing of the engine or of src/core's day count, rounding or subsidy functions; it reads
 * the same test data the builder wrote (schedule rows and repayments).
 */
export interface OracleModel {
  rule: 'none' | 'full_up_to_reference' | 'fixed_rate_on_linked_base' | 'reference_minus_spread';
  fixedRate?: string;
  quota?: string;
  spread?: string;
  /** Guarantee required: coverage ratio and fee-subsidy rates. */
  guarantee?: { coverage: string; household: string; enterprise: string };
}

export interface OracleLine {
  days: number;
  openingBalance: string;
  closingBalance: string;
  interestSubsidy: string;
  guaranteeFeeSubsidy: string;
  totalAmount: string;
  reason: string | null;
}

const DAY_MS = 86_400_000;
const dayNo = (iso: string): number => Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / DAY_MS;

/** A decimal string as an integer count of 10^-scale units: ("0.0475", 8) → 4750000n. */
function units(value: string, scale: number): bigint {
  const negative = value.startsWith('-');
  const [whole, fraction = ''] = (negative ? value.slice(1) : value).split('.');
  const n = BigInt(whole! + fraction.padEnd(scale, '0').slice(0, scale));
  if (fraction.length > scale) throw new Error(`${value} has more than ${scale} decimals`);
  return negative ? -n : n;
}

const fen = (n: bigint): string => {
  const sign = n < 0n ? '-' : '';
  const abs = n < 0n ? -n : n;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
};

/** round(num / den) half-up, for num ≥ 0 and den > 0. */
const roundHalfUp = (num: bigint, den: bigint): bigint => (2n * num + den) / (2n * den);

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);

/** The line the settlement should hold for this loan and period, or null when the loan has no charged day. */
export function oracleLine(loan: TestLoan, model: OracleModel, period: { first: string; last: string }, drivenHouseholds = 0): OracleLine | null {
  const first = dayNo(period.first);
  const last = dayNo(period.last);
  const disbursed = dayNo(loan.disbursementDate);
  const maturity = dayNo(loan.maturityDate);
  const repayments = repaymentsOf(loan).filter((r) => !r.reversed);
  const principal = units(loan.principal, 2);
  // The balance at the end of day t: what was lent, less what was repaid on or before t.
  const balance = (t: number): bigint =>
    t < disbursed ? 0n : principal - repayments.filter((r) => dayNo(r.paidOn) <= t).reduce((sum, r) => sum + units(r.principal, 2), 0n);

  // Charged: every day from the disbursement on whose end the loan still owes, past any maturity too
  // (a loan repaid on its maturity day owes nothing from then on); earning stops at the original maturity.
  const charged = (t: number) => t >= disbursed && balance(t) > 0n;
  let days = 0;
  for (let t = first; t <= last; t += 1) if (charged(t)) days += 1;
  if (days === 0) return null;

  const reason = overdue(loan, first, last) ? 'OVERDUE' : loan.extendedOn && dayNo(loan.extendedOn) >= first && dayNo(loan.extendedOn) <= last ? 'EXTENDED' : first >= maturity ? 'AFTER_MATURITY' : null;
  const line: OracleLine = { days, openingBalance: fen(balance(first - 1)), closingBalance: fen(balance(last)), interestSubsidy: '0.00', guaranteeFeeSubsidy: '0.00', totalAmount: '0.00', reason };
  if (reason) return line;

  const subsidised = (t: number) => charged(t) && t < maturity;
  let interestFen = 0n;
  const rate = interestRateUnits(loan, model);
  if (rate !== null) {
    const cap = model.rule === 'fixed_rate_on_linked_base' ? units(model.quota!, 2) * BigInt(drivenHouseholds) : null;
    // base in fen (scale 2), rate in 10^-8: li = base × rate × days × 10^3 / (10^2 × 10^8 × 360).
    interestFen = priceRuns(first, last, subsidised, (t) => (cap === null ? balance(t) : min(balance(t), cap)), rate, 3_600_000_000n);
  }
  let feeFen = 0n;
  if (model.guarantee && loan.guarantorId) {
    const feeRate = units(model.guarantee[loan.borrowerKind], 8);
    const coverage = units(model.guarantee.coverage, 4);
    // base in 10^-6 yuan (fen × coverage in 10^-4): li = base × rate × days × 10^3 / (10^6 × 10^8 × 360).
    if (feeRate > 0n) feeFen = priceRuns(first, last, subsidised, (t) => balance(t) * coverage, feeRate, 36_000_000_000_000n);
  }
  return { ...line, interestSubsidy: fen(interestFen), guaranteeFeeSubsidy: fen(feeFen), totalAmount: fen(interestFen + feeFen) };
}

/** Walks the days; each run of equal non-zero base is one segment, rounded to the li; the line to the fen. */
function priceRuns(first: number, last: number, earns: (t: number) => boolean, base: (t: number) => bigint, rate: bigint, liDenominator: bigint): bigint {
  let totalLi = 0n;
  let runBase = 0n;
  let runDays = 0n;
  const close = () => {
    if (runDays > 0n && runBase > 0n) totalLi += roundHalfUp(runBase * rate * runDays, liDenominator);
    runDays = 0n;
  };
  for (let t = first; t <= last; t += 1) {
    const b = earns(t) ? base(t) : 0n;
    if (b !== runBase || b === 0n) close();
    runBase = b;
    if (b > 0n) runDays += 1n;
  }
  close();
  return roundHalfUp(totalLi, 10n);
}

function interestRateUnits(loan: TestLoan, model: OracleModel): bigint | null {
  const loanRate = units(loan.rateAnnual, 8);
  const reference = units(loan.referenceRateAnnual, 8);
  switch (model.rule) {
    case 'none':
      return null;
    case 'full_up_to_reference':
      return min(loanRate, reference);
    case 'fixed_rate_on_linked_base':
      return units(model.fixedRate!, 8);
    case 'reference_minus_spread':
      return max(0n, loanRate - max(0n, reference - units(model.spread!, 8)));
  }
}

/**
 * SPEC §6.2 OVERDUE, each part on its own: some instalment due by the period's last day had its
 * principal not covered by the principal paid up to its due date, or its interest by the interest
 * paid (cumulative, in schedule order), and was still not covered on the day before the period began.
 */
function overdue(loan: TestLoan, first: number, last: number): boolean {
  const payments = repaymentsOf(loan)
    .filter((r) => !r.reversed)
    .map((r) => ({ day: dayNo(r.paidOn), principal: units(r.principal, 2), interest: units(r.interest ?? '0.00', 2) }));
  const paidBy = (t: number, part: 'principal' | 'interest') => payments.filter((p) => p.day <= t).reduce((sum, p) => sum + p[part], 0n);
  let principalDue = 0n;
  let interestDue = 0n;
  for (const row of scheduleFor(loan)) {
    const due = dayNo(row.dueDate);
    if (due > last) break;
    principalDue += units(row.principalDue.toFixed(2), 2);
    interestDue += units(row.interestDue.toFixed(2), 2);
    const on = Math.max(due, first - 1);
    if (paidBy(on, 'principal') < principalDue || paidBy(on, 'interest') < interestDue) return true;
  }
  return false;
}
