import type { DataSource, EntityManager } from 'typeorm';
import { compareDates, type IsoDate } from '../../core/dates';
import { ageAt } from '../../core/identifiers';
import { parseMoney, parseRate } from '../../core/money';
import { generateSchedule } from '../../core/schedules';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError } from '../../shared/http/errors';
import { recordAudit } from '../audit/audit.service';
import { Enterprise } from '../enterprises/enterprise.entity';
import { fileGuaranteeApplication } from '../guarantees/guarantee-filing';
import { checkCircuitBreakers, checkFundCapacity } from '../funds';
import { Household } from '../households/household.entity';
import { claimIdempotencyKey, hashRequest, storeIdempotentResponse } from '../idempotency/idempotency';
import { Institution } from '../institutions/institution.entity';
import { ModelVersion } from '../models/model-version.entity';
import type { ReferenceRatesService } from '../reference-rates/reference-rates.service';
import { Region } from '../regions/region.entity';
import {
  dateFailures,
  holdsHouseholdSlot,
  loanFacts,
  modelRuleFailures,
  newLoanRow,
  ONE_LOAN_PER_HOUSEHOLD_CONSTRAINT,
  ONE_LOAN_RACE_FAILURE,
  registrationEvent,
  type AssessedLoan,
  type Borrower,
  type NewLoan,
} from './loan-assessment';
import { drivenHouseholdsOn, drivenKey, householdModelKey, householdsWithOpenLoan } from './loan-lookups';
import { toLoanDto, type LoanDto } from './loan.dto';
import { Loan } from './loan.entity';
import { LoanEvent } from './loan-event.entity';
import { termMonthsBetween } from './loan.status';
import { ScheduleEntry } from './schedule-entry.entity';

export type { NewLoan } from './loan-assessment';

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
      if ((error as { driverError?: { constraint?: string } }).driverError?.constraint === ONE_LOAN_PER_HOUSEHOLD_CONSTRAINT) {
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
    const facts = loanFacts({
      input,
      borrower,
      principal,
      termMonths,
      referenceRate: reference.rateAnnual,
      householdHasOpenLoanUnderModel: holdsHouseholdSlot(params, input) ? await this.householdHasOpenLoan(manager, input.householdId!, input.modelCode) : false,
    });
    const ruleFailures = modelRuleFailures(params, input, facts);
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

  private async insertLoan(manager: EntityManager, context: AuthenticatedContext, assessed: AssessedLoan): Promise<Loan> {
    const repository = manager.getRepository(Loan);
    const row = newLoanRow(assessed, context.user.id);
    const loan = repository.create(row);
    await repository.insert(loan);
    if (loan.disbursementDate) await writeSchedule(manager, loan, 1, loan.disbursementDate);
    await manager.getRepository(LoanEvent).insert(<never>registrationEvent(loan.id, row, assessed));
    // SPEC §5: registering a loan under a guarantee model files its guarantee application (issue 5).
    if (assessed.params.guarantee.required) {
      const { input } = assessed;
      await fileGuaranteeApplication(manager, context, { loan, rule: assessed.params.guarantee, feeRateAnnual: parseRate(input.guaranteeFeeRate!), requestedDisbursementDate: input.disbursementDate ?? null });
    }
    const saved = await manager.getRepository(Loan).findOneOrFail({ where: { id: loan.id }, relations: { household: true, enterprise: true } });
    await recordAudit(manager, context, { action: 'register', entityType: 'loan', entityId: loan.id, after: toLoanDto(saved), regionPath: loan.regionPath, institutionId: assessed.bankId });
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
    const driven = (await drivenHouseholdsOn(manager, [{ enterpriseId: enterprise.id, date: contractDate }])).get(drivenKey(enterprise.id, contractDate)) ?? 0;
    return { regionPath: region.path, countyCode: countyOf(region.path), facts: { enterpriseKind: enterprise.kind, drivenHouseholds: driven } };
  }

  private async householdHasOpenLoan(manager: EntityManager, householdId: string, modelCode: string): Promise<boolean> {
    return (await householdsWithOpenLoan(manager, [{ householdId, modelCode }])).has(householdModelKey(householdId, modelCode));
  }
}

/** The county's code in a region path `city/county/…`. */
export function countyOf(regionPath: string): string {
  return regionPath.split('/')[1] ?? '';
}

/** Writes schedule version `version` of a loan from its disbursement date to its current maturity. */
export async function writeSchedule(manager: EntityManager, loan: Loan, version: number, from: string, seqOffset = 0): Promise<void> {
  await manager.getRepository(ScheduleEntry).insert(scheduleEntries(loan, version, from, seqOffset));
}

/** The rows of schedule version `version`: the outstanding principal repaid from `from` to the current maturity. */
export function scheduleEntries(
  loan: Pick<Loan, 'id' | 'outstandingPrincipal' | 'rateAnnual' | 'repaymentMethod' | 'currentMaturityDate'>,
  version: number,
  from: string,
  seqOffset = 0,
): Array<Pick<ScheduleEntry, 'loanId' | 'version' | 'seq' | 'dueDate' | 'principalDue' | 'interestDue'>> {
  const rows = generateSchedule({
    principal: loan.outstandingPrincipal,
    rateAnnual: loan.rateAnnual,
    method: loan.repaymentMethod,
    disbursementDate: from as IsoDate,
    maturityDate: loan.currentMaturityDate as IsoDate,
  });
  return rows.map((r) => ({ loanId: loan.id, version, seq: r.seq + seqOffset, dueDate: r.dueDate, principalDue: r.principalDue, interestDue: r.interestDue }));
}
