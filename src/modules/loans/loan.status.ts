import { addMonthsClamped, compareDates, type IsoDate } from '../../core/dates';
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
  settled: ['active', 'overdue', 'defaulted'],
  cancelled: [],
};

export function canTransition(from: LoanStatus, to: LoanStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Statuses in which repayments are accepted: the loan is disbursed and not closed. */
export const REPAYABLE_STATUSES: readonly LoanStatus[] = ['active', 'overdue', 'defaulted', 'compensated'];

/** Whole months of a term: the fewest months m with start + m months (clamped) on or after maturity. */
export function termMonthsBetween(start: IsoDate, maturity: IsoDate): number {
  let months = 0;
  while (compareDates(addMonthsClamped(start, months), maturity) < 0) {
    months += 1;
    if (months > 1200) throw new RangeError('a term of more than 100 years');
  }
  return months;
}
