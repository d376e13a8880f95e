// The guarantee fee and its subsidy for one loan and one settlement period (SPEC §6.3), as pure
// functions: the guarantees endpoint and the settlement batches call the same code.
import { compareDates, type IsoDate, minDate } from '../../core/dates';
import { type BalanceChange, chargeableWindow, splitIntoSegments } from '../../core/daycount';
import { invariant } from '../../core/errors';
import { guaranteedBalance, type PricedLine, priceSegments } from '../../core/interest';
import { asCoreDecimal, Decimal } from '../../core/money';
import type { SettlementPeriod } from '../../core/periods';

export interface PrincipalMovement {
  paidOn: IsoDate;
  /** Principal repaid; a reversal carries the negated principal of the repayment it undoes. */
  principal: Decimal;
}

/** At most this many repayments on one loan: a monthly loan of 50 years with a reversal each month. */
const MAX_MOVEMENTS = 10_000;

/**
 * The loan's outstanding principal as balance changes (SPEC §6.1: the balance at the end of each day):
 * the principal on the disbursement day, then after each date with repayments the principal less
 * everything repaid up to and including that date. Reversals are value-dated to the repayment they
 * undo, so they cancel it on that very date.
 */
export function principalBalanceChanges(principal: Decimal, disbursementDate: IsoDate, repayments: readonly PrincipalMovement[]): BalanceChange[] {
  invariant(repayments.length <= MAX_MOVEMENTS, 'too many repayments', { count: repayments.length });
  const repaidByDate = new Map<IsoDate, Decimal>();
  for (const repayment of repayments) {
    repaidByDate.set(repayment.paidOn, (repaidByDate.get(repayment.paidOn) ?? new Decimal(0)).plus(asCoreDecimal(repayment.principal)));
  }
  const changes: BalanceChange[] = [{ date: disbursementDate, balanceAfter: asCoreDecimal(principal) }];
  let repaid = new Decimal(0);
  for (const date of [...repaidByDate.keys()].sort(compareDates)) {
    repaid = repaid.plus(repaidByDate.get(date)!);
    const balance = asCoreDecimal(principal).minus(repaid);
    invariant(!balance.isNegative(), 'more principal repaid than lent', { date, balance: balance.toString() });
    changes.push({ date, balanceAfter: balance });
  }
  return changes;
}

export interface GuaranteeFeeInput {
  period: SettlementPeriod;
  /** Null while the loan is not disbursed: nothing is guaranteed yet, nothing is charged. */
  disbursementDate: IsoDate | null;
  /** The contractual maturity: the fee subsidy stops here, as interest subsidies do (SPEC §6.2). */
  originalMaturityDate: IsoDate;
  /** The maturity in force, extensions included: the guaranteed term, which the fee is charged for. */
  currentMaturityDate: IsoDate;
  /** The claim date when the guarantee was called (代偿): neither fee nor subsidy runs from it on. */
  claimDate?: IsoDate | null;
  principal: Decimal;
  repayments: readonly PrincipalMovement[];
  coverageRatio: Decimal;
  feeRateAnnual: Decimal;
  feeSubsidyRateAnnual: Decimal;
}

export interface GuaranteeFeeLines {
  /** Charged by the guarantor: guaranteed balance × fee rate × days / 360 per segment. */
  fee: PricedLine;
  /** Paid by the government: guaranteed balance × fee-subsidy rate × days / 360 per segment. */
  feeSubsidy: PricedLine;
}

const NOTHING: PricedLine = { segments: [], amount: new Decimal(0) };

/**
 * SPEC §6.3: guaranteed balance = outstanding principal × coverage ratio; per period, fee = guaranteed
 * balance × fee rate × days / 360 and subsidy = guaranteed balance × fee-subsidy rate × days / 360,
 * each by the segment rule of §6.2 (segments of constant guaranteed balance, each rounded half-up to
 * the li, the line to the fen). The guaranteed balance follows principal repayments; the day count is
 * §6.1's (the disbursement day charged, the last day not).
 * Example: 50,000.00 at coverage 0.8, subsidy 1.5 %, 2026Q3 (92 days): 40,000 × 0.015 × 92 / 360 =
 * 153.333 → 153.33.
 */
export function guaranteeFeesForPeriod(input: GuaranteeFeeInput): GuaranteeFeeLines {
  if (input.disbursementDate === null) return { fee: NOTHING, feeSubsidy: NOTHING };
  const disbursementDate = input.disbursementDate;
  const stop = (maturity: IsoDate): IsoDate => (input.claimDate ? minDate(maturity, input.claimDate) : maturity);
  const balanceChanges = principalBalanceChanges(input.principal, disbursementDate, input.repayments);
  const price = (maturityDate: IsoDate, rateAnnual: Decimal): PricedLine => {
    const window = chargeableWindow({ period: input.period, disbursementDate, maturityDate });
    if (!window) return NOTHING;
    const segments = splitIntoSegments({
      ...window,
      openingBalance: new Decimal(0),
      balanceChanges,
      eligibleBase: (outstanding) => guaranteedBalance(outstanding, input.coverageRatio),
    });
    return priceSegments(segments, rateAnnual);
  };
  const fee = price(stop(input.currentMaturityDate), input.feeRateAnnual);
  const feeSubsidy = price(stop(input.originalMaturityDate), input.feeSubsidyRateAnnual);
  return { fee, feeSubsidy };
}
