import type { IsoDate } from '../core/dates';

/** The programme's timezone (SPEC §8): business dates are calendar days in Asia/Shanghai. */
export const BUSINESS_TIMEZONE = 'Asia/Shanghai';

const formatter = new Intl.DateTimeFormat('en-CA', { timeZone: BUSINESS_TIMEZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/**
 * Asia/Shanghai has been UTC+8 all year since China's last daylight-saving period ended in September
 * 1991; from 1992 the date is computed by adding eight hours, which costs a fraction of
 * Intl.DateTimeFormat#format (paid on every loan read). Earlier instants ask the time-zone database.
 */
const FIXED_OFFSET_FROM_MS = Date.UTC(1992, 0, 1);
const OFFSET_MS = 8 * 60 * 60 * 1000;
/** toISOString writes years past 9999 with a sign and six digits; those go to the formatter. */
const MAX_ISO_YEAR_MS = Date.UTC(9999, 11, 31, 0, 0, 0);

/** Today's business date. The core never reads the clock; services call this and pass the date in. */
export function todayInShanghai(now: Date = new Date()): IsoDate {
  const ms = now.getTime();
  if (ms >= FIXED_OFFSET_FROM_MS && ms < MAX_ISO_YEAR_MS) return new Date(ms + OFFSET_MS).toISOString().slice(0, 10) as IsoDate;
  return formatter.format(now) as IsoDate;
}
