import { addDays, addMonthsClamped, compareDates, maxDate, minDate, type IsoDate } from '../../src/core/dates';
import { ageAt } from '../../src/core/identifiers';
import { Decimal } from '../../src/core/money';
import { checkEligibility, feeRateCapFor, rateCapFor, type LoanFacts } from '../../src/modules/models/eligibility';
import type { ModelParameters } from '../../src/modules/models/model-parameters';
import type { RepaymentMethod } from '../../src/modules/loans/loan.entity';
import { termMonthsBetween } from '../../src/modules/loans/loan.status';
import { Random } from '../../src/seed/random';
import { writeLoan } from './loan-history';
import { IdMaker } from './ids';
import type { Bank, Institutions } from './institutions';
import type { CountyPlan } from './plan';
import { AS_OF, statusOn, type CountyRegister, type GenEnterprise, type GenHousehold, type GenLinkage } from './register';

/**
 * One county's loans, each one the service could have registered on its contract date: its
 * model's version-1 rules are checked with the service's own `checkEligibility` (and the guarantee
 * fee cap with `feeRateCapFor`) on the facts of that date, the schedule is `generateSchedule`'s,
 * and the repayments follow the schedule up to AS_OF:
 * - most borrowers pay every instalment on its due date (a loan past maturity is then settled);
 * - some repay principal early, in part or in full (quarterly loans only, as banks allow);
 * - some stop paying at an instalment: overdue, or defaulted after 90 days, as the delinquency job
 *   would have left them on AS_OF. Models with circuit breakers (1, 4) never default here, so no
 *   township's non-performing ratio could ever have stopped a later registration.
 * Under models with one open loan per household, a household's loans never overlap in time.
 * Fund capacity is met by sizing each fund for everything ever lent under it (funds.ts).
 */
export interface ModelVersionRow {
  id: string;
  modelCode: string;
  parameters: ModelParameters;
}

export interface LoanSinks {
  loan(values: unknown[]): void;
  schedule(values: unknown[]): void;
  repayment(values: unknown[]): void;
  event(values: unknown[]): void;
  audit(values: unknown[]): void;
  guarantee(values: unknown[]): void;
}

export interface FundKey {
  countyCode: string;
  bankId: string;
  modelCode: string;
}

export interface CountyLoanResult {
  loans: number;
  skipped: number;
  /** Total principal ever lent under each fund (key county|bank|model), in fen. */
  principalByFund: Map<string, bigint>;
}

export const fundKey = (k: FundKey): string => `${k.countyCode}|${k.bankId}|${k.modelCode}`;

const HOUSEHOLD_MODELS = ['household_microcredit', 'inclusive_credit_line', 'insurance_backed', 'relending_supported', 'government_guarantee', 'entrepreneurship_guarantee', 'photovoltaic'] as const;
const HOUSEHOLD_MODEL_WEIGHTS = [45, 14, 9, 8, 8, 8, 8] as const;
const HOUSEHOLD_FALLBACKS = ['inclusive_credit_line', 'insurance_backed', 'relending_supported'] as const;

/** Principal ranges in whole yuan and the step they are drawn in. */
const HOUSEHOLD_PRINCIPAL: Record<string, [number, number, number]> = {
  household_microcredit: [10_000, 50_000, 1_000],
  inclusive_credit_line: [5_000, 30_000, 1_000],
  insurance_backed: [20_000, 100_000, 5_000],
  relending_supported: [10_000, 50_000, 5_000],
  government_guarantee: [30_000, 300_000, 10_000],
  entrepreneurship_guarantee: [50_000, 200_000, 5_000],
  photovoltaic: [30_000, 80_000, 5_000],
};
export const PURPOSES: Record<string, readonly string[]> = {
  household_microcredit: ['种植业生产', '养殖业生产', '购买农机具', '发展庭院经济'],
  inclusive_credit_line: ['生产经营周转', '购买农资'],
  insurance_backed: ['扩大养殖规模', '设施农业建设'],
  relending_supported: ['生产经营周转', '农产品收购'],
  government_guarantee: ['扩大生产经营', '购置设备'],
  entrepreneurship_guarantee: ['返乡创业', '开办农家乐', '电商创业'],
  photovoltaic: ['建设户用光伏电站', '建设村级光伏电站'],
  enterprise_driven: ['带贫产业流动资金', '扩建生产线'],
  risk_fund_enterprise: ['流动资金', '购置设备'],
  cooperative_driven: ['合作社生产资金', '收购社员农产品'],
};

export const GUARANTEED = new Set(['government_guarantee', 'entrepreneurship_guarantee']);
export const BREAKER_MODELS = new Set(['household_microcredit', 'risk_fund_enterprise']);

/** SPEC §2 seeded benchmark rates by term (the only reference rates a fresh database has). */
function referenceRateFor(termMonths: number): Decimal {
  return new Decimal(termMonths <= 12 ? '0.0435' : termMonths <= 60 ? '0.0475' : '0.049');
}

export interface Context {
  random: Random;
  county: CountyPlan;
  register: CountyRegister;
  institutions: Institutions;
  models: Map<string, ModelVersionRow>;
  sinks: LoanSinks;
  result: CountyLoanResult;
  /** Contract numbers per bank in this county. */
  sequences: Map<string, number>;
  /** Model-1-style exclusive loans of a household: the day each closed (null while open). */
  exclusive: Map<string, Array<IsoDate | null>>;
  linkagesBySource: Map<string, GenLinkage[]>;
  householdById: Map<string, GenHousehold>;
  /** The county's risk funds by fundKey, opened before any loan. */
  fundIds: ReadonlyMap<string, string>;
  ids: { loan: IdMaker; repayment: IdMaker; guarantee: IdMaker };
}

export function generateCountyLoans(
  seed: number,
  county: CountyPlan,
  countyIndex: number,
  register: CountyRegister,
  institutions: Institutions,
  models: Map<string, ModelVersionRow>,
  fundIds: ReadonlyMap<string, string>,
  sinks: LoanSinks,
): CountyLoanResult {
  const ctx: Context = {
    random: new Random(seed, `loans:${county.code}`),
    county,
    register,
    institutions,
    models,
    sinks,
    result: { loans: 0, skipped: 0, principalByFund: new Map() },
    sequences: new Map(),
    exclusive: new Map(),
    linkagesBySource: new Map(),
    householdById: new Map(register.households.map((h) => [h.id, h])),
    fundIds,
    ids: { loan: new IdMaker('loan', countyIndex), repayment: new IdMaker('repayment', countyIndex), guarantee: new IdMaker('guarantee', countyIndex) },
  };
  for (const l of register.linkages) {
    const list = ctx.linkagesBySource.get(l.sourceId);
    if (list) list.push(l);
    else ctx.linkagesBySource.set(l.sourceId, [l]);
  }
  const active = register.enterprises.filter((e) => e.active);
  const enterpriseLoans = Math.min(Math.round(active.length * 1.5), Math.floor(county.loans / 4));
  for (let n = 0; n < enterpriseLoans; n += 1) {
    if (!tryEnterpriseLoan(ctx, ctx.random.pick(active))) ctx.result.skipped += 1;
  }
  const householdLoans = county.loans - enterpriseLoans;
  for (let n = 0; n < householdLoans; n += 1) {
    let made = false;
    // A household that can take no loan at all (too young for any model's dates) yields to another.
    for (let attempt = 0; attempt < 20 && !made; attempt += 1) made = tryHouseholdLoan(ctx, ctx.random.pick(register.households));
    if (!made) ctx.result.skipped += 1;
  }
  return ctx.result;
}

function tryHouseholdLoan(ctx: Context, household: GenHousehold): boolean {
  const chosen = ctx.random.weighted(HOUSEHOLD_MODELS, HOUSEHOLD_MODEL_WEIGHTS);
  for (const modelCode of [chosen, ...HOUSEHOLD_FALLBACKS]) {
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const draft = householdDraft(ctx, household, modelCode);
      if (draft && eligible(ctx, draft)) {
        writeLoan(ctx, draft);
        return true;
      }
    }
  }
  return false;
}

function tryEnterpriseLoan(ctx: Context, enterprise: GenEnterprise): boolean {
  const linked = enterprise.capacity > 0;
  const candidates =
    enterprise.kind === 'village_collective'
      ? ['photovoltaic', 'government_guarantee', 'insurance_backed', 'relending_supported']
      : enterprise.kind === 'cooperative'
        ? [...(linked ? ['cooperative_driven', 'enterprise_driven'] : []), 'risk_fund_enterprise', 'government_guarantee', 'insurance_backed', 'relending_supported']
        : [...(linked ? ['enterprise_driven'] : []), 'risk_fund_enterprise', 'government_guarantee', 'insurance_backed', 'relending_supported'];
  const first = ctx.random.pick(candidates.slice(0, Math.min(3, candidates.length)));
  for (const modelCode of [first, ...candidates]) {
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const draft = enterpriseDraft(ctx, enterprise, modelCode);
      if (draft && eligible(ctx, draft)) {
        writeLoan(ctx, draft);
        return true;
      }
    }
  }
  return false;
}

export interface Draft {
  modelCode: string;
  borrowerKind: 'household' | 'enterprise';
  household: GenHousehold | null;
  enterprise: GenEnterprise | null;
  regionPath: string;
  bank: Bank;
  principalFen: number;
  termMonths: number;
  rateAnnual: Decimal;
  referenceRate: Decimal;
  contractDate: IsoDate;
  disbursementDate: IsoDate;
  maturityDate: IsoDate;
  method: RepaymentMethod;
  agreementNumber: string | null;
  drivenHouseholds: number | null;
  guaranteeFeeRate: string | null;
}

function householdDraft(ctx: Context, household: GenHousehold, modelCode: string): Draft | null {
  const { random } = ctx;
  let earliest = addDays(household.registeredOn, 1);
  const params = ctx.models.get(modelCode)!.parameters;
  if (params.eligibility.oneActiveLoanPerHousehold) {
    const previous = ctx.exclusive.get(household.id) ?? [];
    if (previous.some((closed) => closed === null)) return null;
    for (const closed of previous) earliest = maxDate(earliest, addDays(closed!, 1));
  }
  const latest = addDays(AS_OF, -1);
  if (compareDates(earliest, latest) > 0) return null;
  const contractDate = random.date(earliest, latest);
  const termMonths = modelCode === 'photovoltaic' ? random.pick([60, 96, 120]) : modelCode === 'entrepreneurship_guarantee' ? random.pick([24, 36]) : random.pick([12, 24, 36]);
  const [low, high, step] = HOUSEHOLD_PRINCIPAL[modelCode]!;
  const principalFen = (low + step * random.int(0, (high - low) / step)) * 100;
  return dated(ctx, {
    modelCode,
    borrowerKind: 'household',
    household,
    enterprise: null,
    regionPath: household.village.path,
    bank: pickBank(ctx),
    principalFen,
    termMonths,
    contractDate,
    agreementNumber: null,
    drivenHouseholds: null,
  });
}

function enterpriseDraft(ctx: Context, enterprise: GenEnterprise, modelCode: string): Draft | null {
  const { random } = ctx;
  const links = ctx.linkagesBySource.get(enterprise.id) ?? [];
  const params = ctx.models.get(modelCode)!.parameters;
  const needsLinks = params.eligibility.minDrivenHouseholds !== undefined;
  // Driven households are counted on the contract date (SPEC §3): a date inside the linkages' life.
  let earliest = '2024-03-01' as IsoDate;
  if (needsLinks) {
    if (links.length === 0) return null;
    earliest = links.reduce((d, l) => minDate(d, l.startDate), AS_OF);
  }
  const latest = addDays(AS_OF, -1);
  if (compareDates(earliest, latest) > 0) return null;
  const contractDate = random.date(earliest, latest);
  const driven = drivenHouseholdsOn(ctx, links, contractDate);
  const pv = modelCode === 'photovoltaic';
  const termMonths = pv ? random.pick([60, 120]) : random.pick([12, 24, 36]);
  const principalFen = (pv ? 200_000 + 10_000 * random.int(0, 80) : 500_000 + 10_000 * random.int(0, 450)) * 100;
  return dated(ctx, {
    modelCode,
    borrowerKind: 'enterprise',
    household: null,
    enterprise,
    regionPath: enterprise.regionPath,
    bank: pickBank(ctx),
    principalFen,
    termMonths,
    contractDate,
    agreementNumber: params.eligibility.agreementRequired ? enterprise.agreementNumber : null,
    drivenHouseholds: driven,
  });
}

/** The service's count (SPEC §3): distinct poor or monitored households with a linkage active on the date. */
function drivenHouseholdsOn(ctx: Context, links: readonly GenLinkage[], date: IsoDate): number {
  const households = new Set<string>();
  for (const l of links) {
    const active = compareDates(l.startDate, date) <= 0 && (l.endDate === null || compareDates(l.endDate, date) >= 0) && (l.endedOn === null || compareDates(l.endedOn, date) > 0);
    if (!active) continue;
    const status = statusOn(ctx.householdById.get(l.householdId)!, date);
    if (status === 'poor' || status === 'monitored') households.add(l.householdId);
  }
  return households.size;
}

/** Rate, method and dates of a draft: guaranteed loans are disbursed when the guarantee is approved. */
function dated(ctx: Context, base: Omit<Draft, 'rateAnnual' | 'referenceRate' | 'disbursementDate' | 'maturityDate' | 'method' | 'guaranteeFeeRate'>): Draft | null {
  const { random } = ctx;
  const params = ctx.models.get(base.modelCode)!.parameters;
  const referenceRate = referenceRateFor(base.termMonths);
  const cap = rateCapFor(params.eligibility, referenceRate);
  const candidates = [-0.0025, 0, 0, 0.0015, 0.0025, 0.005, 0.01].map((spread) => referenceRate.plus(spread)).filter((r) => cap === null || r.lte(cap));
  const rateAnnual = random.pick(candidates.length > 0 ? candidates : [referenceRate]);
  // A guaranteed loan is registered with the disbursement date it asks for; the guarantee is approved
  // on that date and the loan disbursed then (GuaranteesService.approve). Its term runs from it.
  const guaranteed = GUARANTEED.has(base.modelCode);
  const disbursementDate = guaranteed ? addDays(base.contractDate, random.int(1, 10)) : base.contractDate;
  if (compareDates(disbursementDate, AS_OF) > 0) return null;
  const maturityDate = addMonthsClamped(disbursementDate, base.termMonths);
  const roll = random.next();
  const method: RepaymentMethod =
    base.borrowerKind === 'enterprise'
      ? roll < 0.85
        ? 'interest_quarterly_principal_at_maturity'
        : 'equal_principal'
      : roll < 0.7
        ? 'interest_quarterly_principal_at_maturity'
        : roll < 0.9
          ? 'equal_installment'
          : 'equal_principal';
  let guaranteeFeeRate: string | null = null;
  if (params.guarantee.required) {
    const guaranteedFen = new Decimal(base.principalFen).dividedBy(100).times(params.guarantee.coverageRatio);
    const feeCap = feeRateCapFor(params.guarantee, guaranteedFen);
    guaranteeFeeRate = Decimal.min(feeCap, new Decimal(random.pick(['0.005', '0.006', '0.008', '0.01']))).toFixed();
  }
  return { ...base, rateAnnual, referenceRate, disbursementDate, maturityDate, method, guaranteeFeeRate };
}

function pickBank(ctx: Context): Bank {
  const banks = ctx.institutions.banks;
  return ctx.random.weighted(banks, banks.map((b) => b.weight));
}

/** The model version's own rules on the facts of the contract date, as the service checks them. */
function eligible(ctx: Context, draft: Draft): boolean {
  const params = ctx.models.get(draft.modelCode)!.parameters;
  const household = draft.household;
  const facts: LoanFacts = {
    borrowerKind: draft.borrowerKind,
    principal: new Decimal(draft.principalFen).dividedBy(100),
    termMonths: termMonthsBetween(draft.disbursementDate, draft.maturityDate),
    rateAnnual: draft.rateAnnual,
    referenceRateAnnual: draft.referenceRate,
    agreementNumber: draft.agreementNumber,
    householdHasOpenLoanUnderModel: false,
  };
  if (household) {
    facts.householdStatus = statusOn(household, draft.contractDate) ?? undefined;
    facts.borrowerAgeYears = ageAt(household.birthDate, draft.contractDate);
  } else {
    facts.enterpriseKind = draft.enterprise!.kind;
    facts.drivenHouseholds = draft.drivenHouseholds ?? 0;
  }
  return facts.termMonths === draft.termMonths && checkEligibility(params.eligibility, facts).length === 0;
}

