import crypto from 'node:crypto';
import type { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import { compareDates, type IsoDate } from '../../core/dates';
import { CoreInputError } from '../../core/errors';
import { formatMoney, sumMoney } from '../../core/money';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { applyScope, scopeOf } from '../../shared/auth/scope';
import { todayInShanghai } from '../../shared/clock';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError, notFound } from '../../shared/http/errors';
import type { Page, PageOf } from '../../shared/http/schemas';
import { recordAudit } from '../audit/audit.service';
import { Guarantee } from '../guarantees/guarantee.entity';
import { Loan } from '../loans/loan.entity';
import { defaultedOn } from '../loans/loan-lookups';
import { LOAN_SCOPE } from '../loans/loans-query.service';
import { ModelVersion } from '../models/model-version.entity';
import { Claim, type ClaimStatus } from './claim.entity';
import { coverageProblems, lossInputOf, refuseIfNotOwed } from './claim-coverage';
import { claimLoss, type ClaimLoss } from './claim-loss';
import { ClaimShare } from './claim-share.entity';
import { splitClaim, type PartyShare } from './claim-split';
import { recoveryStarted, shareStates, shareStatesOf, toClaimDto, type ClaimDto } from './claim.dto';

export interface ClaimFilter extends Page {
  status?: ClaimStatus;
  loanId?: string;
}

export const CLAIM_RULE_CODES = {
  makerChecker: 'MAKER_CHECKER',
  notDefaulted: 'LOAN_NOT_DEFAULTED',
  alreadyClaimed: 'ALREADY_CLAIMED',
  claimDate: 'CLAIM_DATE_OUT_OF_RANGE',
  noFund: 'NO_RISK_FUND',
  noGuarantee: 'NO_APPROVED_GUARANTEE',
  paidNotRecovered: 'PAID_NOT_RECOVERED',
} as const;

const ALREADY_CLAIMED_CONSTRAINT = 'claims_one_per_loan_key';

/**
 * Default claims (代偿, SPEC §5, issue 5 item 5): the lending bank files a claim on a defaulted loan,
 * the loss is split among the model version's risk-sharing parties (SPEC §6.4), and a finance
 * officer who did not file it approves or rejects it. Payments and recoveries: claim-payments.service.ts.
 */
export class ClaimsService {
  constructor(private readonly dataSource: DataSource) {}

  async file(context: AuthenticatedContext, input: { loanId: string; claimDate: string }): Promise<ClaimDto & { calculation: Record<string, unknown> }> {
    try {
      return await inTransaction(this.dataSource, async (manager) => {
        const loan = await manager.getRepository(Loan).findOne({ where: { id: input.loanId }, lock: { mode: 'pessimistic_write' } });
        if (!loan || !(await this.loanInScope(manager, context, loan.id))) throw notFound('loan');
        await this.checkClaimable(manager, loan, input.claimDate as IsoDate);
        const version = await manager.getRepository(ModelVersion).findOneByOrFail({ id: loan.modelVersionId });
        const loss = claimLoss(await lossInputOf(manager, loan, input.claimDate as IsoDate));
        const shares = splitOrRefuse(loss, version);
        const guarantee = await manager.getRepository(Guarantee).findOneBy({ loanId: loan.id, status: 'approved' });
        const claim = manager.getRepository(Claim).create({
          claimNumber: claimNumberFor(input.claimDate, crypto.randomUUID()),
          loanId: loan.id,
          guaranteeId: guarantee?.id ?? null,
          modelVersionId: version.id,
          claimDate: input.claimDate,
          principalOutstanding: loss.principalOutstanding,
          interestUnpaid: loss.interestUnpaid,
          lossAmount: loss.loss,
          status: 'filed',
          filedBy: context.user.id,
        });
        await manager.getRepository(Claim).insert(claim);
        await manager.getRepository(ClaimShare).insert(shares.map((s) => shareRow(claim.id, s, loan, guarantee)));
        const calculation = describeLoss(loss);
        const dto = await this.load(manager, context, claim.id);
        await recordAudit(manager, context, { action: 'file', entityType: 'claim', entityId: claim.id, after: { ...dto, entries: undefined, calculation }, regionPath: loan.regionPath, institutionId: loan.bankId });
        return { ...dto, calculation };
      });
    } catch (error) {
      if ((error as { driverError?: { constraint?: string } }).driverError?.constraint === ALREADY_CLAIMED_CONSTRAINT) {
        throw alreadyClaimed(await this.openClaimOf(this.dataSource.manager, input.loanId));
      }
      throw error;
    }
  }

  async approve(context: AuthenticatedContext, id: string): Promise<ClaimDto> {
    return this.decide(context, id, 'approved', null);
  }

  /**
   * A filed claim is rejected; an approved one is withdrawn the same way once its loan no longer owes
   * what it was filed for (see checkWithdrawable). Either way the loan may be claimed again.
   */
  async reject(context: AuthenticatedContext, id: string, reason: string): Promise<ClaimDto> {
    return this.decide(context, id, 'rejected', reason);
  }

  async get(context: AuthenticatedContext, id: string): Promise<ClaimDto> {
    return this.load(this.dataSource.manager, context, id);
  }

  async list(context: AuthenticatedContext, filter: ClaimFilter): Promise<PageOf<ClaimDto>> {
    const query = this.scopedQuery(this.dataSource.manager, context);
    if (filter.status) query.andWhere('c.status = :status', { status: filter.status });
    if (filter.loanId) query.andWhere('c.loan_id = :loanId', { loanId: filter.loanId });
    const [claims, total] = await query.orderBy('c.filed_at', 'DESC').addOrderBy('c.id').take(filter.limit).skip(filter.offset).getManyAndCount();
    const byClaim = await shareStatesOf(this.dataSource.manager, claims.map((c) => c.id));
    const items = claims.map((c) => toClaimDto(c, byClaim.get(c.id)!.states, byClaim.get(c.id)!.entries));
    return { items, total, limit: filter.limit, offset: filter.offset };
  }

  /** The claim as the caller may see it (404 outside their scope, SPEC §9). */
  async load(manager: EntityManager, context: AuthenticatedContext, id: string): Promise<ClaimDto> {
    const claim = await this.findScoped(manager, context, id);
    const { states, entries } = await shareStates(manager, id);
    return toClaimDto(claim, states, entries);
  }

  async findScoped(manager: EntityManager, context: AuthenticatedContext, id: string): Promise<Claim> {
    const claim = await this.scopedQuery(manager, context).andWhere('c.id = :id', { id }).getOne();
    if (!claim) throw notFound('claim');
    return claim;
  }

  private async decide(context: AuthenticatedContext, id: string, to: 'approved' | 'rejected', reason: string | null): Promise<ClaimDto> {
    return inTransaction(this.dataSource, async (manager) => {
      await this.findScoped(manager, context, id);
      const claim = await manager.getRepository(Claim).findOneOrFail({ where: { id }, lock: { mode: 'pessimistic_write' } });
      const withdrawing = to === 'rejected' && claim.status === 'approved';
      if (claim.status !== 'filed' && !withdrawing) {
        throw new DomainError('INVALID_STATE', `the claim was already ${claim.status} on ${claim.decidedOn}`, [{ code: 'ALREADY_DECIDED', field: 'id', message: `status ${claim.status}`, actual: claim.status }]);
      }
      if (claim.filedBy === context.user.id) {
        throw new DomainError('RULE_VIOLATION', 'you filed this claim; another finance officer must decide it', [
          { code: CLAIM_RULE_CODES.makerChecker, field: 'id', message: 'the approver must differ from the filer' },
        ]);
      }
      const loan = await manager.getRepository(Loan).findOneOrFail({ where: { id: claim.loanId }, lock: { mode: 'pessimistic_write' } });
      if (to === 'approved') await refuseIfNotOwed(manager, claim, loan);
      if (withdrawing) await this.checkWithdrawable(manager, claim, loan);
      const before = { status: claim.status, decidedBy: claim.decidedBy, decidedOn: claim.decidedOn };
      claim.status = to;
      claim.decidedBy = context.user.id;
      claim.decidedAt = new Date();
      claim.decidedOn = todayInShanghai();
      claim.decisionReason = reason;
      claim.updatedAt = new Date();
      await manager.getRepository(Claim).save(claim);
      await recordAudit(manager, context, {
        action: to === 'approved' ? 'approve' : 'reject',
        entityType: 'claim',
        entityId: id,
        before,
        after: { status: to, decidedBy: claim.decidedBy, decidedOn: claim.decidedOn, reason },
        regionPath: loan.regionPath,
        institutionId: loan.bankId,
      });
      return this.load(manager, context, id);
    });
  }

  /**
   * An approved claim whose loan no longer owes what it was filed for (the borrower repaid after the
   * claim date, or the loan left `defaulted`) can no longer be paid (ClaimPaymentsService.pay). It is
   * rejected instead, so that the bank can file a new claim for what is owed now, but only once no
   * party is out of pocket: money already paid on it comes back first as recoveries. The approval is
   * overwritten by the rejection on the row; the audit log keeps both.
   */
  private async checkWithdrawable(manager: EntityManager, claim: Claim, loan: Loan): Promise<void> {
    const { states } = await shareStates(manager, claim.id);
    // Once money has come back, the claim is on its way out whatever the loan owes now (pay() refuses it).
    if (!recoveryStarted(states) && (await coverageProblems(manager, claim, loan)).length === 0) {
      throw new DomainError('INVALID_STATE', `the claim was approved on ${claim.decidedOn} and its loan still owes what it was filed for`, [
        { code: 'ALREADY_DECIDED', field: 'id', message: 'status approved', actual: 'approved' },
      ]);
    }
    const unreturned = sumMoney(states.map((s) => s.paid.minus(s.recovered)));
    if (unreturned.gt(0)) {
      throw new DomainError('INVALID_STATE', `${formatMoney(unreturned)} paid on the claim has not come back; record it as a recovery first`, [
        { code: CLAIM_RULE_CODES.paidNotRecovered, field: 'id', message: 'what was paid must be recovered first', limit: '0.00', actual: formatMoney(unreturned) },
      ]);
    }
  }

  /** The loan's claim that is not rejected, if any (at most one: ALREADY_CLAIMED_CONSTRAINT). */
  private async openClaimOf(manager: EntityManager, loanId: string): Promise<{ id: string; claimNumber: string } | null> {
    return manager.getRepository(Claim).createQueryBuilder('c').select(['c.id', 'c.claimNumber']).where(`c.loan_id = :id AND c.status <> 'rejected'`, { id: loanId }).getOne();
  }

  /** SPEC §5: only a defaulted loan is claimed, once; the claim date lies between its default and today. */
  private async checkClaimable(manager: EntityManager, loan: Loan, claimDate: IsoDate): Promise<void> {
    if (loan.status !== 'defaulted') {
      throw new DomainError('INVALID_STATE', `only a defaulted loan can be claimed; this loan is ${loan.status}`, [
        { code: CLAIM_RULE_CODES.notDefaulted, field: 'loanId', message: `status ${loan.status}`, actual: loan.status },
      ]);
    }
    const existing = await this.openClaimOf(manager, loan.id);
    if (existing) throw alreadyClaimed(existing);
    const earliest = ((await defaultedOn(manager, loan.id)) ?? loan.disbursementDate!) as IsoDate;
    const today = todayInShanghai();
    if (compareDates(claimDate, earliest) < 0 || compareDates(claimDate, today) > 0) {
      throw new DomainError('RULE_VIOLATION', 'the claim date must lie between the day the loan defaulted and today', [
        { code: CLAIM_RULE_CODES.claimDate, field: 'claimDate', message: `from ${earliest} to ${today}`, limit: `${earliest}..${today}`, actual: claimDate },
      ]);
    }
  }

  private async loanInScope(manager: EntityManager, context: AuthenticatedContext, loanId: string): Promise<boolean> {
    const query = manager.getRepository(Loan).createQueryBuilder('l').where('l.id = :loanId', { loanId });
    return applyScope(query, scopeOf(context.user), LOAN_SCOPE).getExists();
  }

  private scopedQuery(manager: EntityManager, context: AuthenticatedContext): SelectQueryBuilder<Claim> {
    const query = manager
      .getRepository(Claim)
      .createQueryBuilder('c')
      .innerJoinAndSelect('c.loan', 'l')
      .leftJoinAndSelect('l.household', 'household')
      .leftJoinAndSelect('l.enterprise', 'enterprise');
    return applyScope(query, scopeOf(context.user), LOAN_SCOPE);
  }
}

/** The claim named, so that a bank retrying a filing whose answer it lost can read the claim it made. */
const alreadyClaimed = (existing: { id: string; claimNumber: string } | null) =>
  new DomainError('INVALID_STATE', 'the loan already has a claim that is not rejected', [
    { code: CLAIM_RULE_CODES.alreadyClaimed, field: 'loanId', message: existing ? `one claim per loan: ${existing.claimNumber}` : 'one claim per loan', ...(existing ? { claimId: existing.id, claimNumber: existing.claimNumber } : {}) },
  ]);

/** SPEC §6.4 via splitClaim; ratios that do not sum to exactly 1 are the model version's fault: 422, nothing written. */
function splitOrRefuse(loss: ClaimLoss, version: ModelVersion): PartyShare[] {
  try {
    return splitClaim(loss.loss, version.parameters.riskSharing);
  } catch (error) {
    if (error instanceof CoreInputError) {
      throw new DomainError('RULE_VIOLATION', "the model version's risk-sharing ratios cannot split the loss", [
        { code: error.code, field: 'riskSharing', message: error.message, ...error.details },
      ]);
    }
    throw error;
  }
}

/** Which institution or fund stands behind each party: the guarantor, the lending bank, the loan's fund. */
function shareRow(claimId: string, share: PartyShare, loan: Loan, guarantee: Guarantee | null): Partial<ClaimShare> {
  const failure = (code: string, message: string) => new DomainError('RULE_VIOLATION', 'the claim cannot be split among its parties', [{ code, field: 'riskSharing', message }]);
  let institutionId: string | null = null;
  let fundId: string | null = null;
  if (share.party === 'guarantor') {
    if (!guarantee) throw failure(CLAIM_RULE_CODES.noGuarantee, 'the model shares the loss with a guarantor, but the loan has no approved guarantee');
    institutionId = guarantee.guarantorId;
  } else if (share.party === 'bank') {
    institutionId = loan.bankId;
  } else if (share.party === 'risk_fund') {
    if (!loan.riskFundId) throw failure(CLAIM_RULE_CODES.noFund, 'the model shares the loss with a risk fund, but the loan is under none');
    fundId = loan.riskFundId;
  }
  return { claimId, seq: share.seq, party: share.party, ratio: share.ratio, amount: share.amount, institutionId, fundId };
}

/** 代偿 number: DC, the claim date and the first 8 hex digits of a random id (a unique key guards it). */
export function claimNumberFor(claimDate: string, random: string): string {
  return `DC${claimDate.replace(/-/g, '')}-${random.replace(/-/g, '').slice(0, 8).toUpperCase()}`;
}

function describeLoss(loss: ClaimLoss): Record<string, unknown> {
  return {
    principalOutstanding: formatMoney(loss.principalOutstanding),
    interestDue: formatMoney(loss.interestDue),
    interestAccrued: formatMoney(loss.interestAccrued),
    accrual: loss.accrual,
    interestPaid: formatMoney(loss.interestPaid),
    interestUnpaid: formatMoney(loss.interestUnpaid),
    loss: formatMoney(loss.loss),
  };
}
