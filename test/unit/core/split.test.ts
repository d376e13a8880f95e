import { expect } from 'chai';

import { CoreInputError, Decimal, formatMoney, parseMoney, splitLargestRemainder } from '../../../src/core';

/** mulberry32: a tiny seeded PRNG, so the property test is reproducible. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomInt(random: () => number, maxExclusive: number): number {
  return Math.floor(random() * maxExclusive);
}

/** A random amount in fen with 1–15 integer digits, as a bigint and as a money string. */
function randomAmountFen(random: () => number): bigint {
  const integerDigits = 1 + randomInt(random, 15);
  let fen = 0n;
  for (let position = 0; position < integerDigits + 2; position += 1) {
    fen = fen * 10n + BigInt(randomInt(random, 10));
  }
  return fen;
}

/** 2–6 ratios in ten-thousandths summing to 10,000 (some may be 0). */
function randomRatioUnits(random: () => number): number[] {
  const parties = 2 + randomInt(random, 5);
  const cuts = Array.from({ length: parties - 1 }, () => randomInt(random, 10_001)).sort((a, b) => a - b);
  const bounds = [0, ...cuts, 10_000];
  return bounds.slice(1).map((bound, index) => bound - bounds[index]);
}

function fenToMoney(fen: bigint): string {
  const text = fen.toString().padStart(3, '0');
  return `${text.slice(0, -2)}.${text.slice(-2)}`;
}

/**
 * A second, integer-only implementation of SPEC §6.4 used as the oracle: amounts in fen, ratios in
 * ten-thousandths, so rᵢ × L is exact in units of 1/10,000 fen.
 */
function referenceSplit(amountFen: bigint, ratioUnits: number[]): bigint[] {
  const exact = ratioUnits.map((units) => BigInt(units) * amountFen);
  const floors = exact.map((value) => value / 10_000n);
  const remainders = exact.map((value) => value % 10_000n);
  let leftover = amountFen - floors.reduce((sum, value) => sum + value, 0n);
  const order = remainders
    .map((remainder, index) => ({ remainder, index }))
    .sort((left, right) => (left.remainder === right.remainder ? left.index - right.index : left.remainder > right.remainder ? -1 : 1));
  for (const { index } of order) {
    if (leftover === 0n) break;
    floors[index] += 1n;
    leftover -= 1n;
  }
  return floors;
}

describe('core/split (SPEC §6.4)', () => {
  const cases: Array<[string, string[], string[]]> = [
    ['10000.01', ['0.4', '0.3', '0.2', '0.1'], ['4000.01', '3000.00', '2000.00', '1000.00']],
    ['1234.57', ['0.8', '0.2'], ['987.66', '246.91']],
    ['0.00', ['0.4', '0.3', '0.2', '0.1'], ['0.00', '0.00', '0.00', '0.00']],
    ['50000.00', ['1'], ['50000.00']],
    // Equal fractions: the leftover fen go to the earlier parties.
    ['0.01', ['0.5', '0.5'], ['0.01', '0.00']],
    ['0.03', ['0.25', '0.25', '0.25', '0.25'], ['0.01', '0.01', '0.01', '0.00']],
    ['100.00', ['0.3333', '0.3333', '0.3334'], ['33.33', '33.33', '33.34']],
    ['0.05', ['0.5', '0', '0.5'], ['0.03', '0.00', '0.02']],
    ['1.00', ['0.001', '0.999'], ['0.00', '1.00']],
    ['12345.67', ['0.5', '0.5'], ['6172.84', '6172.83']],
    ['999999999999999.99', ['0.4', '0.3', '0.2', '0.1'], ['399999999999999.99', '300000000000000.00', '200000000000000.00', '100000000000000.00']],
  ];
  for (const [amount, ratios, expected] of cases) {
    it(`when splitting ${amount} by ${ratios.join('/')}, then the shares are ${expected.join(' / ')}`, () => {
      const shares = splitLargestRemainder(parseMoney(amount), ratios.map((ratio) => new Decimal(ratio)));
      expect(shares.map(formatMoney)).to.deep.equal(expected);
    });
  }

  const refused: Array<[string, string, string[], string]> = [
    ['ratios sum to 0.99', '100.00', ['0.5', '0.49'], 'RATIOS_NOT_ONE'],
    ['ratios sum to 1.01', '100.00', ['0.5', '0.51'], 'RATIOS_NOT_ONE'],
    ['there are no ratios', '100.00', [], 'RATIOS_NOT_ONE'],
    ['a ratio is negative', '100.00', ['1.1', '-0.1'], 'INVALID_RATIO'],
    ['the amount has 3 decimals', '100.001', ['1'], 'INVALID_MONEY'],
    ['the amount is negative', '-100.00', ['1'], 'INVALID_MONEY'],
  ];
  for (const [title, amount, ratios, code] of refused) {
    it(`when ${title}, then ${code} is thrown`, () => {
      expect(() => splitLargestRemainder(new Decimal(amount), ratios.map((ratio) => new Decimal(ratio))))
        .to.throw(CoreInputError).with.property('code', code);
    });
  }

  it('when splitting 5,000 random amounts by random ratio sets, then shares sum to the amount, stay within a fen of the exact product and match an integer oracle', () => {
    const random = mulberry32(20260920);
    const fen = new Decimal('0.01');
    for (let round = 0; round < 5_000; round += 1) {
      const amountFen = randomAmountFen(random);
      const ratioUnits = randomRatioUnits(random);
      const amount = parseMoney(fenToMoney(amountFen));
      const ratios = ratioUnits.map((units) => new Decimal(units).div(10_000));

      const shares = splitLargestRemainder(amount, ratios);

      const context = `${formatMoney(amount)} by ${ratios.join('/')}`;
      expect(formatMoney(shares.reduce((sum, share) => sum.plus(share), new Decimal(0))), context).to.equal(formatMoney(amount));
      shares.forEach((share, index) => {
        const gap = share.minus(ratios[index].times(amount)).abs();
        expect(gap.lte(fen), `${context}: party ${index}`).to.equal(true);
      });
      expect(shares.map(formatMoney), context).to.deep.equal(referenceSplit(amountFen, ratioUnits).map(fenToMoney));
    }
  });
});
