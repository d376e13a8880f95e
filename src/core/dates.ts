// Calendar dates without time zones (SPEC §9: dates are `YYYY-MM-DD`).
//
// A business date is a day on the calendar, not an instant, so it never goes through `Date`: local
// time zones and DST would shift it. Dates convert to and from a count of days since 1970-01-01 with
// integer arithmetic (the proleptic Gregorian "days from civil" algorithm), and all arithmetic is
// done on that count. Day counts are small integers, so plain numbers are exact here.
import { CoreInputError, invariant } from './errors';

declare const isoDateBrand: unique symbol;
/** A valid calendar date written `YYYY-MM-DD`; obtain one from `parseIsoDate` or the functions here. */
export type IsoDate = string & { readonly [isoDateBrand]: true };

export type DateParts = { year: number; month: number; day: number };

/** 1 = Monday … 7 = Sunday (ISO 8601). */
export type IsoDayOfWeek = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export const MIN_YEAR = 1000;
export const MAX_YEAR = 9999;

const ISO_DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAYS_PER_400_YEARS = 146097;
// Days from 0000-03-01 (the algorithm's origin) to 1970-01-01.
const EPOCH_OFFSET_DAYS = 719468;

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  invariant(Number.isInteger(month) && month >= 1 && month <= 12, 'month must be 1–12', { month });
  if (month === 2) {
    return isLeapYear(year) ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isValidParts(year: number, month: number, day: number): boolean {
  return (
    Number.isInteger(year) &&
    Number.isInteger(month) &&
    Number.isInteger(day) &&
    year >= MIN_YEAR &&
    year <= MAX_YEAR &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month)
  );
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Builds a date from its parts, refusing impossible ones (2026-02-30) and years outside 1000–9999. */
export function isoDateFromParts(year: number, month: number, day: number): IsoDate {
  if (!isValidParts(year, month, day)) {
    throw new CoreInputError('INVALID_DATE', 'Not a valid calendar date.', { year, month, day });
  }
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}` as IsoDate;
}

export function isIsoDate(input: unknown): input is IsoDate {
  if (typeof input !== 'string') {
    return false;
  }
  const match = ISO_DATE_PATTERN.exec(input);
  return match !== null && isValidParts(Number(match[1]), Number(match[2]), Number(match[3]));
}

/** Parses a strict `YYYY-MM-DD` string: zero-padded, a real calendar day, nothing around it. */
export function parseIsoDate(input: string): IsoDate {
  if (!isIsoDate(input)) {
    throw new CoreInputError('INVALID_DATE', 'A date must be a real calendar day written YYYY-MM-DD.', {
      input: String(input),
    });
  }
  return input;
}

export function dateParts(date: IsoDate): DateParts {
  const match = ISO_DATE_PATTERN.exec(date);
  invariant(match !== null, 'IsoDate is not in YYYY-MM-DD form', { date });
  return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
}

/** Days since 1970-01-01 (negative before it). */
export function toEpochDay(date: IsoDate): number {
  const { year, month, day } = dateParts(date);
  // Count years from March so that the leap day is the last day of the counted year.
  const marchYear = month <= 2 ? year - 1 : year;
  const era = Math.floor(marchYear / 400);
  const yearOfEra = marchYear - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * DAYS_PER_400_YEARS + dayOfEra - EPOCH_OFFSET_DAYS;
}

/** The inverse of `toEpochDay`. */
export function fromEpochDay(epochDay: number): IsoDate {
  invariant(Number.isSafeInteger(epochDay), 'epoch day must be an integer', { epochDay });
  const shifted = epochDay + EPOCH_OFFSET_DAYS;
  const era = Math.floor(shifted / DAYS_PER_400_YEARS);
  const dayOfEra = shifted - era * DAYS_PER_400_YEARS;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36524) -
      Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return isoDateFromParts(year, month, day);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  invariant(Number.isSafeInteger(days), 'days must be an integer', { days });
  return fromEpochDay(toEpochDay(date) + days);
}

/** `to − from` in days: 0 for the same day, negative when `to` is earlier. */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return toEpochDay(to) - toEpochDay(from);
}

/** -1, 0 or 1. The `YYYY-MM-DD` form sorts like the calendar, so string order is date order. */
export function compareDates(left: IsoDate, right: IsoDate): -1 | 0 | 1 {
  if (left === right) {
    return 0;
  }
  return left < right ? -1 : 1;
}

export function minDate(left: IsoDate, right: IsoDate): IsoDate {
  return compareDates(left, right) <= 0 ? left : right;
}

export function maxDate(left: IsoDate, right: IsoDate): IsoDate {
  return compareDates(left, right) >= 0 ? left : right;
}

export function lastDayOfMonth(date: IsoDate): IsoDate {
  const { year, month } = dateParts(date);
  return isoDateFromParts(year, month, daysInMonth(year, month));
}

/**
 * Moves by whole months, keeping the day of month but clamping it to the last day of a shorter month
 * (SPEC §5: instalments fall due "on the disbursement day-of-month (last day of shorter months)").
 * 2026-01-31 + 1 → 2026-02-28. Always count from the original date: (31 Jan + 1) + 1 is 28 Mar,
 * but 31 Jan + 2 is 31 Mar.
 */
export function addMonthsClamped(date: IsoDate, months: number): IsoDate {
  invariant(Number.isSafeInteger(months), 'months must be an integer', { months });
  const { year, month, day } = dateParts(date);
  const monthIndex = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(monthIndex / 12);
  const targetMonth = monthIndex - targetYear * 12 + 1;
  if (targetYear < MIN_YEAR || targetYear > MAX_YEAR) {
    throw new CoreInputError('INVALID_DATE', 'The resulting date is out of range.', { date, months });
  }
  const targetDay = Math.min(day, daysInMonth(targetYear, targetMonth));
  return isoDateFromParts(targetYear, targetMonth, targetDay);
}

export function dayOfWeek(date: IsoDate): IsoDayOfWeek {
  // 1970-01-01 was a Thursday (ISO day 4).
  const zeroBasedFromMonday = (((toEpochDay(date) + 3) % 7) + 7) % 7;
  return (zeroBasedFromMonday + 1) as IsoDayOfWeek;
}
