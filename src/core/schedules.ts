// Repayment schedules (SPEC §5 "Repayment methods and their schedules", §6.1 periods and day count).
//
// - `interest_quarterly_principal_at_maturity` (按季付息、到期还本): interest falls due on every quarterly
//   settlement date (the 20th of Mar/Jun/Sep/Dec) strictly after the disbursement date and strictly
//   before maturity, and at maturity; all principal falls due at maturity. An instalment due on a
//   settlement date charges the days of the settlement period up to and INCLUDING that 20th (§6.1:
//   the period ending on a settlement date contains it), so a schedule's interest lines up with the
//   §6.2 subsidy of the same period (50,000.00 at 4.75 % disbursed 2026-08-09: 43 days, 283.68 in both).
//   The instalment due at maturity charges up to the day before maturity (算头不算尾).
// - `equal_installment` (等额本息) and `equal_principal` (等额本金): monthly on the disbursement
//   day-of-month, clamped to the end of shorter months and always counted from the original date;
//   monthly rate = annual / 12; amounts rounded half-up to the fen; the last instalment takes the
//   remaining balance, so the principal parts sum exactly to the principal.
// - Re-planning after an extension (`replanAfter`, 展期): the rows after the last kept instalment keep
//   the same anchors, and quarterly interest starts the day after the kept 20th, which was charged.
import {
  addDays,
  addMonthsClamped,
  compareDates,
  dateParts,
  daysBetween,
  IsoDate,
  isIsoDate,
} from './dates';
import { DAY_COUNT_BASIS_DAYS } from './daycount';
import { CoreInputError, invariant } from './errors';
import { asCoreDecimal, Decimal, Money, RATE_MAX_DECIMALS, roundHalfUpToFen, sumMoney } from './money';
import { nextPeriod, periodContaining } from './periods';

export const SCHEDULE_METHODS = [
  'interest_quarterly_principal_at_maturity',
  'equal_installment',
  'equal_principal',
] as const;
export type ScheduleMethod = (typeof SCHEDULE_METHODS)[number];

/** The longest term any method accepts: 50 years, so at most 600 monthly or 201 quarterly rows. */
export const MAX_TERM_MONTHS = 600;
export const MONTHS_PER_YEAR = 12;
const MAX_PRINCIPAL_EXCLUSIVE = new Decimal('1e15');
// Rates carry at most 8 decimals, so rate × 10^8 is an integer (used by the exact annuity below).
const RATE_SCALE = new Decimal(10).pow(RATE_MAX_DECIMALS);
const RATE_SCALE_UNITS = 10n ** BigInt(RATE_MAX_DECIMALS);
const FEN_PER_YUAN = 100;

export type ScheduleRow = {
  /** 1, 2, … in due-date order. */
  seq: number;
  dueDate: IsoDate;
  principalDue: Money;
  interestDue: Money;
  /** principalDue + interestDue. */
  totalDue: Money;
  /** Principal outstanding before this instalment's principal is repaid. */
  openingBalance: Money;
  /** openingBalance − principalDue. */
  closingBalance: Money;
  /** Days charged by this instalment (quarterly method only; monthly interest is balance × rate / 12). */
  days?: number;
};

export type GenerateScheduleInput = {
  /** The principal the planned rows repay. */
  principal: Decimal;
  rateAnnual: Decimal;
  method: ScheduleMethod;
  /** The loan's disbursement date: where interest starts, and the anchor of the monthly due dates. */
  disbursementDate: IsoDate;
  maturityDate: IsoDate;
  /**
   * Re-planning (展期): the due date of the last instalment kept from the earlier plan, after the
   * disbursement and before the maturity. Only the instalments due after it are planned. Their due
   * dates keep the loan's anchors (monthly: the disbursement day-of-month; quarterly: the settlement
   * dates), and quarterly interest accrues from the day after it: the kept instalment, due on a
   * settlement date, charged that day (§6.1).
   */
  replanAfter?: IsoDate;
};

function invalidSchedule(message: string, details: Record<string, unknown>): CoreInputError {
  return new CoreInputError('INVALID_SCHEDULE', message, details);
}

function monthIndex(date: IsoDate): number {
  const { year, month } = dateParts(date);
  return year * MONTHS_PER_YEAR + (month - 1);
}

/** Refuses a term above MAX_TERM_MONTHS, counting whole months from the disbursement date. */
function requireTermWithinLimit(disbursementDate: IsoDate, maturityDate: IsoDate): void {
  const monthsApart = monthIndex(maturityDate) - monthIndex(disbursementDate);
  const tooLong =
    monthsApart > MAX_TERM_MONTHS ||
    (monthsApart === MAX_TERM_MONTHS &&
      compareDates(maturityDate, addMonthsClamped(disbursementDate, MAX_TERM_MONTHS)) > 0);
  if (tooLong) {
    throw invalidSchedule(`The term must not exceed ${MAX_TERM_MONTHS} months.`, {
      disbursementDate,
      maturityDate,
    });
  }
}

function requireDates(disbursementDate: IsoDate, maturityDate: IsoDate): void {
  if (!isIsoDate(disbursementDate) || !isIsoDate(maturityDate)) {
    throw new CoreInputError('INVALID_DATE', 'Dates must be real calendar days written YYYY-MM-DD.', {
      disbursementDate: String(disbursementDate),
      maturityDate: String(maturityDate),
    });
  }
  if (compareDates(maturityDate, disbursementDate) <= 0) {
    throw invalidSchedule('The maturity date must be after the disbursement date.', {
      disbursementDate,
      maturityDate,
    });
  }
  requireTermWithinLimit(disbursementDate, maturityDate);
}

/** Refuses a re-planning date that is not a real day strictly between disbursement and maturity. */
function requireReplanAfter(disbursementDate: IsoDate, maturityDate: IsoDate, replanAfter: IsoDate | undefined): void {
  if (replanAfter === undefined) return;
  const inside = isIsoDate(replanAfter) && compareDates(disbursementDate, replanAfter) < 0 && compareDates(replanAfter, maturityDate) < 0;
  if (!inside) {
    throw invalidSchedule('A re-plan continues after an instalment due between the disbursement and the maturity.', {
      disbursementDate,
      maturityDate,
      replanAfter: String(replanAfter),
    });
  }
}

/**
 * The number of monthly instalments: the whole months n ≥ 1 with
 * maturityDate == addMonthsClamped(disbursementDate, n). Throws INVALID_SCHEDULE when the maturity
 * is not such a date (2026-01-31 → 2026-04-30 is 3; 2026-01-15 → 2026-04-16 is refused) or n > 600.
 */
export function monthlyInstalmentCount(disbursementDate: IsoDate, maturityDate: IsoDate): number {
  requireDates(disbursementDate, maturityDate);
  const count = monthIndex(maturityDate) - monthIndex(disbursementDate);
  if (count < 1 || addMonthsClamped(disbursementDate, count) !== maturityDate) {
    throw invalidSchedule(
      'For monthly repayment the maturity date must be a whole number of months after disbursement, ' +
        'on the disbursement day-of-month (or the last day of a shorter month).',
      { disbursementDate, maturityDate },
    );
  }
  return count;
}

/**
 * Refuses, as generateSchedule would, dates that a method cannot plan: a maturity not after the
 * disbursement, a term above MAX_TERM_MONTHS, or (monthly methods) a maturity that is not a whole
 * number of months after the disbursement. Lets a caller refuse a loan before writing anything,
 * without generating its rows.
 */
export function requirePlannableTerm(method: ScheduleMethod, disbursementDate: IsoDate, maturityDate: IsoDate): void {
  if (method === 'interest_quarterly_principal_at_maturity') {
    requireDates(disbursementDate, maturityDate);
  } else {
    monthlyInstalmentCount(disbursementDate, maturityDate);
  }
}

/** Due dates of the monthly methods: disbursement + k months (clamped), k = 1 … count. */
export function monthlyDueDates(disbursementDate: IsoDate, maturityDate: IsoDate): IsoDate[] {
  const count = monthlyInstalmentCount(disbursementDate, maturityDate);
  return Array.from({ length: count }, (_, index) => addMonthsClamped(disbursementDate, index + 1));
}

/**
 * Due dates of the quarterly method: each settlement date strictly after disbursement and strictly
 * before maturity, then maturity (once, also when it is itself a settlement date).
 */
export function quarterlyInterestDueDates(disbursementDate: IsoDate, maturityDate: IsoDate): IsoDate[] {
  requireDates(disbursementDate, maturityDate);
  let period = periodContaining(disbursementDate);
  if (compareDates(period.lastDay, disbursementDate) <= 0) {
    period = nextPeriod(period);
  }
  const dueDates: IsoDate[] = [];
  // A term of at most 600 months crosses at most 201 settlement dates; the bound keeps the loop finite.
  const maxSettlementDates = MAX_TERM_MONTHS / 3 + 1;
  while (compareDates(period.lastDay, maturityDate) < 0) {
    invariant(dueDates.length < maxSettlementDates, 'too many settlement dates', {
      disbursementDate,
      maturityDate,
    });
    dueDates.push(period.lastDay);
    period = nextPeriod(period);
  }
  dueDates.push(maturityDate);
  return dueDates;
}

/** Monthly interest on a balance: round half-up to the fen of balance × rateAnnual / 12. */
export function monthlyInterest(balance: Decimal, rateAnnual: Decimal): Money {
  // Multiplying first keeps the product exact; only the one division by 12 is inexact (see docs).
  return roundHalfUpToFen(asCoreDecimal(balance).times(asCoreDecimal(rateAnnual)).dividedBy(MONTHS_PER_YEAR));
}

/** Equal-principal part: round half-up to the fen of principal / count (the last instalment differs). */
export function equalPrincipalPart(principal: Decimal, instalmentCount: number): Money {
  invariant(Number.isSafeInteger(instalmentCount) && instalmentCount >= 1, 'instalment count must be ≥ 1', {
    instalmentCount,
  });
  return roundHalfUpToFen(asCoreDecimal(principal).dividedBy(instalmentCount));
}

/**
 * The equal-instalment payment A = P·r / (1 − (1+r)^−n), r = rateAnnual / 12, rounded half-up to the
 * fen; P / n rounded when the rate is 0. Computed EXACTLY on integers: with the rate as k / 10^8 and
 * S = 12 · 10^8, A in fen = P_fen · k · (S+k)^n / (S · ((S+k)^n − S^n)). A 40-digit Decimal.pow can
 * land on the wrong side of an exact half-fen (see docs/calculations.md), integers cannot.
 */
export function annuityPayment(principal: Decimal, rateAnnual: Decimal, instalmentCount: number): Money {
  invariant(Number.isSafeInteger(instalmentCount) && instalmentCount >= 1, 'instalment count must be ≥ 1', {
    instalmentCount,
  });
  const principalYuan = asCoreDecimal(principal);
  const rate = asCoreDecimal(rateAnnual);
  invariant(principalYuan.decimalPlaces() <= 2 && !principalYuan.isNegative(), 'principal must be money', {
    principal: principalYuan.toString(),
  });
  invariant(rate.decimalPlaces() <= RATE_MAX_DECIMALS && !rate.isNegative(), 'rate must be a rate', {
    rate: rate.toString(),
  });
  if (rate.isZero()) {
    return equalPrincipalPart(principalYuan, instalmentCount);
  }
  // Decimal#toFixed(0) on an integer-valued Decimal is exact decimal formatting, never a float.
  const principalFen = BigInt(principalYuan.times(FEN_PER_YUAN).toFixed(0));
  const rateUnits = BigInt(rate.times(RATE_SCALE).toFixed(0));
  const scale = BigInt(MONTHS_PER_YEAR) * RATE_SCALE_UNITS;
  const growth = (scale + rateUnits) ** BigInt(instalmentCount);
  const numerator = principalFen * rateUnits * growth;
  const denominator = scale * (growth - scale ** BigInt(instalmentCount));
  // Half-up for a positive fraction: floor((2·num + den) / (2·den)).
  const paymentFen = (2n * numerator + denominator) / (2n * denominator);
  return new Decimal(paymentFen.toString()).dividedBy(FEN_PER_YUAN);
}

function requirePrincipal(value: Decimal): Money {
  const principal = asCoreDecimal(value);
  if (!principal.gt(0) || principal.decimalPlaces() > 2 || principal.gte(MAX_PRINCIPAL_EXCLUSIVE)) {
    throw new CoreInputError(
      'INVALID_MONEY',
      'The principal must be above 0, below 10^15 and have at most 2 decimals.',
      { principal: principal.toString() },
    );
  }
  return principal;
}

function requireRateAnnual(value: Decimal): Decimal {
  const rate = asCoreDecimal(value);
  if (rate.isNegative() || rate.gte(1) || rate.decimalPlaces() > RATE_MAX_DECIMALS) {
    throw new CoreInputError('INVALID_RATE', 'The annual rate must lie in [0, 1) with at most 8 decimals.', {
      rateAnnual: rate.toString(),
    });
  }
  return rate;
}

function row(
  seq: number,
  dueDate: IsoDate,
  openingBalance: Money,
  principalDue: Money,
  interestDue: Money,
): ScheduleRow {
  return {
    seq,
    dueDate,
    principalDue,
    interestDue,
    totalDue: principalDue.plus(interestDue),
    openingBalance,
    closingBalance: openingBalance.minus(principalDue),
  };
}

function quarterlyRows(
  principal: Money,
  rateAnnual: Decimal,
  disbursementDate: IsoDate,
  maturityDate: IsoDate,
  replanAfter: IsoDate | undefined,
): ScheduleRow[] {
  const dueDates = quarterlyInterestDueDates(replanAfter ?? disbursementDate, maturityDate);
  // The disbursement day is charged; a re-plan starts the day after the kept instalment's 20th.
  const firstCharged = replanAfter === undefined ? disbursementDate : addDays(replanAfter, 1);
  let accrualStart = firstCharged;
  const rows = dueDates.map((dueDate, index) => {
    const isLast = index === dueDates.length - 1;
    // A settlement instalment charges its 20th (§6.1 period end, inclusive); the maturity one does not.
    const accrualEndExclusive = isLast ? maturityDate : addDays(dueDate, 1);
    const days = daysBetween(accrualStart, accrualEndExclusive);
    accrualStart = accrualEndExclusive;
    const interest = roundHalfUpToFen(principal.times(rateAnnual).times(days).dividedBy(DAY_COUNT_BASIS_DAYS));
    return { ...row(index + 1, dueDate, principal, isLast ? principal : new Decimal(0), interest), days };
  });
  const daysCharged = rows.reduce((total, current) => total + (current.days ?? 0), 0);
  invariant(daysCharged === daysBetween(firstCharged, maturityDate), 'every day of the term is charged once', {
    disbursementDate,
    replanAfter,
    maturityDate,
    daysCharged,
  });
  return rows;
}

/**
 * Monthly rows. `scheduledPrincipal(interest)` is the principal part a non-final month would repay;
 * it is capped at the balance (only a tiny principal over many months ever reaches the cap), and the
 * final month repays whatever is left.
 */
function monthlyRows(
  principal: Money,
  rateAnnual: Decimal,
  dueDates: readonly IsoDate[],
  scheduledPrincipal: (interest: Money) => Money,
): ScheduleRow[] {
  let balance = principal;
  return dueDates.map((dueDate, index) => {
    const interest = monthlyInterest(balance, rateAnnual);
    const isLast = index === dueDates.length - 1;
    const principalPart = isLast ? balance : Decimal.min(scheduledPrincipal(interest), balance);
    const current = row(index + 1, dueDate, balance, principalPart, interest);
    balance = current.closingBalance;
    return current;
  });
}

/** Checks every promise the schedule makes; a failure is a programming error. */
export function assertScheduleInvariants(input: GenerateScheduleInput, rows: readonly ScheduleRow[]): void {
  const details = {
    method: input.method,
    principal: input.principal.toString(),
    maturityDate: input.maturityDate,
  };
  invariant(rows.length >= 1, 'a schedule has at least one row', details);
  let previousDue = input.replanAfter ?? input.disbursementDate;
  let expectedOpening = asCoreDecimal(input.principal);
  for (const [index, current] of rows.entries()) {
    const at = { ...details, seq: current.seq };
    invariant(current.seq === index + 1, 'seq runs 1, 2, …', at);
    invariant(compareDates(previousDue, current.dueDate) < 0, 'due dates strictly increase', at);
    for (const amount of [current.principalDue, current.interestDue, current.closingBalance]) {
      invariant(!amount.isNegative() && amount.decimalPlaces() <= 2, 'amounts are non-negative fen', at);
    }
    const total = current.principalDue.plus(current.interestDue);
    invariant(current.totalDue.eq(total), 'total = principal + interest', at);
    invariant(current.openingBalance.eq(expectedOpening), 'balances chain', at);
    const closing = current.openingBalance.minus(current.principalDue);
    invariant(current.closingBalance.eq(closing), 'closing = opening − principal', at);
    previousDue = current.dueDate;
    expectedOpening = current.closingBalance;
  }
  const last = rows[rows.length - 1];
  invariant(last.dueDate === input.maturityDate, 'the last row falls due at maturity', details);
  invariant(last.closingBalance.isZero(), 'the last closing balance is 0', details);
  const principalRepaid = sumMoney(rows.map((current) => current.principalDue));
  invariant(principalRepaid.eq(input.principal), 'principal parts sum to the principal', details);
}

/** The repayment schedule of a loan (SPEC §5). Validates its input; asserts its invariants. */
export function generateSchedule(input: GenerateScheduleInput): ScheduleRow[] {
  const principal = requirePrincipal(input.principal);
  const rateAnnual = requireRateAnnual(input.rateAnnual);
  const { method, disbursementDate, maturityDate, replanAfter } = input;
  requireDates(disbursementDate, maturityDate);
  requireReplanAfter(disbursementDate, maturityDate, replanAfter);
  // Monthly due dates always count from the disbursement (SPEC §5); a re-plan takes those after the kept instalments.
  const monthlyDueDatesPlanned = () =>
    monthlyDueDates(disbursementDate, maturityDate).filter((due) => replanAfter === undefined || compareDates(due, replanAfter) > 0);
  let rows: ScheduleRow[];
  switch (method) {
    case 'interest_quarterly_principal_at_maturity':
      rows = quarterlyRows(principal, rateAnnual, disbursementDate, maturityDate, replanAfter);
      break;
    case 'equal_installment': {
      const dueDates = monthlyDueDatesPlanned();
      const payment = annuityPayment(principal, rateAnnual, dueDates.length);
      rows = monthlyRows(principal, rateAnnual, dueDates, (interest) => payment.minus(interest));
      break;
    }
    case 'equal_principal': {
      const dueDates = monthlyDueDatesPlanned();
      const part = equalPrincipalPart(principal, dueDates.length);
      rows = monthlyRows(principal, rateAnnual, dueDates, () => part);
      break;
    }
    default:
      throw invalidSchedule('Unknown repayment method.', { method: String(method) });
  }
  assertScheduleInvariants({ ...input, principal, rateAnnual }, rows);
  return rows;
}

/** A principal repayment (net of reversals) on its value date. */
export type DatedPrincipal = { date: IsoDate; amount: Decimal };

/**
 * The interest of each instalment of a schedule on the principal actually outstanding (SPEC §5,
 * §6.1), so that principal repaid ahead of the plan lowers the interest asked for afterwards and a
 * schedule stays the measure of what was due (docs/calculations.md "Prepayments"):
 * - quarterly: Σ over the instalment's charged days of the balance at the end of the day × rate / 360,
 *   rounded half-up to the fen — the windows the schedule charges: from the disbursement, each up to
 *   and including its 20th, the last up to the day before maturity;
 * - monthly: the lesser of the planned opening balance and the balance at the end of the previous due
 *   date (the disbursement for the first) × rate / 12, rounded half-up: a prepayment lowers the
 *   interest from the next month, arrears never raise it (penalties are for that). The month in which
 *   the loan is repaid in full, before its due date, charges at most the days that ran (Actual/360).
 * Without repayments ahead of the plan, every row's interest is what the plan said.
 */
export function interestOnBalances(input: {
  method: ScheduleMethod;
  principal: Decimal;
  rateAnnual: Decimal;
  disbursementDate: IsoDate;
  rows: ReadonlyArray<{ dueDate: IsoDate; principalDue: Decimal }>;
  principalRepaid: readonly DatedPrincipal[];
}): Money[] {
  const principal = asCoreDecimal(input.principal);
  const rate = asCoreDecimal(input.rateAnnual);
  const repaid = [...input.principalRepaid].sort((a, b) => compareDates(a.date, b.date));
  /** The balance at the end of a day. */
  const balanceAt = (day: IsoDate) => principal.minus(sumMoney(repaid.filter((r) => compareDates(r.date, day) <= 0).map((r) => asCoreDecimal(r.amount))));
  /** Σ balance at the end of each day × days over [start, end), piece by piece between value dates. */
  const baseDays = (start: IsoDate, end: IsoDate) => {
    let total = new Decimal(0);
    let from = start;
    for (const change of repaid.filter((r) => compareDates(r.date, start) >= 0 && compareDates(r.date, end) < 0)) {
      total = total.plus(Decimal.max(0, balanceAt(from)).times(daysBetween(from, change.date)));
      from = change.date;
    }
    return total.plus(Decimal.max(0, balanceAt(from)).times(daysBetween(from, end)));
  };
  const accrued = (start: IsoDate, end: IsoDate) => roundHalfUpToFen(baseDays(start, end).times(rate).dividedBy(DAY_COUNT_BASIS_DAYS));
  if (input.method !== 'interest_quarterly_principal_at_maturity') {
    let planned = principal;
    return input.rows.map((row, index) => {
      const reference = index === 0 ? input.disbursementDate : input.rows[index - 1]!.dueDate;
      let interest = monthlyInterest(Decimal.max(0, Decimal.min(planned, balanceAt(reference))), rate);
      planned = planned.minus(asCoreDecimal(row.principalDue));
      // Repaid in full before this due date: the month is cut at the payoff, its days charged as they ran.
      if (balanceAt(reference).gt(0) && !balanceAt(addDays(row.dueDate, -1)).gt(0)) interest = Decimal.min(interest, accrued(reference, row.dueDate));
      return interest;
    });
  }
  let start = input.disbursementDate;
  return input.rows.map((row, index) => {
    const end = index === input.rows.length - 1 ? row.dueDate : addDays(row.dueDate, 1);
    const interest = accrued(start, end);
    start = end;
    return interest;
  });
}
