// Money and rates as exact decimals (SPEC §6: "All money is decimal … never a JavaScript float").
//
// There is exactly ONE configured decimal.js constructor in the codebase and it lives here. Every
// other module imports `Decimal` from this file (or from `src/core`), never from 'decimal.js'.
//
// Why 40 significant digits: the widest product the core forms is
// base (15 integer digits + up to 4 decimals) × rate (8 decimals) × days (≤ 6 digits), about 33
// significant digits, so every multiplication is exact; only the final division by 360 (§6.1) is
// inexact, and 40 digits leave ample guard digits before any rounding to the fen or the li.
import DecimalJs from 'decimal.js';

import { CoreInputError, invariant } from './errors';

export const Decimal = DecimalJs.clone({
  precision: 40,
  rounding: DecimalJs.ROUND_HALF_UP,
  toExpNeg: -30,
  toExpPos: 40,
});
export type Decimal = DecimalJs;

/** An amount in yuan. Always a Decimal from the configured clone; at most 2 decimals at the edges. */
export type Money = Decimal;

/** The widest amount the programme accepts: 15 integer digits (under a quadrillion yuan). */
export const MONEY_MAX_INTEGER_DIGITS = 15;
export const RATE_MAX_DECIMALS = 8;

// Anchored, no spaces, no sign, no exponent, no leading zeros, 1–2 decimals when a point is present.
const UNSIGNED_MONEY_PATTERN = /^(0|[1-9]\d{0,14})(\.\d{1,2})?$/;
// A rate is an annual fraction strictly below one: "0.0475" is 4.75 %.
const RATE_PATTERN = /^0(\.\d{1,8})?$/;

/**
 * Re-wraps a Decimal into the configured clone. decimal.js computes with the settings of the left
 * operand's constructor, so a value built by another constructor (precision 20) must not lead an
 * operation; core entry points pass their inputs through here.
 */
export function asCoreDecimal(value: Decimal): Decimal {
  invariant(Decimal.isDecimal(value), 'expected a Decimal', { value: String(value) });
  invariant(value.isFinite(), 'expected a finite Decimal', { value: value.toString() });
  // A computed zero can carry a sign ("-0"); money never does.
  return value.isZero() ? new Decimal(0) : new Decimal(value);
}

/** Parses a non-negative amount string such as "50000.00" or "0.5". */
export function parseMoney(input: string): Money {
  if (typeof input !== 'string' || !UNSIGNED_MONEY_PATTERN.test(input)) {
    throw new CoreInputError(
      'INVALID_MONEY',
      'An amount must be a plain decimal string with at most 15 integer digits and 2 decimals, e.g. "50000.00".',
      { input: String(input) },
    );
  }
  return new Decimal(input);
}

/** Parses an amount that may be negative (adjustment lines). "-0" and "-0.00" are refused. */
export function parseSignedMoney(input: string): Money {
  if (typeof input === 'string' && input.startsWith('-')) {
    const magnitude = parseMoney(input.slice(1));
    if (magnitude.isZero()) {
      throw new CoreInputError('INVALID_MONEY', 'A negative zero amount is not allowed.', { input });
    }
    return magnitude.negated();
  }
  return parseMoney(input);
}

/** Throws INVALID_MONEY unless the value is finite and has at most two decimals. */
export function requireMoneyScale(value: Decimal, label: string): Money {
  const amount = asCoreDecimal(value);
  if (amount.decimalPlaces() > 2) {
    throw new CoreInputError('INVALID_MONEY', `${label} must have at most 2 decimals.`, {
      [label]: amount.toString(),
    });
  }
  return amount;
}

/**
 * Formats an amount with exactly two decimals ("606.94", "0.00", "-5.10"). It never rounds: an amount
 * that still has a third decimal here was not rounded where SPEC §6 says, which is a programming error.
 */
export function formatMoney(amount: Money): string {
  const value = asCoreDecimal(amount);
  invariant(value.decimalPlaces() <= 2, 'formatMoney needs an amount already rounded to the fen', {
    amount: value.toString(),
  });
  // Decimal#toFixed is exact decimal formatting (never a float); the invariant above means no rounding.
  return value.toFixed(2);
}

export type MoneyRounding = 'HALF_UP_FEN' | 'HALF_UP_LI' | 'FLOOR_FEN';

/** Rounds half-up (四舍五入, away from zero on a tie) to 0.01. SPEC §6.2 step 3. */
export function roundHalfUpToFen(amount: Decimal): Money {
  return asCoreDecimal(amount).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

/** Rounds half-up to 0.001 (厘). SPEC §6.2 step 2, for segment amounts. */
export function roundHalfUpToLi(amount: Decimal): Decimal {
  return asCoreDecimal(amount).toDecimalPlaces(3, Decimal.ROUND_HALF_UP);
}

/** Rounds towards minus infinity to 0.01. SPEC §6.4 (largest remainder), on non-negative shares. */
export function floorToFen(amount: Decimal): Money {
  return asCoreDecimal(amount).toDecimalPlaces(2, Decimal.ROUND_FLOOR);
}

/** The three roundings SPEC §6 names, selectable by mode for callers that carry the mode as data. */
export function roundMoney(amount: Decimal, mode: MoneyRounding): Decimal {
  switch (mode) {
    case 'HALF_UP_FEN':
      return roundHalfUpToFen(amount);
    case 'HALF_UP_LI':
      return roundHalfUpToLi(amount);
    case 'FLOOR_FEN':
      return floorToFen(amount);
  }
}

/** Exact sum; a total is the sum of its already-rounded lines (SPEC §6.5), so no rounding here. */
export function sumMoney(amounts: readonly Decimal[]): Decimal {
  let total = new Decimal(0);
  for (const amount of amounts) {
    total = total.plus(asCoreDecimal(amount));
  }
  return total;
}

/** Parses an annual rate fraction: 0 ≤ rate < 1, at most 8 decimals, e.g. "0.0475". */
export function parseRate(input: string): Decimal {
  if (typeof input !== 'string' || !RATE_PATTERN.test(input)) {
    throw new CoreInputError(
      'INVALID_RATE',
      'A rate must be an annual fraction from 0 up to (not including) 1 with at most 8 decimals, e.g. "0.0475".',
      { input: String(input) },
    );
  }
  return new Decimal(input);
}

/**
 * Formats a rate with at least 4 decimals (the conventional "0.0475" for 4.75 %) and at most 8,
 * without ever rounding: a rate with more than 8 decimals is a programming error here.
 */
export function formatRate(rate: Decimal): string {
  const value = asCoreDecimal(rate);
  invariant(value.gte(0) && value.lt(1), 'a rate must lie in [0, 1)', { rate: value.toString() });
  invariant(value.decimalPlaces() <= RATE_MAX_DECIMALS, 'a rate has at most 8 decimals', {
    rate: value.toString(),
  });
  const decimals = value.decimalPlaces() < 4 ? 4 : value.decimalPlaces();
  return value.toFixed(decimals);
}
