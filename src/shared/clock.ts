import type { IsoDate } from '../core/dates';

/** The programme's timezone (SPEC §8): business dates are calendar days in Asia/Shanghai. */
export const BUSINESS_TIMEZONE = 'Asia/Shanghai';

const formatter = new Intl.DateTimeFormat('en-CA', { timeZone: BUSINESS_TIMEZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/** Today's business date. The core never reads the clock; services call this and pass the date in. */
export function todayInShanghai(now: Date = new Date()): IsoDate {
  return formatter.format(now) as IsoDate;
}
