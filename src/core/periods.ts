// Quarterly settlement periods (SPEC §6.1, §11).
//
// Interest is settled on the 20th of March, June, September and December (按季结息). The period ending
// on such a 20th runs from the 21st of the previous settlement month to that 20th, both inclusive, and
// is named by the year and quarter of its last day: 2026Q3 = 2026-06-21 … 2026-09-20 (92 days), and
// 2026Q1 = 2025-12-21 … 2026-03-20, so the days 21–31 December belong to the next year's Q1.
import { addDays, compareDates, dateParts, daysBetween, IsoDate, isoDateFromParts } from './dates';
import { CoreInputError } from './errors';

export type Quarter = 1 | 2 | 3 | 4;

export type SettlementPeriod = {
  /** `2026Q3` */
  name: string;
  year: number;
  quarter: Quarter;
  firstDay: IsoDate;
  lastDay: IsoDate;
};

export const SETTLEMENT_DAY_OF_MONTH = 20;
// A period's first year must still have a previous December inside the supported date range.
export const MIN_PERIOD_YEAR = 1001;
export const MAX_PERIOD_YEAR = 9999;

const PERIOD_NAME_PATTERN = /^(\d{4})Q([1-4])$/;

function invalidPeriod(message: string, details: Record<string, unknown>): CoreInputError {
  return new CoreInputError('INVALID_PERIOD', message, details);
}

/** The period of a year and quarter. */
export function settlementPeriod(year: number, quarter: number): SettlementPeriod {
  if (!Number.isInteger(year) || year < MIN_PERIOD_YEAR || year > MAX_PERIOD_YEAR) {
    throw invalidPeriod('The period year is out of range.', { year });
  }
  if (quarter !== 1 && quarter !== 2 && quarter !== 3 && quarter !== 4) {
    throw invalidPeriod('The quarter must be 1, 2, 3 or 4.', { quarter });
  }
  const lastMonth = quarter * 3;
  const lastDay = isoDateFromParts(year, lastMonth, SETTLEMENT_DAY_OF_MONTH);
  // The first day is the 21st of the previous settlement month: December of the previous year for Q1.
  const firstDay =
    quarter === 1
      ? isoDateFromParts(year - 1, 12, SETTLEMENT_DAY_OF_MONTH + 1)
      : isoDateFromParts(year, lastMonth - 3, SETTLEMENT_DAY_OF_MONTH + 1);
  return { name: `${year}Q${quarter}`, year, quarter, firstDay, lastDay };
}

/** Parses a period name such as `2026Q3` (four-digit year, capital Q, quarter 1–4, nothing else). */
export function parsePeriod(input: string): SettlementPeriod {
  const match = typeof input === 'string' ? PERIOD_NAME_PATTERN.exec(input) : null;
  if (match === null) {
    throw invalidPeriod('A period is written like 2026Q3.', { input: String(input) });
  }
  return settlementPeriod(Number(match[1]), Number(match[2]));
}

/** The period a date belongs to: 2026-12-20 → 2026Q4, 2026-12-21 → 2027Q1. */
export function periodContaining(date: IsoDate): SettlementPeriod {
  const { year, month, day } = dateParts(date);
  // After the 20th a date already belongs to the period that ends in the following month's quarter.
  const shiftedMonth = day > SETTLEMENT_DAY_OF_MONTH ? month + 1 : month;
  if (shiftedMonth === 13) {
    return settlementPeriod(year + 1, 1);
  }
  return settlementPeriod(year, Math.ceil(shiftedMonth / 3));
}

export function nextPeriod(period: SettlementPeriod): SettlementPeriod {
  return period.quarter === 4
    ? settlementPeriod(period.year + 1, 1)
    : settlementPeriod(period.year, period.quarter + 1);
}

export function previousPeriod(period: SettlementPeriod): SettlementPeriod {
  return period.quarter === 1
    ? settlementPeriod(period.year - 1, 4)
    : settlementPeriod(period.year, period.quarter - 1);
}

/** Days in the period, both ends included (2026Q3 → 92). */
export function daysInPeriod(period: SettlementPeriod): number {
  return daysBetween(period.firstDay, period.lastDay) + 1;
}

/** The day after the period's last day: the exclusive end used by day counting (§6.1). */
export function periodEndExclusive(period: SettlementPeriod): IsoDate {
  return addDays(period.lastDay, 1);
}

export function isDateInPeriod(date: IsoDate, period: SettlementPeriod): boolean {
  return compareDates(period.firstDay, date) <= 0 && compareDates(date, period.lastDay) <= 0;
}

/** True on the 20th of March, June, September and December. */
export function isSettlementDate(date: IsoDate): boolean {
  const { month, day } = dateParts(date);
  return day === SETTLEMENT_DAY_OF_MONTH && month % 3 === 0;
}

/** Orders periods chronologically: -1, 0 or 1. */
export function comparePeriods(left: SettlementPeriod, right: SettlementPeriod): -1 | 0 | 1 {
  return compareDates(left.lastDay, right.lastDay);
}
