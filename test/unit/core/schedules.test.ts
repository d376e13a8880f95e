import { expect } from 'chai';

import {
  annuityPayment,
  assertScheduleInvariants,
  CoreInputError,
  Decimal,
  formatMoney,
  generateSchedule,
  interestOnBalances,
  GenerateScheduleInput,
  InvariantError,
  IsoDate,
  monthlyInstalmentCount,
  parseIsoDate,
  parseMoney,
  parseRate,
  quarterlyInterestDueDates,
  requirePlannableTerm,
  ScheduleMethod,
  ScheduleRow,
} from '../../../src/core';

// ---------------------------------------------------------------------------------------------------
// An independent oracle: amounts in fen and rates in units of 10⁻⁸ as BigInt, dates through Date.UTC.
// It shares no code with src/core/schedules.ts, and the annuity uses a different formula: the payment
// that repays P after n months, A = P·(1+r)ⁿ / Σ_{j<n} (1+r)ʲ, built by repeated multiplication.
// ---------------------------------------------------------------------------------------------------
const RATE_UNITS = 100_000_000n; // a rate of 1 in units of 10⁻⁸
const MONTHLY_SCALE = 12n * RATE_UNITS; // r = rateUnits / MONTHLY_SCALE
const DAY_MS = 86_400_000;

const halfUp = (numerator: bigint, denominator: bigint): bigint => (2n * numerator + denominator) / (2n * denominator);
const fen = (money: string): bigint => BigInt(money.replace('.', ''));
const yuan = (amountFen: bigint): string => {
  const text = amountFen.toString().padStart(3, '0');
  return `${text.slice(0, -2)}.${text.slice(-2)}`;
};
const rateUnits = (rate: string): bigint => {
  const [, decimals = ''] = rate.split('.');
  return BigInt(decimals.padEnd(8, '0'));
};
const utcDay = (date: string): number => Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) / DAY_MS;
const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
const ymd = (year: number, month: number, day: number): string => `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
function plusMonths(date: string, months: number): string {
  const index = +date.slice(0, 4) * 12 + (+date.slice(5, 7) - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return ymd(year, month, Math.min(+date.slice(8, 10), lastDay));
}

type Expected = { dueDate: string; principal: string; interest: string; total: string; closing: string; days?: number };

function oracleAnnuityFen(principalFen: bigint, units: bigint, count: number): bigint {
  if (units === 0n) return halfUp(principalFen, BigInt(count));
  // (1+r) = growth / M with M = MONTHLY_SCALE, so A = P·growthⁿ / (M · Σ_{j<n} growthʲ·M^(n−1−j)).
  const growth = MONTHLY_SCALE + units;
  let growthPower = 1n;
  let geometricSum = 0n;
  for (let j = 0; j < count; j += 1) {
    geometricSum = geometricSum * MONTHLY_SCALE + growthPower; // Horner form of the sum above
    growthPower *= growth;
  }
  return halfUp(principalFen * growthPower, MONTHLY_SCALE * geometricSum);
}

function oracleMonthly(method: ScheduleMethod, principal: string, rate: string, start: string, count: number): Expected[] {
  const units = rateUnits(rate);
  const principalFen = fen(principal);
  const payment = oracleAnnuityFen(principalFen, units, count);
  const part = halfUp(principalFen, BigInt(count));
  let balance = principalFen;
  return Array.from({ length: count }, (_, index) => {
    const interest = halfUp(balance * units, MONTHLY_SCALE);
    const scheduled = method === 'equal_installment' ? payment - interest : part;
    const repaid = index === count - 1 || scheduled > balance ? balance : scheduled;
    balance -= repaid;
    return { dueDate: plusMonths(start, index + 1), principal: yuan(repaid), interest: yuan(interest), total: yuan(repaid + interest), closing: yuan(balance) };
  });
}

function oracleQuarterly(principal: string, rate: string, start: string, maturity: string): Expected[] {
  const dueDates: string[] = [];
  for (let year = +start.slice(0, 4); year <= +maturity.slice(0, 4); year += 1) {
    for (const month of [3, 6, 9, 12]) {
      const date = ymd(year, month, 20);
      if (date > start && date < maturity) dueDates.push(date);
    }
  }
  dueDates.push(maturity);
  let from = utcDay(start);
  return dueDates.map((dueDate, index) => {
    const last = index === dueDates.length - 1;
    const toExclusive = last ? utcDay(maturity) : utcDay(dueDate) + 1;
    const days = toExclusive - from;
    from = toExclusive;
    const interest = halfUp(fen(principal) * rateUnits(rate) * BigInt(days), RATE_UNITS * 360n);
    const repaid = last ? fen(principal) : 0n;
    return { dueDate, principal: yuan(repaid), interest: yuan(interest), total: yuan(repaid + interest), closing: last ? '0.00' : principal, days };
  });
}

// ---------------------------------------------------------------------------------------------------
const d = (text: string): IsoDate => parseIsoDate(text);
function schedule(method: ScheduleMethod, principal: string, rate: string, start: string, maturity: string): ScheduleRow[] {
  return generateSchedule({ method, principal: parseMoney(principal), rateAnnual: parseRate(rate), disbursementDate: d(start), maturityDate: d(maturity) });
}
const asStrings = (rows: ScheduleRow[]): Expected[] =>
  rows.map((row) => ({
    dueDate: row.dueDate,
    principal: formatMoney(row.principalDue),
    interest: formatMoney(row.interestDue),
    total: formatMoney(row.totalDue),
    closing: formatMoney(row.closingBalance),
    ...(row.days === undefined ? {} : { days: row.days }),
  }));
const sumFen = (rows: ScheduleRow[], pick: (row: ScheduleRow) => Decimal): bigint => rows.reduce((total, row) => total + fen(formatMoney(pick(row))), 0n);
function expectCode(run: () => unknown, code: string): void {
  expect(run).to.throw(CoreInputError).with.property('code', code);
}

describe('core/schedules (SPEC §5, §6.1)', () => {
  describe('the oracle itself', () => {
    it('when 100,000.00 at 12 % over 12 months, then the textbook payment 8,884.88 comes out (r = 0.01, A = 8884.8789…)', () => {
      expect(yuan(oracleAnnuityFen(10_000_000n, rateUnits('0.12'), 12))).to.equal('8884.88');
    });
  });

  describe('equal_installment (等额本息)', () => {
    it('when 100,000.00 at 12 % over 12 months, then every row matches the published amortisation table', () => {
      const rows = asStrings(schedule('equal_installment', '100000.00', '0.12', '2026-01-15', '2027-01-15'));
      const published: Array<[string, string, string]> = [
        ['7884.88', '1000.00', '92115.12'], ['7963.73', '921.15', '84151.39'], ['8043.37', '841.51', '76108.02'],
        ['8123.80', '761.08', '67984.22'], ['8205.04', '679.84', '59779.18'], ['8287.09', '597.79', '51492.09'],
        ['8369.96', '514.92', '43122.13'], ['8453.66', '431.22', '34668.47'], ['8538.20', '346.68', '26130.27'],
        ['8623.58', '261.30', '17506.69'], ['8709.81', '175.07', '8796.88'], ['8796.88', '87.97', '0.00'],
      ];
      expect(rows.map((row) => [row.principal, row.interest, row.closing])).to.deep.equal(published);
      expect(rows.slice(0, 11).every((row) => row.total === '8884.88')).to.equal(true);
      expect(rows[11].total).to.equal('8884.85'); // the last instalment absorbs the rounding
      expect(rows).to.deep.equal(oracleMonthly('equal_installment', '100000.00', '0.12', '2026-01-15', 12));
    });

    it('when 120,000.00 at 4.35 % over 12 months from 2026-01-15, then A = 10,237.19 and every row matches the oracle', () => {
      const rows = schedule('equal_installment', '120000.00', '0.0435', '2026-01-15', '2027-01-15');
      expect(formatMoney(annuityPayment(parseMoney('120000.00'), parseRate('0.0435'), 12))).to.equal('10237.19');
      expect(asStrings(rows)).to.deep.equal(oracleMonthly('equal_installment', '120000.00', '0.0435', '2026-01-15', 12));
      expect(formatMoney(rows[0].interestDue)).to.equal('435.00'); // 120,000 × 0.003625
      expect(rows.map((row) => row.dueDate)).to.deep.equal(Array.from({ length: 12 }, (_, k) => plusMonths('2026-01-15', k + 1)));
      expect(sumFen(rows, (row) => row.principalDue)).to.equal(12_000_000n);
    });

    it('when the exact payment is a half fen (401.00 at 6 % over 2 months: A = 1.010025 / 0.005 = 202.005), then it rounds up to 202.01', () => {
      const rows = asStrings(schedule('equal_installment', '401.00', '0.06', '2026-03-10', '2026-05-10'));
      expect(rows.map((row) => [row.principal, row.interest, row.total])).to.deep.equal([
        ['200.00', '2.01', '202.01'], // interest 401 × 0.005 = 2.005 → 2.01
        ['201.00', '1.01', '202.01'], // interest 201 × 0.005 = 1.005 → 1.01
      ]);
    });

    it('when a half-fen payment is one that 40-digit Decimal.pow misrounds, then the exact integer computation still rounds it up', () => {
      // r = 0.00000001; A = P(1+r)² / (2+r) = 5·10¹³ × 1.0000000200000001 = 50,000,001,000,000.005 exactly.
      const payment = annuityPayment(parseMoney('100000000500000.00'), parseRate('0.00000012'), 2);
      expect(formatMoney(payment)).to.equal('50000001000000.01');
    });

    it('when the rate is 0, then the payment is P / n rounded and the last instalment absorbs the rest', () => {
      const rows = asStrings(schedule('equal_installment', '1000.00', '0', '2026-01-10', '2026-04-10'));
      expect(rows.map((row) => [row.principal, row.interest, row.total])).to.deep.equal([
        ['333.33', '0.00', '333.33'], ['333.33', '0.00', '333.33'], ['333.34', '0.00', '333.34'],
      ]);
    });

    it('when the loan runs one month, then a single row repays the principal with one month of interest', () => {
      const rows = asStrings(schedule('equal_installment', '10000.00', '0.0435', '2026-01-15', '2026-02-15'));
      expect(rows).to.deep.equal([{ dueDate: '2026-02-15', principal: '10000.00', interest: '36.25', total: '10036.25', closing: '0.00' }]);
    });
  });

  describe('equal_principal (等额本金)', () => {
    it('when 50,000.00 at 4.75 % over 36 months, then 35 parts of 1,388.89 and a last of 1,388.85 (50,000 − 48,611.15)', () => {
      const rows = schedule('equal_principal', '50000.00', '0.0475', '2026-01-15', '2029-01-15');
      const strings = asStrings(rows);
      expect(strings).to.have.length(36);
      expect(strings.slice(0, 35).every((row) => row.principal === '1388.89')).to.equal(true);
      expect(strings[35].principal).to.equal('1388.85');
      expect(strings[0].interest).to.equal('197.92'); // 50,000 × 0.0475 / 12 = 197.9166…
      expect(strings[35].interest).to.equal('5.50'); // 1,388.85 × 0.0475 / 12 = 5.4975…
      expect(strings[35].total).to.equal('1394.35');
      expect(sumFen(rows, (row) => row.principalDue)).to.equal(5_000_000n);
      expect(strings).to.deep.equal(oracleMonthly('equal_principal', '50000.00', '0.0475', '2026-01-15', 36));
    });

    it('when disbursed on 2026-01-31 for 3 months, then due on 2026-02-28, 2026-03-31 and 2026-04-30 (never chained)', () => {
      const rows = schedule('equal_principal', '3000.00', '0.0435', '2026-01-31', '2026-04-30');
      expect(rows.map((row) => row.dueDate)).to.deep.equal(['2026-02-28', '2026-03-31', '2026-04-30']);
      expect(asStrings(rows).map((row) => row.principal)).to.deep.equal(['1000.00', '1000.00', '1000.00']);
    });

    it('when disbursed on 2028-01-31 in a leap year, then the February instalment falls on 2028-02-29', () => {
      const rows = schedule('equal_principal', '3000.00', '0.0435', '2028-01-31', '2028-04-30');
      expect(rows.map((row) => row.dueDate)).to.deep.equal(['2028-02-29', '2028-03-31', '2028-04-30']);
      expectCode(() => schedule('equal_principal', '3000.00', '0.0435', '2028-01-31', '2028-02-28'), 'INVALID_SCHEDULE');
    });

    it('when the principal is tiny against the term (3.00 over 600 months), then parts stop at the balance and none is negative', () => {
      const rows = asStrings(schedule('equal_principal', '3.00', '0', '2026-01-15', '2076-01-15'));
      expect(rows).to.have.length(600);
      expect(rows.filter((row) => row.principal === '0.01')).to.have.length(300);
      expect(rows[299].closing).to.equal('0.00');
      expect(rows[599]).to.deep.include({ principal: '0.00', closing: '0.00' });
    });
  });

  describe('interest_quarterly_principal_at_maturity (按季付息、到期还本)', () => {
    it('when 50,000.00 at 4.75 % runs 2026-08-09 → 2027-08-09, then interest follows the settlement periods (43/91/90/92/49 days)', () => {
      // 50,000 × 0.0475 / 360 = 6.5972…/day. The first instalment is the §6.2 example: 43 days, 283.68.
      const rows = asStrings(schedule('interest_quarterly_principal_at_maturity', '50000.00', '0.0475', '2026-08-09', '2027-08-09'));
      expect(rows).to.deep.equal([
        { dueDate: '2026-09-20', principal: '0.00', interest: '283.68', total: '283.68', closing: '50000.00', days: 43 },
        { dueDate: '2026-12-20', principal: '0.00', interest: '600.35', total: '600.35', closing: '50000.00', days: 91 },
        { dueDate: '2027-03-20', principal: '0.00', interest: '593.75', total: '593.75', closing: '50000.00', days: 90 },
        { dueDate: '2027-06-20', principal: '0.00', interest: '606.94', total: '606.94', closing: '50000.00', days: 92 },
        { dueDate: '2027-08-09', principal: '50000.00', interest: '323.26', total: '50323.26', closing: '0.00', days: 49 },
      ]);
      expect(rows.reduce((total, row) => total + (row.days ?? 0), 0)).to.equal(365);
      expect(rows).to.deep.equal(oracleQuarterly('50000.00', '0.0475', '2026-08-09', '2027-08-09'));
    });

    it('when maturity falls on a settlement date, then that date appears once and its day is not charged', () => {
      const rows = asStrings(schedule('interest_quarterly_principal_at_maturity', '50000.00', '0.0475', '2026-08-09', '2027-06-20'));
      expect(rows.map((row) => [row.dueDate, row.days, row.interest])).to.deep.equal([
        ['2026-09-20', 43, '283.68'], ['2026-12-20', 91, '600.35'], ['2027-03-20', 90, '593.75'], ['2027-06-20', 91, '600.35'],
      ]);
      expect(rows[3].principal).to.equal('50000.00');
    });

    it('when disbursed on a settlement date, then the first interest falls on the next one and covers the disbursement day', () => {
      const rows = asStrings(schedule('interest_quarterly_principal_at_maturity', '36000.00', '0.05', '2026-09-20', '2027-03-20'));
      // 36,000 × 0.05 / 360 = 5.00 per day.
      expect(rows.map((row) => [row.dueDate, row.days, row.interest])).to.deep.equal([['2026-12-20', 92, '460.00'], ['2027-03-20', 89, '445.00']]);
    });

    it('when the term lies inside one settlement period, then a single row carries all interest and the principal', () => {
      const rows = asStrings(schedule('interest_quarterly_principal_at_maturity', '36000.00', '0.05', '2026-07-01', '2026-08-01'));
      expect(rows).to.deep.equal([{ dueDate: '2026-08-01', principal: '36000.00', interest: '155.00', total: '36155.00', closing: '0.00', days: 31 }]);
    });

    it('when maturity is the day after a settlement date, then the maturity row charges 0 days', () => {
      const rows = asStrings(schedule('interest_quarterly_principal_at_maturity', '36000.00', '0.05', '2026-08-09', '2026-09-21'));
      expect(rows.map((row) => [row.dueDate, row.days, row.interest, row.principal])).to.deep.equal([
        ['2026-09-20', 43, '215.00', '0.00'], ['2026-09-21', 0, '0.00', '36000.00'],
      ]);
    });

    it('when the rate is 0, then every interest instalment is 0.00', () => {
      const rows = asStrings(schedule('interest_quarterly_principal_at_maturity', '50000.00', '0', '2026-08-09', '2027-08-09'));
      expect(rows.every((row) => row.interest === '0.00')).to.equal(true);
    });

    it('when listing due dates, then quarterlyInterestDueDates spans leap-year periods too', () => {
      expect(quarterlyInterestDueDates(d('2027-12-21'), d('2028-03-21'))).to.deep.equal(['2028-03-20', '2028-03-21']);
      expect(schedule('interest_quarterly_principal_at_maturity', '36000.00', '0.05', '2027-12-21', '2028-03-21')[0].days).to.equal(91);
    });
  });

  describe('re-planning after an extension (replanAfter, 展期)', () => {
    const replan = (method: ScheduleMethod, principal: string, rate: string, start: string, maturity: string, after: string): ScheduleRow[] =>
      generateSchedule({ method, principal: parseMoney(principal), rateAnnual: parseRate(rate), disbursementDate: d(start), maturityDate: d(maturity), replanAfter: d(after) });

    it('when a quarterly loan is re-planned after its kept 2026-09-20 instalment, then interest starts on the 21st: the next quarter keeps its 91 days and 549.79', () => {
      // 50,000.00 at 4.35 %: 50,000 × 0.0435 / 360 = 6.041666…/day; 2026-09-21 … 2026-12-20 is 91 days.
      const original = asStrings(schedule('interest_quarterly_principal_at_maturity', '50000.00', '0.0435', '2026-03-01', '2027-03-01'));
      const rows = asStrings(replan('interest_quarterly_principal_at_maturity', '50000.00', '0.0435', '2026-03-01', '2027-09-01', '2026-09-20'));
      expect(rows.map((row) => [row.dueDate, row.days, row.interest, row.principal])).to.deep.equal([
        ['2026-12-20', 91, '549.79', '0.00'],
        ['2027-03-20', 90, '543.75', '0.00'],
        ['2027-06-20', 92, '555.83', '0.00'],
        ['2027-09-01', 72, '435.00', '50000.00'],
      ]);
      expect(rows[0]).to.deep.equal(original.find((row) => row.dueDate === '2026-12-20'));
      // With the kept rows, every day from disbursement to the day before the new maturity is charged once.
      const kept = original.filter((row) => row.dueDate <= '2026-09-20');
      expect([...kept, ...rows].reduce((total, row) => total + (row.days ?? 0), 0)).to.equal(549);
    });

    it('when a monthly loan disbursed on the 31st is re-planned after its 2026-04-30 instalment, then the due dates stay on the 31st or the month end', () => {
      const rows = replan('equal_principal', '9000.00', '0.0435', '2026-01-31', '2026-10-31', '2026-04-30');
      expect(rows.map((row) => row.dueDate)).to.deep.equal(['2026-05-31', '2026-06-30', '2026-07-31', '2026-08-31', '2026-09-30', '2026-10-31']);
      expect(rows.map((row) => formatMoney(row.principalDue))).to.deep.equal(Array(6).fill('1500.00'));
      expect(formatMoney(rows[0].interestDue), '9,000.00 × 0.0435 / 12 = 32.625').to.equal('32.63');
      expectCode(() => replan('equal_principal', '9000.00', '0.0435', '2026-01-31', '2026-10-30', '2026-04-30'), 'INVALID_SCHEDULE');
    });

    it('when the date to re-plan after is not strictly between disbursement and maturity, then INVALID_SCHEDULE', () => {
      expectCode(() => replan('interest_quarterly_principal_at_maturity', '1000.00', '0.04', '2026-03-01', '2027-03-01', '2026-03-01'), 'INVALID_SCHEDULE');
      expectCode(() => replan('interest_quarterly_principal_at_maturity', '1000.00', '0.04', '2026-03-01', '2027-03-01', '2027-03-01'), 'INVALID_SCHEDULE');
      expectCode(() => replan('equal_installment', '1000.00', '0.04', '2026-03-01', '2027-03-01', '2026-02-28'), 'INVALID_SCHEDULE');
    });
  });

  describe('validation', () => {
    const q: ScheduleMethod = 'interest_quarterly_principal_at_maturity';
    const cases: Array<[string, () => unknown, string]> = [
      ['the maturity is not a whole number of months (2026-01-15 → 2026-04-16)', () => schedule('equal_installment', '1000.00', '0.04', '2026-01-15', '2026-04-16'), 'INVALID_SCHEDULE'],
      ['the maturity is 2026-02-27 for a loan disbursed on 2026-01-31', () => schedule('equal_principal', '1000.00', '0.04', '2026-01-31', '2026-02-27'), 'INVALID_SCHEDULE'],
      ['disbursed 2026-02-28, maturing 2026-03-31 (day-of-month is 28)', () => schedule('equal_principal', '1000.00', '0.04', '2026-02-28', '2026-03-31'), 'INVALID_SCHEDULE'],
      ['the maturity equals the disbursement date', () => schedule(q, '1000.00', '0.04', '2026-01-15', '2026-01-15'), 'INVALID_SCHEDULE'],
      ['the maturity is before the disbursement date', () => schedule('equal_installment', '1000.00', '0.04', '2026-01-15', '2025-12-15'), 'INVALID_SCHEDULE'],
      ['the term is 601 months', () => schedule('equal_installment', '1000.00', '0.04', '2026-01-15', '2076-02-15'), 'INVALID_SCHEDULE'],
      ['the quarterly term is 50 years and a day', () => schedule(q, '1000.00', '0.04', '2026-01-15', '2076-01-16'), 'INVALID_SCHEDULE'],
      ['the principal is 0', () => schedule(q, '0.00', '0.04', '2026-01-15', '2027-01-15'), 'INVALID_MONEY'],
      ['the principal is negative', () => generateSchedule({ method: q, principal: new Decimal('-1.00'), rateAnnual: parseRate('0.04'), disbursementDate: d('2026-01-15'), maturityDate: d('2027-01-15') }), 'INVALID_MONEY'],
      ['the principal has 3 decimals', () => generateSchedule({ method: q, principal: new Decimal('1000.001'), rateAnnual: parseRate('0.04'), disbursementDate: d('2026-01-15'), maturityDate: d('2027-01-15') }), 'INVALID_MONEY'],
      ['the principal is 10^15', () => generateSchedule({ method: q, principal: new Decimal('1e15'), rateAnnual: parseRate('0.04'), disbursementDate: d('2026-01-15'), maturityDate: d('2027-01-15') }), 'INVALID_MONEY'],
      ['the rate is negative', () => generateSchedule({ method: q, principal: parseMoney('1.00'), rateAnnual: new Decimal('-0.01'), disbursementDate: d('2026-01-15'), maturityDate: d('2027-01-15') }), 'INVALID_RATE'],
      ['the rate is 1', () => generateSchedule({ method: q, principal: parseMoney('1.00'), rateAnnual: new Decimal(1), disbursementDate: d('2026-01-15'), maturityDate: d('2027-01-15') }), 'INVALID_RATE'],
      ['the rate has 9 decimals', () => generateSchedule({ method: q, principal: parseMoney('1.00'), rateAnnual: new Decimal('0.040000001'), disbursementDate: d('2026-01-15'), maturityDate: d('2027-01-15') }), 'INVALID_RATE'],
      ['a date is not a calendar day', () => generateSchedule({ method: q, principal: parseMoney('1.00'), rateAnnual: parseRate('0.04'), disbursementDate: '2026-02-30' as IsoDate, maturityDate: d('2027-01-15') }), 'INVALID_DATE'],
      ['the method is unknown', () => generateSchedule({ method: 'balloon' as ScheduleMethod, principal: parseMoney('1.00'), rateAnnual: parseRate('0.04'), disbursementDate: d('2026-01-15'), maturityDate: d('2027-01-15') }), 'INVALID_SCHEDULE'],
    ];
    for (const [situation, run, code] of cases) {
      it(`when ${situation}, then ${code} is thrown`, () => expectCode(run, code));
    }

    it('when a term is checked before planning it (requirePlannableTerm), then it refuses exactly what generateSchedule refuses', () => {
      expectCode(() => requirePlannableTerm('equal_installment', d('2026-03-01'), d('2027-03-15')), 'INVALID_SCHEDULE');
      expectCode(() => requirePlannableTerm('equal_principal', d('2026-01-31'), d('2026-02-27')), 'INVALID_SCHEDULE');
      expectCode(() => requirePlannableTerm(q, d('2026-01-15'), d('2076-01-16')), 'INVALID_SCHEDULE');
      expectCode(() => requirePlannableTerm(q, d('2026-01-15'), d('2026-01-15')), 'INVALID_SCHEDULE');
      expect(() => requirePlannableTerm('equal_installment', d('2026-01-31'), d('2026-02-28'))).not.to.throw();
      expect(() => requirePlannableTerm(q, d('2026-03-01'), d('2027-03-15'))).not.to.throw();
      expect(() => requirePlannableTerm(q, d('2026-01-31'), d('2076-01-31'))).not.to.throw();
    });

    it('when the term is exactly 600 months, then both kinds of schedule are accepted', () => {
      expect(schedule('equal_installment', '5000000.00', '0.1', '2026-01-31', '2076-01-31')).to.have.length(600);
      expect(schedule(q, '5000000.00', '0.1', '2026-01-31', '2076-01-31')).to.have.length(201);
    });

    it('when counting monthly instalments, then month-end clamping counts and a stray day does not', () => {
      expect(monthlyInstalmentCount(d('2026-01-31'), d('2026-02-28'))).to.equal(1);
      expect(monthlyInstalmentCount(d('2026-01-15'), d('2027-01-15'))).to.equal(12);
      expectCode(() => monthlyInstalmentCount(d('2026-01-15'), d('2026-01-31')), 'INVALID_SCHEDULE');
    });

    it('when a schedule is tampered with, then assertScheduleInvariants fails as a programming error', () => {
      const input: GenerateScheduleInput = { method: 'equal_principal', principal: parseMoney('3000.00'), rateAnnual: parseRate('0.04'), disbursementDate: d('2026-01-15'), maturityDate: d('2026-04-15') };
      const rows = generateSchedule(input);
      rows[1] = { ...rows[1], principalDue: rows[1].principalDue.plus('0.01'), totalDue: rows[1].totalDue.plus('0.01') };
      expect(() => assertScheduleInvariants(input, rows)).to.throw(InvariantError);
    });
  });

  describe('property: 2,000 seeded random loans', () => {
    it('when any loan is scheduled, then principal parts sum to P, nothing is negative, dates increase, the balance ends at 0 and the oracle agrees', () => {
      let state = 20260809; // mulberry32, seeded: the same 2,000 loans on every run
      const random = (maxExclusive: number): number => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = Math.imul(state ^ (state >>> 15), state | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * maxExclusive);
      };
      const methods: ScheduleMethod[] = ['interest_quarterly_principal_at_maturity', 'equal_installment', 'equal_principal'];
      for (let loan = 0; loan < 2000; loan += 1) {
        const method = methods[loan % 3];
        const digits = 1 + random(9); // 0.01 … 5,000,000.00, spread over magnitudes
        const principalFen = 1n + (BigInt(random(1_000_000_000)) % (10n ** BigInt(digits))) % 500_000_000n;
        const units = BigInt(random(10_000_001)); // 0 … 0.1 with 8 decimals
        const rate = units === 0n ? '0' : `0.${units.toString().padStart(8, '0')}`;
        const year = 2020 + random(16);
        const month = 1 + random(12);
        const start = ymd(year, month, 1 + random(new Date(Date.UTC(year, month, 0)).getUTCDate()));
        const termMonths = 1 + random(120);
        const maturity = method === methods[0] ? new Date((utcDay(start) + 1 + random(termMonths * 31)) * DAY_MS).toISOString().slice(0, 10) : plusMonths(start, termMonths);
        const rows = schedule(method, yuan(principalFen), rate, start, maturity);
        const context = `${method} ${yuan(principalFen)} ${rate} ${start} → ${maturity}`;
        expect(sumFen(rows, (row) => row.principalDue), context).to.equal(principalFen);
        expect(rows.every((row) => !row.principalDue.isNegative() && !row.interestDue.isNegative() && !row.closingBalance.isNegative()), context).to.equal(true);
        expect(rows.every((row, index) => (index === 0 ? start : rows[index - 1].dueDate) < row.dueDate), context).to.equal(true);
        expect(formatMoney(rows[rows.length - 1].closingBalance), context).to.equal('0.00');
        const expected = method === methods[0] ? oracleQuarterly(yuan(principalFen), rate, start, maturity) : oracleMonthly(method, yuan(principalFen), rate, start, termMonths);
        expect(asStrings(rows), context).to.deep.equal(expected);
      }
    }).timeout(60_000);
  });
});

describe('interestOnBalances: the schedule\'s interest on the principal actually outstanding (docs/calculations.md "Prepayments")', () => {
  const base = { principal: new Decimal('50000.00'), rateAnnual: new Decimal('0.0435'), disbursementDate: '2026-03-01' as IsoDate };
  const planned = (method: GenerateScheduleInput['method']) => generateSchedule({ ...base, method, maturityDate: '2027-03-01' as IsoDate });
  const on = (method: GenerateScheduleInput['method'], principalRepaid: Array<{ date: string; amount: string }>) =>
    interestOnBalances({ ...base, method, rows: planned(method), principalRepaid: principalRepaid.map((r) => ({ date: r.date as IsoDate, amount: new Decimal(r.amount) })) }).map(formatMoney);

  it('when nothing is repaid ahead of the plan, then every interest amount is the planned one, for each method', () => {
    for (const method of ['interest_quarterly_principal_at_maturity', 'equal_installment', 'equal_principal'] as const) {
      expect(on(method, []), method).to.deep.equal(planned(method).map((r) => formatMoney(r.interestDue)));
    }
    // Paid exactly as planned, the monthly plan is unchanged too.
    const rows = planned('equal_principal');
    const asPlanned = rows.slice(0, 5).map((r) => ({ date: r.dueDate, amount: formatMoney(r.principalDue) }));
    expect(on('equal_principal', asPlanned)).to.deep.equal(rows.map((r) => formatMoney(r.interestDue)));
  });

  it('when 20,000.00 is repaid on 2026-08-01 on a quarterly loan, then the windows after it are charged on the balance (432.58 = §6.2\'s example)', () => {
    expect(on('interest_quarterly_principal_at_maturity', [{ date: '2026-08-01', amount: '20000.00' }])).to.deep.equal(['120.83', '555.83', '432.58', '329.88', '253.75']);
  });

  it('when a monthly loan is repaid ahead, then the interest falls from the next month; arrears never raise it', () => {
    const rows = planned('equal_principal');
    const ahead = on('equal_principal', [{ date: '2026-04-01', amount: formatMoney(rows[0]!.principalDue) }, { date: '2026-04-15', amount: '10000.00' }]);
    expect(ahead.slice(0, 2)).to.deep.equal(rows.slice(0, 2).map((r) => formatMoney(r.interestDue)));
    // 2026-06-01 is charged on the balance at the end of 2026-05-01: 50,000.00 − 4,166.67 − 10,000.00 = 35,833.33 → 129.90.
    expect(ahead[2]).to.equal('129.90');
    // Repaid in full on 2026-08-20, five days after an instalment: that month charges its five days (Actual/360), none after.
    const small = { principal: new Decimal('12000.00'), rateAnnual: new Decimal('0.0435'), disbursementDate: '2026-01-15' as IsoDate };
    const plan = generateSchedule({ ...small, method: 'equal_principal', maturityDate: '2027-01-15' as IsoDate });
    const onTime = plan.filter((r) => r.dueDate <= '2026-08-15').map((r) => ({ date: r.dueDate, amount: r.principalDue }));
    const left = new Decimal('12000.00').minus(onTime.reduce((sum, r) => sum.plus(r.amount), new Decimal(0)));
    const paidOff = interestOnBalances({ ...small, method: 'equal_principal', rows: plan, principalRepaid: [...onTime, { date: '2026-08-20' as IsoDate, amount: left }] });
    expect(paidOff.slice(6).map(formatMoney)).to.deep.equal(['21.75', '3.02', '0.00', '0.00', '0.00', '0.00']);
    // Every instalment paid on its day, the last included: the plan stands.
    const all = plan.map((r) => ({ date: r.dueDate, amount: r.principalDue }));
    expect(interestOnBalances({ ...small, method: 'equal_principal', rows: plan, principalRepaid: all }).map(formatMoney)).to.deep.equal(plan.map((r) => formatMoney(r.interestDue)));
    // Nothing repaid at all (arrears): the balance is above the plan's, and the plan's interest stands.
    expect(on('equal_principal', [{ date: '2026-03-05', amount: '1.00' }])).to.deep.equal(rows.map((r) => formatMoney(r.interestDue)));
  });
});
