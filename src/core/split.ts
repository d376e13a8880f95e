// Splitting an amount among parties by the largest-remainder method (SPEC §6.4), used for default
// claims and their recoveries. Shares always add up to the amount exactly, to the fen.
import { CoreInputError, invariant } from './errors';
import { asCoreDecimal, Decimal, floorToFen, requireMoneyScale, sumMoney } from './money';

/** A risk-sharing list has a handful of parties; the cap keeps the sort and the loops bounded. */
export const MAX_SPLIT_PARTIES = 100;
/** Ratios are finite decimal fractions; 20 decimals keep ratio × amount exact at 40 digits. */
const MAX_RATIO_DECIMALS = 20;
const FEN = new Decimal('0.01');

function requireRatios(ratios: readonly Decimal[]): Decimal[] {
  if (ratios.length === 0 || ratios.length > MAX_SPLIT_PARTIES) {
    throw new CoreInputError(
      'RATIOS_NOT_ONE',
      `A split needs 1 to ${MAX_SPLIT_PARTIES} ratios summing to 1.`,
      { count: ratios.length },
    );
  }
  const checked = ratios.map((value, index) => {
    const ratio = asCoreDecimal(value);
    if (ratio.isNegative() || ratio.gt(1) || ratio.decimalPlaces() > MAX_RATIO_DECIMALS) {
      throw new CoreInputError('INVALID_RATIO', 'Each ratio must lie in [0, 1] with at most 20 decimals.', {
        index,
        ratio: ratio.toString(),
      });
    }
    return ratio;
  });
  const total = sumMoney(checked);
  if (!total.eq(1)) {
    throw new CoreInputError('RATIOS_NOT_ONE', 'The ratios must sum to exactly 1.', {
      sum: total.toString(),
    });
  }
  return checked;
}

/**
 * Splits `amount` (≥ 0, at most 2 decimals) by `ratios` (each ≥ 0, summing to exactly 1, in the
 * model's order). Each party first gets rᵢ × L rounded down to the fen; the leftover fen go one each
 * to the parties with the largest discarded fractions, ties to the earlier party.
 * SPEC §6.4: 10,000.01 by 0.4/0.3/0.2/0.1 → 4,000.01 / 3,000.00 / 2,000.00 / 1,000.00.
 */
export function splitLargestRemainder(amount: Decimal, ratios: readonly Decimal[]): Decimal[] {
  const total = requireMoneyScale(amount, 'amount');
  if (total.isNegative()) {
    throw new CoreInputError('INVALID_MONEY', 'The amount to split must not be negative.', {
      amount: total.toString(),
    });
  }
  const checkedRatios = requireRatios(ratios);

  const exactShares = checkedRatios.map((ratio) => ratio.times(total));
  const shares = exactShares.map((exact) => floorToFen(exact));
  const discarded = exactShares.map((exact, index) => exact.minus(shares[index]));

  // Each discarded fraction is below one fen, so fewer fen than parties are left over.
  const leftoverFen = total.minus(sumMoney(shares)).div(FEN);
  const leftoverInRange =
    leftoverFen.isInteger() && leftoverFen.gte(0) && leftoverFen.lt(shares.length);
  invariant(leftoverInRange, 'leftover fen out of range', {
    amount: total.toString(),
    leftoverFen: leftoverFen.toString(),
  });

  const order = discarded
    .map((fraction, index) => ({ fraction, index }))
    .sort((left, right) => right.fraction.comparedTo(left.fraction) || left.index - right.index);
  let fenToGive = leftoverFen;
  for (const { index } of order) {
    if (fenToGive.isZero()) {
      break;
    }
    shares[index] = shares[index].plus(FEN);
    fenToGive = fenToGive.minus(1);
  }

  invariant(sumMoney(shares).eq(total), 'shares must sum to the amount', {
    amount: total.toString(),
    shares: shares.map((share) => share.toString()),
  });
  return shares;
}
