import crypto from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { compareDates, type IsoDate } from '../../core/dates';
import { ageAt } from '../../core/identifiers';
import { parseMoney, parseRate, type Decimal } from '../../core/money';
import { generateSchedule } from '../../core/schedules';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { todayInShanghai } from '../../shared/clock';
import { named } from '../../shared/db/prepared';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError } from '../../shared/http/errors';
import { auditInsert, type SqlPart } from '../audit/audit.service';
import { Enterprise } from '../enterprises/enterprise.entity';
import { recordJudgedRefusal } from '../households/id-number-searches';
import { fileGuaranteeApplication } from '../guarantees/guarantee-filing';
import { checkCircuitBreakers, checkFundCapacity, checkFundCapacityAndBreakers } from '../funds';
import { claimIdempotencyKeyWith, hashRequest, storeIdempotentResponse } from '../idempotency/idempotency';
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
import { drivenHouseholdsOn, drivenKey, registrationLookups, toRegistrationLookups, type RegistrationLookups } from './loan-lookups';
import { eventInsert, loanInsert, scheduleInsert } from './loan-registration.writes';
import { toLoanDto, type LoanDto } from './loan.dto';
import { Loan } from './loan.entity';
import { termMonthsBetween } from './loan.status';
import { ScheduleEntry } from './schedule-entry.entity';

export type { NewLoan } from './loan-assessment';

/** A loan written and assessed, with the writes that complete its registration in the last statement. */
interface RegisteredLoan {
  body: LoanDto;
  regionPath: string;
  writes: Array<(firstParam: number) => SqlPart>;
  /** The prepared statement's name for this set of writes (a fixed SQL text per name). */
  writesName: string;
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
    /** ID_SEARCHES_PER_HOUR: a refusal that judged a household borrower counts as a search (recordJudgedRefusal). */
    private readonly idSearchesPerHour = 60,
  ) {}

  async register(context: AuthenticatedContext, input: NewLoan, idempotencyKey: string): Promise<{ status: number; body: LoanDto }> {
    const bankId = context.user.bankId!;
    const scope = `loans:${bankId}`;
    try {
      return await inTransaction(this.dataSource, async (manager) => {
        // The key is claimed by the same statement that reads what the checks need.
        const lookups = registrationLookups(lookupArgs(context, bankId, input));
        const claimed = await claimIdempotencyKeyWith(manager, scope, idempotencyKey, hashRequest(input), { name: 'loan-registration-claim', ...lookups });
        if (claimed.outcome.replay) return { status: claimed.outcome.status, body: claimed.outcome.body as LoanDto };
        const found = toRegistrationLookups(claimed.row);
        const { body, regionPath, writes, writesName } = await this.createLoan(manager, context, bankId, input, found);
        // The schedule, the event, the audit entry and the answer to replay, written by one statement.
        const audit = { action: 'register', entityType: 'loan', entityId: body.id, after: body, regionPath, institutionId: bankId };
        await storeIdempotentResponse(manager, scope, idempotencyKey, 201, body, {
          name: writesName,
          parts: [...writes, (first) => auditInsert(context, audit, first)],
        });
        return { status: 201, body };
      });
    } catch (error) {
      if ((error as { driverError?: { constraint?: string } }).driverError?.constraint === ONE_LOAN_PER_HOUSEHOLD_CONSTRAINT) {
        throw new DomainError('RULE_VIOLATION', 'the loan breaks the rules of its financing model', [ONE_LOAN_RACE_FAILURE]);
      }
      // Anything refused once the household borrower was judged tells how it was judged (a later check's
      // refusal, e.g. the guarantor's, says it passed): recorded as a search of it.
      const judged = (error as { judgedHouseholdId?: string }).judgedHouseholdId;
      if (judged !== undefined) await recordJudgedRefusal(this.dataSource, this.idSearchesPerHour, context.user.id, [judged]);
      throw error;
    }
  }

  private async createLoan(manager: EntityManager, context: AuthenticatedContext, bankId: string, input: NewLoan, found: RegistrationLookups): Promise<RegisteredLoan> {
    let judged: string | undefined;
    try {
      return await this.assessAndInsert(manager, context, bankId, input, found, (householdId) => (judged = householdId));
    } catch (error) {
      if (judged !== undefined && error !== null && typeof error === 'object') Object.assign(error, { judgedHouseholdId: judged });
      throw error;
    }
  }

  private async assessAndInsert(
    manager: EntityManager,
    context: AuthenticatedContext,
    bankId: string,
    input: NewLoan,
    found: RegistrationLookups,
    judging: (householdId: string) => void,
  ): Promise<RegisteredLoan> {
    const contractDate = input.contractDate as IsoDate;
    const termMonths = termMonthsOf(input);
    // The checks in the order they always ran, each on its part of the one look-up.
    const branch = found.branch;
    const ofThisBank = branch && ((branch.type === 'bank_branch' && branch.parentId === bankId) || (branch.type === 'bank' && branch.id === bankId));
    if (!ofThisBank) {
      throw new DomainError('RULE_VIOLATION', 'the branch is not one of your bank', [{ field: 'branchId', rule: 'BRANCH_OF_YOUR_BANK', message: 'a branch of your own bank' }]);
    }
    if (found.duplicateContract) {
      throw new DomainError('DUPLICATE', `contract ${input.contractNumber} is already registered by this bank`, [{ field: 'contractNumber', rule: 'UNIQUE_PER_BANK' }]);
    }
    const version = found.version;
    if (!version) {
      throw new DomainError('RULE_VIOLATION', 'no version of this financing model is in force on the contract date', [
        { field: 'modelCode', rule: 'MODEL_VERSION_IN_FORCE', message: `${input.modelCode} on ${contractDate}` },
      ]);
    }
    const params = version.parameters;
    // Date failures are listed with the model's rules (SPEC §4: every failed rule), unless the term
    // itself is undefined or no reference rate applies: the rules are checked on those.
    const dateProblems = dateFailures(input, params, todayInShanghai());
    if (termMonths === null) throw new DomainError('RULE_VIOLATION', 'the loan dates are inconsistent', dateProblems);
    // A contract not signed yet is not checked against its borrower: the rules' answers at dates of the
    // caller's choosing would tell the birth date the register masks (the age rule), as the ledger
    // import checks no row with a date failure.
    if (dateProblems.some((p) => p.field === 'contractDate')) throw new DomainError('RULE_VIOLATION', 'the loan dates are inconsistent', dateProblems);
    const referenceRate = found.referenceRate;
    if (!referenceRate) {
      throw new DomainError('RULE_VIOLATION', 'no reference rate is in force on the contract date', [
        ...dateProblems,
        { field: 'contractDate', rule: 'REFERENCE_RATE_IN_FORCE', message: `no rate on or before ${contractDate}` },
      ]);
    }
    const borrower = await this.loadBorrower(manager, input, contractDate, found.household);
    if (input.borrowerKind === 'household') judging(input.householdId!);
    const principal = parseMoney(input.principal);
    const facts = loanFacts({
      input,
      borrower,
      principal,
      termMonths,
      referenceRate,
      householdHasOpenLoanUnderModel: holdsHouseholdSlot(params, input) ? found.householdHasOpenLoan : false,
    });
    const ruleFailures = [...dateProblems, ...modelRuleFailures(params, input, facts)];
    // Capacity (under the fund's lock) and the circuit breakers; under a risk-fund model with breakers
    // the breakers' sums ride on the locking statement. Failures are listed capacity first.
    const capacityArgs = { countyCode: borrower.countyCode, bankId, modelCode: input.modelCode, principal };
    const breakerArgs = params.circuitBreaker ? { modelCode: input.modelCode, regionPath: borrower.regionPath, thresholds: params.circuitBreaker } : null;
    let riskFundId: string | null = null;
    if (params.capacity.source === 'risk_fund' && breakerArgs) {
      const checked = await checkFundCapacityAndBreakers(manager, capacityArgs, breakerArgs);
      riskFundId = checked.fundId;
      ruleFailures.push(...checked.capacityFailures, ...checked.breakerFailures);
    } else if (params.capacity.source === 'risk_fund') {
      const capacity = await checkFundCapacity(manager, capacityArgs);
      riskFundId = capacity.fundId;
      ruleFailures.push(...capacity.failures);
    } else if (breakerArgs) {
      ruleFailures.push(...(await checkCircuitBreakers(manager, breakerArgs)));
    }
    if (ruleFailures.length > 0) throw new DomainError('RULE_VIOLATION', 'the loan breaks the rules of its financing model', ruleFailures);
    return this.insertLoan(manager, context, { input, bankId, branchId: branch.id, version, params, borrower, facts, riskFundId, termMonths, principal, referenceRate });
  }

  /**
   * Writes the loan, its schedule, its history and (under a guarantee model) its guarantee
   * application, and answers with its DTO. The DTO is made from the row just written and the
   * borrower already read, rather than by reading the loan back with its relations: the database
   * adds nothing to a new loan that the DTO shows, and identifiers are given in their canonical form.
   */
  private async insertLoan(manager: EntityManager, context: AuthenticatedContext, assessed: AssessedLoan): Promise<RegisteredLoan> {
    const row = newLoanRow(assessed, context.user.id);
    // The id is made here (a v4 uuid, as the column default would), so that the loan, its schedule
    // and its event can be written by one statement, together with the idempotent answer (register()).
    const loan = Object.assign(manager.getRepository(Loan).create(row), { id: crypto.randomUUID() });
    const metadata = manager.connection.getMetadata(Loan);
    const schedule = loan.disbursementDate ? scheduleEntries(loan, 1, loan.disbursementDate) : [];
    const event = registrationEvent(loan.id, row, assessed);
    const guaranteed = assessed.params.guarantee.required;
    const writes = [(first: number) => scheduleInsert(loan.id, schedule, first), (first: number) => eventInsert(event, first)];
    if (guaranteed) {
      // The guarantee application refers to the loan, so the loan is written first, on its own.
      const { sql, params } = loanInsert(metadata, loan.id, row, 1);
      await manager.query(named('loan-insert', sql), params);
    } else {
      writes.unshift((first: number) => loanInsert(metadata, loan.id, row, first));
    }
    // SPEC §5: registering a loan under a guarantee model files its guarantee application (issue 5).
    if (guaranteed) {
      const { input } = assessed;
      await fileGuaranteeApplication(manager, context, { loan, rule: assessed.params.guarantee, feeRateAnnual: parseRate(input.guaranteeFeeRate!), requestedDisbursementDate: input.disbursementDate ?? null });
    }
    const body = toLoanDto({
      ...loan,
      householdId: canonicalUuid(loan.householdId),
      enterpriseId: canonicalUuid(loan.enterpriseId),
      guarantorId: canonicalUuid(loan.guarantorId),
      ...assessed.borrower.shownAs,
    });
    return { body, regionPath: loan.regionPath, writes, writesName: guaranteed ? 'loan-registration-writes-guaranteed' : 'loan-registration-writes' };
  }

  /** The borrower's facts for eligibility, as of the contract date; a household comes from the registration look-up. */
  private async loadBorrower(manager: EntityManager, input: NewLoan, contractDate: IsoDate, household: RegistrationLookups['household']): Promise<Borrower> {
    if (input.borrowerKind === 'household') {
      if (!household) throw new DomainError('REFERENCE_NOT_FOUND', 'the household is not in the register', [{ field: 'householdId', rule: 'HOUSEHOLD_EXISTS' }]);
      const age = compareDates(household.birthDate as IsoDate, contractDate) <= 0 ? ageAt(household.birthDate as IsoDate, contractDate) : 0;
      return {
        regionPath: household.regionPath,
        countyCode: countyOf(household.regionPath),
        facts: { ...(household.status ? { householdStatus: household.status } : {}), borrowerAgeYears: age },
        shownAs: { household: { headName: household.headName, idNumberMasked: household.idNumberMasked } },
      };
    }
    const enterprise = input.enterpriseId ? await manager.getRepository(Enterprise).findOneBy({ id: input.enterpriseId }) : null;
    if (!enterprise) throw new DomainError('REFERENCE_NOT_FOUND', 'the enterprise is not in the register', [{ field: 'enterpriseId', rule: 'ENTERPRISE_EXISTS' }]);
    const region = await manager.getRepository(Region).findOneByOrFail({ code: enterprise.regionCode });
    const driven = (await drivenHouseholdsOn(manager, [{ enterpriseId: enterprise.id, date: contractDate }])).get(drivenKey(enterprise.id, contractDate)) ?? 0;
    return {
      regionPath: region.path,
      countyCode: countyOf(region.path),
      facts: { enterpriseKind: enterprise.kind, drivenHouseholds: driven },
      shownAs: { enterprise: { name: enterprise.name, uscc: enterprise.uscc } },
    };
  }
}

/** The loan's term, or null when it matures on or before its start (dateFailures says how). */
function termMonthsOf(input: NewLoan): number | null {
  const start = (input.disbursementDate ?? input.contractDate) as IsoDate;
  return compareDates(input.maturityDate as IsoDate, start) > 0 ? termMonthsBetween(start, input.maturityDate as IsoDate) : null;
}

function lookupArgs(context: AuthenticatedContext, bankId: string, input: NewLoan): Parameters<typeof registrationLookups>[0] {
  return {
    bankId,
    branchId: input.branchId ?? context.user.institutionId!,
    contractNumber: input.contractNumber,
    modelCode: input.modelCode,
    contractDate: input.contractDate,
    termMonths: termMonthsOf(input),
    householdId: input.borrowerKind === 'household' ? (input.householdId ?? null) : null,
  };
}

/**
 * A uuid as PostgreSQL prints it (lower case, hyphenated), from any form the API's uuid schema
 * accepts (upper case, braces, no hyphens): what reading the loan back would have shown.
 */
function canonicalUuid(id: string | null): string | null {
  if (id === null) return null;
  const hex = id.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The county's code in a region path `city/county/…`. */
export function countyOf(regionPath: string): string {
  return regionPath.split('/')[1] ?? '';
}

/** An extension's plan: the principal the kept instalments leave, after the last of them (generateSchedule's replanAfter). */
export interface Replan {
  after: string;
  principal: Decimal;
  /** The kept instalments' count: the planned rows are numbered after them. */
  seqOffset: number;
}

/** Writes schedule version `version` of a loan from its disbursement date (or after kept instalments) to its current maturity. */
export async function writeSchedule(manager: EntityManager, loan: Loan, version: number, disbursementDate: string, replan?: Replan): Promise<void> {
  await manager.getRepository(ScheduleEntry).insert(scheduleEntries(loan, version, disbursementDate, replan));
}

/**
 * The rows of schedule version `version`: the principal repaid from the disbursement to the current
 * maturity, or with `replan` the principal the kept instalments leave, after the last of them.
 */
export function scheduleEntries(
  loan: Pick<Loan, 'id' | 'principal' | 'rateAnnual' | 'repaymentMethod' | 'currentMaturityDate'>,
  version: number,
  disbursementDate: string,
  replan?: Replan,
): Array<Pick<ScheduleEntry, 'loanId' | 'version' | 'seq' | 'dueDate' | 'principalDue' | 'interestDue'>> {
  const rows = generateSchedule({
    principal: replan?.principal ?? loan.principal,
    rateAnnual: loan.rateAnnual,
    method: loan.repaymentMethod,
    disbursementDate: disbursementDate as IsoDate,
    maturityDate: loan.currentMaturityDate as IsoDate,
    ...(replan ? { replanAfter: replan.after as IsoDate } : {}),
  });
  const seqOffset = replan?.seqOffset ?? 0;
  return rows.map((r) => ({ loanId: loan.id, version, seq: r.seq + seqOffset, dueDate: r.dueDate, principalDue: r.principalDue, interestDue: r.interestDue }));
}
