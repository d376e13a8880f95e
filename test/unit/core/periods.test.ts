import { expect } from 'chai';

import {
  addDays,
  comparePeriods,
  CoreInputError,
  daysInPeriod,
  IsoDate,
  isDateInPeriod,
  isSettlementDate,
  nextPeriod,
  parseIsoDate,
  parsePeriod,
  periodContaining,
  periodEndExclusive,
  previousPeriod,
  settlementPeriod,
} from '../../../src/core';

const d = (text: string): IsoDate => parseIsoDate(text);

describe('core/periods (SPEC §6.1)', () => {
  describe('parsePeriod', () => {
    const cases: Array<[string, string, string]> = [
      ['2026Q3', '2026-06-21', '2026-09-20'],
      ['2026Q1', '2025-12-21', '2026-03-20'],
      ['2026Q2', '2026-03-21', '2026-06-20'],
      ['2026Q4', '2026-09-21', '2026-12-20'],
      ['2027Q1', '2026-12-21', '2027-03-20'],
    ];
    for (const [name, firstDay, lastDay] of cases) {
      it(`when parsing ${name}, then it runs ${firstDay} … ${lastDay}`, () => {
        const period = parsePeriod(name);
        expect(period.name).to.equal(name);
        expect(period.firstDay).to.equal(firstDay);
        expect(period.lastDay).to.equal(lastDay);
      });
    }

    for (const input of ['2026Q5', '2026Q0', '2026q3', '2026-Q3', '26Q3', '2026Q3 ', ' 2026Q3', '2026Q', 'Q3', '', '0999Q1']) {
      it(`when parsing ${JSON.stringify(input)}, then INVALID_PERIOD is thrown`, () => {
        expect(() => parsePeriod(input)).to.throw(CoreInputError).with.property('code', 'INVALID_PERIOD');
      });
    }
  });

  describe('periodContaining', () => {
    const cases: Array<[string, string]> = [
      ['2026-12-20', '2026Q4'],
      ['2026-12-21', '2027Q1'],
      ['2026-12-31', '2027Q1'],
      ['2027-01-01', '2027Q1'],
      ['2027-03-20', '2027Q1'],
      ['2027-03-21', '2027Q2'],
      ['2026-06-20', '2026Q2'],
      ['2026-06-21', '2026Q3'],
      ['2026-08-09', '2026Q3'],
      ['2026-09-20', '2026Q3'],
      ['2026-09-21', '2026Q4'],
      ['2028-02-29', '2028Q1'],
      ['2026-01-31', '2026Q1'],
      ['2026-04-30', '2026Q2'],
    ];
    for (const [date, name] of cases) {
      it(`when the date is ${date}, then it belongs to ${name}`, () => {
        expect(periodContaining(d(date)).name).to.equal(name);
      });
    }

    it('when walking every day of 2019–2031, then each lies in its period and periods tile without gaps', () => {
      let date = d('2019-01-01');
      let current = periodContaining(date);
      while (date <= '2031-12-31') {
        const period = periodContaining(date);
        expect(isDateInPeriod(date, period), date).to.equal(true);
        if (period.name !== current.name) {
          expect(period.firstDay, date).to.equal(date);
          expect(period.name).to.equal(nextPeriod(current).name);
          expect(periodEndExclusive(current)).to.equal(period.firstDay);
          current = period;
        }
        date = addDays(date, 1);
      }
    });
  });

  describe('daysInPeriod', () => {
    const cases: Array<[string, number]> = [
      ['2026Q1', 90],
      ['2026Q2', 92],
      ['2026Q3', 92],
      ['2026Q4', 91],
      ['2028Q1', 91],
      ['2028Q2', 92],
      ['2028Q3', 92],
      ['2028Q4', 91],
      // 2023-12-21 … 2024-03-20 includes 29 February.
      ['2024Q1', 91],
      ['2025Q1', 90],
    ];
    for (const [name, days] of cases) {
      it(`when the period is ${name}, then it has ${days} days`, () => {
        expect(daysInPeriod(parsePeriod(name))).to.equal(days);
      });
    }

    it('when adding up the four quarters of 2026 and of 2028, then they give 365 and 366 days', () => {
      const total = (year: number): number =>
        [1, 2, 3, 4].reduce((sum, quarter) => sum + daysInPeriod(settlementPeriod(year, quarter)), 0);
      expect(total(2026)).to.equal(365);
      expect(total(2028)).to.equal(366);
    });
  });

  describe('nextPeriod and previousPeriod', () => {
    const cases: Array<[string, string]> = [
      ['2026Q3', '2026Q4'],
      ['2026Q4', '2027Q1'],
      ['2027Q1', '2027Q2'],
    ];
    for (const [name, next] of cases) {
      it(`when the period is ${name}, then the next is ${next} and its previous is ${name} again`, () => {
        const following = nextPeriod(parsePeriod(name));
        expect(following.name).to.equal(next);
        expect(previousPeriod(following).name).to.equal(name);
        expect(comparePeriods(parsePeriod(name), following)).to.equal(-1);
      });
    }

    it('when moving past the last supported year, then INVALID_PERIOD is thrown', () => {
      expect(() => nextPeriod(parsePeriod('9999Q4'))).to.throw(CoreInputError).with.property('code', 'INVALID_PERIOD');
    });
  });

  describe('isSettlementDate', () => {
    const cases: Array<[string, boolean]> = [
      ['2026-03-20', true],
      ['2026-06-20', true],
      ['2026-09-20', true],
      ['2026-12-20', true],
      ['2026-12-21', false],
      ['2026-01-20', false],
      ['2026-09-19', false],
    ];
    for (const [date, expected] of cases) {
      it(`when the date is ${date}, then isSettlementDate is ${expected}`, () => {
        expect(isSettlementDate(d(date))).to.equal(expected);
      });
    }
  });
});
