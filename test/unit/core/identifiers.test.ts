import { expect } from 'chai';

import {
  ageAt,
  birthDateFromResidentId,
  CoreInputError,
  IsoDate,
  maskResidentId,
  parseIsoDate,
  residentIdCheckCharacter,
  usccCheckCharacter,
  validateResidentId,
  validateUscc,
} from '../../../src/core';

const d = (text: string): IsoDate => parseIsoDate(text);

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

// Second implementations, written from the standards' definitions rather than the code's tables.
const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** GB 32100: weights 3^i mod 31; the check character makes the weighted sum ≡ 0 (mod 31). */
function oracleUsccCheck(first17: string): string {
  let sum = 0;
  let weight = 1;
  for (const character of first17) {
    sum += USCC_CHARSET.indexOf(character) * weight;
    weight = (weight * 3) % 31;
  }
  for (let value = 0; value < 31; value += 1) {
    if ((sum + value) % 31 === 0) return USCC_CHARSET[value];
  }
  throw new Error('unreachable');
}

/** ISO 7064 MOD 11-2: weights 2^(18−n) mod 11 and the whole number, check included, is ≡ 1 (mod 11). */
function oracleResidentCheck(first17: string): string {
  let sum = 0;
  for (let n = 1; n <= 17; n += 1) {
    sum += Number(first17[n - 1]) * (2 ** (18 - n) % 11);
  }
  for (let value = 0; value <= 10; value += 1) {
    if ((sum + value) % 11 === 1) return value === 10 ? 'X' : String(value);
  }
  throw new Error('unreachable');
}

function randomString(random: () => number, alphabet: string, length: number): string {
  return Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
}

describe('core/identifiers', () => {
  describe('unified social credit code (GB 32100-2015)', () => {
    const valid = ['91350100M000100Y43', `91410200MA4WXY012${oracleUsccCheck('91410200MA4WXY012')}`];
    for (const code of valid) {
      it(`when the code is ${code}, then it is valid`, () => {
        expect(validateUscc(code)).to.deep.equal({ ok: true });
      });
    }

    const invalid: Array<[string, string]> = [
      ['91350100M000100Y44', 'the check character is wrong'],
      ['91350100M000100Y4', 'it has 17 characters'],
      ['91350100M000100Y433', 'it has 19 characters'],
      ['91350100m000100Y43', 'it has a lower-case letter'],
      ['91350100I000100Y43', 'it uses the letter I'],
      ['91350100O000100Y43', 'it uses the letter O'],
      ['9135010SM00100Y430', 'it uses the letter S'],
      ['91350100M000100V43', 'it uses the letter V'],
      ['91350100M000100Y4Z', 'its check character is Z'],
      ['', 'it is empty'],
    ];
    for (const [code, why] of invalid) {
      it(`when ${why} (${code || '""'}), then it is refused with a reason`, () => {
        const result = validateUscc(code);
        expect(result.ok).to.equal(false);
        expect(result.ok ? '' : result.reason).to.be.a('string').and.not.equal('');
      });
    }

    it('when checking 2,000 random bodies, then the check character matches the oracle and every single substitution is caught', () => {
      const random = mulberry32(32100);
      for (let round = 0; round < 2_000; round += 1) {
        const body = randomString(random, USCC_CHARSET, 17);
        const check = usccCheckCharacter(body);
        expect(check, body).to.equal(oracleUsccCheck(body));
        expect(validateUscc(body + check), body).to.deep.equal({ ok: true });
        const position = Math.floor(random() * 17);
        const replacement = USCC_CHARSET[(USCC_CHARSET.indexOf(body[position]) + 1 + Math.floor(random() * 30)) % 31];
        const altered = body.slice(0, position) + replacement + body.slice(position + 1) + check;
        expect(validateUscc(altered).ok, altered).to.equal(false);
      }
    });

    it('when the body has a forbidden character, then usccCheckCharacter throws INVALID_USCC', () => {
      expect(() => usccCheckCharacter('91350100M000100YI')).to.throw(CoreInputError).with.property('code', 'INVALID_USCC');
    });
  });

  describe('resident ID number (GB 11643-1999)', () => {
    const valid = [
      '11010519491231002X',
      `41022519850615123${oracleResidentCheck('41022519850615123')}`,
      `41020220000229004${oracleResidentCheck('41020220000229004')}`,
      `41022319991231876${oracleResidentCheck('41022319991231876')}`,
    ];
    for (const id of valid) {
      it(`when the ID is ${id}, then it is valid`, () => {
        expect(validateResidentId(id)).to.deep.equal({ ok: true });
      });
    }

    const invalid: Array<[string, string]> = [
      ['110105194912310021', 'the check character is wrong'],
      ['11010519491231002x', 'the X is lower case'],
      ['110105491231002', 'it is an old 15-digit number'],
      ['11010519491231002XX', 'it has 19 characters'],
      [`41022519900230123${oracleResidentCheck('41022519900230123')}`, 'the birth date is 30 February'],
      [`41022519011329123${oracleResidentCheck('41022519011329123')}`, 'the birth month is 13'],
      [`41022520250229123${oracleResidentCheck('41022520250229123')}`, 'the birth date is 29 February of a common year'],
      ['1101051949123100X2', 'the X is not last'],
    ];
    for (const [id, why] of invalid) {
      it(`when ${why} (${id}), then it is refused with a reason`, () => {
        const result = validateResidentId(id);
        expect(result.ok).to.equal(false);
        expect(result.ok ? '' : result.reason).to.be.a('string').and.not.equal('');
      });
    }

    it('when checking 2,000 random bodies, then the check character matches the oracle', () => {
      const random = mulberry32(11643);
      for (let round = 0; round < 2_000; round += 1) {
        const body = randomString(random, '0123456789', 17);
        expect(residentIdCheckCharacter(body), body).to.equal(oracleResidentCheck(body));
      }
    });

    const birthDates: Array<[string, string]> = [
      ['11010519491231002X', '1949-12-31'],
      [valid[1], '1985-06-15'],
      [valid[2], '2000-02-29'],
    ];
    for (const [id, birthDate] of birthDates) {
      it(`when the ID is ${id}, then the birth date is ${birthDate}`, () => {
        expect(birthDateFromResidentId(id)).to.equal(birthDate);
      });
    }

    it('when the ID is invalid, then birthDateFromResidentId throws INVALID_RESIDENT_ID', () => {
      expect(() => birthDateFromResidentId('110105194912310021')).to.throw(CoreInputError).with.property('code', 'INVALID_RESIDENT_ID');
    });
  });

  describe('ageAt', () => {
    const cases: Array<[string, string, number]> = [
      ['1985-06-15', '2026-06-14', 40],
      ['1985-06-15', '2026-06-15', 41],
      ['2008-08-09', '2026-08-08', 17],
      ['2008-08-09', '2026-08-09', 18],
      ['1961-01-01', '2026-12-31', 65],
      ['2000-02-29', '2026-02-28', 25],
      ['2000-02-29', '2026-03-01', 26],
      ['2000-02-29', '2028-02-29', 28],
      ['2026-05-01', '2026-05-01', 0],
    ];
    for (const [birth, on, age] of cases) {
      it(`when born ${birth}, then on ${on} the age is ${age}`, () => {
        expect(ageAt(d(birth), d(on))).to.equal(age);
      });
    }

    it('when the date is before the birth date, then INVALID_DATE is thrown', () => {
      expect(() => ageAt(d('2000-01-02'), d('2000-01-01'))).to.throw(CoreInputError).with.property('code', 'INVALID_DATE');
    });
  });

  describe('maskResidentId', () => {
    const cases: Array<[string, string]> = [
      ['410225198506151234', '410225********1234'],
      ['11010519491231002X', '110105********002X'],
    ];
    for (const [id, masked] of cases) {
      it(`when masking ${id}, then it shows ${masked}`, () => {
        expect(maskResidentId(id)).to.equal(masked);
      });
    }

    it('when the ID does not have 18 characters, then INVALID_RESIDENT_ID is thrown', () => {
      expect(() => maskResidentId('110105491231002')).to.throw(CoreInputError).with.property('code', 'INVALID_RESIDENT_ID');
    });
  });
});
