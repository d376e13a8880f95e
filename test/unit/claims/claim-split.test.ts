import { expect } from 'chai';
import { CoreInputError, Decimal, formatMoney, parseMoney, sumMoney } from '../../../src/core';
import { splitClaim, splitRecovery } from '../../../src/modules/claims/claim-split';
import type { RiskParty } from '../../../src/modules/models/model-parameters';

/** mulberry32: a small seeded PRNG, so the property tests are reproducible. */
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
const int = (random: () => number, maxExclusive: number) => Math.floor(random() * maxExclusive);

const PARTIES: RiskParty[] = ['guarantor', 'reguarantor', 'bank', 'government', 'risk_fund', 'insurer'];

/** A claim loss in fen: 1 fen to 99,999,999,999.99, digits drawn one by one so every size occurs. */
function randomLossFen(random: () => number): bigint {
  const digits = 1 + int(random, 13);
  let fen = 0n;
  for (let i = 0; i < digits; i += 1) fen = fen * 10n + BigInt(int(random, 10));
  return fen === 0n ? 1n : fen;
}
const fenText = (fen: bigint) => {
  const text = fen.toString().padStart(3, '0');
  return `${text.slice(0, -2)}.${text.slice(-2)}`;
};

/** A model-like risk sharing: 2–6 distinct parties, ratios with at most 4 decimals summing to exactly 1. */
function randomSharing(random: () => number): Array<{ party: RiskParty; ratio: string }> {
  const count = 2 + int(random, 5);
  const cuts = Array.from({ length: count - 1 }, () => int(random, 10_001)).sort((a, b) => a - b);
  const bounds = [0, ...cuts, 10_000];
  const parties = [...PARTIES].sort(() => random() - 0.5).slice(0, count);
  return parties.map((party, i) => ({ party, ratio: new Decimal(bounds[i + 1]! - bounds[i]!).div(10_000).toFixed() }));
}

const FOUR_THREE_TWO_ONE = [
  { party: 'guarantor', ratio: '0.4' },
  { party: 'reguarantor', ratio: '0.3' },
  { party: 'bank', ratio: '0.2' },
  { party: 'government', ratio: '0.1' },
] as const;
const EIGHT_TWO = [
  { party: 'risk_fund', ratio: '0.8' },
  { party: 'bank', ratio: '0.2' },
] as const;

describe('claim split among risk-sharing parties (SPEC §6.4)', () => {
  it('when 10,000.01 is split by the "4321" sharing of model 3, then 4,000.01 / 3,000.00 / 2,000.00 / 1,000.00', () => {
    const shares = splitClaim(parseMoney('10000.01'), [...FOUR_THREE_TWO_ONE]);
    expect(shares.map((s) => [s.seq, s.party, formatMoney(s.amount)])).to.deep.equal([
      [1, 'guarantor', '4000.01'],
      [2, 'reguarantor', '3000.00'],
      [3, 'bank', '2000.00'],
      [4, 'government', '1000.00'],
    ]);
  });

  it('when 1,234.57 is split by the 8:2 sharing of model 1, then 987.66 / 246.91', () => {
    expect(splitClaim(parseMoney('1234.57'), [...EIGHT_TWO]).map((s) => formatMoney(s.amount))).to.deep.equal(['987.66', '246.91']);
  });

  it('when 5,000 random losses are split by random model-like sharings, then the shares always sum to the loss exactly, each within a fen of its exact part', () => {
    const random = mulberry32(5_2026);
    for (let round = 0; round < 5_000; round += 1) {
      const loss = parseMoney(fenText(randomLossFen(random)));
      const sharing = randomSharing(random);
      const shares = splitClaim(loss, sharing);
      const context = `${formatMoney(loss)} by ${sharing.map((s) => `${s.party}:${s.ratio}`).join('/')}`;
      expect(formatMoney(sumMoney(shares.map((s) => s.amount))), context).to.equal(formatMoney(loss));
      for (const share of shares) {
        expect(share.amount.minus(share.ratio.times(loss)).abs().lte('0.01'), context).to.equal(true);
        expect(share.amount.decimalPlaces(), context).to.be.at.most(2);
      }
    }
  });

  const refused: Array<[string, Array<{ party: RiskParty; ratio: string }>, string]> = [
    ['the ratios sum to 0.9', [{ party: 'bank', ratio: '0.5' }, { party: 'government', ratio: '0.4' }], 'RATIOS_NOT_ONE'],
    ['the ratios sum to 1.1', [{ party: 'bank', ratio: '0.8' }, { party: 'risk_fund', ratio: '0.3' }], 'RATIOS_NOT_ONE'],
    ['there is no party', [], 'RATIOS_NOT_ONE'],
    ['a ratio is not a number', [{ party: 'bank', ratio: 'one' }], 'INVALID_RATIO'],
    ['a party is listed twice', [{ party: 'bank', ratio: '0.5' }, { party: 'bank', ratio: '0.5' }], 'INVALID_RATIO'],
  ];
  for (const [title, sharing, code] of refused) {
    it(`when ${title}, then the split is refused with ${code}`, () => {
      expect(() => splitClaim(parseMoney('100.00'), sharing)).to.throw(CoreInputError).with.property('code', code);
    });
  }
});

describe('recoveries split back in the same ratios (SPEC §5)', () => {
  const paidShares = (sharing: ReadonlyArray<{ party: RiskParty; ratio: string }>, loss: string) =>
    splitClaim(parseMoney(loss), [...sharing]).map((s) => ({ ratio: s.ratio, paid: s.amount, recovered: new Decimal(0) }));

  it('when 500.00 of a 1,234.57 claim split 8:2 is recovered, then 400.00 / 100.00 go back', () => {
    expect(splitRecovery(parseMoney('500.00'), paidShares(EIGHT_TWO, '1234.57')).map(formatMoney)).to.deep.equal(['400.00', '100.00']);
  });

  it('when everything paid is recovered at once, then each party gets exactly what it paid', () => {
    expect(splitRecovery(parseMoney('10000.01'), paidShares(FOUR_THREE_TWO_ONE, '10000.01')).map(formatMoney)).to.deep.equal(['4000.01', '3000.00', '2000.00', '1000.00']);
  });

  it('when random claims are recovered in random instalments, then no party ever gets back more than it paid and the last instalment leaves every party even', () => {
    const random = mulberry32(2026_11);
    for (let round = 0; round < 1_000; round += 1) {
      const lossFen = randomLossFen(random);
      const parties = paidShares(randomSharing(random), fenText(lossFen));
      let leftFen = lossFen;
      while (leftFen > 0n) {
        const take = leftFen === 1n || int(random, 4) === 0 ? leftFen : 1n + BigInt(Math.floor(random() * Number(leftFen - 1n)));
        const parts = splitRecovery(parseMoney(fenText(take)), parties);
        expect(formatMoney(sumMoney(parts))).to.equal(fenText(take));
        parts.forEach((part, i) => {
          expect(part.isNegative()).to.equal(false);
          parties[i]!.recovered = parties[i]!.recovered.plus(part);
          expect(parties[i]!.recovered.lte(parties[i]!.paid), `round ${round}`).to.equal(true);
        });
        leftFen -= take;
      }
      parties.forEach((p) => expect(formatMoney(p.recovered)).to.equal(formatMoney(p.paid)));
    }
  });
});
