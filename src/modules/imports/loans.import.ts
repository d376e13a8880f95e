import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { compareDates, type IsoDate } from '../../core/dates';
import { invariant } from '../../core/errors';
import { ageAt } from '../../core/identifiers';
import { Decimal, formatMoney, parseMoney, parseRate } from '../../core/money';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { todayInShanghai } from '../../shared/clock';
import { DomainError } from '../../shared/http/errors';
import { checkCapacity, FUND_RULE_CODES, outstandingByFund } from '../funds';
import { fileGuaranteeApplication } from '../guarantees/guarantee-filing';
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
  type NewLoanRow,
} from '../loans/loan-assessment';
import { drivenHouseholdsOn, drivenKey, householdDateKey, householdModelKey, householdStatusesOn, householdsWithOpenLoan } from '../loans/loan-lookups';
import type { HouseholdStatus } from '../households/household.entity';
import type { HouseholdsService } from '../households/households.service';
import { countyOf } from '../loans/loan-registration.service';
import { toLoanDto } from '../loans/loan.dto';
import { Loan } from '../loans/loan.entity';
import { termMonthsBetween } from '../loans/loan.status';
import type { RuleFailure } from '../models/eligibility';
import type { ModelVersion } from '../models/model-version.entity';
import { recordAuditForEach } from '../audit/audit.service';
import type { ImportJob, ImportSummary } from './import-job';
import {
  breakerKey,
  circuitBreakers,
  fundKey,
  lockFunds,
  lookUpReferences,
  versionInForce,
  type FundRef,
  type LedgerReferences,
} from './loan-ledger.lookups';
import { writeLoans } from './loan-ledger.write';
import { distinct, ProblemLog, refuseRepeats, type CheckedRow, type RowProblem } from './rows';
import { rateKey, referenceRatesInForce } from '../reference-rates/rates-in-force';

/**
 * A bank's loan ledger from a file (SPEC §9, issue 4 item 8). Each row is a loan registration
 * (POST /loans) naming the branch, the borrower and the guarantor by USCC or household number, and
 * goes through the very checks of LoanRegistrationService (loan-assessment.ts): the model version in
 * force on the contract date, the reference rate, every model rule, fund capacity and circuit
 * breakers. Rows are checked in file order as if each earlier row were already registered: fund
 * capacity is cumulative across the file and a household's one loan under a model is taken by its
 * first row. Look-ups are one query per kind for the whole file; all rows are written or none.
 */
export interface LoanLedgerRow extends Omit<NewLoan, 'branchId' | 'householdId' | 'enterpriseId' | 'guarantorId'> {
  branchUscc?: string;
  householdNumber?: string;
  enterpriseUscc?: string;
  guarantorUscc?: string;
}

/** A row whose references resolved and whose dates hold, ready for the model's rules. */
interface Candidate {
  row: number;
  input: NewLoan;
  branchId: string;
  version: ModelVersion;
  borrower: Borrower;
  termMonths: number;
  principal: Decimal;
}

/** The facts gathered for all candidates at once. */
interface FileFacts {
  rates: Map<string, Decimal>;
  householdStatuses: Map<string, HouseholdStatus>;
  driven: Map<string, number>;
  openLoans: Set<string>;
  funds: Map<string, FundRef>;
  fundOutstanding: Map<string, Decimal>;
  breakers: Map<string, RuleFailure[]>;
}

/** Where in the file a registration failure's API field is: the column that names it. */
const COLUMN_OF_FIELD: Record<string, string> = {
  branchId: 'branchUscc',
  householdId: 'householdNumber',
  enterpriseId: 'enterpriseUscc',
  guarantorId: 'guarantorUscc',
  termMonths: 'maturityDate',
};

export async function importLoans(job: ImportJob<LoanLedgerRow>, households: HouseholdsService): Promise<ImportSummary> {
  const { manager, context, rows, problems } = job;
  const bankId = context.user.bankId;
  invariant(bankId, 'only a loan officer, who has a bank, imports a loan ledger', { userId: context.user.id });
  refuseRepeats(rows, (r) => r.value.contractNumber, (first) => ({ column: 'contractNumber', rule: 'DUPLICATE_IN_FILE', message: `the same contract number is on row ${first}` }), problems);
  const refs = await lookUpReferences(manager, {
    bankId,
    institutionId: context.user.institutionId,
    usccs: distinct(rows.flatMap((r) => [r.value.branchUscc, r.value.guarantorUscc])),
    householdNumbers: distinct(rows.map((r) => r.value.householdNumber)),
    enterpriseUsccs: distinct(rows.map((r) => r.value.enterpriseUscc)),
    contractNumbers: distinct(rows.map((r) => r.value.contractNumber)),
    modelCodes: distinct(rows.map((r) => r.value.modelCode)),
  });
  const today = todayInShanghai();
  const candidates = rows.map((row) => resolve(row, bankId, refs, today, problems)).filter((c): c is Candidate => c !== undefined);
  const facts = await gatherFacts(manager, bankId, candidates);
  const judged = new ProblemLog();
  const assessed = assessInFileOrder(candidates, bankId, facts, judged);
  if (!problems.isEmpty || !judged.isEmpty) await refuseTellingWhatWasJudged(job, households, candidates, judged);

  const loanRows = assessed.map((a) => ({ id: randomUUID(), assessed: a, row: newLoanRow(a, context.user.id) }));
  try {
    await writeLoans(manager, loanRows, (loan) => registrationEvent(loan.id, loan.row, loan.assessed));
    await fileGuaranteeApplications(manager, context, loanRows);
    // Each loan's audit entry, as registration writes it: the loan as the API shows it.
    const audited = loanRows.map(({ id, assessed, row }) => ({
      entityId: id,
      after: toLoanDto({ id, ...row, ...assessed.borrower.shownAs }),
      regionPath: row.regionPath,
      institutionId: bankId,
    }));
    await recordAuditForEach(manager, context, { action: 'register', entityType: 'loan' }, audited);
  } catch (error) {
    // A registration through the API took a household's slot while the file was being checked.
    if ((error as { driverError?: { constraint?: string } }).driverError?.constraint === ONE_LOAN_PER_HOUSEHOLD_CONSTRAINT) {
      throw new DomainError('RULE_VIOLATION', 'a household of the file was given a loan under the same model meanwhile; import the file again', [ONE_LOAN_RACE_FAILURE]);
    }
    throw error;
  }
  return { rowsImported: loanRows.length, counts: countByStatus(loanRows.map((l) => l.row)), regionPaths: distinct(loanRows.map((l) => l.row.regionPath)), institutionId: bankId };
}

/**
 * A refused file tells, row by row, how each household borrower was judged at its contract date (age,
 * status, slot) — pass or fail, as registration's refusals do (LoanRegistrationService: recorded as
 * searches). Each household row judged is recorded as a search of that household, up to the searches
 * the user has left this hour; rows past them are refused NOT_JUDGED, their judgement untold. Then
 * every problem is thrown; nothing is written.
 */
async function refuseTellingWhatWasJudged(job: ImportJob<LoanLedgerRow>, households: HouseholdsService, candidates: Candidate[], judged: ProblemLog): Promise<never> {
  const { context, problems } = job;
  const householdRows = candidates.filter((c) => c.input.householdId !== undefined);
  const told = await households.recordJudgedHouseholds(context, householdRows.map((c) => c.input.householdId!));
  const untold = new Set(householdRows.slice(told).map((c) => c.row));
  for (const problem of judged.list()) if (!untold.has(problem.row)) problems.add(problem);
  for (const row of untold) {
    problems.add({ row, column: 'householdNumber', rule: 'NOT_JUDGED', message: 'the borrower was not judged: your searches by ID number for this hour are used up (a refused ledger\'s judged borrowers count as searches)' });
  }
  problems.throwIfAny();
  throw new Error('unreachable: the file had problems');
}

/**
 * SPEC §5: registering a loan under a guarantee model files its guarantee application, as
 * LoanRegistrationService.insertLoan does, by the guarantees module's own filing (one loan at a
 * time: only the file's guaranteed loans, each a few statements and its own audit entry).
 */
async function fileGuaranteeApplications(
  manager: EntityManager,
  context: AuthenticatedContext,
  loans: ReadonlyArray<{ id: string; assessed: AssessedLoan; row: NewLoanRow }>,
): Promise<void> {
  const repository = manager.getRepository(Loan);
  for (const { id, assessed, row } of loans) {
    const rule = assessed.params.guarantee;
    if (!rule.required) continue;
    const { input } = assessed;
    const loan = repository.create({ id, ...row });
    await fileGuaranteeApplication(manager, context, { loan, rule, feeRateAnnual: parseRate(input.guaranteeFeeRate!), requestedDisbursementDate: input.disbursementDate ?? null });
  }
}

/**
 * Turns a row's natural keys into the registration's UUIDs and checks what registration checks
 * before the model's rules: the branch, the contract number, the model version, the dates, the
 * borrower. The candidate when all hold; the row's problems otherwise.
 */
function resolve({ row, value, refused }: CheckedRow<LoanLedgerRow>, bankId: string, refs: LedgerReferences, today: IsoDate, problems: ProblemLog): Candidate | undefined {
  let broken = refused.size > 0;
  const add = (column: string, rule: string, message: string) => {
    problems.add({ row, column, rule, message });
    broken = true;
  };
  const branch = value.branchUscc === undefined ? refs.ownInstitution : refs.institutionsByUscc.get(value.branchUscc);
  const ofThisBank = branch && ((branch.type === 'bank_branch' && branch.parentId === bankId) || (branch.type === 'bank' && branch.id === bankId));
  if (!ofThisBank) add('branchUscc', 'BRANCH_OF_YOUR_BANK', 'the branch is not one of your bank');
  if (value.contractNumber !== undefined && refs.registeredContracts.has(value.contractNumber)) {
    add('contractNumber', 'UNIQUE_PER_BANK', `contract ${value.contractNumber} is already registered by this bank`);
  }
  let guarantorId: string | undefined;
  if (value.guarantorUscc !== undefined) {
    const guarantor = refs.institutionsByUscc.get(value.guarantorUscc);
    if (guarantor?.type !== 'guarantee_company') add('guarantorUscc', 'GUARANTOR_EXISTS', 'no government guarantee company has this unified social credit code');
    guarantorId = guarantor?.id;
  }
  const version = value.modelCode && value.contractDate ? versionInForce(refs.versionsByModel.get(value.modelCode), value.contractDate) : undefined;
  if (value.modelCode && value.contractDate && !version) add('modelCode', 'MODEL_VERSION_IN_FORCE', `no version of ${value.modelCode} is in force on ${value.contractDate}`);
  const borrower = resolveBorrower(value, refs, add);
  // The dates are checked whenever they were read, with the row's other problems (SPEC §9: every
  // error at once), not only once the rest of the row is right.
  const datesRead = version && value.contractDate && value.maturityDate && !DATE_COLUMNS.some((c) => refused.has(c));
  const dates = datesRead ? dateFailures(value as NewLoan, version.parameters, today) : [];
  for (const failure of dates) addFailure(problems, row, value as NewLoan, failure);
  if (broken || dates.length > 0 || !version || !borrower || !branch) return undefined;
  // Every field the row schema requires is present: Joi refused none of this row's fields.
  const { branchUscc: _branch, householdNumber: _household, enterpriseUscc: _enterprise, guarantorUscc: _guarantor, ...fields } = value as LoanLedgerRow;
  const input: NewLoan = { ...fields, branchId: branch.id, householdId: borrower.householdId, enterpriseId: borrower.enterpriseId, guarantorId };
  const termMonths = termMonthsBetween((input.disbursementDate ?? input.contractDate) as IsoDate, input.maturityDate as IsoDate);
  return { row, input, branchId: branch.id, version, borrower: borrower.borrower, termMonths, principal: parseMoney(input.principal) };
}

/** The borrower's facts on the contract date, as LoanRegistrationService.loadBorrower gathers them (household statuses and driven households come later, for all rows at once). */
function resolveBorrower(
  value: Partial<LoanLedgerRow>,
  refs: LedgerReferences,
  add: (column: string, rule: string, message: string) => void,
): { borrower: Borrower; householdId?: string; enterpriseId?: string } | undefined {
  if (value.borrowerKind === 'household' && value.householdNumber !== undefined) {
    const household = refs.householdsByNumber.get(value.householdNumber);
    if (!household) return void add('householdNumber', 'HOUSEHOLD_EXISTS', 'the household is not in the register');
    if (!value.contractDate) return undefined;
    const contractDate = value.contractDate as IsoDate;
    const birthDate = household.birthDate as IsoDate;
    const age = compareDates(birthDate, contractDate) <= 0 ? ageAt(birthDate, contractDate) : 0;
    // The status as of the contract date comes later, for all rows at once (gatherFacts).
    const borrower = {
      regionPath: household.regionPath,
      countyCode: countyOf(household.regionPath),
      facts: { borrowerAgeYears: age },
      shownAs: { household: { headName: household.headName, idNumberMasked: household.idNumberMasked } },
    };
    return { borrower, householdId: household.id };
  }
  if (value.borrowerKind === 'enterprise' && value.enterpriseUscc !== undefined) {
    const enterprise = refs.enterprisesByUscc.get(value.enterpriseUscc);
    if (!enterprise) return void add('enterpriseUscc', 'ENTERPRISE_EXISTS', 'the enterprise is not in the register');
    const borrower = {
      regionPath: enterprise.regionPath,
      countyCode: countyOf(enterprise.regionPath),
      facts: { enterpriseKind: enterprise.kind },
      shownAs: { enterprise: { name: enterprise.name, uscc: enterprise.uscc } },
    };
    return { borrower, enterpriseId: enterprise.id };
  }
  return undefined;
}

/** Reference rates, household statuses, driven households, open loans, funds and breakers: each one look-up for every candidate. */
async function gatherFacts(manager: EntityManager, bankId: string, candidates: Candidate[]): Promise<FileFacts> {
  const rates = await referenceRatesInForce(manager, candidates.map((c) => ({ date: c.input.contractDate, termMonths: c.termMonths })));
  const households = candidates.filter((c) => c.input.householdId !== undefined);
  const householdStatuses = await householdStatusesOn(manager, households.map((c) => ({ householdId: c.input.householdId!, date: c.input.contractDate })));
  const enterprises = candidates.filter((c) => c.input.enterpriseId !== undefined);
  const driven = await drivenHouseholdsOn(manager, enterprises.map((c) => ({ enterpriseId: c.input.enterpriseId!, date: c.input.contractDate })));
  const slotted = candidates.filter((c) => holdsHouseholdSlot(c.version.parameters, c.input));
  const openLoans = await householdsWithOpenLoan(manager, slotted.map((c) => ({ householdId: c.input.householdId!, modelCode: c.input.modelCode })));
  const funded = candidates.filter((c) => c.version.parameters.capacity.source === 'risk_fund');
  const funds = await lockFunds(manager, bankId, funded.map((c) => ({ countyCode: c.borrower.countyCode, modelCode: c.input.modelCode })));
  const fundOutstanding = await outstandingByFund(manager, [...funds.values()].map((f) => f.id));
  const guarded = candidates.filter((c) => c.version.parameters.circuitBreaker !== undefined);
  const breakers = await circuitBreakers(
    manager,
    guarded.map((c) => ({ modelCode: c.input.modelCode, regionPath: c.borrower.regionPath, thresholds: c.version.parameters.circuitBreaker! })),
  );
  return { rates, householdStatuses, driven, openLoans, funds, fundOutstanding, breakers };
}

/**
 * Every model rule for every candidate, in file order, with what the earlier rows of the file take:
 * a household's one loan under a model, and fund capacity. A row counts against the fund and takes
 * the household's slot even when it breaks another rule, because the file as a whole asks for them.
 */
function assessInFileOrder(candidates: Candidate[], bankId: string, facts: FileFacts, problems: ProblemLog): AssessedLoan[] {
  const slotHolders = new Map<string, number>();
  const usedInFile = new Map<string, { principal: Decimal; rows: number }>();
  const assessed: AssessedLoan[] = [];
  for (const c of candidates) {
    const { input, version, borrower } = c;
    const params = version.parameters;
    const referenceRate = facts.rates.get(rateKey(input.contractDate, c.termMonths));
    if (!referenceRate) {
      addFailure(problems, c.row, input, { code: 'REFERENCE_RATE_IN_FORCE', field: 'contractDate', message: `no reference rate is in force on or before ${input.contractDate}` });
      continue;
    }
    if (input.householdId !== undefined) {
      const status = facts.householdStatuses.get(householdDateKey(input.householdId, input.contractDate));
      if (status) borrower.facts.householdStatus = status;
    }
    if (input.enterpriseId !== undefined) borrower.facts.drivenHouseholds = facts.driven.get(drivenKey(input.enterpriseId, input.contractDate)) ?? 0;
    const slot = holdsHouseholdSlot(params, input) ? householdModelKey(input.householdId!, input.modelCode) : undefined;
    const earlierRow = slot === undefined ? undefined : slotHolders.get(slot);
    if (slot !== undefined && earlierRow === undefined) slotHolders.set(slot, c.row);
    const loanFactsOfRow = loanFacts({
      input,
      borrower,
      principal: c.principal,
      termMonths: c.termMonths,
      referenceRate,
      householdHasOpenLoanUnderModel: slot !== undefined && (facts.openLoans.has(slot) || earlierRow !== undefined),
    });
    const failures = modelRuleFailures(params, input, loanFactsOfRow).map((f) =>
      f.code === ONE_LOAN_RACE_FAILURE.code && earlierRow !== undefined && !facts.openLoans.has(slot!)
        ? { ...f, message: `row ${earlierRow} of this file already gives the household its one loan under this model` }
        : f,
    );
    let riskFundId: string | null = null;
    if (params.capacity.source === 'risk_fund') {
      const capacity = fundCapacityFailure(c, facts, usedInFile);
      riskFundId = capacity.fundId;
      if (capacity.failure) failures.push(capacity.failure);
    }
    if (params.circuitBreaker) failures.push(...facts.breakers.get(breakerKey(input.modelCode, borrower.regionPath, params.circuitBreaker))!);
    for (const failure of failures) addFailure(problems, c.row, input, failure);
    if (failures.length > 0) continue;
    assessed.push({ input, bankId, branchId: c.branchId, version, params, borrower, facts: loanFactsOfRow, riskFundId, termMonths: c.termMonths, principal: c.principal, referenceRate });
  }
  return assessed;
}

/** SPEC §5 capacity, as checkFundCapacity decides it, with the principal of the file's earlier rows under the same fund counted as outstanding. */
function fundCapacityFailure(
  c: Candidate,
  facts: FileFacts,
  usedInFile: Map<string, { principal: Decimal; rows: number }>,
): { fundId: string | null; failure?: RuleFailure } {
  const { countyCode } = c.borrower;
  const fund = facts.funds.get(fundKey(countyCode, c.input.modelCode));
  if (!fund) {
    const message = `no risk-compensation fund of county ${countyCode} at this bank backs the model ${c.input.modelCode}`;
    return { fundId: null, failure: { code: FUND_RULE_CODES.noFund, field: 'modelCode', message } };
  }
  const used = usedInFile.get(fund.id) ?? { principal: new Decimal(0), rows: 0 };
  const outstanding = facts.fundOutstanding.get(fund.id)!.plus(used.principal);
  const failure = checkCapacity({ balance: fund.balance, multiple: fund.multiple, outstanding, principal: c.principal });
  usedInFile.set(fund.id, { principal: used.principal.plus(c.principal), rows: used.rows + 1 });
  if (!failure) return { fundId: fund.id };
  const earlier = used.rows === 0 ? '' : `; the outstanding principal includes ${formatMoney(used.principal)} of ${used.rows} earlier row(s) of this file under the same fund`;
  return { fundId: fund.id, failure: { ...failure, message: failure.message + earlier } };
}

/** A registration failure reported at the file's column for its field, with the limit it broke. */
const DATE_COLUMNS = ['contractDate', 'disbursementDate', 'maturityDate'] as const;

function addFailure(problems: ProblemLog, row: number, input: NewLoan, failure: RuleFailure): void {
  const borrowerColumn = input.borrowerKind === 'enterprise' ? 'enterpriseUscc' : 'householdNumber';
  const column = failure.field === 'regionPath' ? borrowerColumn : (COLUMN_OF_FIELD[failure.field] ?? failure.field);
  const problem: RowProblem & Pick<RuleFailure, 'limit' | 'actual'> = { row, column, rule: failure.code, message: failure.message };
  if (failure.limit !== undefined) problem.limit = failure.limit;
  if (failure.actual !== undefined) problem.actual = failure.actual;
  problems.add(problem);
}

function countByStatus(rows: NewLoanRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) counts[row.status] = (counts[row.status] ?? 0) + 1;
  return counts;
}
