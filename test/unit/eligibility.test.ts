import { expect } from 'chai';
import { Decimal } from '../../src/core/money';
import {
  checkAgeRange,
  checkAgreementRequired,
  checkBorrowerKind,
  checkEligibility,
  checkEnterpriseKind,
  checkHouseholdStatus,
  checkMinDrivenHouseholds,
  checkOneActiveLoan,
  checkPrincipalCap,
  checkRateCap,
  checkTermCap,
  feeRateCapFor,
  rateCapFor,
  type LoanFacts,
  type RuleCheck,
  type RuleFailure,
} from '../../src/modules/models/eligibility';
import type { EligibilityRules, GuaranteeRule } from '../../src/modules/models/model-parameters';

/** Model 1 (household_microcredit) version 1, as seeded (SPEC §4). */
const MICROCREDIT: EligibilityRules = {
  borrowerKinds: ['household'],
  householdStatuses: ['poor', 'monitored'],
  borrowerAgeRange: { min: 18, max: 65 },
  principalCap: '50000.00',
  termCapMonths: 36,
  rateCapMultipleOfReference: '1',
  oneActiveLoanPerHousehold: true,
};

/** Model 2 (enterprise_driven) version 1. */
const ENTERPRISE_DRIVEN: EligibilityRules = {
  borrowerKinds: ['enterprise'],
  rateCapMultipleOfReference: '1.10',
  minDrivenHouseholds: 1,
  agreementRequired: true,
};

/** Model 4: enterprises that are companies or cooperatives. */
const RISK_FUND_ENTERPRISE: EligibilityRules = { borrowerKinds: ['enterprise'], enterpriseKinds: ['company', 'cooperative'] };

/** Model 5: rate ≤ reference + 0.5 pp, age 18–60. */
const ENTREPRENEURSHIP: EligibilityRules = { borrowerKinds: ['household'], borrowerAgeRange: { min: 18, max: 60 }, rateCapSpreadOverReference: '0.005' };

const HOUSEHOLD: LoanFacts = {
  borrowerKind: 'household',
  householdStatus: 'poor',
  borrowerAgeYears: 40,
  principal: new Decimal('50000.00'),
  termMonths: 36,
  rateAnnual: new Decimal('0.0435'),
  referenceRateAnnual: new Decimal('0.0435'),
  agreementNumber: null,
  householdHasOpenLoanUnderModel: false,
};

const ENTERPRISE: LoanFacts = {
  borrowerKind: 'enterprise',
  enterpriseKind: 'company',
  principal: new Decimal('2000000.00'),
  termMonths: 24,
  rateAnnual: new Decimal('0.04785'),
  referenceRateAnnual: new Decimal('0.0435'),
  drivenHouseholds: 12,
  agreementNumber: 'DP-2026-001',
};

interface Case {
  name: string;
  check: RuleCheck;
  rules: EligibilityRules;
  facts: LoanFacts;
  /** null: passes; otherwise the expected failure (field by field, message excluded). */
  expected: Omit<RuleFailure, 'message'> | null;
}

const CASES: Case[] = [
  { name: 'a household under a households model', check: checkBorrowerKind, rules: MICROCREDIT, facts: HOUSEHOLD, expected: null },
  {
    name: 'an enterprise under a households model',
    check: checkBorrowerKind,
    rules: MICROCREDIT,
    facts: ENTERPRISE,
    expected: { code: 'BORROWER_KIND_NOT_ALLOWED', field: 'borrowerKind', limit: 'household', actual: 'enterprise' },
  },
  { name: 'a poor household', check: checkHouseholdStatus, rules: MICROCREDIT, facts: HOUSEHOLD, expected: null },
  { name: 'a monitored household', check: checkHouseholdStatus, rules: MICROCREDIT, facts: { ...HOUSEHOLD, householdStatus: 'monitored' }, expected: null },
  {
    name: 'a lifted household',
    check: checkHouseholdStatus,
    rules: MICROCREDIT,
    facts: { ...HOUSEHOLD, householdStatus: 'lifted' },
    expected: { code: 'HOUSEHOLD_STATUS_NOT_ALLOWED', field: 'householdId', limit: 'poor,monitored', actual: 'lifted' },
  },
  { name: 'a household status on a model without the rule', check: checkHouseholdStatus, rules: ENTREPRENEURSHIP, facts: { ...HOUSEHOLD, householdStatus: 'lifted' }, expected: null },
  { name: 'a company under model 4', check: checkEnterpriseKind, rules: RISK_FUND_ENTERPRISE, facts: ENTERPRISE, expected: null },
  { name: 'a cooperative under model 4', check: checkEnterpriseKind, rules: RISK_FUND_ENTERPRISE, facts: { ...ENTERPRISE, enterpriseKind: 'cooperative' }, expected: null },
  {
    name: 'a village collective under model 4',
    check: checkEnterpriseKind,
    rules: RISK_FUND_ENTERPRISE,
    facts: { ...ENTERPRISE, enterpriseKind: 'village_collective' },
    expected: { code: 'ENTERPRISE_KIND_NOT_ALLOWED', field: 'enterpriseId', limit: 'company,cooperative', actual: 'village_collective' },
  },
  { name: 'a principal exactly at the cap', check: checkPrincipalCap, rules: MICROCREDIT, facts: HOUSEHOLD, expected: null },
  {
    name: 'a principal one fen over the cap',
    check: checkPrincipalCap,
    rules: MICROCREDIT,
    facts: { ...HOUSEHOLD, principal: new Decimal('50000.01') },
    expected: { code: 'PRINCIPAL_OVER_CAP', field: 'principal', limit: '50000.00', actual: '50000.01' },
  },
  { name: 'any principal on a model without a cap', check: checkPrincipalCap, rules: ENTERPRISE_DRIVEN, facts: ENTERPRISE, expected: null },
  { name: 'a term exactly at the cap', check: checkTermCap, rules: MICROCREDIT, facts: HOUSEHOLD, expected: null },
  {
    name: 'a term one month over the cap',
    check: checkTermCap,
    rules: MICROCREDIT,
    facts: { ...HOUSEHOLD, termMonths: 37 },
    expected: { code: 'TERM_OVER_CAP', field: 'termMonths', limit: 36, actual: 37 },
  },
  { name: 'a borrower of exactly 18', check: checkAgeRange, rules: MICROCREDIT, facts: { ...HOUSEHOLD, borrowerAgeYears: 18 }, expected: null },
  { name: 'a borrower of exactly 65', check: checkAgeRange, rules: MICROCREDIT, facts: { ...HOUSEHOLD, borrowerAgeYears: 65 }, expected: null },
  {
    name: 'a borrower of 17',
    check: checkAgeRange,
    rules: MICROCREDIT,
    facts: { ...HOUSEHOLD, borrowerAgeYears: 17 },
    expected: { code: 'AGE_OUT_OF_RANGE', field: 'householdId', limit: 18 },
  },
  {
    name: 'a borrower of 66',
    check: checkAgeRange,
    rules: MICROCREDIT,
    facts: { ...HOUSEHOLD, borrowerAgeYears: 66 },
    expected: { code: 'AGE_OUT_OF_RANGE', field: 'householdId', limit: 65 },
  },
  {
    name: 'a borrower of 61 under model 5 (18–60)',
    check: checkAgeRange,
    rules: ENTREPRENEURSHIP,
    facts: { ...HOUSEHOLD, borrowerAgeYears: 61 },
    expected: { code: 'AGE_OUT_OF_RANGE', field: 'householdId', limit: 60 },
  },
  { name: 'a household borrower of unknown age', check: checkAgeRange, rules: MICROCREDIT, facts: { ...HOUSEHOLD, borrowerAgeYears: undefined }, expected: { code: 'AGE_OUT_OF_RANGE', field: 'householdId' } },
  { name: 'a rate exactly at the reference (× 1)', check: checkRateCap, rules: MICROCREDIT, facts: HOUSEHOLD, expected: null },
  {
    name: 'a rate one hundred-millionth over the reference',
    check: checkRateCap,
    rules: MICROCREDIT,
    facts: { ...HOUSEHOLD, rateAnnual: new Decimal('0.04350001') },
    expected: { code: 'RATE_OVER_CAP', field: 'rateAnnual', limit: '0.04350000', actual: '0.04350001' },
  },
  { name: 'a rate exactly at reference × 1.10', check: checkRateCap, rules: ENTERPRISE_DRIVEN, facts: ENTERPRISE, expected: null },
  {
    name: 'a rate just over reference × 1.10',
    check: checkRateCap,
    rules: ENTERPRISE_DRIVEN,
    facts: { ...ENTERPRISE, rateAnnual: new Decimal('0.04785001') },
    expected: { code: 'RATE_OVER_CAP', field: 'rateAnnual', limit: '0.04785000', actual: '0.04785001' },
  },
  { name: 'a rate exactly at reference + 0.5 pp', check: checkRateCap, rules: ENTREPRENEURSHIP, facts: { ...HOUSEHOLD, rateAnnual: new Decimal('0.0485') }, expected: null },
  {
    name: 'a rate over reference + 0.5 pp',
    check: checkRateCap,
    rules: ENTREPRENEURSHIP,
    facts: { ...HOUSEHOLD, rateAnnual: new Decimal('0.0486') },
    expected: { code: 'RATE_OVER_CAP', field: 'rateAnnual', limit: '0.04850000', actual: '0.04860000' },
  },
  { name: 'any rate on a model without a rate cap', check: checkRateCap, rules: RISK_FUND_ENTERPRISE, facts: { ...ENTERPRISE, rateAnnual: new Decimal('0.2') }, expected: null },
  { name: 'an enterprise driving exactly the minimum', check: checkMinDrivenHouseholds, rules: ENTERPRISE_DRIVEN, facts: { ...ENTERPRISE, drivenHouseholds: 1 }, expected: null },
  {
    name: 'an enterprise driving no household',
    check: checkMinDrivenHouseholds,
    rules: ENTERPRISE_DRIVEN,
    facts: { ...ENTERPRISE, drivenHouseholds: 0 },
    expected: { code: 'TOO_FEW_DRIVEN_HOUSEHOLDS', field: 'enterpriseId', limit: 1, actual: 0 },
  },
  {
    name: 'an enterprise whose driven households are not known',
    check: checkMinDrivenHouseholds,
    rules: ENTERPRISE_DRIVEN,
    facts: { ...ENTERPRISE, drivenHouseholds: undefined },
    expected: { code: 'TOO_FEW_DRIVEN_HOUSEHOLDS', field: 'enterpriseId', limit: 1, actual: 0 },
  },
  { name: 'a household without another open loan', check: checkOneActiveLoan, rules: MICROCREDIT, facts: HOUSEHOLD, expected: null },
  {
    name: 'a household with another open loan under the model',
    check: checkOneActiveLoan,
    rules: MICROCREDIT,
    facts: { ...HOUSEHOLD, householdHasOpenLoanUnderModel: true },
    expected: { code: 'ONE_ACTIVE_LOAN_PER_HOUSEHOLD', field: 'householdId', limit: 1 },
  },
  { name: 'another open loan under a model without the rule', check: checkOneActiveLoan, rules: ENTREPRENEURSHIP, facts: { ...HOUSEHOLD, householdHasOpenLoanUnderModel: true }, expected: null },
  { name: 'an agreement number given', check: checkAgreementRequired, rules: ENTERPRISE_DRIVEN, facts: ENTERPRISE, expected: null },
  { name: 'no agreement number', check: checkAgreementRequired, rules: ENTERPRISE_DRIVEN, facts: { ...ENTERPRISE, agreementNumber: null }, expected: { code: 'AGREEMENT_REQUIRED', field: 'agreementNumber' } },
  { name: 'a blank agreement number', check: checkAgreementRequired, rules: ENTERPRISE_DRIVEN, facts: { ...ENTERPRISE, agreementNumber: '   ' }, expected: { code: 'AGREEMENT_REQUIRED', field: 'agreementNumber' } },
  { name: 'no agreement number on a model without the rule', check: checkAgreementRequired, rules: MICROCREDIT, facts: HOUSEHOLD, expected: null },
];

describe('eligibility rule kinds (SPEC §4)', () => {
  for (const c of CASES) {
    it(`when ${c.name}, then ${c.check.name} ${c.expected ? `fails with ${c.expected.code}` : 'passes'}`, () => {
      const failure = c.check(c.rules, c.facts);
      if (c.expected === null) {
        expect(failure).to.equal(null);
        return;
      }
      expect(failure).to.not.equal(null);
      const { message, ...rest } = failure as RuleFailure;
      expect(rest).to.deep.equal(c.expected);
      expect(message).to.be.a('string').and.not.equal('');
    });
  }
});

describe('checkEligibility', () => {
  it('when a loan passes every rule of its model, then there are no failures', () => {
    expect(checkEligibility(MICROCREDIT, HOUSEHOLD)).to.deep.equal([]);
    expect(checkEligibility(ENTERPRISE_DRIVEN, ENTERPRISE)).to.deep.equal([]);
  });

  it('when a loan breaks several rules, then every failure is listed, in rule order', () => {
    const facts: LoanFacts = {
      ...HOUSEHOLD,
      householdStatus: 'lifted',
      borrowerAgeYears: 70,
      principal: new Decimal('60000.00'),
      termMonths: 48,
      rateAnnual: new Decimal('0.05'),
      householdHasOpenLoanUnderModel: true,
    };
    const failures = checkEligibility(MICROCREDIT, facts);
    expect(failures.map((f) => f.code)).to.deep.equal([
      'HOUSEHOLD_STATUS_NOT_ALLOWED',
      'PRINCIPAL_OVER_CAP',
      'TERM_OVER_CAP',
      'AGE_OUT_OF_RANGE',
      'RATE_OVER_CAP',
      'ONE_ACTIVE_LOAN_PER_HOUSEHOLD',
    ]);
  });

  it('when a household asks under an enterprise model, then the borrower kind and the agreement both fail', () => {
    const failures = checkEligibility(ENTERPRISE_DRIVEN, { ...HOUSEHOLD, rateAnnual: new Decimal('0.06') });
    expect(failures.map((f) => f.code)).to.deep.equal(['BORROWER_KIND_NOT_ALLOWED', 'RATE_OVER_CAP', 'AGREEMENT_REQUIRED']);
  });
});

describe('rateCapFor', () => {
  const table: Array<[string, EligibilityRules, string, string | null]> = [
    ['no cap', RISK_FUND_ENTERPRISE, '0.0435', null],
    ['reference × 1', MICROCREDIT, '0.0435', '0.0435'],
    ['reference × 1.10', ENTERPRISE_DRIVEN, '0.0435', '0.04785'],
    ['reference + 0.5 pp', ENTREPRENEURSHIP, '0.0435', '0.0485'],
    // 0.0435 × 1.10 = 0.04785 is below 0.0435 + 0.005 = 0.0485: the smaller wins.
    ['both, the multiple smaller', { borrowerKinds: ['household'], rateCapMultipleOfReference: '1.10', rateCapSpreadOverReference: '0.005' }, '0.0435', '0.04785'],
    // 0.10 × 1.10 = 0.11 is above 0.10 + 0.005 = 0.105.
    ['both, the spread smaller', { borrowerKinds: ['household'], rateCapMultipleOfReference: '1.10', rateCapSpreadOverReference: '0.005' }, '0.10', '0.105'],
    // 0.04351239 × 1.1234 = 0.048881818926: truncated to 8 decimals, never rounded up past the exact cap.
    ['a product with more than 8 decimals', { borrowerKinds: ['household'], rateCapMultipleOfReference: '1.1234' }, '0.04351239', '0.04888181'],
  ];
  for (const [name, rules, reference, expected] of table) {
    it(`when ${name}, then the cap is ${expected ?? 'none'}`, () => {
      const cap = rateCapFor(rules, new Decimal(reference));
      expect(cap === null ? null : cap.toString()).to.equal(expected === null ? null : new Decimal(expected).toString());
    });
  }
});

describe('feeRateCapFor (SPEC §4 model 3)', () => {
  const guarantee: GuaranteeRule & { required: true } = {
    required: true,
    coverageRatio: '0.8',
    feeRateCaps: [{ upTo: '5000000.00', rateAnnual: '0.01' }, { rateAnnual: '0.015' }],
    feeSubsidyRates: { household: '0.015', enterprise: '0.005' },
  };
  const table: Array<[string, string]> = [
    ['40000.00', '0.01'],
    ['5000000.00', '0.01'],
    ['5000000.01', '0.015'],
    ['80000000.00', '0.015'],
  ];
  for (const [amount, expected] of table) {
    it(`when the guaranteed amount is ${amount}, then the fee-rate cap is ${expected}`, () => {
      expect(feeRateCapFor(guarantee, new Decimal(amount)).toString()).to.equal(new Decimal(expected).toString());
    });
  }

  it('when there are three bands, then each amount finds the first band that covers it', () => {
    const threeBands = { ...guarantee, feeRateCaps: [{ upTo: '1000000.00', rateAnnual: '0.008' }, { upTo: '5000000.00', rateAnnual: '0.01' }, { rateAnnual: '0.015' }] };
    expect(feeRateCapFor(threeBands, new Decimal('1000000.00')).toString()).to.equal('0.008');
    expect(feeRateCapFor(threeBands, new Decimal('1000000.01')).toString()).to.equal('0.01');
    expect(feeRateCapFor(threeBands, new Decimal('9000000.00')).toString()).to.equal('0.015');
  });
});
