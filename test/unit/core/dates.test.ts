import { expect } from 'chai';

import {
  addDays,
  addMonthsClamped,
  compareDates,
  CoreInputError,
  dayOfWeek,
  daysBetween,
  fromEpochDay,
  IsoDate,
  isIsoDate,
  isLeapYear,
  lastDayOfMonth,
  maxDate,
  minDate,
  parseIsoDate,
  toEpochDay,
} from '../../../src/core';

const d = (text: string): IsoDate => parseIsoDate(text);

describe('core/dates', () => {
  describe('parseIsoDate', () => {
    for (const input of ['2024-02-29', '2026-01-01', '2026-12-31', '2000-02-29', '1970-01-01', '9999-12-31']) {
      it(`when given ${input}, then it is accepted unchanged`, () => {
        expect(parseIsoDate(input)).to.equal(input);
      });
    }

    const refused = [
      '2026-02-30', '2025-02-29', '1900-02-29', '2100-02-29', '2026-2-3', '2026-02-3', '26-02-03',
      '2026-13-01', '2026-00-10', '2026-01-00', '2026-04-31', '2026/01/01', '20260101', ' 2026-01-01',
      '2026-01-01 ', '2026-01-01T00:00:00Z', '', '0999-12-31', '+2026-01-01',
    ];
    for (const input of refused) {
      it(`when given ${JSON.stringify(input)}, then INVALID_DATE is thrown`, () => {
        expect(() => parseIsoDate(input)).to.throw(CoreInputError).with.property('code', 'INVALID_DATE');
        expect(isIsoDate(input)).to.equal(false);
      });
    }
  });

  describe('epoch days', () => {
    it('when converting 1970-01-01, then it is day 0', () => {
      expect(toEpochDay(d('1970-01-01'))).to.equal(0);
      expect(fromEpochDay(0)).to.equal('1970-01-01');
    });

    it('when converting every day from 1899 to 2101, then it agrees with UTC calendar arithmetic', () => {
      // Date.UTC is used only as an independent oracle here; the code under test never touches Date.
      const first = Date.UTC(1899, 0, 1) / 86_400_000;
      const last = Date.UTC(2101, 11, 31) / 86_400_000;
      for (let epochDay = first; epochDay <= last; epochDay += 1) {
        const expected = new Date(epochDay * 86_400_000).toISOString().slice(0, 10);
        const date = fromEpochDay(epochDay);
        if (date !== expected || toEpochDay(date) !== epochDay) {
          expect.fail(`epoch day ${epochDay}: got ${date}, expected ${expected}`);
        }
      }
    });
  });

  describe('addDays and daysBetween', () => {
    const cases: Array<[string, number, string]> = [
      ['2026-06-21', 91, '2026-09-20'],
      ['2026-12-31', 1, '2027-01-01'],
      ['2027-01-01', -1, '2026-12-31'],
      ['2028-02-28', 1, '2028-02-29'],
      ['2028-02-29', 1, '2028-03-01'],
      ['2027-02-28', 1, '2027-03-01'],
      ['2026-08-09', 42, '2026-09-20'],
      ['2026-01-15', 0, '2026-01-15'],
    ];
    for (const [from, days, to] of cases) {
      it(`when adding ${days} days to ${from}, then it is ${to} and daysBetween gives ${days} back`, () => {
        expect(addDays(d(from), days)).to.equal(to);
        expect(daysBetween(d(from), d(to))).to.equal(days);
      });
    }

    it('when the second date is earlier, then daysBetween is negative', () => {
      expect(daysBetween(d('2026-09-21'), d('2026-06-21'))).to.equal(-92);
    });
  });

  describe('compareDates, minDate, maxDate', () => {
    it('when comparing dates across a year end, then the calendar order is used', () => {
      expect(compareDates(d('2026-12-31'), d('2027-01-01'))).to.equal(-1);
      expect(compareDates(d('2027-01-01'), d('2026-12-31'))).to.equal(1);
      expect(compareDates(d('2026-06-21'), d('2026-06-21'))).to.equal(0);
      expect(minDate(d('2026-12-31'), d('2027-01-01'))).to.equal('2026-12-31');
      expect(maxDate(d('2026-12-31'), d('2027-01-01'))).to.equal('2027-01-01');
    });
  });

  describe('addMonthsClamped', () => {
    const cases: Array<[string, number, string]> = [
      ['2026-01-31', 1, '2026-02-28'],
      ['2028-01-31', 1, '2028-02-29'],
      ['2026-01-31', 2, '2026-03-31'],
      ['2026-01-31', 3, '2026-04-30'],
      ['2026-03-31', -1, '2026-02-28'],
      ['2026-08-09', 12, '2027-08-09'],
      ['2026-12-15', 1, '2027-01-15'],
      ['2027-01-15', -1, '2026-12-15'],
      ['2028-02-29', 12, '2029-02-28'],
      ['2026-05-31', 36, '2029-05-31'],
      ['2026-08-30', 6, '2027-02-28'],
      ['2026-06-20', 0, '2026-06-20'],
    ];
    for (const [from, months, to] of cases) {
      it(`when adding ${months} months to ${from}, then it is ${to}`, () => {
        expect(addMonthsClamped(d(from), months)).to.equal(to);
      });
    }
  });

  describe('lastDayOfMonth and isLeapYear', () => {
    const lastDays: Array<[string, string]> = [
      ['2026-02-10', '2026-02-28'],
      ['2028-02-01', '2028-02-29'],
      ['2026-04-30', '2026-04-30'],
      ['2026-12-21', '2026-12-31'],
    ];
    for (const [date, last] of lastDays) {
      it(`when the date is ${date}, then the month ends on ${last}`, () => {
        expect(lastDayOfMonth(d(date))).to.equal(last);
      });
    }

    const leapYears: Array<[number, boolean]> = [
      [2024, true], [2025, false], [2026, false], [2028, true], [1900, false], [2000, true], [2100, false],
    ];
    for (const [year, leap] of leapYears) {
      it(`when the year is ${year}, then isLeapYear is ${leap}`, () => {
        expect(isLeapYear(year)).to.equal(leap);
      });
    }
  });

  describe('dayOfWeek', () => {
    const cases: Array<[string, number]> = [
      ['1970-01-01', 4],
      ['2026-09-20', 7],
      ['2026-09-21', 1],
      ['2028-02-29', 2],
      ['2027-01-01', 5],
      ['2000-01-01', 6],
    ];
    for (const [date, weekday] of cases) {
      it(`when the date is ${date}, then the ISO weekday is ${weekday}`, () => {
        expect(dayOfWeek(d(date))).to.equal(weekday);
      });
    }
  });
});
