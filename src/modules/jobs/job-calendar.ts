import { addDays, compareDates, dateParts, dayOfWeek, daysBetween, type IsoDate } from '../../core/dates';
import { invariant } from '../../core/errors';
import { isSettlementDate, periodContaining, previousPeriod, type SettlementPeriod } from '../../core/periods';
import { BUSINESS_TIMEZONE } from '../../shared/clock';

/**
 * When each job is due (SPEC §8), as pure functions of dates: which business dates a job runs for,
 * its cron expression, and the working-day count used by the submission reminders. No clock is read
 * here; callers pass `now`.
 */

/** daily; the 1st of every month; the 21st of March, June, September and December. */
export type Cadence = 'daily' | 'monthly' | 'after_settlement_date';

export interface JobTime {
  cadence: Cadence;
  /** Wall-clock time in Asia/Shanghai. */
  hour: number;
  minute: number;
}

/** Missed runs older than this are not caught up at start: an outage longer than a month needs a person. */
export const CATCH_UP_DAYS = 31;

const MAX_WORKING_DAY_SPAN_DAYS = 3660;

/** The node-cron 4 expression (minute hour day-of-month month day-of-week), read in Asia/Shanghai. */
export function cronExpression(time: JobTime): string {
  invariant(Number.isInteger(time.hour) && time.hour >= 0 && time.hour < 24, 'hour is 0–23', { hour: time.hour });
  invariant(Number.isInteger(time.minute) && time.minute >= 0 && time.minute < 60, 'minute is 0–59', { minute: time.minute });
  switch (time.cadence) {
    case 'daily':
      return `${time.minute} ${time.hour} * * *`;
    case 'monthly':
      return `${time.minute} ${time.hour} 1 * *`;
    case 'after_settlement_date':
      return `${time.minute} ${time.hour} 21 3,6,9,12 *`;
  }
}

/** True when the job runs for this business date. */
export function isDueOn(cadence: Cadence, date: IsoDate): boolean {
  switch (cadence) {
    case 'daily':
      return true;
    case 'monthly':
      return dateParts(date).day === 1;
    case 'after_settlement_date':
      return isSettlementDate(addDays(date, -1));
  }
}

/** The settlement period that ended the day before `date` (the 21st after a settlement date). */
export function periodEndedBefore(date: IsoDate): SettlementPeriod {
  const lastDay = addDays(date, -1);
  invariant(isSettlementDate(lastDay), 'settlement drafts run on the day after a settlement date', { date });
  return periodContaining(lastDay);
}

/** The business date and the minutes since midnight of an instant, in Asia/Shanghai. */
export function shanghaiClock(now: Date): { date: IsoDate; minuteOfDay: number } {
  const parts = Object.fromEntries(SHANGHAI_PARTS.formatToParts(now).map((p) => [p.type, p.value]));
  // Some ICU versions write midnight as hour 24 with hourCycle h23 unset; normalise it.
  const hour = Number(parts.hour) % 24;
  return { date: `${parts.year}-${parts.month}-${parts.day}` as IsoDate, minuteOfDay: hour * 60 + Number(parts.minute) };
}

const SHANGHAI_PARTS = new Intl.DateTimeFormat('en-CA', {
  timeZone: BUSINESS_TIMEZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/**
 * The business dates, oldest first, on which the job was due between CATCH_UP_DAYS ago and `now`:
 * today counts only once its scheduled time has passed, since otherwise the schedule still runs it.
 */
export function dueDatesUpTo(time: JobTime, now: Date): IsoDate[] {
  const clock = shanghaiClock(now);
  const last = clock.minuteOfDay >= time.hour * 60 + time.minute ? clock.date : addDays(clock.date, -1);
  const dates: IsoDate[] = [];
  for (let date = addDays(clock.date, -CATCH_UP_DAYS); compareDates(date, last) <= 0; date = addDays(date, 1)) {
    if (isDueOn(time.cadence, date)) dates.push(date);
  }
  return dates;
}

/**
 * Working days after `from` up to and including `to`: Monday to Friday. There is no holiday
 * calendar (the State Council publishes one each December, with swapped weekend working days);
 * until one is loaded a public holiday counts as a working day, so a reminder can come early, never late.
 */
export function workingDaysAfter(from: IsoDate, to: IsoDate): number {
  invariant(daysBetween(from, to) <= MAX_WORKING_DAY_SPAN_DAYS, 'working days are counted over at most ten years', { from, to });
  let count = 0;
  for (let date = addDays(from, 1); compareDates(date, to) <= 0; date = addDays(date, 1)) {
    if (isWorkingDay(date)) count += 1;
  }
  return count;
}

export function isWorkingDay(date: IsoDate): boolean {
  return dayOfWeek(date) <= 5;
}

/** The `n`th working day after `from` (Monday to Friday, no holiday calendar, as above). */
export function addWorkingDays(from: IsoDate, n: number): IsoDate {
  invariant(Number.isInteger(n) && n >= 1 && n <= 366, 'n is 1–366 working days', { n });
  let date = from;
  for (let counted = 0; counted < n; ) {
    date = addDays(date, 1);
    if (isWorkingDay(date)) counted += 1;
  }
  return date;
}

/** SPEC §7: a bank submits its batch within 3 working days of the period's end. */
export const SUBMISSION_WORKING_DAYS = 3;

/**
 * The newest settlement period whose batches are late on `date`: more than 3 working days have
 * passed since its last day. Every older period is late too.
 */
export function newestLatePeriod(date: IsoDate): SettlementPeriod {
  const ended = previousPeriod(periodContaining(date));
  return workingDaysAfter(ended.lastDay, date) > SUBMISSION_WORKING_DAYS ? ended : previousPeriod(ended);
}
