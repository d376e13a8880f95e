import type { DataSource, EntityManager } from 'typeorm';
import { compareDates, maxDate, type IsoDate } from '../../core/dates';
import { type Decimal, formatMoney, parseMoney, sumMoney } from '../../core/money';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { todayInShanghai } from '../../shared/clock';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError } from '../../shared/http/errors';
import { recordAudit } from '../audit/audit.service';
import { recordMovement } from '../funds';
import { RiskLedgerEntry } from '../guarantees/risk-ledger-entry.entity';
import { claimIdempotencyKey, hashRequest, storeIdempotentResponse } from '../idempotency/idempotency';
import { Loan } from '../loans/loan.entity';
import { LoanEvent } from '../loans/loan-event.entity';
import { canTransition } from '../loans/loan.status';
import type { RiskParty } from '../models/model-parameters';
import { Claim } from './claim.entity';
import { coverageProblems, refuseIfNotOwed } from './claim-coverage';
import { recoveryStarted, shareStates, type ClaimDto, type ShareState } from './claim.dto';
import { splitRecovery } from './claim-split';
import type { ClaimsService } from './claims.service';

export interface NewClaimPayment {
  party: RiskParty;
  /** Defaults to what the party still owes. */
  amount?: string;
  paidOn: string;
  reference?: string;
}

export interface NewRecovery {
  amount: string;
  recoveredOn: string;
  reference?: string;
}

/**
 * Paying an approved claim party by party, and splitting later recoveries (追偿) back (SPEC §5, §6.4).
 * Every payment and every recovered share is a risk-ledger record; the risk fund's share also moves
 * the fund (a payout, or a recovery back into it) through recordMovement. The claim row is locked
 * first, so concurrent payments can never together pay a share more than once, and then its loan: a
 * share is paid only while the loan is still defaulted and still owes the principal and interest the
 * claim was filed for. Once every share is paid the claim is `paid` and the loan `compensated`. Each
 * request carries an Idempotency-Key.
 */
export class ClaimPaymentsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly claims: ClaimsService,
  ) {}

  async pay(context: AuthenticatedContext, id: string, input: NewClaimPayment, key: string): Promise<{ status: number; body: ClaimDto }> {
    return this.idempotent(context, id, 'payments', key, input, async (manager, claim) => {
      if (claim.status !== 'approved') throw new DomainError('INVALID_STATE', claim.status === 'paid' ? 'every share of the claim is already paid' : `a ${claim.status} claim is not paid`);
      // The claim is locked (idempotent()), then its loan, as approval does: no repayment can land
      // between this check and the payment, and every share is checked, not only the last one.
      const loan = await manager.getRepository(Loan).findOneOrFail({ where: { id: claim.loanId }, lock: { mode: 'pessimistic_write' } });
      await refuseIfNotOwed(manager, claim, loan);
      const { states, entries } = await shareStates(manager, id);
      if (recoveryStarted(states)) {
        const returned = sumMoney(states.map((s) => s.recovered));
        // Money came back while the loan did not owe the claim (recover()); paying on would blur what
        // was paid for what. Recover the rest, reject the claim and file a new one for what is owed.
        throw new DomainError('INVALID_STATE', `${formatMoney(returned)} paid on this claim has been returned; it is not paid further`, [
          { code: 'RECOVERY_STARTED', field: 'id', message: 'recover the rest, reject the claim and file a new one', limit: '0.00', actual: formatMoney(returned) },
        ]);
      }
      const state = states.find((s) => s.share.party === input.party);
      if (!state) throw rule('PARTY_NOT_IN_CLAIM', 'party', `the claim has no ${input.party} share`);
      const unpaid = state.share.amount.minus(state.paid);
      const amount = input.amount === undefined ? unpaid : parseMoney(input.amount);
      if (amount.lte(0) || amount.gt(unpaid)) {
        throw rule('PAYMENT_ABOVE_SHARE', 'amount', `the ${input.party} share has ${formatMoney(unpaid)} unpaid`, { limit: formatMoney(unpaid), actual: formatMoney(amount) });
      }
      checkDate(input.paidOn, claim.claimDate, 'paidOn');
      await this.append(manager, context, claim, state, { kind: 'claim_payment', amount, on: input.paidOn, reference: input.reference ?? null, key });
      const allPaid = states.every((s) => (s === state ? s.paid.plus(amount) : s.paid).eq(s.share.amount));
      if (allPaid) await this.complete(manager, context, claim, loan, lastPaymentDate(entries, input.paidOn as IsoDate));
      await recordAudit(manager, context, {
        action: 'pay',
        entityType: 'claim',
        entityId: id,
        after: { party: input.party, amount: formatMoney(amount), paidOn: input.paidOn, claimPaid: allPaid },
        regionPath: claim.loan!.regionPath,
        institutionId: claim.loan!.bankId,
      });
    });
  }

  async recover(context: AuthenticatedContext, id: string, input: NewRecovery, key: string): Promise<{ status: number; body: ClaimDto }> {
    return this.idempotent(context, id, 'recoveries', key, input, async (manager, claim) => {
      const { states, entries } = await shareStates(manager, id);
      await this.checkRecoverable(manager, claim, states);
      const amount = parseMoney(input.amount);
      const paid = sumMoney(states.map((s) => s.paid));
      const room = paid.minus(sumMoney(states.map((s) => s.recovered)));
      if (amount.lte(0) || amount.gt(room)) {
        throw rule('RECOVERY_ABOVE_PAID', 'amount', `at most ${formatMoney(room)} of the ${formatMoney(paid)} paid is still to be recovered`, { limit: formatMoney(room), actual: formatMoney(amount) });
      }
      checkDate(input.recoveredOn, claim.paidOn ?? lastPaymentDate(entries, claim.claimDate as IsoDate), 'recoveredOn');
      const parts = splitRecovery(amount, states.map((s) => ({ ratio: s.share.ratio, paid: s.paid, recovered: s.recovered })));
      for (const [index, part] of parts.entries()) {
        if (part.isZero()) continue;
        await this.append(manager, context, claim, states[index]!, { kind: 'recovery', amount: part, on: input.recoveredOn, reference: input.reference ?? null, key });
      }
      await recordAudit(manager, context, {
        action: 'recover',
        entityType: 'claim',
        entityId: id,
        after: { amount: formatMoney(amount), recoveredOn: input.recoveredOn, parts: parts.map((p, i) => ({ party: states[i]!.share.party, amount: formatMoney(p) })) },
        regionPath: claim.loan!.regionPath,
        institutionId: claim.loan!.bankId,
      });
    });
  }

  /**
   * Recoveries are split back once every share is paid. On an approved claim whose loan no longer owes
   * what it was filed for (refuseIfNotOwed), they also give back what some parties already paid: the
   * claim can then be rejected (ClaimsService.checkWithdrawable) and a new one filed for what is owed.
   * Once money has come back on it, the claim is paid no further (pay()), so its recoveries go on
   * whatever the loan owes later (a bounced repayment must not strand what the fund paid).
   */
  private async checkRecoverable(manager: EntityManager, claim: Claim, states: readonly ShareState[]): Promise<void> {
    if (claim.status === 'paid') return;
    const message = 'recoveries are split back once every share of the claim is paid, or while an approved claim is no longer owed';
    if (claim.status !== 'approved') throw new DomainError('INVALID_STATE', message);
    if (recoveryStarted(states)) return;
    const loan = await manager.getRepository(Loan).findOneOrFail({ where: { id: claim.loanId }, lock: { mode: 'pessimistic_write' } });
    if ((await coverageProblems(manager, claim, loan)).length === 0) throw new DomainError('INVALID_STATE', message);
  }

  /** One request: the key claimed, the claim locked, the work done, the answer stored for retries. */
  private async idempotent(
    context: AuthenticatedContext,
    id: string,
    what: string,
    key: string,
    input: object,
    work: (manager: EntityManager, claim: Claim) => Promise<void>,
  ): Promise<{ status: number; body: ClaimDto }> {
    return inTransaction(this.dataSource, async (manager) => {
      const visible = await this.claims.findScoped(manager, context, id);
      const scope = `claims:${id}:${what}`;
      const claimed = await claimIdempotencyKey(manager, scope, key, hashRequest(input));
      if (claimed.replay) return { status: claimed.status, body: claimed.body as ClaimDto };
      const claim = await manager.getRepository(Claim).findOneOrFail({ where: { id }, lock: { mode: 'pessimistic_write' } });
      claim.loan = visible.loan;
      await work(manager, claim);
      const body = await this.claims.load(manager, context, id);
      await storeIdempotentResponse(manager, scope, key, 201, body);
      return { status: 201, body };
    });
  }

  /** One ledger record; the risk fund's money also moves in the fund's own ledger (same transaction). */
  private async append(
    manager: EntityManager,
    context: AuthenticatedContext,
    claim: Claim,
    state: ShareState,
    m: { kind: 'claim_payment' | 'recovery'; amount: Decimal; on: string; reference: string | null; key: string },
  ): Promise<void> {
    const { share } = state;
    let fundMovementId: string | null = null;
    if (share.fundId) {
      const recorded = await recordMovement(manager, context, share.fundId, {
        kind: m.kind === 'claim_payment' ? 'payout' : 'recovery',
        amount: m.amount,
        occurredOn: m.on,
        reference: m.reference ?? claim.claimNumber,
        // The request's key, hashed to fit the fund's 100 characters: a retry maps to the same movement.
        idempotencyKey: `claim:${claim.id}:${m.kind}:${hashRequest(m.key).slice(0, 40)}`,
        claimId: claim.id,
        createdBy: context.user.id,
      });
      fundMovementId = recorded.movement.id;
    }
    await manager.getRepository(RiskLedgerEntry).insert({
      kind: m.kind,
      loanId: claim.loanId,
      guaranteeId: claim.guaranteeId,
      claimId: claim.id,
      claimShareId: share.id,
      party: share.party,
      institutionId: share.institutionId,
      fundId: share.fundId,
      fundMovementId,
      period: null,
      // Signed from the party's side: a payment leaves it, a recovery comes back to it.
      amount: m.kind === 'claim_payment' ? m.amount.negated() : m.amount,
      occurredOn: m.on,
      reference: m.reference,
      createdBy: context.user.id,
    });
  }

  /** Every share paid: the claim is paid and the loan compensated (SPEC §5). */
  private async complete(manager: EntityManager, context: AuthenticatedContext, claim: Claim, loan: Loan, paidOn: string): Promise<void> {
    claim.status = 'paid';
    claim.paidOn = paidOn;
    await manager.getRepository(Claim).update({ id: claim.id }, { status: 'paid', paidOn, updatedAt: new Date() });
    if (!canTransition(loan.status, 'compensated')) throw new DomainError('INVALID_STATE', `the loan is ${loan.status} now and cannot become compensated`);
    await manager.getRepository(LoanEvent).insert(<never>{
      loanId: loan.id,
      kind: 'compensated',
      effectiveDate: paidOn,
      fromStatus: loan.status,
      toStatus: 'compensated',
      details: { claimId: claim.id, claimNumber: claim.claimNumber, lossAmount: formatMoney(claim.lossAmount) },
      createdBy: context.user.id,
    });
    await manager.getRepository(Loan).update({ id: loan.id }, { status: 'compensated', updatedAt: new Date() });
    await recordAudit(manager, context, { action: 'compensate', entityType: 'loan', entityId: loan.id, before: { status: loan.status }, after: { status: 'compensated', claimId: claim.id }, regionPath: loan.regionPath, institutionId: loan.bankId });
  }
}

/**
 * The claim is paid on the date its last share payment was made, whatever order the payments were
 * recorded in: a recovery may not be dated before any party paid (recover() checks against it).
 * `floor`: this payment's date, or the claim date when there is no payment yet.
 */
function lastPaymentDate(entries: readonly RiskLedgerEntry[], floor: IsoDate): IsoDate {
  return entries.filter((e) => e.kind === 'claim_payment').reduce((latest, e) => maxDate(latest, e.occurredOn as IsoDate), floor);
}

function rule(code: string, field: string, message: string, extra: { limit?: string; actual?: string } = {}): DomainError {
  return new DomainError('RULE_VIOLATION', message, [{ code, field, message, ...extra }]);
}

/** A payment or recovery happens on or after the date it follows, and not in the future. */
function checkDate(date: string, notBefore: string, field: string): void {
  const today = todayInShanghai();
  if (compareDates(date as IsoDate, notBefore as IsoDate) < 0 || compareDates(date as IsoDate, today) > 0) {
    throw rule('DATE_OUT_OF_RANGE', field, `${field} must lie between ${notBefore} and today (${today})`, { limit: `${notBefore}..${today}`, actual: date });
  }
}
