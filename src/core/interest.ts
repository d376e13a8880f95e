// Interest subsidy and guarantee-fee amounts for one loan and one period (SPEC §6.2, §6.3).
//
// The flow a service follows:
//   1. `chargeableWindow` and `splitIntoSegments` (daycount.ts) cut the period into segments of
//      constant eligible base, with `eligibleBase` built from `subsidyBase` or `guaranteedBalance`;
//   2. `priceSegments` charges each segment with `segmentAmount` (to the li) and sums the line with
//      `lineAmount` (to the fen).
// Eligibility (OVERDUE, EXTENDED, AFTER_MATURITY) needs the loan's history and is decided by the caller.
import { CoreInputError } from './errors';
import { IsoDate } from './dates';
import { Segment, segmentAmount } from './daycount';
import { asCoreDecimal, Decimal, roundHalfUpToFen, sumMoney } from './money';

export type SubsidyRule =
  | 'none'
  | 'full_up_to_reference'
  | 'fixed_rate_on_linked_base'
  | 'reference_minus_spread';

export type PricedSegment = {
  from: IsoDate;
  to: IsoDate;
  days: number;
  base: Decimal;
  rateAnnual: Decimal;
  /** Rounded half-up to 0.001 (§6.2 step 2). */
  amount: Decimal;
};

export type PricedLine = {
  segments: PricedSegment[];
  /** The sum of the segment amounts rounded half-up to 0.01 (§6.2 step 3). */
  amount: Decimal;
};

function missingParameter(name: string, rule: SubsidyRule): CoreInputError {
  return new CoreInputError('INVALID_SUBSIDY_PARAMETERS', `The rule ${rule} needs ${name}.`, { rule, name });
}

function requireRate(value: Decimal, name: string): Decimal {
  const rate = asCoreDecimal(value);
  if (rate.isNegative() || rate.gte(1)) {
    throw new CoreInputError('INVALID_RATE', `${name} must lie in [0, 1).`, { [name]: rate.toString() });
  }
  return rate;
}

function requireNonNegative(value: Decimal, name: string): Decimal {
  const amount = asCoreDecimal(value);
  if (amount.isNegative()) {
    throw new CoreInputError('INVALID_MONEY', `${name} must not be negative.`, { [name]: amount.toString() });
  }
  return amount;
}

/** The line amount: Σ segment amounts (each already to the li), rounded half-up to the fen. §6.2 step 3. */
export function lineAmount(segmentAmounts: readonly Decimal[]): Decimal {
  return roundHalfUpToFen(sumMoney(segmentAmounts));
}

/** Charges every segment at one annual rate and totals the line (SPEC §6.2 steps 2–3, §6.3). */
export function priceSegments(segments: readonly Segment[], rateAnnual: Decimal): PricedLine {
  const rate = requireRate(rateAnnual, 'rateAnnual');
  const priced = segments.map((segment) => ({
    ...segment,
    rateAnnual: rate,
    amount: segmentAmount(segment.base, rate, segment.days),
  }));
  return { segments: priced, amount: lineAmount(priced.map((segment) => segment.amount)) };
}

/**
 * The annual subsidy rate of a loan under its model's rule (SPEC §6.2):
 * - full_up_to_reference: min(loan rate, reference rate);
 * - fixed_rate_on_linked_base: the model's fixed rate;
 * - reference_minus_spread: loan rate − max(0, reference rate − spread). SPEC is silent when the loan
 *   rate is below reference − spread; a subsidy cannot be negative, so the result is floored at 0.
 * - none: 0.
 */
export function subsidyRate(input: {
  rule: SubsidyRule;
  loanRate: Decimal;
  referenceRate: Decimal;
  fixedRate?: Decimal;
  spread?: Decimal;
}): Decimal {
  const loanRate = requireRate(input.loanRate, 'loanRate');
  const referenceRate = requireRate(input.referenceRate, 'referenceRate');
  switch (input.rule) {
    case 'none':
      return new Decimal(0);
    case 'full_up_to_reference':
      return Decimal.min(loanRate, referenceRate);
    case 'fixed_rate_on_linked_base':
      if (input.fixedRate === undefined) {
        throw missingParameter('fixedRate', input.rule);
      }
      return requireRate(input.fixedRate, 'fixedRate');
    case 'reference_minus_spread': {
      if (input.spread === undefined) {
        throw missingParameter('spread', input.rule);
      }
      const spread = requireRate(input.spread, 'spread');
      const borneByBorrower = Decimal.max(0, referenceRate.minus(spread));
      return Decimal.max(0, loanRate.minus(borneByBorrower));
    }
  }
}

/**
 * The base that earns a subsidy (SPEC §6.2): the outstanding principal, except under
 * fixed_rate_on_linked_base where it is capped at driven households × quota per household (households
 * counted on the period's last day, by the caller). Under `none` nothing earns.
 */
export function subsidyBase(input: {
  rule: SubsidyRule;
  outstanding: Decimal;
  drivenHouseholds?: number;
  quotaPerHousehold?: Decimal;
}): Decimal {
  const outstanding = requireNonNegative(input.outstanding, 'outstanding');
  switch (input.rule) {
    case 'none':
      return new Decimal(0);
    case 'full_up_to_reference':
    case 'reference_minus_spread':
      return outstanding;
    case 'fixed_rate_on_linked_base': {
      const households = input.drivenHouseholds;
      if (households === undefined || input.quotaPerHousehold === undefined) {
        throw missingParameter('drivenHouseholds and quotaPerHousehold', input.rule);
      }
      if (!Number.isSafeInteger(households) || households < 0) {
        throw new CoreInputError(
          'INVALID_SUBSIDY_PARAMETERS',
          'drivenHouseholds must be a whole number ≥ 0.',
          { drivenHouseholds: households },
        );
      }
      const quota = requireNonNegative(input.quotaPerHousehold, 'quotaPerHousehold');
      return Decimal.min(outstanding, quota.times(households));
    }
  }
}

/**
 * Guaranteed balance = outstanding principal × coverage ratio (SPEC §6.3). Not rounded: SPEC names no
 * rounding here, and the segment amount built on it is rounded to the li anyway.
 */
export function guaranteedBalance(outstanding: Decimal, coverageRatio: Decimal): Decimal {
  const principal = requireNonNegative(outstanding, 'outstanding');
  const coverage = asCoreDecimal(coverageRatio);
  if (coverage.isNegative() || coverage.gt(1)) {
    throw new CoreInputError('INVALID_RATIO', 'The coverage ratio must lie in [0, 1].', {
      coverageRatio: coverage.toString(),
    });
  }
  return principal.times(coverage);
}
