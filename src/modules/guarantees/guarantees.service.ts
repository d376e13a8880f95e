import type { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import { CoreInputError } from '../../core/errors';
import { compareDates, type IsoDate } from '../../core/dates';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { applyScope, scopeOf } from '../../shared/auth/scope';
import { todayInShanghai } from '../../shared/clock';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError, notFound } from '../../shared/http/errors';
import type { Page, PageOf } from '../../shared/http/schemas';
import { recordAudit } from '../audit/audit.service';
import { Institution } from '../institutions/institution.entity';
import { toLoanDto } from '../loans/loan.dto';
import { Loan, type LoanStatus } from '../loans/loan.entity';
import { LoanEvent } from '../loans/loan-event.entity';
import { writeSchedule } from '../loans/loan-registration.service';
import { withBorrower } from '../loans/loan-servicing.service';
import { canTransition } from '../loans/loan.status';
import { LOAN_SCOPE } from '../loans/loans-query.service';
import { toGuaranteeDto, type GuaranteeDto } from './guarantee.dto';
import { Guarantee } from './guarantee.entity';
import { limitsOf, outstandingGuaranteed } from './guarantee-exposure';
import { checkGuarantorLimits, GUARANTEE_RULE_CODES, IN_FORCE_LOAN_STATUSES, letterNumberFor, type GuaranteeState } from './guarantee.rules';

export interface GuaranteeFilter extends Page {
  status?: GuaranteeState;
  guarantorId?: string;
  loanId?: string;
  bankId?: string;
}

/** The stored status and loan statuses behind each state a caller can filter on. */
const STATE_CONDITIONS: Record<GuaranteeState, string> = {
  pending: `g.status = 'pending'`,
  rejected: `g.status = 'rejected'`,
  approved: `g.status = 'approved' AND l.status IN (${IN_FORCE_LOAN_STATUSES.map((s) => `'${s}'`).join(', ')})`,
  released: `g.status = 'approved' AND l.status IN ('settled', 'cancelled')`,
  compensated: `g.status = 'approved' AND l.status = 'compensated'`,
  written_off: `g.status = 'approved' AND l.status = 'written_off'`,
};

/**
 * Guarantee applications and guarantees (SPEC §5, issue 5 items 1–3). Banks see their loans'
 * guarantees, finance staff those of their region; a finance officer who did not file an application,
 * and did not act on its loan, approves or rejects it (maker-checker). Approval locks the guarantor's
 * row first, so concurrent approvals against one guarantor are checked against its limits one at a time.
 */
export class GuaranteesService {
  constructor(private readonly dataSource: DataSource) {}

  async list(context: AuthenticatedContext, filter: GuaranteeFilter): Promise<PageOf<GuaranteeDto>> {
    const query = this.scopedQuery(this.dataSource.manager, context);
    if (filter.status) query.andWhere(STATE_CONDITIONS[filter.status]);
    if (filter.guarantorId) query.andWhere('g.guarantor_id = :guarantorId', { guarantorId: filter.guarantorId });
    if (filter.loanId) query.andWhere('g.loan_id = :loanId', { loanId: filter.loanId });
    if (filter.bankId) query.andWhere('l.bank_id = :bankId', { bankId: filter.bankId });
    const [rows, total] = await query.orderBy('g.filed_at', 'DESC').addOrderBy('g.id').take(filter.limit).skip(filter.offset).getManyAndCount();
    return { items: rows.map(toGuaranteeDto), total, limit: filter.limit, offset: filter.offset };
  }

  async get(context: AuthenticatedContext, id: string): Promise<GuaranteeDto> {
    return toGuaranteeDto(await this.findScoped(this.dataSource.manager, context, id));
  }

  /** Loads a guarantee the caller may see, with its loan, borrower and guarantor; 404 otherwise (SPEC §9). */
  async findScoped(manager: EntityManager, context: AuthenticatedContext, id: string): Promise<Guarantee> {
    const guarantee = await this.scopedQuery(manager, context).andWhere('g.id = :id', { id }).getOne();
    if (!guarantee) throw notFound('guarantee');
    return guarantee;
  }

  async approve(context: AuthenticatedContext, id: string): Promise<GuaranteeDto> {
    return inTransaction(this.dataSource, async (manager) => {
      const { guarantorId } = await this.findScoped(manager, context, id);
      // Lock order: guarantor, guarantee, loan. Every approval against this guarantor waits here.
      const guarantor = await manager.getRepository(Institution).findOneOrFail({ where: { id: guarantorId }, lock: { mode: 'pessimistic_write' } });
      const { guarantee, loan } = await this.lockPending(manager, context, id);
      const limits = limitsOf(guarantor);
      const sums = await outstandingGuaranteed(manager, guarantorId, { householdId: loan.householdId, enterpriseId: loan.enterpriseId });
      const failures = checkGuarantorLimits({ ...limits, ...sums, amount: guarantee.guaranteedAmount });
      if (failures.length > 0) throw new DomainError('RULE_VIOLATION', "approving would break the guarantor's limits (SPEC §5)", failures);

      const today = todayInShanghai();
      guarantee.status = 'approved';
      guarantee.letterNumber = letterNumberFor(guarantee.id, today);
      await this.decide(manager, context, guarantee, today, null);
      // SPEC §5 "approval activates the loan": disbursed on the date given at registration once it has
      // come; a loan registered without one (or with a later one) waits, registered, for its disbursement.
      const disburseOn = guarantee.requestedDisbursementDate && compareDates(guarantee.requestedDisbursementDate as IsoDate, today) <= 0 ? guarantee.requestedDisbursementDate : null;
      await this.moveLoan(manager, context, loan, disburseOn ? 'active' : 'registered', today, 'guarantee_approved', {
        guaranteeId: guarantee.id,
        letterNumber: guarantee.letterNumber,
        disbursementDate: disburseOn,
      }, disburseOn);
      return toGuaranteeDto(await this.findScoped(manager, context, id));
    });
  }

  /** A rejected application leaves the loan cancelled (issue 5 item 1). */
  async reject(context: AuthenticatedContext, id: string, reason: string): Promise<GuaranteeDto> {
    return inTransaction(this.dataSource, async (manager) => {
      await this.findScoped(manager, context, id);
      const { guarantee, loan } = await this.lockPending(manager, context, id);
      const today = todayInShanghai();
      guarantee.status = 'rejected';
      await this.decide(manager, context, guarantee, today, reason);
      await this.moveLoan(manager, context, loan, 'cancelled', today, 'guarantee_rejected', { guaranteeId: guarantee.id, reason }, null);
      return toGuaranteeDto(await this.findScoped(manager, context, id));
    });
  }

  /** Locks the application and its loan, and checks that both still wait and that the caller may decide. */
  private async lockPending(manager: EntityManager, context: AuthenticatedContext, id: string): Promise<{ guarantee: Guarantee; loan: Loan }> {
    const guarantee = await manager.getRepository(Guarantee).findOneOrFail({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (guarantee.status !== 'pending') {
      throw new DomainError('INVALID_STATE', `the guarantee application was already ${guarantee.status} on ${guarantee.decidedOn}`, [
        { code: 'ALREADY_DECIDED', field: 'id', message: `status ${guarantee.status}`, actual: guarantee.status },
      ]);
    }
    const loan = await manager.getRepository(Loan).findOneOrFail({ where: { id: guarantee.loanId }, lock: { mode: 'pessimistic_write' } });
    if (loan.status !== 'pending_guarantee') throw new DomainError('INVALID_STATE', `the loan is ${loan.status}, not waiting for its guarantee`);
    await assertMakerChecker(manager, context, guarantee, loan);
    return { guarantee, loan: await withBorrower(manager, loan) };
  }

  private async decide(manager: EntityManager, context: AuthenticatedContext, guarantee: Guarantee, today: string, reason: string | null): Promise<void> {
    guarantee.decidedBy = context.user.id;
    guarantee.decidedAt = new Date();
    guarantee.decidedOn = today;
    guarantee.decisionReason = reason;
    guarantee.updatedAt = new Date();
    await manager.getRepository(Guarantee).save(guarantee);
    const loan = await manager.getRepository(Loan).findOneByOrFail({ id: guarantee.loanId });
    await recordAudit(manager, context, {
      action: guarantee.status === 'approved' ? 'approve' : 'reject',
      entityType: 'guarantee',
      entityId: guarantee.id,
      before: { status: 'pending' },
      after: { status: guarantee.status, letterNumber: guarantee.letterNumber, decidedOn: today, reason },
      regionPath: loan.regionPath,
      institutionId: loan.bankId,
    });
  }

  private async moveLoan(manager: EntityManager, context: AuthenticatedContext, loan: Loan, to: LoanStatus, on: string, kind: string, details: Record<string, unknown>, disburseOn: string | null): Promise<void> {
    if (!canTransition(loan.status, to)) throw new DomainError('INVALID_STATE', `a ${loan.status} loan cannot become ${to}`);
    const before = toLoanDto(loan);
    await manager.getRepository(LoanEvent).insert(<never>{ loanId: loan.id, kind, effectiveDate: on, fromStatus: loan.status, toStatus: to, details, createdBy: context.user.id });
    loan.status = to;
    loan.disbursementDate = disburseOn ?? loan.disbursementDate;
    loan.updatedAt = new Date();
    await manager.getRepository(Loan).save(loan);
    if (disburseOn) await scheduleOrRefuse(manager, loan, disburseOn);
    await recordAudit(manager, context, { action: kind, entityType: 'loan', entityId: loan.id, before, after: toLoanDto(loan), regionPath: loan.regionPath, institutionId: loan.bankId });
  }

  private scopedQuery(manager: EntityManager, context: AuthenticatedContext): SelectQueryBuilder<Guarantee> {
    const query = manager
      .getRepository(Guarantee)
      .createQueryBuilder('g')
      .innerJoinAndSelect('g.loan', 'l')
      .leftJoinAndSelect('l.household', 'household')
      .leftJoinAndSelect('l.enterprise', 'enterprise')
      .innerJoinAndSelect('g.guarantor', 'guarantor');
    return applyScope(query, scopeOf(context.user), LOAN_SCOPE);
  }
}

/**
 * Maker-checker (SPEC §5): whoever decides must not be the filer, nor anyone who registered or
 * otherwise acted on the loan (every loan event names its actor).
 */
async function assertMakerChecker(manager: EntityManager, context: AuthenticatedContext, guarantee: Guarantee, loan: Loan): Promise<void> {
  const me = context.user.id;
  const [actedOnLoan] = await manager.query(`SELECT 1 FROM loan_events WHERE loan_id = $1 AND created_by = $2 LIMIT 1`, [loan.id, me]);
  if (guarantee.filedBy === me || loan.createdBy === me || actedOnLoan) {
    throw new DomainError('RULE_VIOLATION', 'you filed or acted on this application; another finance officer must decide it', [
      { code: GUARANTEE_RULE_CODES.makerChecker, field: 'id', message: 'the approver must differ from the filer and from everyone who acted on the loan' },
    ]);
  }
}

/** Writes the schedule from the disbursement date, turning a term the repayment method cannot plan into a 422. */
async function scheduleOrRefuse(manager: EntityManager, loan: Loan, from: string): Promise<void> {
  try {
    await writeSchedule(manager, loan, loan.scheduleVersion, from);
  } catch (error) {
    if (error instanceof CoreInputError) {
      throw new DomainError('RULE_VIOLATION', 'the repayment method cannot plan this term', [{ code: error.code, field: 'maturityDate', message: error.message }]);
    }
    throw error;
  }
}
