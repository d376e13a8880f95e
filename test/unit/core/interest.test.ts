import { expect } from 'chai';

import {
  BalanceChange,
  chargeableWindow,
  CoreInputError,
  Decimal,
  formatMoney,
  guaranteedBalance,
  IsoDate,
  lineAmount,
  parseIsoDate,
  parseMoney,
  parsePeriod,
  parseRate,
  priceSegments,
  PricedLine,
  segmentAmount,
  splitIntoSegments,
  SubsidyRule,
  subsidyBase,
  subsidyRate,
} from '../../../src/core';

const d = (text: string): IsoDate => parseIsoDate(text);
const change = (date: string, balanceAfter: string): BalanceChange => ({
  date: d(date),
  balanceAfter: parseMoney(balanceAfter),
});

type Movement = [date: string, balanceAfter: string];

/** What a settlement service does for one loan and one period, from raw inputs (SPEC §6.2). */
function subsidyLine(loan: {
  period: string;
  disbursementDate: string;
  maturityDate: string;
  movements: Movement[];
  rule: SubsidyRule;
  loanRate: string;
  referenceRate: string;
  fixedRate?: string;
  spread?: string;
  drivenHouseholds?: number;
  quotaPerHousehold?: string;
}): PricedLine {
  const window = chargeableWindow({
    period: parsePeriod(loan.period),
    disbursementDate: d(loan.disbursementDate),
    maturityDate: d(loan.maturityDate),
  });
  if (window === null) {
    return priceSegments([], new Decimal(0));
  }
  const rate = subsidyRate({
    rule: loan.rule,
    loanRate: parseRate(loan.loanRate),
    referenceRate: parseRate(loan.referenceRate),
    fixedRate: loan.fixedRate === undefined ? undefined : parseRate(loan.fixedRate),
    spread: loan.spread === undefined ? undefined : parseRate(loan.spread),
  });
  const segments = splitIntoSegments({
    ...window,
    openingBalance: new Decimal(0),
    balanceChanges: loan.movements.map(([date, balance]) => change(date, balance)),
    eligibleBase: (outstanding) =>
      subsidyBase({
        rule: loan.rule,
        outstanding,
        drivenHouseholds: loan.drivenHouseholds,
        quotaPerHousehold: loan.quotaPerHousehold === undefined ? undefined : parseMoney(loan.quotaPerHousehold),
      }),
  });
  return priceSegments(segments, rate);
}

function describeSegments(line: PricedLine): string[] {
  return line.segments.map(
    (segment) => `${segment.from}…${segment.to} ${segment.days}d ${formatMoney(segment.base)} → ${segment.amount.toFixed(3)}`,
  );
}

describe('core/interest (SPEC §6.2, §6.3)', () => {
  describe('the worked examples of SPEC §6.2', () => {
    const examples: Array<{ title: string; loan: Parameters<typeof subsidyLine>[0]; segments: string[]; line: string }> = [
      {
        title: 'when 50,000.00 at 4.75% has full subsidy for 2026Q3, then 92 days give 606.944 → 606.94',
        loan: {
          period: '2026Q3', disbursementDate: '2026-01-10', maturityDate: '2027-01-10',
          movements: [['2026-01-10', '50000.00']],
          rule: 'full_up_to_reference', loanRate: '0.0475', referenceRate: '0.0475',
        },
        segments: ['2026-06-21…2026-09-20 92d 50000.00 → 606.944'],
        line: '606.94',
      },
      {
        title: 'when 50,000.00 at 4.75% is disbursed 2026-08-09, then 43 days to 2026-09-20 give 283.681 → 283.68',
        loan: {
          period: '2026Q3', disbursementDate: '2026-08-09', maturityDate: '2027-08-09',
          movements: [['2026-08-09', '50000.00']],
          rule: 'full_up_to_reference', loanRate: '0.0475', referenceRate: '0.0475',
        },
        segments: ['2026-08-09…2026-09-20 43d 50000.00 → 283.681'],
        line: '283.68',
      },
      {
        title: 'when 20,000.00 of 50,000.00 at 4.35% is repaid 2026-08-01, then 247.708 + 184.875 → 432.58',
        loan: {
          period: '2026Q3', disbursementDate: '2026-03-01', maturityDate: '2027-03-01',
          movements: [['2026-03-01', '50000.00'], ['2026-08-01', '30000.00']],
          rule: 'full_up_to_reference', loanRate: '0.0435', referenceRate: '0.0435',
        },
        segments: [
          '2026-06-21…2026-07-31 41d 50000.00 → 247.708',
          '2026-08-01…2026-09-20 51d 30000.00 → 184.875',
        ],
        line: '432.58',
      },
      {
        title: 'when an enterprise loan of 2,000,000.00 drives 12 households × 100,000.00 at 2%, then base 1,200,000.00 → 6133.33',
        loan: {
          period: '2026Q3', disbursementDate: '2026-01-05', maturityDate: '2028-01-05',
          movements: [['2026-01-05', '2000000.00']],
          rule: 'fixed_rate_on_linked_base', loanRate: '0.0480', referenceRate: '0.0475',
          fixedRate: '0.02', drivenHouseholds: 12, quotaPerHousehold: '100000.00',
        },
        segments: ['2026-06-21…2026-09-20 92d 1200000.00 → 6133.333'],
        line: '6133.33',
      },
      {
        title: 'when an entrepreneurship loan of 200,000.00 at 3.50% has reference 3.00% and spread 1.5 pp, then rate 2.00% → 1022.22',
        loan: {
          period: '2026Q3', disbursementDate: '2026-02-01', maturityDate: '2029-02-01',
          movements: [['2026-02-01', '200000.00']],
          rule: 'reference_minus_spread', loanRate: '0.035', referenceRate: '0.03', spread: '0.015',
        },
        segments: ['2026-06-21…2026-09-20 92d 200000.00 → 1022.222'],
        line: '1022.22',
      },
    ];
    for (const example of examples) {
      it(example.title, () => {
        const line = subsidyLine(example.loan);
        expect(describeSegments(line)).to.deep.equal(example.segments);
        expect(formatMoney(line.amount)).to.equal(example.line);
      });
    }
  });

  describe('the worked example of SPEC §6.3', () => {
    it('when 50,000.00 is guaranteed at coverage 0.8 with a 1.5% fee subsidy for 92 days, then 153.333 → 153.33', () => {
      const coverage = new Decimal('0.8');
      const segments = splitIntoSegments({
        from: d('2026-06-21'),
        toExclusive: d('2026-09-21'),
        openingBalance: parseMoney('50000.00'),
        balanceChanges: [],
        eligibleBase: (outstanding) => guaranteedBalance(outstanding, coverage),
      });
      const line = priceSegments(segments, parseRate('0.015'));
      expect(describeSegments(line)).to.deep.equal(['2026-06-21…2026-09-20 92d 40000.00 → 153.333']);
      expect(formatMoney(line.amount)).to.equal('153.33');
    });
  });

  describe('subsidyRate', () => {
    const cases: Array<[SubsidyRule, string, string, string | undefined, string | undefined, string]> = [
      // rule, loan rate, reference, fixed, spread → subsidy rate
      ['full_up_to_reference', '0.0475', '0.0435', undefined, undefined, '0.0435'],
      ['full_up_to_reference', '0.0400', '0.0435', undefined, undefined, '0.04'],
      ['fixed_rate_on_linked_base', '0.0480', '0.0475', '0.02', undefined, '0.02'],
      ['reference_minus_spread', '0.035', '0.03', undefined, '0.015', '0.02'],
      ['reference_minus_spread', '0.035', '0.01', undefined, '0.015', '0.035'],
      ['reference_minus_spread', '0.01', '0.03', undefined, '0.015', '0'],
      ['none', '0.0475', '0.0475', undefined, undefined, '0'],
    ];
    for (const [rule, loanRate, referenceRate, fixedRate, spread, expected] of cases) {
      it(`when the rule is ${rule} with loan ${loanRate}, reference ${referenceRate}, then the rate is ${expected}`, () => {
        const rate = subsidyRate({
          rule,
          loanRate: parseRate(loanRate),
          referenceRate: parseRate(referenceRate),
          fixedRate: fixedRate === undefined ? undefined : parseRate(fixedRate),
          spread: spread === undefined ? undefined : parseRate(spread),
        });
        expect(rate.toString()).to.equal(expected);
      });
    }

    it('when a rule misses its parameter, then INVALID_SUBSIDY_PARAMETERS is thrown', () => {
      const common = { loanRate: parseRate('0.04'), referenceRate: parseRate('0.04') };
      expect(() => subsidyRate({ ...common, rule: 'fixed_rate_on_linked_base' }))
        .to.throw(CoreInputError).with.property('code', 'INVALID_SUBSIDY_PARAMETERS');
      expect(() => subsidyRate({ ...common, rule: 'reference_minus_spread' }))
        .to.throw(CoreInputError).with.property('code', 'INVALID_SUBSIDY_PARAMETERS');
    });
  });

  describe('subsidyBase', () => {
    const cases: Array<[SubsidyRule, string, number | undefined, string | undefined, string]> = [
      ['full_up_to_reference', '50000.00', undefined, undefined, '50000.00'],
      ['reference_minus_spread', '200000.00', undefined, undefined, '200000.00'],
      ['fixed_rate_on_linked_base', '2000000.00', 12, '100000.00', '1200000.00'],
      ['fixed_rate_on_linked_base', '800000.00', 12, '100000.00', '800000.00'],
      ['fixed_rate_on_linked_base', '800000.00', 0, '100000.00', '0.00'],
      ['none', '50000.00', undefined, undefined, '0.00'],
    ];
    for (const [rule, outstanding, households, quota, expected] of cases) {
      it(`when the rule is ${rule} on ${outstanding} with ${households ?? '-'} households, then the base is ${expected}`, () => {
        const base = subsidyBase({
          rule,
          outstanding: parseMoney(outstanding),
          drivenHouseholds: households,
          quotaPerHousehold: quota === undefined ? undefined : parseMoney(quota),
        });
        expect(formatMoney(base)).to.equal(expected);
      });
    }

    it('when driven households is fractional or missing, then INVALID_SUBSIDY_PARAMETERS is thrown', () => {
      const input = { rule: 'fixed_rate_on_linked_base' as const, outstanding: parseMoney('1.00') };
      expect(() => subsidyBase({ ...input, drivenHouseholds: 1.5, quotaPerHousehold: parseMoney('1.00') }))
        .to.throw(CoreInputError).with.property('code', 'INVALID_SUBSIDY_PARAMETERS');
      expect(() => subsidyBase({ ...input, drivenHouseholds: 2 }))
        .to.throw(CoreInputError).with.property('code', 'INVALID_SUBSIDY_PARAMETERS');
    });
  });

  describe('segmentAmount and lineAmount', () => {
    const cases: Array<[string, string, number, string]> = [
      ['50000.00', '0.0475', 92, '606.944'],
      ['50000.00', '0.0435', 41, '247.708'],
      ['30000.00', '0.0435', 51, '184.875'],
      // 9 × 0.01 × 2 / 360 = 0.0005 exactly: a tie rounds up.
      ['9.00', '0.01', 2, '0.001'],
      ['9.00', '0.01', 1, '0.000'],
      ['50000.00', '0.0475', 0, '0.000'],
      ['999999999999999.99', '0.99999999', 36600, '101666665649999998.983'],
    ];
    for (const [base, rate, days, expected] of cases) {
      it(`when ${base} is charged at ${rate} for ${days} days, then the segment is ${expected}`, () => {
        expect(segmentAmount(parseMoney(base), parseRate(rate), days).toFixed(3)).to.equal(expected);
      });
    }

    it('when segment amounts sum to a half fen, then the line rounds half-up', () => {
      expect(formatMoney(lineAmount([new Decimal('1.002'), new Decimal('2.003')]))).to.equal('3.01');
      expect(formatMoney(lineAmount([new Decimal('1.002'), new Decimal('2.002')]))).to.equal('3.00');
      expect(formatMoney(lineAmount([]))).to.equal('0.00');
    });

    const refused: Array<[string, string, number, string]> = [
      ['-1.00', '0.04', 1, 'INVALID_BALANCE_CHANGES'],
      ['1.00', '1', 1, 'INVALID_RATE'],
      ['1.00', '-0.01', 1, 'INVALID_RATE'],
      ['1.00', '0.04', -1, 'INVALID_DAYS'],
      ['1.00', '0.04', 1.5, 'INVALID_DAYS'],
      ['1.00', '0.04', 36601, 'INVALID_DAYS'],
    ];
    for (const [base, rate, days, code] of refused) {
      it(`when charging ${base} at ${rate} for ${days} days, then ${code} is thrown`, () => {
        expect(() => segmentAmount(new Decimal(base), new Decimal(rate), days))
          .to.throw(CoreInputError).with.property('code', code);
      });
    }
  });

  describe('splitIntoSegments', () => {
    const window = { from: d('2026-06-21'), toExclusive: d('2026-09-21') };
    const cases: Array<{ title: string; opening: string; changes: BalanceChange[]; expected: string[] }> = [
      {
        title: 'when nothing changes, then one segment covers the window',
        opening: '1000.00', changes: [],
        expected: ['2026-06-21…2026-09-20 92 1000.00'],
      },
      {
        title: 'when a change lies before the window, then it sets the opening base',
        opening: '0.00', changes: [change('2026-01-01', '500.00')],
        expected: ['2026-06-21…2026-09-20 92 500.00'],
      },
      {
        title: 'when a change falls on the first day, then that day is charged on the new balance',
        opening: '1000.00', changes: [change('2026-06-21', '400.00')],
        expected: ['2026-06-21…2026-09-20 92 400.00'],
      },
      {
        title: 'when a change falls on the exclusive end or after, then it is ignored',
        opening: '1000.00', changes: [change('2026-09-21', '0.00'), change('2026-10-01', '5.00')],
        expected: ['2026-06-21…2026-09-20 92 1000.00'],
      },
      {
        title: 'when the loan is repaid in full mid-window, then the days after earn nothing and are left out',
        opening: '1000.00', changes: [change('2026-07-01', '0.00')],
        expected: ['2026-06-21…2026-06-30 10 1000.00'],
      },
      {
        title: 'when several changes fall on one day, then the last one of that day counts',
        opening: '1000.00', changes: [change('2026-07-01', '600.00'), change('2026-07-01', '700.00')],
        expected: ['2026-06-21…2026-06-30 10 1000.00', '2026-07-01…2026-09-20 82 700.00'],
      },
      {
        title: 'when changes come out of order, then they are applied in date order',
        opening: '0.00', changes: [change('2026-08-01', '300.00'), change('2026-03-01', '500.00')],
        expected: ['2026-06-21…2026-07-31 41 500.00', '2026-08-01…2026-09-20 51 300.00'],
      },
      {
        title: 'when a repayment is reversed the same day, then the segment is not cut',
        opening: '1000.00', changes: [change('2026-07-01', '900.00'), change('2026-07-01', '1000.00')],
        expected: ['2026-06-21…2026-09-20 92 1000.00'],
      },
      {
        title: 'when a later change restores an earlier balance, then equal adjacent bases merge',
        opening: '1000.00', changes: [change('2026-07-01', '1000.00'), change('2026-08-01', '800.00')],
        expected: ['2026-06-21…2026-07-31 41 1000.00', '2026-08-01…2026-09-20 51 800.00'],
      },
      {
        title: 'when the balance drops to zero and comes back, then two separate segments remain',
        opening: '1000.00', changes: [change('2026-07-01', '0.00'), change('2026-07-11', '1000.00')],
        expected: ['2026-06-21…2026-06-30 10 1000.00', '2026-07-11…2026-09-20 72 1000.00'],
      },
    ];
    for (const example of cases) {
      it(example.title, () => {
        const segments = splitIntoSegments({
          ...window,
          openingBalance: parseMoney(example.opening),
          balanceChanges: example.changes,
        });
        expect(segments.map((s) => `${s.from}…${s.to} ${s.days} ${formatMoney(s.base)}`)).to.deep.equal(example.expected);
      });
    }

    it('when the eligible base is capped, then segments are cut where the capped base changes', () => {
      const segments = splitIntoSegments({
        ...window,
        openingBalance: parseMoney('2000000.00'),
        balanceChanges: [change('2026-07-01', '1500000.00'), change('2026-08-01', '1000000.00')],
        eligibleBase: (outstanding) => Decimal.min(outstanding, parseMoney('1200000.00')),
      });
      expect(segments.map((s) => `${s.days} ${formatMoney(s.base)}`)).to.deep.equal(['41 1200000.00', '51 1000000.00']);
    });

    it('when the window is empty, then there are no segments', () => {
      const empty = splitIntoSegments({
        from: d('2026-07-01'), toExclusive: d('2026-07-01'), openingBalance: parseMoney('1.00'), balanceChanges: [],
      });
      expect(empty).to.deep.equal([]);
    });

    it('when the window runs backwards or a balance is negative, then a CoreInputError is thrown', () => {
      expect(() => splitIntoSegments({
        from: d('2026-07-02'), toExclusive: d('2026-07-01'), openingBalance: parseMoney('1.00'), balanceChanges: [],
      })).to.throw(CoreInputError).with.property('code', 'INVALID_DAYS');
      expect(() => splitIntoSegments({
        ...window, openingBalance: parseMoney('1.00'),
        balanceChanges: [{ date: d('2026-07-01'), balanceAfter: new Decimal('-1') }],
      })).to.throw(CoreInputError).with.property('code', 'INVALID_BALANCE_CHANGES');
    });
  });

  describe('chargeableWindow', () => {
    const cases: Array<[string, string, string | undefined, string | null]> = [
      // period, disbursed, matures → charged days
      ['2026Q3', '2026-01-10', '2027-01-10', '2026-06-21…2026-09-21'],
      ['2026Q3', '2026-08-09', '2027-08-09', '2026-08-09…2026-09-21'],
      // Maturing inside the period: the maturity day itself is not charged.
      ['2026Q3', '2025-08-15', '2026-08-15', '2026-06-21…2026-08-15'],
      ['2026Q3', '2025-09-20', '2026-09-20', '2026-06-21…2026-09-20'],
      ['2026Q3', '2026-09-20', undefined, '2026-09-20…2026-09-21'],
      ['2026Q3', '2026-09-21', '2027-09-21', null],
      ['2026Q3', '2025-06-21', '2026-06-21', null],
    ];
    for (const [period, disbursed, matures, expected] of cases) {
      it(`when ${period} meets a loan from ${disbursed} to ${matures ?? '(open)'}, then the window is ${expected ?? 'empty'}`, () => {
        const window = chargeableWindow({
          period: parsePeriod(period),
          disbursementDate: d(disbursed),
          maturityDate: matures === undefined ? undefined : d(matures),
        });
        expect(window === null ? null : `${window.from}…${window.toExclusive}`).to.equal(expected);
      });
    }
  });

  describe('guaranteedBalance', () => {
    it('when coverage is 0.8 or 1.0, then the guaranteed balance is outstanding × coverage, unrounded', () => {
      expect(guaranteedBalance(parseMoney('50000.00'), new Decimal('0.8')).toString()).to.equal('40000');
      expect(guaranteedBalance(parseMoney('200000.00'), new Decimal('1.0')).toString()).to.equal('200000');
      expect(guaranteedBalance(parseMoney('33333.33'), new Decimal('0.75')).toString()).to.equal('24999.9975');
    });

    it('when coverage is above 1 or negative, then INVALID_RATIO is thrown', () => {
      expect(() => guaranteedBalance(parseMoney('1.00'), new Decimal('1.01'))).to.throw(CoreInputError).with.property('code', 'INVALID_RATIO');
      expect(() => guaranteedBalance(parseMoney('1.00'), new Decimal('-0.1'))).to.throw(CoreInputError).with.property('code', 'INVALID_RATIO');
    });
  });
});
