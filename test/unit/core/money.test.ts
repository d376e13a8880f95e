import { expect } from 'chai';

import {
  CoreInputError,
  Decimal,
  floorToFen,
  formatMoney,
  formatRate,
  InvariantError,
  parseMoney,
  parseRate,
  parseSignedMoney,
  roundHalfUpToFen,
  roundHalfUpToLi,
  roundMoney,
  sumMoney,
} from '../../../src/core';

function expectCoreInputError(action: () => unknown, code: string): void {
  expect(action).to.throw(CoreInputError).with.property('code', code);
}

describe('core/money', () => {
  describe('the configured Decimal clone', () => {
    it('when adding 0.1 and 0.2, then the sum is exactly 0.3', () => {
      expect(new Decimal('0.1').plus('0.2').toString()).to.equal('0.3');
    });

    it('when dividing 1 by 3, then 40 significant digits are kept', () => {
      expect(new Decimal(1).div(3).toString()).to.equal(`0.${'3'.repeat(40)}`);
    });

    it('when a 15-digit amount is printed, then no exponent notation appears', () => {
      expect(new Decimal('999999999999999.99').toString()).to.equal('999999999999999.99');
      expect(new Decimal('0.000001').toString()).to.equal('0.000001');
    });
  });

  describe('parseMoney', () => {
    const accepted: Array<[string, string]> = [
      ['0', '0.00'],
      ['0.00', '0.00'],
      ['0.5', '0.50'],
      ['5', '5.00'],
      ['50000.00', '50000.00'],
      ['1234.57', '1234.57'],
      ['999999999999999.99', '999999999999999.99'],
    ];
    for (const [input, expected] of accepted) {
      it(`when given "${input}", then it parses to ${expected}`, () => {
        expect(formatMoney(parseMoney(input))).to.equal(expected);
      });
    }

    const refused = [
      '', ' 5', '5 ', '-5', '-0', '+5', '1e5', '1E5', '007', '00', '01.5', '5.', '.5', '5.001',
      '0.000', '1,000.00', '1000000000000000', 'abc', 'NaN', 'Infinity', '0x10', '５', '5.0\n',
    ];
    for (const input of refused) {
      it(`when given ${JSON.stringify(input)}, then INVALID_MONEY is thrown`, () => {
        expectCoreInputError(() => parseMoney(input), 'INVALID_MONEY');
      });
    }

    it('when given a number instead of a string, then INVALID_MONEY is thrown', () => {
      expectCoreInputError(() => parseMoney(5 as unknown as string), 'INVALID_MONEY');
    });
  });

  describe('parseSignedMoney', () => {
    const accepted: Array<[string, string]> = [
      ['-5', '-5.00'],
      ['-0.01', '-0.01'],
      ['12.30', '12.30'],
      ['0.00', '0.00'],
    ];
    for (const [input, expected] of accepted) {
      it(`when given "${input}", then it parses to ${expected}`, () => {
        expect(formatMoney(parseSignedMoney(input))).to.equal(expected);
      });
    }

    for (const input of ['-0', '-0.00', '-0.0', '--5', '+5', '- 5', '-', '-007', '-5.001', '-1e3']) {
      it(`when given ${JSON.stringify(input)}, then INVALID_MONEY is thrown`, () => {
        expectCoreInputError(() => parseSignedMoney(input), 'INVALID_MONEY');
      });
    }
  });

  describe('formatMoney', () => {
    const cases: Array<[string, string]> = [
      ['0', '0.00'],
      ['-0', '0.00'],
      ['1.5', '1.50'],
      ['-5.1', '-5.10'],
      ['606.94', '606.94'],
      ['1e15', '1000000000000000.00'],
    ];
    for (const [input, expected] of cases) {
      it(`when formatting ${input}, then it prints "${expected}"`, () => {
        expect(formatMoney(new Decimal(input))).to.equal(expected);
      });
    }

    it('when the amount has a third decimal, then an invariant error is thrown instead of rounding', () => {
      expect(() => formatMoney(new Decimal('606.944'))).to.throw(InvariantError);
    });
  });

  describe('rounding helpers', () => {
    const cases: Array<[string, string, string, string]> = [
      // input, half-up to fen, half-up to li, floor to fen
      ['606.944', '606.94', '606.944', '606.94'],
      ['432.583', '432.58', '432.583', '432.58'],
      ['0.005', '0.01', '0.005', '0.00'],
      ['0.0045', '0.00', '0.005', '0.00'],
      ['283.6805', '283.68', '283.681', '283.68'],
      ['1.9999', '2.00', '2.000', '1.99'],
      ['-0.005', '-0.01', '-0.005', '-0.01'],
      ['-1.0004', '-1.00', '-1.000', '-1.01'],
    ];
    for (const [input, fen, li, floor] of cases) {
      it(`when rounding ${input}, then half-up gives ${fen} (fen) and ${li} (li), floor gives ${floor}`, () => {
        const value = new Decimal(input);
        expect(roundHalfUpToFen(value).toFixed(2)).to.equal(fen);
        expect(roundHalfUpToLi(value).toFixed(3)).to.equal(li);
        expect(floorToFen(value).toFixed(2)).to.equal(floor);
        expect(roundMoney(value, 'HALF_UP_FEN').toFixed(2)).to.equal(fen);
        expect(roundMoney(value, 'HALF_UP_LI').toFixed(3)).to.equal(li);
        expect(roundMoney(value, 'FLOOR_FEN').toFixed(2)).to.equal(floor);
      });
    }
  });

  describe('sumMoney', () => {
    it('when summing nothing, then the total is 0.00', () => {
      expect(formatMoney(sumMoney([]))).to.equal('0.00');
    });

    it('when summing ten times 0.10, then the total is exactly 1.00', () => {
      const tenDimes = Array.from({ length: 10 }, () => parseMoney('0.10'));
      expect(formatMoney(sumMoney(tenDimes))).to.equal('1.00');
    });

    it('when summing rounded lines, then the total is not rounded again (SPEC §6.5)', () => {
      const lines = ['606.94', '283.68', '432.58', '6133.33', '1022.22', '153.33'].map(parseMoney);
      expect(formatMoney(sumMoney(lines))).to.equal('8632.08');
    });
  });

  describe('parseRate and formatRate', () => {
    const accepted: Array<[string, string]> = [
      ['0', '0.0000'],
      ['0.0475', '0.0475'],
      ['0.02', '0.0200'],
      ['0.04350', '0.0435'],
      ['0.12345678', '0.12345678'],
      ['0.99999999', '0.99999999'],
    ];
    for (const [input, expected] of accepted) {
      it(`when given "${input}", then it parses and prints as "${expected}"`, () => {
        expect(formatRate(parseRate(input))).to.equal(expected);
      });
    }

    for (const input of ['', '1', '1.0', '-0.01', '0.123456789', '.05', '4.75', '4.75%', '5e-2', ' 0.05', '00.05']) {
      it(`when given ${JSON.stringify(input)}, then INVALID_RATE is thrown`, () => {
        expectCoreInputError(() => parseRate(input), 'INVALID_RATE');
      });
    }

    it('when formatting a rate with 9 decimals or of 1 or more, then an invariant error is thrown', () => {
      expect(() => formatRate(new Decimal('0.123456789'))).to.throw(InvariantError);
      expect(() => formatRate(new Decimal('1'))).to.throw(InvariantError);
      expect(() => formatRate(new Decimal('-0.01'))).to.throw(InvariantError);
    });
  });
});
