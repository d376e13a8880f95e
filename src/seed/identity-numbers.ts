import { addDays, type IsoDate } from '../core/dates';
import { residentIdCheckCharacter, usccCheckCharacter } from '../core/identifiers';
import type { EnterpriseKind } from '../modules/enterprises/enterprise.entity';
import type { Sex } from './names';
import type { Random } from './random';

/**
 * Valid, unique identifiers for the demo city: resident ID numbers (GB 11643) and unified social
 * credit codes (GB 32100). Every number is drawn from a seeded stream and checked against the ones
 * already issued, so a generation never repeats one.
 */

/** Heads of household are 18–80 years old on 2026-01-01. */
const OLDEST_BIRTH = '1945-01-02' as IsoDate;
const YOUNGEST_BIRTH = '2008-01-01' as IsoDate;

/**
 * The demo issues sequence numbers 500–999 only: tests and hand-entered households build theirs
 * from small counters (test/support/fixtures.ts), and must not collide with the demo's.
 */
const FIRST_SEQUENCE = 500;

export class ResidentIdIssuer {
  private readonly issued = new Set<string>();

  constructor(private readonly random: Random) {}

  /** A head of household's ID: county code, birth date (older heads more likely), sequence with the sex's parity, check. */
  issue(countyCode: string, sex: Sex): { idNumber: string; birthDate: IsoDate } {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const birthDate = this.birthDate();
      const sequence = FIRST_SEQUENCE + 2 * this.random.int(0, 249) + (sex === 'male' ? 1 : 0);
      const body = `${countyCode}${birthDate.replaceAll('-', '')}${String(sequence).padStart(3, '0')}`;
      if (this.issued.has(body)) continue;
      this.issued.add(body);
      return { idNumber: body + residentIdCheckCharacter(body), birthDate };
    }
    throw new Error('no free resident ID number after 100 attempts');
  }

  private birthDate(): IsoDate {
    // Most registered heads are between 35 and 75; a few are young heads or very old.
    if (this.random.chance(0.85)) return this.random.date('1951-01-01' as IsoDate, '1991-12-31' as IsoDate);
    return this.random.date(OLDEST_BIRTH, addDays(YOUNGEST_BIRTH, -1));
  }
}

// GB 32100 characters: digits and capitals without I, O, S, V, Z.
const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
// Organisation codes (GB 11714) registered since 2015 start with 'MA' (market regulator) or 'MF'
// (agriculture, for collectives). The third character is never 4–7: the fixed demo firms use 'MA4'
// and the tests 'MA5'–'MA7', so generated codes cannot collide with theirs.
const THIRD_CHARACTERS = '89BCDEFGHJKLMNPQRTUWXY';
const ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;

/** Registration authority and organisation category (GB 32100 §4): 91 company, 93 farmers' co-operative, N2 village collective. */
const USCC_PREFIX: Record<EnterpriseKind, string> = { company: '91', cooperative: '93', village_collective: 'N2' };

export class UsccIssuer {
  private readonly issued = new Set<string>();

  constructor(private readonly random: Random) {}

  /** Reserves codes issued elsewhere (the fixed demo firms) so they are never generated again. */
  reserve(code: string): void {
    this.issued.add(code);
  }

  issue(kind: EnterpriseKind, countyCode: string): string {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      let first8 = (kind === 'village_collective' ? 'MF' : 'MA') + this.random.pick([...THIRD_CHARACTERS]);
      while (first8.length < 8) first8 += this.random.pick([...USCC_CHARSET]);
      const body = `${USCC_PREFIX[kind]}${countyCode}${first8}${organisationCodeCheck(first8)}`;
      const code = body + usccCheckCharacter(body);
      if (this.issued.has(code)) continue;
      this.issued.add(code);
      return code;
    }
    throw new Error('no free USCC after 100 attempts');
  }
}

/** The ninth character of an organisation code (GB 11714): 11 − (Σ value × weight mod 11), 10 → X, 11 → 0. */
export function organisationCodeCheck(first8: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i += 1) sum += parseInt(first8.charAt(i), 36) * ORG_CODE_WEIGHTS[i]!;
  const check = 11 - (sum % 11);
  return check === 10 ? 'X' : check === 11 ? '0' : String(check);
}
