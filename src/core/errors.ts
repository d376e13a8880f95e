// Errors thrown by the pure core.
//
// Two kinds, kept apart on purpose (STYLE.md "Habits"):
// - CoreInputError: the caller passed something the rules do not accept (a malformed amount, an
//   impossible date, ratios that do not sum to one). It carries a stable `code` that the HTTP layer
//   maps to a 400/422; the core never knows about HTTP statuses.
// - InvariantError: a condition that can only fail through a programming error (a split that does
//   not add up, an amount that would need rounding where SPEC §6 says none happens). It becomes a 500.

export type CoreInputErrorCode =
  | 'INVALID_MONEY'
  | 'INVALID_RATE'
  | 'INVALID_DATE'
  | 'INVALID_PERIOD'
  | 'INVALID_DAYS'
  | 'INVALID_BALANCE_CHANGES'
  | 'INVALID_SUBSIDY_PARAMETERS'
  | 'INVALID_RATIO'
  | 'RATIOS_NOT_ONE'
  | 'INVALID_SCHEDULE'
  | 'INVALID_USCC'
  | 'INVALID_RESIDENT_ID';

export class CoreInputError extends Error {
  readonly code: CoreInputErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: CoreInputErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'CoreInputError';
    this.code = code;
    this.details = details;
  }
}

export class InvariantError extends Error {
  readonly details: Readonly<Record<string, unknown>>;

  constructor(message: string, details: Record<string, unknown> = {}) {
    super(`Invariant failed: ${message}`);
    this.name = 'InvariantError';
    this.details = details;
  }
}

/** Asserts a condition that only a programming error can break. */
export function invariant(
  condition: unknown,
  message: string,
  details: Record<string, unknown> = {},
): asserts condition {
  if (!condition) {
    throw new InvariantError(message, details);
  }
}
