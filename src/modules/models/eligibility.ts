import { invariant } from '../../core/errors';
import { asCoreDecimal, Decimal, formatMoney } from '../../core/money';
import type { EligibilityRules, GuaranteeRule } from './model-parameters';

/**
 * The eligibility rule kinds of a financing model version (SPEC §4), as pure functions: no
 * database, no clock. The loans service gathers the facts of a loan at its contract date and asks
 * `checkEligibility`, which returns EVERY broken rule, because SPEC §4 says "Registration is
 * refused, with every failed rule listed". Each rule kind is its own function so that it can be
 * tested, and reasoned about, in isolation.
 */

export interface LoanFacts {
  borrowerKind: 'household' | 'enterprise';
  /** On the contract date; absent when the household had no status in the register yet. */
  householdStatus?: 'poor' | 'lifted' | 'monitored';
  enterpriseKind?: 'company' | 'cooperative' | 'village_collective';
  /** Whole years at the contract date. */
  borrowerAgeYears?: number;
  principal: Decimal;
  termMonths: number;
  rateAnnual: Decimal;
  referenceRateAnnual: Decimal;
  /** Enterprise: households it drives (active linkages) at the contract date. */
  drivenHouseholds?: number;
  agreementNumber?: string | null;
  /** Another bank's or this bank's open loan to the same household under the same model. */
  householdHasOpenLoanUnderModel?: boolean;
}

export interface RuleFailure {
  code: string;
  /** The loan request field the caller should look at (householdId / enterpriseId for borrower facts). */
  field: string;
  message: string;
  /** The limit broken: "50000.00", "0.04785000", 36 … */
  limit?: string | number;
  /** The offending value, formatted like the limit. */
  actual?: string | number;
}

export const ELIGIBILITY_CODES = {
  borrowerKind: 'BORROWER_KIND_NOT_ALLOWED',
  householdStatus: 'HOUSEHOLD_STATUS_NOT_ALLOWED',
  enterpriseKind: 'ENTERPRISE_KIND_NOT_ALLOWED',
  principalCap: 'PRINCIPAL_OVER_CAP',
  termCap: 'TERM_OVER_CAP',
  ageRange: 'AGE_OUT_OF_RANGE',
  rateCap: 'RATE_OVER_CAP',
  minDrivenHouseholds: 'TOO_FEW_DRIVEN_HOUSEHOLDS',
  oneActiveLoan: 'ONE_ACTIVE_LOAN_PER_HOUSEHOLD',
  agreementRequired: 'AGREEMENT_REQUIRED',
} as const;

/** One rule kind: null when the loan passes it (or the rule does not apply), the failure otherwise. */
export type RuleCheck = (rules: EligibilityRules, facts: LoanFacts) => RuleFailure | null;

/** Rates are stored with 8 decimals (numeric(10,8)), so they are shown that way in failures. */
const RATE_DECIMALS = 8;
const formatRate8 = (value: Decimal): string => asCoreDecimal(value).toFixed(RATE_DECIMALS);

export const checkBorrowerKind: RuleCheck = (rules, facts) =>
  rules.borrowerKinds.includes(facts.borrowerKind)
    ? null
    : {
        code: ELIGIBILITY_CODES.borrowerKind,
        field: 'borrowerKind',
        message: `this model lends to ${rules.borrowerKinds.join(' or ')}, not to a ${facts.borrowerKind}`,
        limit: rules.borrowerKinds.join(','),
        actual: facts.borrowerKind,
      };

/**
 * Applies to household borrowers, with their status on the contract date; a household of unknown
 * status (none yet on that date) fails rather than slipping through.
 */
export const checkHouseholdStatus: RuleCheck = (rules, facts) => {
  const allowed = rules.householdStatuses;
  if (!allowed || facts.borrowerKind !== 'household') return null;
  if (facts.householdStatus && allowed.includes(facts.householdStatus)) return null;
  return {
    code: ELIGIBILITY_CODES.householdStatus,
    field: 'householdId',
    message: `the household's status on the contract date must be ${allowed.join(' or ')}; it was ${facts.householdStatus ?? 'not yet in the register'}`,
    limit: allowed.join(','),
    ...(facts.householdStatus ? { actual: facts.householdStatus } : {}),
  };
};

/** Applies to enterprise borrowers (SPEC §3 kinds: company, cooperative, village collective). */
export const checkEnterpriseKind: RuleCheck = (rules, facts) => {
  const allowed = rules.enterpriseKinds;
  if (!allowed || facts.borrowerKind !== 'enterprise') return null;
  if (facts.enterpriseKind && allowed.includes(facts.enterpriseKind)) return null;
  return {
    code: ELIGIBILITY_CODES.enterpriseKind,
    field: 'enterpriseId',
    message: `the enterprise must be a ${allowed.join(' or ')}; it is ${facts.enterpriseKind ?? 'unknown'}`,
    limit: allowed.join(','),
    ...(facts.enterpriseKind ? { actual: facts.enterpriseKind } : {}),
  };
};

/** Principal ≤ cap, compared as decimals: exactly the cap passes, one fen over fails. */
export const checkPrincipalCap: RuleCheck = (rules, facts) => {
  if (rules.principalCap === undefined) return null;
  const cap = new Decimal(rules.principalCap);
  const principal = asCoreDecimal(facts.principal);
  if (principal.lte(cap)) return null;
  return {
    code: ELIGIBILITY_CODES.principalCap,
    field: 'principal',
    message: `the principal ${formatMoney(principal)} is above the model's cap of ${formatMoney(cap)}`,
    limit: formatMoney(cap),
    actual: formatMoney(principal),
  };
};

export const checkTermCap: RuleCheck = (rules, facts) => {
  const cap = rules.termCapMonths;
  if (cap === undefined || facts.termMonths <= cap) return null;
  return {
    code: ELIGIBILITY_CODES.termCap,
    field: 'termMonths',
    message: `the term of ${facts.termMonths} months is above the model's cap of ${cap} months`,
    limit: cap,
    actual: facts.termMonths,
  };
};

/** Both ends inclusive (18–65 admits 18 and 65); households only, since an enterprise has no age. */
export const checkAgeRange: RuleCheck = (rules, facts) => {
  const range = rules.borrowerAgeRange;
  if (!range || facts.borrowerKind !== 'household') return null;
  const age = facts.borrowerAgeYears;
  const base = { code: ELIGIBILITY_CODES.ageRange, field: 'householdId' };
  if (age === undefined) return { ...base, message: `the borrower's age at the contract date is unknown; the model requires ${range.min}–${range.max}` };
  // The age itself is not told: with contract dates of the caller's choosing it would give away the
  // birth date, which masked views of the register withhold (the digits an ID number's mask hides).
  if (age < range.min) return { ...base, message: `the borrower is under the minimum age ${range.min} at the contract date`, limit: range.min };
  if (age > range.max) return { ...base, message: `the borrower is over the maximum age ${range.max} at the contract date`, limit: range.max };
  return null;
};

/**
 * The highest annual rate a loan may carry (SPEC §4): reference × multiple and/or reference +
 * spread, the smaller when both are set; null when the model caps neither. The cap is truncated to
 * 8 decimals: a loan rate has at most 8, so `rate ≤ truncated cap` exactly when `rate ≤ exact cap`,
 * and the truncated value can be shown and stored without rounding it upwards.
 */
export function rateCapFor(rules: EligibilityRules, referenceRateAnnual: Decimal): Decimal | null {
  const reference = asCoreDecimal(referenceRateAnnual);
  const caps: Decimal[] = [];
  if (rules.rateCapMultipleOfReference !== undefined) caps.push(reference.times(new Decimal(rules.rateCapMultipleOfReference)));
  if (rules.rateCapSpreadOverReference !== undefined) caps.push(reference.plus(new Decimal(rules.rateCapSpreadOverReference)));
  if (caps.length === 0) return null;
  return Decimal.min(...caps).toDecimalPlaces(RATE_DECIMALS, Decimal.ROUND_DOWN);
}

function describeRateCap(rules: EligibilityRules, reference: Decimal): string {
  const parts: string[] = [];
  if (rules.rateCapMultipleOfReference !== undefined) parts.push(`reference ${formatRate8(reference)} × ${rules.rateCapMultipleOfReference}`);
  if (rules.rateCapSpreadOverReference !== undefined) parts.push(`reference ${formatRate8(reference)} + ${rules.rateCapSpreadOverReference}`);
  return parts.length > 1 ? `the smaller of ${parts.join(' and ')}` : parts[0];
}

export const checkRateCap: RuleCheck = (rules, facts) => {
  const cap = rateCapFor(rules, facts.referenceRateAnnual);
  const rateAnnual = asCoreDecimal(facts.rateAnnual);
  if (cap === null || rateAnnual.lte(cap)) return null;
  return {
    code: ELIGIBILITY_CODES.rateCap,
    field: 'rateAnnual',
    message: `the annual rate ${formatRate8(rateAnnual)} is above the cap ${formatRate8(cap)} (${describeRateCap(rules, facts.referenceRateAnnual)})`,
    limit: formatRate8(cap),
    actual: formatRate8(rateAnnual),
  };
};

/** Enterprise borrowers only: the households it drives through active linkages on the contract date. */
export const checkMinDrivenHouseholds: RuleCheck = (rules, facts) => {
  const minimum = rules.minDrivenHouseholds;
  if (minimum === undefined || facts.borrowerKind !== 'enterprise') return null;
  const driven = facts.drivenHouseholds ?? 0;
  if (driven >= minimum) return null;
  return {
    code: ELIGIBILITY_CODES.minDrivenHouseholds,
    field: 'enterpriseId',
    message: `the enterprise drives ${driven} household(s) through active linkages; the model requires at least ${minimum}`,
    limit: minimum,
    actual: driven,
  };
};

/** SPEC §4: one active loan per household across all banks under this model. */
export const checkOneActiveLoan: RuleCheck = (rules, facts) => {
  if (!rules.oneActiveLoanPerHousehold || facts.borrowerKind !== 'household' || facts.householdHasOpenLoanUnderModel !== true) return null;
  return {
    code: ELIGIBILITY_CODES.oneActiveLoan,
    field: 'householdId',
    message: 'the household already has an open loan under this model (at this or another bank); the model allows one',
    limit: 1,
  };
};

/** The four-party 带贫协议 number (SPEC §3) must be given; blank counts as missing. */
export const checkAgreementRequired: RuleCheck = (rules, facts) => {
  if (!rules.agreementRequired || (facts.agreementNumber ?? '').trim() !== '') return null;
  return {
    code: ELIGIBILITY_CODES.agreementRequired,
    field: 'agreementNumber',
    message: 'this model requires the number of the four-party poverty-alleviation agreement (带贫协议)',
  };
};

/** Every rule kind, in the order failures are listed. */
export const ELIGIBILITY_CHECKS: readonly RuleCheck[] = [
  checkBorrowerKind,
  checkHouseholdStatus,
  checkEnterpriseKind,
  checkPrincipalCap,
  checkTermCap,
  checkAgeRange,
  checkRateCap,
  checkMinDrivenHouseholds,
  checkOneActiveLoan,
  checkAgreementRequired,
];

/** All broken rules of a loan, none omitted; an empty list means the loan is eligible. */
export function checkEligibility(rules: EligibilityRules, facts: LoanFacts): RuleFailure[] {
  const failures: RuleFailure[] = [];
  for (const check of ELIGIBILITY_CHECKS) {
    const failure = check(rules, facts);
    if (failure) failures.push(failure);
  }
  return failures;
}

/**
 * The guarantee fee-rate cap for a guaranteed amount (SPEC §4 model 3: ≤ 1% up to 5,000,000.00,
 * ≤ 1.5% above): the first band whose `upTo` covers the amount, else the last, open-ended band.
 */
export function feeRateCapFor(rule: GuaranteeRule & { required: true }, guaranteedAmount: Decimal): Decimal {
  const amount = asCoreDecimal(guaranteedAmount);
  const bands = rule.feeRateCaps;
  invariant(bands.length > 0, 'a required guarantee has at least one fee-rate band (the schema refuses none)');
  const band = bands.find((b) => b.upTo !== undefined && amount.lte(new Decimal(b.upTo))) ?? bands[bands.length - 1];
  return new Decimal(band.rateAnnual);
}
