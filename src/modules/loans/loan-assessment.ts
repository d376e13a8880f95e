import { compareDates, type IsoDate } from '../../core/dates';
import { CoreInputError } from '../../core/errors';
import { parseRate, type Decimal } from '../../core/money';
import { requirePlannableTerm } from '../../core/schedules';
import { checkEligibility, feeRateCapFor, type LoanFacts, type RuleFailure } from '../models/eligibility';
import type { ModelParameters } from '../models/model-parameters';
import type { ModelVersion } from '../models/model-version.entity';
import type { Loan, LoanStatus, RepaymentMethod } from './loan.entity';

/**
 * The pure half of loan registration (SPEC §4–§5): once the facts of a loan have been looked up,
 * these functions decide which rules it breaks and what row it becomes. LoanRegistrationService
 * (one loan, a few queries) and the ledger import (many loans, set-based look-ups) both use them, so
 * that a loan imported from a file passes exactly the checks of one registered through the API.
 */

export interface NewLoan {
  branchId?: string;
  contractNumber: string;
  modelCode: string;
  borrowerKind: 'household' | 'enterprise';
  householdId?: string;
  enterpriseId?: string;
  principal: string;
  rateAnnual: string;
  contractDate: string;
  disbursementDate?: string;
  maturityDate: string;
  repaymentMethod?: RepaymentMethod;
  purpose: string;
  agreementNumber?: string;
  guarantorId?: string;
  guaranteeFeeRate?: string;
}

/** The borrower as eligibility sees it on the contract date. */
export interface Borrower {
  regionPath: string;
  countyCode: string;
  facts: Partial<LoanFacts>;
  /** How the loan DTO names the borrower (registration builds the DTO without reading the loan back). */
  shownAs?: { household: { headName: string; idNumberMasked: string } } | { enterprise: { name: string; uscc: string } };
}

/** Everything registration established about a loan that passed every check. */
export interface AssessedLoan {
  input: NewLoan;
  bankId: string;
  branchId: string;
  version: Pick<ModelVersion, 'id' | 'version'>;
  params: ModelParameters;
  borrower: Borrower;
  facts: LoanFacts;
  riskFundId: string | null;
  termMonths: number;
  principal: Decimal;
  referenceRate: Decimal;
}

/** A loan's columns as registration writes them (the id and timestamps come from the database or the caller). */
export type NewLoanRow = Omit<
  Loan,
  'id' | 'createdAt' | 'updatedAt' | 'bank' | 'branch' | 'model' | 'modelVersion' | 'household' | 'enterprise' | 'guarantor' | 'riskFund' | 'creator'
>;

export const ONE_LOAN_RACE_FAILURE: RuleFailure = {
  code: 'ONE_ACTIVE_LOAN_PER_HOUSEHOLD',
  field: 'householdId',
  message: 'the household already has an open loan under this model',
};

/** The unique index that keeps one open loan per household under a model (loan.entity.ts). */
export const ONE_LOAN_PER_HOUSEHOLD_CONSTRAINT = 'loans_one_per_household_key';

/**
 * The loan's dates in order, and a disbursement recorded at registration already made: as POST
 * /loans/:id/disburse refuses a date after today, so does registration of a loan it makes active
 * at once. Under a guarantee model the date is the requested one: the loan is disbursed when its
 * guarantee is approved, on that date once it has come (guarantees.service.ts).
 */
export function dateFailures(input: NewLoan, params: ModelParameters, today: IsoDate): RuleFailure[] {
  const failures: RuleFailure[] = [];
  if (compareDates(input.contractDate as IsoDate, today) > 0) {
    failures.push({ code: 'NOT_IN_FUTURE', field: 'contractDate', message: 'register a contract once it is signed' });
  }
  if (input.disbursementDate && compareDates(input.disbursementDate as IsoDate, input.contractDate as IsoDate) < 0) {
    failures.push({ code: 'DISBURSEMENT_BEFORE_CONTRACT', field: 'disbursementDate', message: 'disbursement cannot precede the contract' });
  }
  if (input.disbursementDate && !params.guarantee.required && compareDates(input.disbursementDate as IsoDate, today) > 0) {
    failures.push({ code: 'NOT_IN_FUTURE', field: 'disbursementDate', message: 'record a disbursement once it has happened: register the contract without a disbursement date until then' });
  }
  const start = (input.disbursementDate ?? input.contractDate) as IsoDate;
  if (compareDates(input.maturityDate as IsoDate, start) <= 0) {
    failures.push({ code: 'MATURITY_AFTER_START', field: 'maturityDate', message: 'maturity must come after the contract and disbursement dates' });
  }
  return failures;
}

/** Whether the model's one-active-loan-per-household rule applies to this loan. */
export function holdsHouseholdSlot(params: ModelParameters, input: Pick<NewLoan, 'borrowerKind'>): boolean {
  return input.borrowerKind === 'household' && params.eligibility.oneActiveLoanPerHousehold === true;
}

/** The facts the model's eligibility rules are checked against. */
export function loanFacts(args: {
  input: NewLoan;
  borrower: Borrower;
  principal: Decimal;
  termMonths: number;
  referenceRate: Decimal;
  householdHasOpenLoanUnderModel: boolean;
}): LoanFacts {
  return {
    borrowerKind: args.input.borrowerKind,
    ...args.borrower.facts,
    principal: args.principal,
    termMonths: args.termMonths,
    rateAnnual: parseRate(args.input.rateAnnual),
    referenceRateAnnual: args.referenceRate,
    agreementNumber: args.input.agreementNumber ?? null,
    householdHasOpenLoanUnderModel: args.householdHasOpenLoanUnderModel,
  };
}

/**
 * Every eligibility rule of the model version, its guarantee rule, and whether the repayment method
 * can plan the loan's term: all failures, none omitted.
 */
export function modelRuleFailures(params: ModelParameters, input: NewLoan, facts: LoanFacts): RuleFailure[] {
  return [...checkEligibility(params.eligibility, facts), ...guaranteeFailures(params, input, facts.principal), ...scheduleFailures(input)];
}

/** The repayment method of a loan; SPEC §5 names the quarterly one the default. */
export function repaymentMethodOf(input: Pick<NewLoan, 'repaymentMethod'>): RepaymentMethod {
  return input.repaymentMethod ?? 'interest_quarterly_principal_at_maturity';
}

/**
 * Whether the schedule can be planned, checked before anything is written (the schedule itself is
 * generated when the loan is written): a monthly loan must mature a whole number of months after its
 * disbursement, and no term may exceed the schedules' limit. Without a disbursement date the monthly
 * due dates are not known yet, so only the term is checked here; disbursement plans the rest.
 */
export function scheduleFailures(input: NewLoan): RuleFailure[] {
  const start = (input.disbursementDate ?? input.contractDate) as IsoDate;
  const method = input.disbursementDate ? repaymentMethodOf(input) : 'interest_quarterly_principal_at_maturity';
  try {
    requirePlannableTerm(method, start, input.maturityDate as IsoDate);
    return [];
  } catch (error) {
    if (error instanceof CoreInputError) return [{ code: error.code, field: 'maturityDate', message: error.message }];
    throw error;
  }
}

export function guaranteeFailures(params: ModelParameters, input: NewLoan, principal: Decimal): RuleFailure[] {
  const rule = params.guarantee;
  if (!rule.required) {
    return input.guarantorId || input.guaranteeFeeRate
      ? [{ code: 'GUARANTEE_NOT_APPLICABLE', field: 'guarantorId', message: 'this model takes no guarantee' }]
      : [];
  }
  const failures: RuleFailure[] = [];
  if (!input.guarantorId) failures.push({ code: 'GUARANTOR_REQUIRED', field: 'guarantorId', message: 'this model requires a government guarantee' });
  if (!input.guaranteeFeeRate) failures.push({ code: 'GUARANTEE_FEE_RATE_REQUIRED', field: 'guaranteeFeeRate', message: 'state the guarantee fee rate' });
  else {
    const cap = feeRateCapFor(rule, principal.times(rule.coverageRatio));
    if (parseRate(input.guaranteeFeeRate).greaterThan(cap)) {
      failures.push({ code: 'GUARANTEE_FEE_OVER_CAP', field: 'guaranteeFeeRate', message: 'the guarantee fee rate is above the cap', limit: cap.toFixed(), actual: input.guaranteeFeeRate });
    }
  }
  return failures;
}

/** The status a loan starts in: awaiting its guarantee, disbursed (active), or signed only (registered). */
export function statusAtRegistration(params: ModelParameters, input: NewLoan): LoanStatus {
  if (params.guarantee.required) return 'pending_guarantee';
  return input.disbursementDate ? 'active' : 'registered';
}

/** The row of a newly registered loan; a guaranteed loan is disbursed only once its guarantee is approved. */
export function newLoanRow(a: AssessedLoan, createdBy: string): NewLoanRow {
  const { input } = a;
  const guaranteed = a.params.guarantee.required;
  return {
    bankId: a.bankId,
    branchId: a.branchId,
    contractNumber: input.contractNumber,
    modelCode: input.modelCode,
    modelVersionId: a.version.id,
    borrowerKind: input.borrowerKind,
    householdId: input.householdId ?? null,
    exclusiveHouseholdId: holdsHouseholdSlot(a.params, input) ? input.householdId! : null,
    enterpriseId: input.enterpriseId ?? null,
    regionPath: a.borrower.regionPath,
    principal: a.principal,
    outstandingPrincipal: a.principal,
    rateAnnual: a.facts.rateAnnual,
    referenceRateAnnual: a.referenceRate,
    contractDate: input.contractDate,
    disbursementDate: guaranteed ? null : (input.disbursementDate ?? null),
    maturityDate: input.maturityDate,
    currentMaturityDate: input.maturityDate,
    termMonths: a.termMonths,
    repaymentMethod: repaymentMethodOf(input),
    purpose: input.purpose,
    agreementNumber: input.agreementNumber ?? null,
    drivenHouseholds: a.facts.drivenHouseholds ?? null,
    guarantorId: input.guarantorId ?? null,
    riskFundId: a.riskFundId,
    status: statusAtRegistration(a.params, input),
    daysPastDue: 0,
    delinquencyAsOf: null,
    scheduleVersion: 1,
    closedOn: null,
    createdBy,
  };
}

/** The 'registered' event of the loan's history. */
export function registrationEvent(loanId: string, row: NewLoanRow, a: AssessedLoan) {
  return {
    loanId,
    kind: 'registered',
    effectiveDate: a.input.contractDate,
    fromStatus: null,
    toStatus: row.status,
    details: { modelVersion: a.version.version, guaranteeFeeRate: a.input.guaranteeFeeRate ?? null, disbursedAtRegistration: !!row.disbursementDate },
    createdBy: row.createdBy,
  };
}
