// One loan's subsidy line for one settlement period (SPEC §6.1–§6.3, §7): the pure part of the
// settlement engine. No I/O, no clock: the caller loads the loan's facts (settlement-source.ts) and
// passes the period. Every worked example of SPEC §6.2–§6.3 goes through this function in the tests.
import {
  addDays,
  chargeableWindow,
  compareDates,
  Decimal,
  guaranteedBalance,
  maxDate,
  priceSegments,
  splitIntoSegments,
  subsidyBase,
  subsidyRate,
  sumMoney,
  type BalanceChange,
  type IsoDate,
  type PricedSegment,
  type SettlementPeriod,
} from '../../core';
import type { GuaranteeRule, SubsidyRule } from '../models/model-parameters';

/** Why a line earns nothing (SPEC §6.2 "Eligibility"), in the order SPEC lists them. */
export const ZERO_REASONS = ['OVERDUE', 'EXTENDED', 'AFTER_MATURITY'] as const;
export type ZeroReason = (typeof ZERO_REASONS)[number];

/** A net amount on one value date: repayments and the reversals that undo them, summed. */
export interface DatedAmount {
  date: IsoDate;
  amount: Decimal;
}

/** One schedule row: the principal and the interest due on its date, in schedule order. */
export interface Instalment {
  dueDate: IsoDate;
  principalDue: Decimal;
  interestDue: Decimal;
}

/** What the engine needs to know about one loan for one period. */
export interface LoanSubsidyFacts {
  borrowerKind: 'household' | 'enterprise';
  principal: Decimal;
  rateAnnual: Decimal;
  referenceRateAnnual: Decimal;
  disbursementDate: IsoDate;
  /**
   * The contractual (original) maturity: subsidies stop there even after an extension. The line's
   * charged days do not stop at any maturity: a loan still owing after it is charged (SPEC §6.1) and
   * stays on the statement with 0.00 and its reason (SPEC §6.2).
   */
  maturityDate: IsoDate;
  subsidy: SubsidyRule;
  guarantee: GuaranteeRule;
  hasGuarantor: boolean;
  /** Households the enterprise drives on the period's last day (fixed_rate_on_linked_base only). */
  drivenHouseholds: number;
  /** Net principal repaid per value date, dates up to the period's last day. */
  principalRepaid: readonly DatedAmount[];
  /** Net interest paid per value date, dates up to the period's last day. */
  interestPaid: readonly DatedAmount[];
  /** The current schedule's instalments due on or before the period's last day, in order. */
  instalments: readonly Instalment[];
  /** A loan_events 'extended' row has its effective date inside the period. */
  extendedInPeriod: boolean;
}

export interface SubsidyLine {
  /** Days of the period charged on a positive balance (SPEC §6.1), whether or not they earn, after maturity too. */
  days: number;
  /** Balance at the end of the day before the period, and at the end of its last day. */
  openingBalance: Decimal;
  closingBalance: Decimal;
  /** The interest-subsidy rate, or null when the model has no interest subsidy. */
  interestRate: Decimal | null;
  interestSegments: PricedSegment[];
  interestSubsidy: Decimal;
  /** The guarantee-fee subsidy rate, or null when the loan carries none. */
  feeSubsidyRate: Decimal | null;
  feeSegments: PricedSegment[];
  guaranteeFeeSubsidy: Decimal;
  totalAmount: Decimal;
  reason: ZeroReason | null;
}

/**
 * The loan's line for the period, or null when no day of the period is charged (a loan with no days
 * in the period is not a line). A line earns nothing, with its reason, when the loan was overdue,
 * extended, or past its original maturity in the period (SPEC §6.2 "Eligibility").
 */
export function computeSubsidyLine(facts: LoanSubsidyFacts, period: SettlementPeriod): SubsidyLine | null {
  const changes = balanceChanges(facts);
  // Charged days (§6.1): from the disbursement day (in) to the period's 20th (in), each day with a
  // positive balance at its end. Not cut at the maturity: a loan repaid on its maturity day has a zero
  // balance from then on (that day is not charged); one still owing after it is charged and keeps its
  // line, with 0.00 and its reason (§6.2 "such loans still appear on the statement", §7 one line per loan).
  const outstanding = chargeableWindow({ period, disbursementDate: facts.disbursementDate });
  if (!outstanding) return null;
  const chargedDays = splitIntoSegments({ ...outstanding, openingBalance: new Decimal(0), balanceChanges: changes }).reduce((sum, s) => sum + s.days, 0);
  if (chargedDays === 0) return null;

  const interestRate = interestRateOf(facts);
  const feeSubsidyRate = feeSubsidyRateOf(facts);
  const reason = zeroReason(facts, period);
  const line: SubsidyLine = {
    days: chargedDays,
    openingBalance: balanceAtEndOf(facts, addDays(period.firstDay, -1)),
    closingBalance: balanceAtEndOf(facts, period.lastDay),
    interestRate,
    interestSegments: [],
    interestSubsidy: new Decimal(0),
    feeSubsidyRate,
    feeSegments: [],
    guaranteeFeeSubsidy: new Decimal(0),
    totalAmount: new Decimal(0),
    reason,
  };
  // Subsidised days stop at the ORIGINAL maturity (§6.2: nothing "after its original maturity").
  const subsidised = chargeableWindow({ period, disbursementDate: facts.disbursementDate, maturityDate: facts.maturityDate });
  if (reason !== null || !subsidised) return line;

  if (interestRate !== null) {
    const eligibleBase = (balance: Decimal) => subsidyBase({ rule: facts.subsidy.rule, outstanding: balance, ...linkedBaseParameters(facts) });
    const priced = priceSegments(splitIntoSegments({ ...subsidised, openingBalance: new Decimal(0), balanceChanges: changes, eligibleBase }), interestRate);
    line.interestSegments = priced.segments;
    line.interestSubsidy = priced.amount;
  }
  if (feeSubsidyRate !== null && facts.guarantee.required) {
    const coverage = new Decimal(facts.guarantee.coverageRatio);
    const eligibleBase = (balance: Decimal) => guaranteedBalance(balance, coverage);
    const priced = priceSegments(splitIntoSegments({ ...subsidised, openingBalance: new Decimal(0), balanceChanges: changes, eligibleBase }), feeSubsidyRate);
    line.feeSegments = priced.segments;
    line.guaranteeFeeSubsidy = priced.amount;
  }
  // §6.5: a total is the sum of already-rounded amounts.
  line.totalAmount = sumMoney([line.interestSubsidy, line.guaranteeFeeSubsidy]);
  return line;
}

/** SPEC §6.2 subsidy rate under the loan's model rule; null under `none`. */
export function interestRateOf(facts: Pick<LoanSubsidyFacts, 'subsidy' | 'rateAnnual' | 'referenceRateAnnual'>): Decimal | null {
  const rule = facts.subsidy;
  if (rule.rule === 'none') return null;
  return subsidyRate({
    rule: rule.rule,
    loanRate: facts.rateAnnual,
    referenceRate: facts.referenceRateAnnual,
    ...(rule.rule === 'fixed_rate_on_linked_base' ? { fixedRate: new Decimal(rule.rateAnnual) } : {}),
    ...(rule.rule === 'reference_minus_spread' ? { spread: new Decimal(rule.spread) } : {}),
  });
}

/**
 * SPEC §6.3: the fee-subsidy rate for the borrower's kind, only for a loan with a guarantor under a
 * model whose guarantee is required; null when there is none or it is zero.
 */
export function feeSubsidyRateOf(facts: Pick<LoanSubsidyFacts, 'guarantee' | 'hasGuarantor' | 'borrowerKind'>): Decimal | null {
  if (!facts.guarantee.required || !facts.hasGuarantor) return null;
  const rate = new Decimal(facts.guarantee.feeSubsidyRates[facts.borrowerKind]);
  return rate.isZero() ? null : rate;
}

function linkedBaseParameters(facts: LoanSubsidyFacts): { drivenHouseholds?: number; quotaPerHousehold?: Decimal } {
  return facts.subsidy.rule === 'fixed_rate_on_linked_base'
    ? { drivenHouseholds: facts.drivenHouseholds, quotaPerHousehold: new Decimal(facts.subsidy.quotaPerHousehold) }
    : {};
}

/**
 * The reason a line earns nothing, the first that applies in SPEC's order:
 * - OVERDUE: an instalment due on or before the period's last day was not paid in full by its due
 *   date, and that shortfall reaches into the period (see isOverdueInPeriod);
 * - EXTENDED: the loan was extended (展期) with an effective date inside the period;
 * - AFTER_MATURITY: the period lies after the original maturity. The maturity day itself is never
 *   subsidised (§6.1: it is charged only while the loan still owes), so a period starting on it has no
 *   subsidisable day either.
 */
export function zeroReason(facts: LoanSubsidyFacts, period: SettlementPeriod): ZeroReason | null {
  if (isOverdueInPeriod(facts.instalments, { principal: facts.principalRepaid, interest: facts.interestPaid }, period)) return 'OVERDUE';
  if (facts.extendedInPeriod) return 'EXTENDED';
  if (compareDates(period.firstDay, facts.maturityDate) >= 0) return 'AFTER_MATURITY';
  return null;
}

/**
 * Each part is paid on its own (SPEC §5: a repayment has principal and interest parts): instalment k
 * is paid in full by a date when the principal paid by then covers the principal of instalments
 * 1…k and the interest paid by then covers their interest (value-dated, reversals netted). Principal
 * repaid ahead covers later principal, never interest; the schedule's interest is on the balance
 * actually outstanding (interestOnBalances), so paying what accrued is paying in full. The period is
 * OVERDUE when some instalment due on or before its last day was not paid in full by its due date
 * and was still short when the period began (one due inside the period counts as soon as it is
 * missed). A shortfall cured before the period does not follow the loan forever: SPEC §6.2 says "a
 * period in which" the instalment was not paid, so it is judged within the period.
 */
export function isOverdueInPeriod(
  instalments: readonly Instalment[],
  paid: { principal: readonly DatedAmount[]; interest: readonly DatedAmount[] },
  period: SettlementPeriod,
): boolean {
  const dayBeforePeriod = addDays(period.firstDay, -1);
  const principal = cumulativeBy(paid.principal);
  const interest = cumulativeBy(paid.interest);
  let principalDue = new Decimal(0);
  let interestDue = new Decimal(0);
  for (const instalment of instalments) {
    if (compareDates(instalment.dueDate, period.lastDay) > 0) break;
    principalDue = principalDue.plus(instalment.principalDue);
    interestDue = interestDue.plus(instalment.interestDue);
    const checkedOn = maxDate(instalment.dueDate, dayBeforePeriod);
    if (principal(checkedOn).lessThan(principalDue) || interest(checkedOn).lessThan(interestDue)) return true;
  }
  return false;
}

/** What was paid up to and including a date, from amounts per value date. */
function cumulativeBy(amounts: readonly DatedAmount[]): (date: IsoDate) => Decimal {
  return (date) => sumMoney(amounts.filter((a) => compareDates(a.date, date) <= 0).map((a) => a.amount));
}

/** The balance at the end of each value date: the principal from disbursement, less what was repaid. */
export function balanceChanges(facts: Pick<LoanSubsidyFacts, 'principal' | 'disbursementDate' | 'principalRepaid'>): BalanceChange[] {
  const changes: BalanceChange[] = [{ date: facts.disbursementDate, balanceAfter: facts.principal }];
  let balance = facts.principal;
  for (const repaid of [...facts.principalRepaid].sort((a, b) => compareDates(a.date, b.date))) {
    balance = balance.minus(repaid.amount);
    changes.push({ date: maxDate(repaid.date, facts.disbursementDate), balanceAfter: balance });
  }
  return changes;
}

/** The outstanding principal at the end of a day (0 before disbursement). */
export function balanceAtEndOf(facts: Pick<LoanSubsidyFacts, 'principal' | 'disbursementDate' | 'principalRepaid'>, date: IsoDate): Decimal {
  if (compareDates(date, facts.disbursementDate) < 0) return new Decimal(0);
  const repaid = facts.principalRepaid.filter((r) => compareDates(r.date, date) <= 0).map((r) => r.amount);
  return facts.principal.minus(sumMoney(repaid));
}
