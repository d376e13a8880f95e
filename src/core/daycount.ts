// Day counting (SPEC §6.1): Actual/360, and a day is charged on the balance outstanding at the END of
// that day. Consequences, all derived from that one sentence:
// - the disbursement day is charged (the balance at its end is the new principal);
// - a repayment on day D lowers the base from D itself, so D is not charged on the old balance;
// - the maturity day is not charged (算头不算尾): a window over a loan ends, exclusive, at maturity.
import { addDays, compareDates, daysBetween, IsoDate, maxDate, minDate } from './dates';
import { CoreInputError, invariant } from './errors';
import { asCoreDecimal, Decimal, roundHalfUpToLi } from './money';
import { periodEndExclusive, SettlementPeriod } from './periods';

/** Actual/360: a year's interest is earned over 360 days. */
export const DAY_COUNT_BASIS_DAYS = 360;
/** Longest window the core segments: a century, far beyond any loan term, so loops stay bounded. */
export const MAX_WINDOW_DAYS = 36_600;
export const MAX_BALANCE_CHANGES = 10_000;
/** Bases are money (2 decimals) or money × a coverage ratio; 8 decimals keep every product exact. */
const MAX_BASE_DECIMALS = 8;
const MAX_BASE_EXCLUSIVE = new Decimal('1e15');

export type BalanceChange = {
  date: IsoDate;
  /** The balance at the end of `date`, after every movement of that day. */
  balanceAfter: Decimal;
};

/** A run of consecutive days charged on one base; `from` and `to` are both inclusive. */
export type Segment = {
  from: IsoDate;
  to: IsoDate;
  days: number;
  base: Decimal;
};

export type SplitIntoSegmentsInput = {
  from: IsoDate;
  toExclusive: IsoDate;
  /** The balance before the first listed change (0 for a loan whose disbursement is listed). */
  openingBalance: Decimal;
  /** Any order; changes on the same date apply in the order given; dates outside the window are fine. */
  balanceChanges: readonly BalanceChange[];
  /**
   * Maps an outstanding balance to the base that earns (SPEC §6.2 "eligible base"), e.g. capped at
   * driven households × quota, or × coverage for a guarantee. Segments are cut where the eligible base
   * changes, not where the raw balance does.
   */
  eligibleBase?: (balance: Decimal) => Decimal;
};

function requireBase(value: Decimal, label: string): Decimal {
  const base = asCoreDecimal(value);
  if (base.isNegative() || base.gte(MAX_BASE_EXCLUSIVE) || base.decimalPlaces() > MAX_BASE_DECIMALS) {
    throw new CoreInputError(
      'INVALID_BALANCE_CHANGES',
      `${label} must be ≥ 0, below 10^15 and have at most ${MAX_BASE_DECIMALS} decimals.`,
      { [label]: base.toString() },
    );
  }
  return base;
}

function requireWindow(from: IsoDate, toExclusive: IsoDate): number {
  const windowDays = daysBetween(from, toExclusive);
  if (windowDays < 0 || windowDays > MAX_WINDOW_DAYS) {
    throw new CoreInputError('INVALID_DAYS', 'The window must run forwards and span at most a century.', {
      from,
      toExclusive,
    });
  }
  return windowDays;
}

/**
 * Splits [from, toExclusive) into maximal runs of constant, non-zero eligible base. Zero-day and
 * zero-base runs are left out because they earn nothing; adjacent runs with an equal base are merged,
 * since SPEC §6.2 rounds once per segment of constant base.
 *
 * SPEC §6.2 example: opening 50,000.00, change to 30,000.00 on 2026-08-01, window 2026Q3 →
 * 2026-06-21…2026-07-31 (41 days) on 50,000.00 and 2026-08-01…2026-09-20 (51 days) on 30,000.00.
 */
export function splitIntoSegments(input: SplitIntoSegmentsInput): Segment[] {
  const { from, toExclusive } = input;
  requireWindow(from, toExclusive);
  if (input.balanceChanges.length > MAX_BALANCE_CHANGES) {
    throw new CoreInputError('INVALID_BALANCE_CHANGES', 'Too many balance changes.', {
      count: input.balanceChanges.length,
    });
  }
  const toBase = (balance: Decimal): Decimal =>
    input.eligibleBase ? requireBase(input.eligibleBase(balance), 'eligibleBase') : balance;
  // Every balance is checked, even one a later change of the same day overrides.
  // Array.prototype.sort is stable, so same-day changes keep their given order.
  const changes = input.balanceChanges
    .map((change) => ({ date: change.date, balanceAfter: requireBase(change.balanceAfter, 'balanceAfter') }))
    .sort((left, right) => compareDates(left.date, right.date));

  const segments: Segment[] = [];
  const close = (start: IsoDate, endExclusive: IsoDate, balance: Decimal): void => {
    const days = daysBetween(start, endExclusive);
    const base = toBase(balance);
    if (days === 0 || base.isZero()) {
      return;
    }
    const previous = segments[segments.length - 1];
    if (previous && addDays(previous.to, 1) === start && previous.base.eq(base)) {
      segments[segments.length - 1] = {
        ...previous,
        to: addDays(endExclusive, -1),
        days: previous.days + days,
      };
      return;
    }
    segments.push({ from: start, to: addDays(endExclusive, -1), days, base });
  };

  let balance = requireBase(input.openingBalance, 'openingBalance');
  let cursor = from;
  for (const change of changes) {
    if (compareDates(change.date, toExclusive) >= 0) {
      break;
    }
    // A change dated on or before the cursor sets the balance the cursor day is charged on.
    if (compareDates(change.date, cursor) > 0) {
      close(cursor, change.date, balance);
      cursor = change.date;
    }
    balance = change.balanceAfter;
  }
  close(cursor, toExclusive, balance);

  const chargedDays = segments.reduce((total, segment) => total + segment.days, 0);
  invariant(chargedDays <= daysBetween(from, toExclusive), 'segments exceed their window', {
    from,
    toExclusive,
    chargedDays,
  });
  return segments;
}

/**
 * The days of a period a loan is charged for: from the later of the period's first day and the
 * disbursement day (charged), up to the earlier of the day after the period's last day and the
 * maturity day (not charged). Null when no day of the period is charged.
 * SPEC §6.2 example: disbursed 2026-08-09, 2026Q3 → 2026-08-09 … 2026-09-20, 43 days.
 */
export function chargeableWindow(input: {
  period: SettlementPeriod;
  disbursementDate: IsoDate;
  maturityDate?: IsoDate;
}): { from: IsoDate; toExclusive: IsoDate } | null {
  const from = maxDate(input.period.firstDay, input.disbursementDate);
  const periodEnd = periodEndExclusive(input.period);
  const toExclusive = input.maturityDate ? minDate(periodEnd, input.maturityDate) : periodEnd;
  return compareDates(from, toExclusive) < 0 ? { from, toExclusive } : null;
}

/**
 * One segment's amount: base × rateAnnual × days / 360, rounded half-up to 0.001 (厘), SPEC §6.2 step 2.
 * Example: 50,000.00 × 0.0435 × 41 / 360 = 247.7083… → 247.708.
 */
export function segmentAmount(base: Decimal, rateAnnual: Decimal, days: number): Decimal {
  const checkedBase = requireBase(base, 'base');
  const rate = asCoreDecimal(rateAnnual);
  if (rate.isNegative() || rate.gte(1) || rate.decimalPlaces() > 8) {
    throw new CoreInputError('INVALID_RATE', 'A rate must lie in [0, 1) with at most 8 decimals.', {
      rateAnnual: rate.toString(),
    });
  }
  if (!Number.isInteger(days) || days < 0 || days > MAX_WINDOW_DAYS) {
    throw new CoreInputError('INVALID_DAYS', 'Days must be a whole number from 0 to 36,600.', { days });
  }
  // The product is exact (≤ 36 significant digits); only the division by 360 is inexact, and its
  // quotient's repeating tail can never sit on a rounding boundary (see docs/calculations.md).
  const unrounded = checkedBase.times(rate).times(days).div(DAY_COUNT_BASIS_DAYS);
  return roundHalfUpToLi(unrounded);
}
