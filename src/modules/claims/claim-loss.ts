// The loss of a default claim (SPEC §5), as a pure function: outstanding principal + contractual
// interest accrued and unpaid up to the claim date.
import { addDays, compareDates, type IsoDate } from '../../core/dates';
import { splitIntoSegments } from '../../core/daycount';
import { priceSegments } from '../../core/interest';
import { asCoreDecimal, Decimal, sumMoney } from '../../core/money';
import type { ScheduleMethod } from '../../core/schedules';
import { principalBalanceChanges } from '../guarantees/guarantee-fees';

export interface ClaimLossInput {
  claimDate: IsoDate;
  disbursementDate: IsoDate;
  method: ScheduleMethod;
  rateAnnual: Decimal;
  principal: Decimal;
  /** The schedule in force (after any extension). */
  schedule: readonly { dueDate: IsoDate; interestDue: Decimal }[];
  /** Repayments and reversals (negated parts), any order. */
  repayments: readonly { paidOn: IsoDate; principal: Decimal; interest: Decimal }[];
}

export interface ClaimLoss {
  principalOutstanding: Decimal;
  /** Interest of the instalments due on or before the claim date. */
  interestDue: Decimal;
  /** Interest accrued since the last due instalment, up to the day before the claim date. */
  interestAccrued: Decimal;
  accrual: { from: IsoDate; to: IsoDate; days: number } | null;
  interestPaid: Decimal;
  interestUnpaid: Decimal;
  loss: Decimal;
}

/**
 * The rule (SPEC §5 names the parts; where it is silent, this is the choice):
 * - principal outstanding = principal − principal repaid on or before the claim date;
 * - contractual interest accrued to the claim date = the schedule's interest of every instalment due on
 *   or before the claim date, plus the interest accrued since the last of them and not yet due: the
 *   outstanding principal × the loan rate × days / 360 by the §6.2 segment rule (a repayment inside
 *   the window cuts a segment), from the day after a quarterly settlement date (that instalment charged
 *   its 20th, §6.1) or from a monthly due date, or from disbursement, up to the day before the claim
 *   date (算头不算尾). After the last instalment nothing more accrues: later interest is penalty
 *   interest, not contractual, and penalties are not claimed;
 * - unpaid = accrued − interest paid on or before the claim date, never below 0;
 * - loss = principal outstanding + interest unpaid.
 */
export function claimLoss(input: ClaimLossInput): ClaimLoss {
  const upToClaim = input.repayments.filter((r) => compareDates(r.paidOn, input.claimDate) <= 0);
  const principalOutstanding = asCoreDecimal(input.principal).minus(sumMoney(upToClaim.map((r) => r.principal)));
  const interestPaid = sumMoney(upToClaim.map((r) => r.interest));
  const due = input.schedule.filter((row) => compareDates(row.dueDate, input.claimDate) <= 0);
  const interestDue = sumMoney(due.map((row) => row.interestDue));
  const accrued = accruedNotDue(input, due);
  const interestUnpaid = Decimal.max(0, interestDue.plus(accrued.amount).minus(interestPaid));
  return {
    principalOutstanding,
    interestDue,
    interestAccrued: accrued.amount,
    accrual: accrued.window,
    interestPaid,
    interestUnpaid,
    loss: principalOutstanding.plus(interestUnpaid),
  };
}

export interface ClaimStillOwed {
  /** Of the claimed principal: what the loan still owes now. */
  principalOwed: Decimal;
  /** Of the interest unpaid on the claim date: what is still unpaid now. */
  interestOwed: Decimal;
}

/**
 * What the borrower still owes of what a claim was filed for, from the loan's records as they are now
 * (repayments and reversals recorded after the claim was filed count, whatever their dates):
 * - principal owed = the claim-date principal outstanding recomputed now − principal repaid after the
 *   claim date, i.e. the loan's outstanding principal now;
 * - interest owed = the claim-date interest unpaid recomputed now − interest paid after the claim date,
 *   never below 0. Interest paid after the claim date counts against the claimed interest first, so
 *   that a claim never pays for interest the borrower has since paid (a refiled claim dated later
 *   prices any newer interest correctly).
 * A claim is still owed in full while both are at least its principal outstanding and interest unpaid.
 */
export function claimStillOwed(input: ClaimLossInput): ClaimStillOwed {
  const atClaimDate = claimLoss(input);
  const after = input.repayments.filter((r) => compareDates(r.paidOn, input.claimDate) > 0);
  return {
    principalOwed: atClaimDate.principalOutstanding.minus(sumMoney(after.map((r) => r.principal))),
    interestOwed: Decimal.max(0, atClaimDate.interestUnpaid.minus(sumMoney(after.map((r) => r.interest)))),
  };
}

function accruedNotDue(input: ClaimLossInput, due: readonly { dueDate: IsoDate }[]): { amount: Decimal; window: ClaimLoss['accrual'] } {
  const nothing = { amount: new Decimal(0), window: null };
  const stillToCome = input.schedule.some((row) => compareDates(row.dueDate, input.claimDate) > 0);
  if (!stillToCome) return nothing;
  const lastDue = due.reduce<IsoDate | null>((latest, row) => (latest === null || compareDates(row.dueDate, latest) > 0 ? row.dueDate : latest), null);
  const quarterly = input.method === 'interest_quarterly_principal_at_maturity';
  const from = lastDue === null ? input.disbursementDate : quarterly ? addDays(lastDue, 1) : lastDue;
  if (compareDates(from, input.claimDate) >= 0) return nothing;
  const segments = splitIntoSegments({
    from,
    toExclusive: input.claimDate,
    openingBalance: new Decimal(0),
    balanceChanges: principalBalanceChanges(input.principal, input.disbursementDate, input.repayments),
  });
  const days = segments.reduce((total, segment) => total + segment.days, 0);
  return { amount: priceSegments(segments, input.rateAnnual).amount, window: { from, to: addDays(input.claimDate, -1), days } };
}
