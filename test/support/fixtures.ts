import { residentIdCheckCharacter, usccCheckCharacter } from '../../src/core/identifiers';

/** A valid resident ID number for a county, birth date (YYYYMMDD) and sequence. */
export function residentId(countyCode: string, birth: string, sequence: number): string {
  const body = `${countyCode}${birth}${String(sequence).padStart(3, '0')}`;
  return body + residentIdCheckCharacter(body);
}

/** The same ID number with a wrong check character. */
export function withWrongCheck(id: string): string {
  const wrong = id.endsWith('0') ? '1' : '0';
  return id.slice(0, 17) + wrong;
}

/** A valid unified social credit code from a 17-character body. */
export function uscc(body: string): string {
  return body + usccCheckCharacter(body);
}

let counter = 0;
/** A unique suffix for household numbers and codes within one test run. */
export function unique(): string {
  counter += 1;
  return `${process.pid % 1000}${String(counter).padStart(5, '0')}`;
}
