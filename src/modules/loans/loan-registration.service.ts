import type { DataSource, EntityManager } from 'typeorm';
import { compareDates, type IsoDate } from '../../core/dates';
import { ageAt } from '../../core/identifiers';
import { Decimal, parseMoney, parseRate } from '../../core/money';
import { generateSchedule } from '../../core/schedules';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError } from '../../shared/http/errors';
import { recordAudit } from '../audit/audit.service';
import { Enterprise } from '../enterprises/enterprise.entity';
import { checkCircuitBreakers, checkFundCapacity } from '../funds';
import { Household } from '../households/household.entity';
import { claimIdempotencyKey, hashRequest, storeIdempotentResponse } from '../idempotency/idempotency';
import { Institution } from '../institutions/institution.entity';
import { checkEligibility, feeRateCapFor, type LoanFacts, type RuleFailure } from '../models/eligibility';
import type { ModelParameters } from '../models/model-parameters';
import { ModelVersion } from '../models/model-version.entity';
import type { ReferenceRatesService } from '../reference-rates/reference-rates.service';
import { Region } from '../regions/region.entity';
import { toLoanDto, type LoanDto } from './loan.dto';
import { Loan, type RepaymentMethod } from './loan.entity';
import { LoanEvent } from './loan-event.entity';
import { termMonthsBetween } from './loan.status';
import { ScheduleEntry } from './schedule-entry.entity';

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

interface Borrower {
  regionPath: string;
  countyCode: string;
  facts: Partial<LoanFacts>;
}

/**
 * Loan registration (SPEC §4–§5, issue 4 item 2): a loan officer registers a loan for their own bank.
 * Every rule of the model version in force on the contract date is checked, plus fund capacity and
 * circuit breakers, and every failure is returned at once (422). An Idempotency-Key makes a retry
 * return the first answer; the one-active-loan rule is a unique index, so two banks racing for one
 * household cannot both succeed.
 */
export class LoanRegistrationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly referenceRates: ReferenceRatesService,
  ) {}

  async register(context: AuthenticatedContext, input: NewLoan, idempotencyKey: string): Promise<{ status: number; body: LoanDto }> {
    const bankId = context.user.bankId!;
    const scope = `loans:${bankId}`;
    try {
      return await inTransaction(this.dataSource, async (manager) => {
        const claimed = await claimIdempotencyKey(manager, scope, idempotencyKey, hashRequest(input));
        if (claimed.replay) return { status: claimed.status, body: claimed.body as LoanDto };
        const loan = await this.createLoan(manager, context, bankId, input);
        const body = toLoanDto(loan);
        await storeIdempotentResponse(manager, scope, idempotencyKey, 201, body);
        return { status: 201, body };
      });
    } catch (error) {
      if ((error as { driverError?: { constraint?: string } }).driverError?.constraint === 'loans_one_per_household_key') {
        throw new DomainError('RULE_VIOLATION', 'the loan breaks the rules of its financing model', [ONE_LOAN_RACE_FAILURE]);
      }
      throw error;
    }
  }

  private async createLoan(manager: EntityManager, context: AuthenticatedContext, bankId: string, input: NewLoan): Promise<Loan> {
    const branch = await this.resolveBranch(manager, context, bankId, input.branchId);
    if (await manager.getRepository(Loan).existsBy({ bankId, contractNumber: input.contractNumber })) {
      throw new DomainError('DUPLICATE', `contract ${input.contractNumber} is already registered by this bank`, [{ field: 'contractNumber', rule: 'UNIQUE_PER_BANK' }]);
    }
    const contractDate = input.contractDate as IsoDate;
    const version = await manager
      .getRepository(ModelVersion)
      .createQueryBuilder('v')
      .where('v.model_code = :code AND v.effective_from <= :date', { code: input.modelCode, date: contractDate })
      .orderBy('v.effective_from', 'DESC')
      .getOne();
    if (!version) {
      throw new DomainError('RULE_VIOLATION', 'no version of this financing model is in force on the contract date', [
        { field: 'modelCode', rule: 'MODEL_VERSION_IN_FORCE', message: `${input.modelCode} on ${contractDate}` },
      ]);
    }
    const params = version.parameters;
    const start = (input.disbursementDate ?? input.contractDate) as IsoDate;
    const failures = dateFailures(input);
    if (failures.length > 0) throw new DomainError('RULE_VIOLATION', 'the loan dates are inconsistent', failures);
    const termMonths = termMonthsBetween(start, input.maturityDate as IsoDate);
    const reference = await this.referenceRates.rateInForce(manager, contractDate, termMonths);
    if (!reference) {
      throw new DomainError('RULE_VIOLATION', 'no reference rate is in force on the contract date', [
        { field: 'contractDate', rule: 'REFERENCE_RATE_IN_FORCE', message: `no rate on or before ${contractDate}` },
      ]);
    }
    const borrower = await this.loadBorrower(manager, input, contractDate);
    const principal = parseMoney(input.principal);
    const facts: LoanFacts = {
      borrowerKind: input.borrowerKind,
      ...borrower.facts,
      principal,
      termMonths,
      rateAnnual: parseRate(input.rateAnnual),
      referenceRateAnnual: reference.rateAnnual,
      agreementNumber: input.agreementNumber ?? null,
      householdHasOpenLoanUnderModel:
        input.borrowerKind === 'household' && params.eligibility.oneActiveLoanPerHousehold === true
          ? await this.householdHasOpenLoan(manager, input.householdId!, input.modelCode)
          : false,
    };
    const ruleFailures = [...checkEligibility(params.eligibility, facts), ...this.guaranteeFailures(params, input, principal)];
    let riskFundId: string | null = null;
    if (params.capacity.source === 'risk_fund') {
      const capacity = await checkFundCapacity(manager, { countyCode: borrower.countyCode, bankId, modelCode: input.modelCode, principal });
      riskFundId = capacity.fundId;
      ruleFailures.push(...capacity.failures);
    }
    if (params.circuitBreaker) {
      ruleFailures.push(...(await checkCircuitBreakers(manager, { modelCode: input.modelCode, regionPath: borrower.regionPath, thresholds: params.circuitBreaker })));
    }
    if (ruleFailures.length > 0) throw new DomainError('RULE_VIOLATION', 'the loan breaks the rules of its financing model', ruleFailures);
    return this.insertLoan(manager, context, { input, bankId, branchId: branch.id, version, params, borrower, facts, riskFundId, termMonths, principal, referenceRate: reference.rateAnnual });
  }

  private async insertLoan(
    manager: EntityManager,
    context: AuthenticatedContext,
    a: { input: NewLoan; bankId: string; branchId: string; version: ModelVersion; params: ModelParameters; borrower: Borrower; facts: LoanFacts; riskFundId: string | null; termMonths: number; principal: Decimal; referenceRate: Decimal },
  ): Promise<Loan> {
    const { input } = a;
    const guaranteed = a.params.guarantee.required;
    const status = guaranteed ? 'pending_guarantee' : input.disbursementDate ? 'active' : 'registered';
    const repository = manager.getRepository(Loan);
    const loan = repository.create({
      bankId: a.bankId,
      branchId: a.branchId,
      contractNumber: input.contractNumber,
      modelCode: input.modelCode,
      modelVersionId: a.version.id,
      borrowerKind: input.borrowerKind,
      householdId: input.householdId ?? null,
      exclusiveHouseholdId: input.borrowerKind === 'household' && a.params.eligibility.oneActiveLoanPerHousehold ? input.householdId! : null,
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
      repaymentMethod: input.repaymentMethod ?? 'interest_quarterly_principal_at_maturity',
      purpose: input.purpose,
      agreementNumber: input.agreementNumber ?? null,
      drivenHouseholds: a.facts.drivenHouseholds ?? null,
      guarantorId: input.guarantorId ?? null,
      riskFundId: a.riskFundId,
      status,
      daysPastDue: 0,
      delinquencyAsOf: null,
      scheduleVersion: 1,
      closedOn: null,
      createdBy: context.user.id,
    });
    await repository.insert(loan);
    if (loan.disbursementDate) await writeSchedule(manager, loan, 1, loan.disbursementDate);
    await manager.getRepository(LoanEvent).insert(<never>{
      loanId: loan.id,
      kind: 'registered',
      effectiveDate: input.contractDate,
      fromStatus: null,
      toStatus: status,
      details: { modelVersion: a.version.version, guaranteeFeeRate: input.guaranteeFeeRate ?? null, disbursedAtRegistration: !!loan.disbursementDate },
      createdBy: context.user.id,
    });
    const saved = await manager.getRepository(Loan).findOneOrFail({ where: { id: loan.id }, relations: { household: true, enterprise: true } });
    await recordAudit(manager, context, { action: 'register', entityType: 'loan', entityId: loan.id, after: toLoanDto(saved), regionPath: loan.regionPath, institutionId: a.bankId });
    return saved;
  }

  private async resolveBranch(manager: EntityManager, context: AuthenticatedContext, bankId: string, branchId?: string): Promise<Institution> {
    const id = branchId ?? context.user.institutionId!;
    const branch = await manager.getRepository(Institution).findOneBy({ id });
    const ofThisBank = branch && ((branch.type === 'bank_branch' && branch.parentId === bankId) || (branch.type === 'bank' && branch.id === bankId));
    if (!ofThisBank) {
      throw new DomainError('RULE_VIOLATION', 'the branch is not one of your bank', [{ field: 'branchId', rule: 'BRANCH_OF_YOUR_BANK', message: 'a branch of your own bank' }]);
    }
    return branch;
  }

  /** The borrower's facts for eligibility, as of the contract date. */
  private async loadBorrower(manager: EntityManager, input: NewLoan, contractDate: IsoDate): Promise<Borrower> {
    if (input.borrowerKind === 'household') {
      const household = input.householdId ? await manager.getRepository(Household).findOneBy({ id: input.householdId }) : null;
      if (!household) throw new DomainError('REFERENCE_NOT_FOUND', 'the household is not in the register', [{ field: 'householdId', rule: 'HOUSEHOLD_EXISTS' }]);
      const age = compareDates(household.birthDate as IsoDate, contractDate) <= 0 ? ageAt(household.birthDate as IsoDate, contractDate) : 0;
      return { regionPath: household.regionPath, countyCode: countyOf(household.regionPath), facts: { householdStatus: household.status, borrowerAgeYears: age } };
    }
    const enterprise = input.enterpriseId ? await manager.getRepository(Enterprise).findOneBy({ id: input.enterpriseId }) : null;
    if (!enterprise) throw new DomainError('REFERENCE_NOT_FOUND', 'the enterprise is not in the register', [{ field: 'enterpriseId', rule: 'ENTERPRISE_EXISTS' }]);
    const region = await manager.getRepository(Region).findOneByOrFail({ code: enterprise.regionCode });
    // Driven households (SPEC §3): distinct households in status poor or monitored with an active linkage on the date.
    const [{ driven }] = await manager.query(
      `SELECT count(DISTINCT l.household_id)::int AS driven
         FROM linkages l JOIN households h ON h.id = l.household_id
        WHERE l.source_enterprise_id = $1 AND h.status IN ('poor', 'monitored')
          AND l.start_date <= $2 AND (l.end_date IS NULL OR l.end_date >= $2) AND (l.ended_on IS NULL OR l.ended_on > $2)`,
      [enterprise.id, contractDate],
    );
    return { regionPath: region.path, countyCode: countyOf(region.path), facts: { enterpriseKind: enterprise.kind, drivenHouseholds: driven } };
  }

  private async householdHasOpenLoan(manager: EntityManager, householdId: string, modelCode: string): Promise<boolean> {
    const [row] = await manager.query(
      `SELECT 1 FROM loans WHERE exclusive_household_id = $1 AND model_code = $2
          AND status IN ('pending_guarantee', 'registered', 'active', 'overdue', 'defaulted') LIMIT 1`,
      [householdId, modelCode],
    );
    return !!row;
  }

  private guaranteeFailures(params: ModelParameters, input: NewLoan, principal: Decimal): RuleFailure[] {
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
}

const ONE_LOAN_RACE_FAILURE: RuleFailure = {
  code: 'ONE_ACTIVE_LOAN_PER_HOUSEHOLD',
  field: 'householdId',
  message: 'the household already has an open loan under this model',
};

function dateFailures(input: NewLoan): RuleFailure[] {
  const failures: RuleFailure[] = [];
  if (input.disbursementDate && compareDates(input.disbursementDate as IsoDate, input.contractDate as IsoDate) < 0) {
    failures.push({ code: 'DISBURSEMENT_BEFORE_CONTRACT', field: 'disbursementDate', message: 'disbursement cannot precede the contract' });
  }
  const start = (input.disbursementDate ?? input.contractDate) as IsoDate;
  if (compareDates(input.maturityDate as IsoDate, start) <= 0) {
    failures.push({ code: 'MATURITY_AFTER_START', field: 'maturityDate', message: 'maturity must come after the contract and disbursement dates' });
  }
  return failures;
}

/** The county's code in a region path `city/county/…`. */
export function countyOf(regionPath: string): string {
  return regionPath.split('/')[1] ?? '';
}

/** Writes schedule version `version` of a loan from its disbursement date to its current maturity. */
export async function writeSchedule(manager: EntityManager, loan: Loan, version: number, from: string, seqOffset = 0): Promise<void> {
  const rows = generateSchedule({
    principal: loan.outstandingPrincipal,
    rateAnnual: loan.rateAnnual,
    method: loan.repaymentMethod,
    disbursementDate: from as IsoDate,
    maturityDate: loan.currentMaturityDate as IsoDate,
  });
  await manager.getRepository(ScheduleEntry).insert(
    rows.map((r) => ({ loanId: loan.id, version, seq: r.seq + seqOffset, dueDate: r.dueDate, principalDue: r.principalDue, interestDue: r.interestDue })),
  );
}
