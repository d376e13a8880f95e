import { invariant } from '../../core/errors';
import { asCoreDecimal, floorToFen, formatMoney, type Decimal } from '../../core/money';
import type { RuleFailure } from '../models/eligibility';
import type { FundMovementKind } from './fund-movement.entity';

/**
 * The pure rules of risk-compensation funds (风险补偿金) and circuit breakers (熔断), SPEC §5: no
 * database, no clock. The queries in fund-checks.ts gather the sums; these functions decide.
 */

export const FUND_RULE_CODES = {
  noFund: 'NO_RISK_FUND',
  capacityExceeded: 'FUND_CAPACITY_EXCEEDED',
  balanceNegative: 'FUND_BALANCE_NEGATIVE',
  withdrawalBelowNeed: 'FUND_WITHDRAWAL_BELOW_OUTSTANDING',
  breakerTownship: 'CIRCUIT_BREAKER_TOWNSHIP',
  breakerVillage: 'CIRCUIT_BREAKER_VILLAGE',
} as const;

/** Deposits, top-ups and recoveries add to the balance; withdrawals and payouts take from it. */
const INFLOW_KINDS: readonly FundMovementKind[] = ['deposit', 'top_up', 'recovery'];

/** The signed amount stored for a movement of `kind` whose magnitude is `amount` (> 0). */
export function signedAmount(kind: FundMovementKind, amount: Decimal): Decimal {
  const magnitude = asCoreDecimal(amount);
  invariant(magnitude.gt(0) && magnitude.decimalPlaces() <= 2, 'a movement amount is a positive amount in fen', { amount: magnitude.toString() });
  return INFLOW_KINDS.includes(kind) ? magnitude : magnitude.negated();
}

/**
 * SPEC §5: loans under a fund may not exceed balance × multiple in outstanding principal. The
 * product can have four decimals (multiple has two); it is floored to the fen, which changes no
 * decision because principals are whole fen: `x ≤ floor(c)` exactly when `x ≤ c` for such x.
 */
export function fundCapacity(balance: Decimal, multiple: Decimal): Decimal {
  return floorToFen(asCoreDecimal(balance).times(asCoreDecimal(multiple)));
}

/** Registration check (SPEC §5): outstanding + the new principal ≤ capacity; exactly the capacity passes. */
export function checkCapacity(args: { balance: Decimal; multiple: Decimal; outstanding: Decimal; principal: Decimal }): RuleFailure | null {
  const capacity = fundCapacity(args.balance, args.multiple);
  const needed = asCoreDecimal(args.outstanding).plus(asCoreDecimal(args.principal));
  if (needed.lte(capacity)) return null;
  return {
    code: FUND_RULE_CODES.capacityExceeded,
    field: 'principal',
    message:
      `the fund's outstanding principal ${formatMoney(asCoreDecimal(args.outstanding))} plus this loan's ${formatMoney(asCoreDecimal(args.principal))} ` +
      `would be ${formatMoney(needed)}, above its capacity of ${formatMoney(capacity)} (balance ${formatMoney(asCoreDecimal(args.balance))} × ${asCoreDecimal(args.multiple).toFixed()})`,
    limit: formatMoney(capacity),
    actual: formatMoney(needed),
  };
}

export interface BalanceChangeProblem {
  field: string;
  rule: string;
  message: string;
  limit: string;
  actual: string;
}

/**
 * A movement's effect on the balance. No movement may take the balance below zero; a withdrawal
 * also may not leave the fund unable to carry its open loans (outstanding ≤ new balance × multiple,
 * SPEC §5). Payouts are exempt from the second rule: a payout settles a defaulted loan's claim and
 * is owed whatever the capacity left.
 */
export function checkBalanceChange(args: {
  kind: FundMovementKind;
  balance: Decimal;
  multiple: Decimal;
  outstanding: Decimal;
  signedAmount: Decimal;
  /**
   * For a movement dated before today: the lowest end-of-day balance from its date on, and that day.
   * Money taken on a past date is missing from every day since, so none of them may go below zero.
   */
  lowestSince?: { date: string; balance: Decimal };
}): { balanceAfter: Decimal; problems: BalanceChangeProblem[] } {
  const balance = asCoreDecimal(args.balance);
  const amount = asCoreDecimal(args.signedAmount);
  const balanceAfter = balance.plus(amount);
  const lowestAfter = args.lowestSince && asCoreDecimal(args.lowestSince.balance).plus(amount);
  const problems: BalanceChangeProblem[] = [];
  if (balanceAfter.lt(0)) {
    problems.push({
      field: 'amount',
      rule: FUND_RULE_CODES.balanceNegative,
      message: `the fund holds ${formatMoney(balance)}; taking ${formatMoney(amount.abs())} would leave ${formatMoney(balanceAfter)}`,
      limit: formatMoney(balance),
      actual: formatMoney(amount.abs()),
    });
  } else if (args.lowestSince && lowestAfter?.lt(0)) {
    const held = asCoreDecimal(args.lowestSince.balance);
    problems.push({
      field: 'amount',
      rule: FUND_RULE_CODES.balanceNegative,
      message:
        `at the end of ${args.lowestSince.date} the fund held ${formatMoney(held)}; taking ${formatMoney(amount.abs())} ` +
        `on an earlier date would leave ${formatMoney(lowestAfter)} that day`,
      limit: formatMoney(held),
      actual: formatMoney(amount.abs()),
    });
  } else if (args.kind === 'withdrawal') {
    const capacityAfter = fundCapacity(balanceAfter, args.multiple);
    const outstanding = asCoreDecimal(args.outstanding);
    if (outstanding.gt(capacityAfter)) {
      problems.push({
        field: 'amount',
        rule: FUND_RULE_CODES.withdrawalBelowNeed,
        message:
          `after the withdrawal the fund could carry ${formatMoney(capacityAfter)} (balance ${formatMoney(balanceAfter)} × ${asCoreDecimal(args.multiple).toFixed()}), ` +
          `less than the ${formatMoney(outstanding)} outstanding principal of its open loans`,
        limit: formatMoney(capacityAfter),
        actual: formatMoney(outstanding),
      });
    }
  }
  return { balanceAfter, problems };
}

export type BreakerLevel = 'township' | 'village';

/** The region prefixes of a loan's region path at which breakers apply, for the levels present. */
export interface BreakerRegions {
  township?: { code: string; prefix: string };
  village?: { code: string; prefix: string };
}

const REGION_PATH_PATTERN = /^(\d{6}\/)+(\d{9}\/(\d{12}\/)?)?$/;

/**
 * Reads `410200/410225/410225100/410225100201/` (city/county/township/village). An enterprise's path
 * may stop at the county or the township; only the levels present are returned. Township codes
 * have 9 digits and village codes 12, whatever lies above them.
 */
export function breakerRegionsOf(regionPath: string): BreakerRegions {
  invariant(REGION_PATH_PATTERN.test(regionPath), 'a region path is codes separated and ended by "/"', { regionPath });
  const codes = regionPath.split('/').filter((code) => code !== '');
  const regions: BreakerRegions = {};
  let prefix = '';
  for (const code of codes) {
    prefix += `${code}/`;
    if (code.length === 9) regions.township = { code, prefix };
    if (code.length === 12) regions.village = { code, prefix };
  }
  return regions;
}

/** The sums of one region under one model, as the breaker query returns them. */
export interface RegionNpl {
  level: BreakerLevel;
  regionCode: string;
  /** Outstanding principal of defaulted loans. */
  defaultedPrincipal: Decimal;
  /** Outstanding principal of all open loans (defaulted included). */
  outstandingPrincipal: Decimal;
  /** defaulted / outstanding rounded half-up to 4 decimals (0 when nothing is outstanding), for display. */
  nplRatio: Decimal;
}

/**
 * SPEC §5 熔断: refused when the non-performing ratio EXCEEDS the threshold (strictly). Decided on
 * the exact sums, defaulted > threshold × outstanding, so that rounding the shown ratio to four
 * decimals never flips a decision; a region with nothing outstanding has ratio 0 and passes.
 */
export function checkBreaker(npl: RegionNpl, threshold: Decimal): RuleFailure | null {
  const limit = asCoreDecimal(threshold);
  const exceeds = asCoreDecimal(npl.defaultedPrincipal).gt(limit.times(asCoreDecimal(npl.outstandingPrincipal)));
  if (!exceeds) return null;
  const ratio = asCoreDecimal(npl.nplRatio).toFixed(4);
  const township = npl.level === 'township';
  return {
    code: township ? FUND_RULE_CODES.breakerTownship : FUND_RULE_CODES.breakerVillage,
    field: 'regionPath',
    message:
      `new loans under this model are suspended in ${npl.level} ${npl.regionCode}: its non-performing ratio ${ratio} ` +
      `(defaulted ${formatMoney(asCoreDecimal(npl.defaultedPrincipal))} of ${formatMoney(asCoreDecimal(npl.outstandingPrincipal))} outstanding) exceeds ${limit.toFixed()}`,
    limit: limit.toFixed(),
    actual: ratio,
  };
}
