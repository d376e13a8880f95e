import { addMonthsClamped, compareDates, dateParts, type IsoDate } from '../../core/dates';
import type { LoanStatus } from './loan.entity';

/**
 * The loan's state machine (SPEC §5): pending_guarantee → registered/active → settled;
 * active → overdue → defaulted → compensated / written_off; cancelled. `registered` is a signed
 * contract not yet disbursed (our addition: SPEC's list starts at disbursement).
 */
const TRANSITIONS: Record<LoanStatus, readonly LoanStatus[]> = {
  pending_guarantee: ['registered', 'active', 'cancelled'],
  registered: ['active', 'cancelled'],
  active: ['overdue', 'defaulted', 'settled'],
  overdue: ['active', 'defaulted', 'settled'],
  defaulted: ['compensated', 'written_off', 'settled', 'active', 'overdue'],
  compensated: ['settled'],
  written_off: [],
  // Reopened by a reversal: active, or compensated again when the claim had compensated it.
  settled: ['active', 'overdue', 'defaulted', 'compensated'],
  cancelled: [],
};

export function canTransition(from: LoanStatus, to: LoanStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Statuses in which repayments are accepted: the loan is disbursed, not closed and not compensated (its claim takes recoveries). */
export const REPAYABLE_STATUSES: readonly LoanStatus[] = ['active', 'overdue', 'defaulted'];

/**
 * Whole months of a term: the fewest months m ≥ 0 with start + m months (clamped) on or after
 * maturity. Computed, not counted up to, so that any pair of valid dates has an answer (a maturity
 * centuries away is a term over the model's cap, refused as such, not a failure here).
 */
export function termMonthsBetween(start: IsoDate, maturity: IsoDate): number {
  if (compareDates(maturity, start) <= 0) return 0;
  const s = dateParts(start);
  const m = dateParts(maturity);
  // start + monthsApart lies in maturity's month: on or after maturity it is the answer, else the month after is.
  const monthsApart = (m.year - s.year) * 12 + (m.month - s.month);
  return compareDates(addMonthsClamped(start, monthsApart), maturity) >= 0 ? monthsApart : monthsApart + 1;
}
