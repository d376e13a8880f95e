import Joi from 'joi';
import { Decimal } from '../../core/money';
import { money, rate } from '../../shared/http/schemas';
import type { ModelParameters, RiskParty } from './model-parameters';

/**
 * The Joi schema of a model version's parameter set (SPEC §4, shape in model-parameters.ts).
 * Amounts, rates, ratios and multiples stay decimal strings, exactly as stored in the version's
 * JSON; every comparison between them is made with Decimal, never with floats (SPEC §6).
 */

export const RISK_PARTIES: readonly RiskParty[] = ['guarantor', 'reguarantor', 'bank', 'government', 'risk_fund', 'insurer'];
const BORROWER_KINDS = ['household', 'enterprise'] as const;
const ENTERPRISE_KINDS = ['company', 'cooperative', 'village_collective'] as const;
const HOUSEHOLD_STATUSES = ['poor', 'monitored', 'lifted'] as const;

/** A ratio has at most 4 decimals ("0.4", "0.0125"): enough for any sharing or coverage agreement. */
const RATIO_PATTERN = /^[01](\.\d{1,4})?$/;
/** Multiples are small numbers with a few decimals: "1.10" times the reference rate, "10" times a fund. */
const MULTIPLE_PATTERN = /^\d{1,2}(\.\d{1,4})?$/;
const MONEY_PATTERN = /^(0|[1-9]\d{0,14})(\.\d{1,2})?$/;
/** Guards the later rules of a string whose format rule (money(), rate()) may already have failed. */
const PLAIN_DECIMAL = /^\d{1,20}(\.\d{1,20})?$/;
/** risk_funds.multiple is numeric(6,2) with CHECK (multiple > 0 AND multiple <= 50): a model's default must fit a fund. */
const MAX_FUND_MULTIPLE = new Decimal(50);

/** The decimal a well-formed string stands for, or null when an earlier rule already refused it. */
function decimalOrNull(value: unknown, pattern: RegExp): Decimal | null {
  return typeof value === 'string' && pattern.test(value) ? new Decimal(value) : null;
}

/** A ratio as a decimal string: 0 < r ≤ 1 (or 0 ≤ r ≤ 1 with `allowZero`), at most 4 decimals. */
export const ratio = (options: { allowZero?: boolean } = {}) =>
  Joi.string()
    .custom((value: string, helpers) => {
      const parsed = decimalOrNull(value, RATIO_PATTERN);
      if (!parsed || parsed.gt(1) || (options.allowZero ? parsed.lt(0) : parsed.lte(0))) return helpers.error('ratio.invalid');
      return value;
    })
    .messages({
      'ratio.invalid': options.allowZero
        ? '{{#label}} must be a ratio from 0 to 1 with at most 4 decimals, e.g. "0.05"'
        : '{{#label}} must be a ratio above 0 and at most 1 with at most 4 decimals, e.g. "0.8"',
    })
    .meta({ format: 'decimal', example: '0.8' });

/** A positive multiple such as "1.10" or "10", at most `max` when given. */
const multiple = (max?: Decimal) =>
  Joi.string()
    .custom((value: string, helpers) => {
      const parsed = decimalOrNull(value, MULTIPLE_PATTERN);
      if (!parsed || parsed.lte(0) || (max && parsed.gt(max))) return helpers.error('multiple.invalid', { max: max?.toString() ?? '99' });
      return value;
    })
    .messages({ 'multiple.invalid': '{{#label}} must be a multiple above 0 and at most {{#max}} with at most 4 decimals, e.g. "1.10"' })
    .meta({ format: 'decimal', example: '1.10' });

/** An amount above zero: a cap, a quota or a band limit of 0.00 would forbid everything. */
const positiveMoney = () =>
  money()
    .custom((value: string, helpers) => (decimalOrNull(value, PLAIN_DECIMAL)?.lte(0) ? helpers.error('money.positive') : value))
    .messages({ 'money.positive': '{{#label}} must be above 0.00' });

const positiveRate = () =>
  rate()
    .custom((value: string, helpers) => (decimalOrNull(value, PLAIN_DECIMAL)?.lte(0) ? helpers.error('rate.positive') : value))
    .messages({ 'rate.positive': '{{#label}} must be above 0' });

const kinds = <T extends string>(values: readonly T[]) =>
  Joi.array()
    .items(Joi.string().valid(...values))
    .min(1)
    .max(values.length)
    .unique()
    .messages({ 'array.unique': '{{#label}} lists a value twice' });

/**
 * Rules that only make sense for a borrower kind the model admits: an enterprise-kind list on a
 * households-only model would silently never apply, which is a mistake in the version, not a rule.
 */
function eligibilityConsistency(value: Record<string, unknown>, helpers: Joi.CustomHelpers) {
  const borrowerKinds = Array.isArray(value.borrowerKinds) ? (value.borrowerKinds as string[]) : [];
  const householdOnly = ['householdStatuses', 'borrowerAgeRange', 'oneActiveLoanPerHousehold'];
  const enterpriseOnly = ['enterpriseKinds', 'minDrivenHouseholds'];
  // A rule switched off (`false`) is harmless; only a rule that would apply is inconsistent.
  const given = (key: string) => value[key] !== undefined && value[key] !== false;
  for (const key of householdOnly) {
    if (given(key) && !borrowerKinds.includes('household')) return helpers.error('eligibility.needsKind', { key, kind: 'household' });
  }
  for (const key of enterpriseOnly) {
    if (given(key) && !borrowerKinds.includes('enterprise')) return helpers.error('eligibility.needsKind', { key, kind: 'enterprise' });
  }
  return value;
}

const eligibilitySchema = Joi.object({
  borrowerKinds: kinds(BORROWER_KINDS).required(),
  enterpriseKinds: kinds(ENTERPRISE_KINDS),
  householdStatuses: kinds(HOUSEHOLD_STATUSES),
  principalCap: positiveMoney(),
  termCapMonths: Joi.number().integer().min(1).max(600),
  borrowerAgeRange: Joi.object({
    min: Joi.number().integer().min(0).max(120).required(),
    max: Joi.number().integer().min(0).max(120).required(),
  })
    .custom((range: { min: unknown; max: unknown }, helpers) =>
      typeof range.min === 'number' && typeof range.max === 'number' && range.min > range.max ? helpers.error('ageRange.order') : range,
    )
    .messages({ 'ageRange.order': '{{#label}}.min must not be above {{#label}}.max' }),
  rateCapMultipleOfReference: multiple(new Decimal(10)),
  rateCapSpreadOverReference: rate(),
  minDrivenHouseholds: Joi.number().integer().min(1).max(100_000),
  oneActiveLoanPerHousehold: Joi.boolean(),
  agreementRequired: Joi.boolean(),
})
  .custom(eligibilityConsistency)
  .messages({ 'eligibility.needsKind': '{{#label}}.{{#key}} applies only when borrowerKinds includes {{#kind}}' });

const subsidySchema = Joi.object({
  rule: Joi.string().valid('none', 'full_up_to_reference', 'fixed_rate_on_linked_base', 'reference_minus_spread').required(),
  rateAnnual: positiveRate().when('rule', { is: 'fixed_rate_on_linked_base', then: Joi.required(), otherwise: Joi.forbidden() }),
  quotaPerHousehold: positiveMoney().when('rule', { is: 'fixed_rate_on_linked_base', then: Joi.required(), otherwise: Joi.forbidden() }),
  spread: rate().when('rule', { is: 'reference_minus_spread', then: Joi.required(), otherwise: Joi.forbidden() }),
});

/**
 * Fee-rate bands (SPEC §4 model 3: ≤ 1% up to 5,000,000.00, ≤ 1.5% above): every band but the last
 * has an `upTo`, increasing strictly, and the last is open-ended so every amount finds a band.
 */
function feeBandsInOrder(bands: Array<{ upTo?: unknown }>, helpers: Joi.CustomHelpers) {
  let previous: Decimal | null = null;
  for (const [index, band] of bands.entries()) {
    const last = index === bands.length - 1;
    if (last) return band.upTo === undefined ? bands : helpers.error('feeRateCaps.lastOpen');
    if (band.upTo === undefined) return helpers.error('feeRateCaps.upToMissing', { index });
    const upTo = decimalOrNull(band.upTo, MONEY_PATTERN);
    if (upTo && previous && !upTo.gt(previous)) return helpers.error('feeRateCaps.increasing', { index });
    previous = upTo ?? previous;
  }
  return bands;
}

const feeRateCapsSchema = Joi.array()
  .items(Joi.object({ upTo: positiveMoney(), rateAnnual: positiveRate().required() }))
  .min(1)
  .max(10)
  .custom(feeBandsInOrder)
  .messages({
    'feeRateCaps.lastOpen': '{{#label}}: the last band must have no upTo, so that every guaranteed amount has a cap',
    'feeRateCaps.upToMissing': '{{#label}}[{{#index}}] needs an upTo: only the last band is open-ended',
    'feeRateCaps.increasing': '{{#label}}[{{#index}}].upTo must be above the previous band\'s upTo',
  });

const whenRequired = <T extends Joi.Schema>(schema: T) =>
  schema.when('required', { is: true, then: Joi.required(), otherwise: Joi.forbidden() });

const guaranteeSchema = Joi.object({
  required: Joi.boolean().required(),
  coverageRatio: whenRequired(ratio()),
  feeRateCaps: whenRequired(feeRateCapsSchema),
  feeSubsidyRates: whenRequired(Joi.object({ household: rate().required(), enterprise: rate().required() })),
});

/** SPEC §4: "an ordered list of parties … with ratios that sum to exactly 1", summed as decimals. */
function ratiosSumToOne(parties: Array<{ ratio?: unknown }>, helpers: Joi.CustomHelpers) {
  const ratios = parties.map((p) => decimalOrNull(p.ratio, RATIO_PATTERN));
  if (ratios.some((r) => r === null)) return parties; // the item rule already reported the bad ratio
  const sum = ratios.reduce((total: Decimal, r) => total.plus(r as Decimal), new Decimal(0));
  return sum.eq(1) ? parties : helpers.error('riskSharing.sum', { sum: sum.toString() });
}

const riskSharingSchema = Joi.array()
  .items(Joi.object({ party: Joi.string().valid(...RISK_PARTIES).required(), ratio: ratio().required() }))
  .min(1)
  .max(RISK_PARTIES.length)
  .unique('party')
  .custom(ratiosSumToOne)
  .messages({
    'riskSharing.sum': '{{#label}} ratios must sum to exactly 1; they sum to {{#sum}}',
    'array.unique': '{{#label}} names a party twice; each party appears once',
  });

const capacitySchema = Joi.object({
  source: Joi.string().valid('none', 'risk_fund', 'guarantor_leverage').required(),
  multiple: multiple(MAX_FUND_MULTIPLE).when('source', { is: 'risk_fund', then: Joi.required(), otherwise: Joi.forbidden() }),
});

export const modelParametersSchema: Joi.ObjectSchema<ModelParameters> = Joi.object<ModelParameters>({
  eligibility: eligibilitySchema.required(),
  subsidy: subsidySchema.required(),
  guarantee: guaranteeSchema.required(),
  riskSharing: riskSharingSchema.required(),
  capacity: capacitySchema.required(),
  compensationTriggerDaysPastDue: Joi.number().integer().min(1).max(3650).required(),
  circuitBreaker: Joi.object({
    townshipNplRatio: ratio({ allowZero: true }).required(),
    villageNplRatio: ratio({ allowZero: true }).required(),
  }),
  relendingFunded: Joi.boolean(),
});

export interface ParameterProblem {
  path: string;
  message: string;
  type: string;
}

/** Validates a parameter set outside a request (seed data, tests): every problem, not just the first. */
export function validateModelParameters(input: unknown): { value: ModelParameters | undefined; problems: ParameterProblem[] } {
  const { value, error } = modelParametersSchema.validate(input, { abortEarly: false, convert: false, allowUnknown: false, errors: { wrap: { label: false } } });
  const problems = (error?.details ?? []).map((d) => ({ path: d.path.join('.'), message: d.message, type: d.type }));
  return { value: problems.length === 0 ? value : undefined, problems };
}
