// Identifier checks for the register (SPEC §2, §3).
// - Unified social credit code (统一社会信用代码), GB 32100-2015: 17 characters and a check character.
// - Resident identity number (公民身份号码), GB 11643-1999: 6-digit region, 8-digit birth date,
//   3-digit sequence, check character by ISO 7064 MOD 11-2.
// Both checks are strict about case (upper-case letters only); callers normalise input first if they
// want to accept lower case.
import { compareDates, dateParts, IsoDate, isIsoDate } from './dates';
import { CoreInputError } from './errors';

export type IdentifierCheck = { ok: true } | { ok: false; reason: string };

// GB 32100-2015 uses 31 characters: the digits and the capitals without I, O, S, V and Z.
const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
// The weight of position i is 3^i mod 31.
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
const USCC_BODY_PATTERN = /^[0-9A-HJ-NPQRTUWXY]{17}$/;

// The weight of position i (from the left, 1-based) is 2^(18 − i) mod 11.
const RESIDENT_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const RESIDENT_ID_CHECK_CHARACTERS = '0123456789X';
const RESIDENT_ID_BODY_PATTERN = /^\d{17}$/;
const RESIDENT_ID_PATTERN = /^\d{17}[\dX]$/;

const OK: IdentifierCheck = { ok: true };

function fail(reason: string): IdentifierCheck {
  return { ok: false, reason };
}

/** The check character of a USCC from its first 17 characters. */
export function usccCheckCharacter(first17: string): string {
  if (typeof first17 !== 'string' || !USCC_BODY_PATTERN.test(first17)) {
    throw new CoreInputError(
      'INVALID_USCC',
      'Expected 17 characters from 0-9 and A-Y without I, O, S, V, Z.',
      { input: String(first17) },
    );
  }
  let sum = 0;
  for (let position = 0; position < 17; position += 1) {
    sum += USCC_CHARSET.indexOf(first17.charAt(position)) * USCC_WEIGHTS[position];
  }
  return USCC_CHARSET.charAt((31 - (sum % 31)) % 31);
}

/** Validates a unified social credit code: 18 characters of the GB 32100 charset and its check character. */
export function validateUscc(code: string): IdentifierCheck {
  if (typeof code !== 'string' || code.length !== 18) {
    return fail('A unified social credit code has 18 characters.');
  }
  const body = code.slice(0, 17);
  if (!USCC_BODY_PATTERN.test(body) || !USCC_CHARSET.includes(code.charAt(17))) {
    return fail('A unified social credit code uses only 0-9 and capital A-Y without I, O, S, V and Z.');
  }
  if (usccCheckCharacter(body) !== code.charAt(17)) {
    return fail('The check character of the unified social credit code does not match.');
  }
  return OK;
}

/** The check character of a resident ID from its first 17 digits: '0'–'9' or 'X'. */
export function residentIdCheckCharacter(first17: string): string {
  if (typeof first17 !== 'string' || !RESIDENT_ID_BODY_PATTERN.test(first17)) {
    throw new CoreInputError(
      'INVALID_RESIDENT_ID',
      // No input in the details: an ID number must never reach an error message or a log.
      'Expected the first 17 digits of a resident ID number.',
    );
  }
  let sum = 0;
  for (let position = 0; position < 17; position += 1) {
    sum += Number(first17.charAt(position)) * RESIDENT_ID_WEIGHTS[position];
  }
  return RESIDENT_ID_CHECK_CHARACTERS.charAt((12 - (sum % 11)) % 11);
}

function birthDateText(id: string): string {
  const digits = id.slice(6, 14);
  return `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}`;
}

/** Validates an 18-character resident ID number: format, birth date and check character. */
export function validateResidentId(id: string): IdentifierCheck {
  if (typeof id !== 'string' || !RESIDENT_ID_PATTERN.test(id)) {
    return fail('A resident ID number has 17 digits followed by a digit or a capital X.');
  }
  if (!isIsoDate(birthDateText(id))) {
    return fail('The birth date in the resident ID number (characters 7–14) is not a real date.');
  }
  if (residentIdCheckCharacter(id.slice(0, 17)) !== id.charAt(17)) {
    return fail('The check character of the resident ID number does not match.');
  }
  return OK;
}

/** The birth date encoded in a valid resident ID number (characters 7–14). */
export function birthDateFromResidentId(id: string): IsoDate {
  const check = validateResidentId(id);
  if (!check.ok) {
    throw new CoreInputError('INVALID_RESIDENT_ID', check.reason);
  }
  return birthDateText(id) as IsoDate;
}

/**
 * Age in whole years (周岁) on `onDate`: the birthday itself completes the year. A person born on
 * 29 February completes the year on 1 March in common years, since 29 February does not occur.
 */
export function ageAt(birthDate: IsoDate, onDate: IsoDate): number {
  if (compareDates(onDate, birthDate) < 0) {
    throw new CoreInputError('INVALID_DATE', 'The date is before the birth date.', { birthDate, onDate });
  }
  const birth = dateParts(birthDate);
  const on = dateParts(onDate);
  const birthdayReached = on.month > birth.month || (on.month === birth.month && on.day >= birth.day);
  return on.year - birth.year - (birthdayReached ? 0 : 1);
}

/** Shows the region code and the last four characters only: 410225********1234 (SPEC §3). */
export function maskResidentId(id: string): string {
  if (typeof id !== 'string' || id.length !== 18) {
    throw new CoreInputError('INVALID_RESIDENT_ID', 'A resident ID number to mask has 18 characters.');
  }
  return `${id.slice(0, 6)}${'*'.repeat(8)}${id.slice(14)}`;
}
