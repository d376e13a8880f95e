import type { DataSource, EntityManager } from 'typeorm';
import { compareDates, type IsoDate } from '../../core/dates';
import { interestOnBalances, type DatedPrincipal } from '../../core/schedules';
import { CoreInputError, invariant } from '../../core/errors';
import { Decimal, formatMoney, parseMoney, sumMoney } from '../../core/money';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { isInScope, scopeOf } from '../../shared/auth/scope';
import { todayInShanghai } from '../../shared/clock';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError, notFound } from '../../shared/http/errors';
import { recordAudit } from '../audit/audit.service';
import { toLoanDto, type LoanDto } from './loan.dto';
import { Loan, type LoanStatus } from './loan.entity';
import { LoanEvent } from './loan-event.entity';
import { scheduleEntries, type Replan } from './loan-registration.service';
import { defaultedOn } from './loan-lookups';
import { canTransition, REPAYABLE_STATUSES } from './loan.status';
import { Repayment } from './repayment.entity';
import { ScheduleEntry } from './schedule-entry.entity';

export interface RepaymentDto {
  id: string;
  loanId: string;
  kind: 'repayment' | 'reversal';
  paidOn: string;
  principal: string;
  interest: string;
  penalty: string;
  reversesId: string | null;
  note: string | null;
  createdAt: string;
}

export interface NewRepayment {
  paidOn: string;
  principal: string;
  interest: string;
  penalty: string;
  note?: string;
}

export const toRepaymentDto = (r: Repayment): RepaymentDto => ({
  id: r.id,
  loanId: r.loanId,
  kind: r.kind,
  paidOn: r.paidOn,
  principal: formatMoney(r.principal),
  interest: formatMoney(r.interest),
  penalty: formatMoney(r.penalty),
  reversesId: r.reversesId,
  note: r.note,
  createdAt: r.createdAt.toISOString(),
});

type Problem = { field: string; rule: string; message: string; limit?: string; actual?: string };

/**
 * What a bank does to a registered loan (SPEC §5): disburse it, record repayments and reverse them,
 * extend it (展期). Each use case locks the loan row first, so concurrent repayments are applied one
 * after the other and can never together exceed what is outstanding.
 */
export class LoanServicingService {
  constructor(private readonly dataSource: DataSource) {}

  async disburse(context: AuthenticatedContext, loanId: string, disbursementDate: string): Promise<LoanDto> {
    return inTransaction(this.dataSource, async (manager) => {
      const loan = await this.lockLoan(manager, context, loanId);
      if (loan.status !== 'registered') throw new DomainError('INVALID_STATE', `a ${loan.status} loan cannot be disbursed`);
      const problems: Problem[] = [];
      if (compareDates(disbursementDate as IsoDate, loan.contractDate as IsoDate) < 0) {
        problems.push({ field: 'disbursementDate', rule: 'NOT_BEFORE_CONTRACT', message: `the contract is dated ${loan.contractDate}` });
      }
      if (compareDates(disbursementDate as IsoDate, loan.currentMaturityDate as IsoDate) >= 0) {
        problems.push({ field: 'disbursementDate', rule: 'BEFORE_MATURITY', message: `the loan matures on ${loan.currentMaturityDate}` });
      }
      if (compareDates(disbursementDate as IsoDate, todayInShanghai()) > 0) {
        problems.push({ field: 'disbursementDate', rule: 'NOT_IN_FUTURE', message: 'record a disbursement once it has happened' });
      }
      if (problems.length > 0) throw new DomainError('RULE_VIOLATION', 'the disbursement breaks the loan rules', problems);
      const before = toLoanDto(loan);
      loan.disbursementDate = disbursementDate;
      await this.moveTo(manager, context, loan, 'active', disbursementDate, 'disbursed', {});
      await manager.getRepository(ScheduleEntry).insert(plannedOrRefused(loan, loan.scheduleVersion, disbursementDate));
      return this.finish(manager, context, loan, 'disburse', before);
    });
  }

  /**
   * Records a repayment (201). A retry with the same Idempotency-Key answers the repayment first
   * recorded, as the first answer did (201 again, as loan registration replays its stored answer),
   * so a client cannot tell a retry from the first attempt; the same key for a different repayment is refused.
   */
  async repay(context: AuthenticatedContext, loanId: string, input: NewRepayment, idempotencyKey: string): Promise<RepaymentDto> {
    return inTransaction(this.dataSource, async (manager) => {
      const loan = await this.lockLoan(manager, context, loanId);
      const previous = await manager.getRepository(Repayment).findOneBy({ loanId, idempotencyKey });
      if (previous) return sameRepaymentOrRefuse(previous, input);
      const principal = parseMoney(input.principal);
      const interest = parseMoney(input.interest);
      const penalty = parseMoney(input.penalty);
      // A loan whose principal is repaid stays open until the interest its schedule asks is paid too.
      // One settled before that rule may still owe it: it takes that, and penalties, but no principal.
      const settledInterest = loan.status === 'settled' && principal.isZero();
      if (loan.status === 'compensated') {
        // The programme's parties paid the bank for this debt: what the borrower pays back now is theirs,
        // split back in the claim's ratios; as a repayment the bank would be paid twice.
        throw new DomainError('INVALID_STATE', 'a compensated loan takes no repayments: money recovered from the borrower is recorded on its claim (POST /claims/{id}/recoveries) and split back among the parties that paid it');
      }
      if (settledInterest && (await this.statusBeforeSettling(manager, loanId)) === 'compensated') {
        throw new DomainError('INVALID_STATE', 'a loan settled after its claim was paid takes no repayments: money recovered from the borrower is recorded on its claim (POST /claims/{id}/recoveries)');
      }
      if (!REPAYABLE_STATUSES.includes(loan.status) && !settledInterest) throw new DomainError('INVALID_STATE', `a ${loan.status} loan takes no repayments`);
      const { problems, plan } = await this.repaymentProblems(manager, loan, input.paidOn as IsoDate, principal, interest);
      if (penalty.greaterThan(0)) problems.push(...(await this.penaltyProblems(manager, loan, input.paidOn as IsoDate, penalty)));
      if (principal.plus(interest).plus(penalty).isZero()) {
        problems.push({ field: 'principal', rule: 'NOT_ZERO', message: 'a repayment pays some principal, interest or penalty' });
      }
      if (problems.length > 0) throw new DomainError('RULE_VIOLATION', 'the repayment is more than is owed or out of time', problems);
      const repayment = manager.getRepository(Repayment).create({
        loanId,
        kind: 'repayment',
        paidOn: input.paidOn,
        principal,
        interest,
        penalty,
        reversesId: null,
        idempotencyKey,
        note: input.note ?? null,
        createdBy: context.user.id,
      });
      await manager.getRepository(Repayment).insert(repayment);
      const before = toLoanDto(loan);
      // The re-plan the interest cap was checked against (repaymentProblems), now that the repayment is written.
      if (plan) await this.replanInterest(manager, loan, plan);
      loan.outstandingPrincipal = loan.outstandingPrincipal.minus(principal);
      if (!settledInterest && loan.outstandingPrincipal.isZero() && !(await this.interestStillAsked(manager, loan)).greaterThan(0)) {
        loan.closedOn = await this.paidInFullOn(manager, loanId);
        await this.moveTo(manager, context, loan, 'settled', loan.closedOn, 'settled', { repaymentId: repayment.id });
      }
      await this.finish(manager, context, loan, 'repay', before, { repayment: toRepaymentDto(repayment) });
      return toRepaymentDto(repayment);
    });
  }

  /**
   * The day a loan was paid in full, by value dates: the latest date of a repayment that stands (not
   * reversed), which is not the date of the repayment just recorded when that one is backdated before
   * an earlier-recorded one, and does not depend on whether the principal or the interest was recorded
   * first (settlement selects a period's loans by it, and the guarantee is released on it).
   */
  private async paidInFullOn(manager: EntityManager, loanId: string): Promise<string> {
    const last = await lastStandingRepaymentOn(manager, loanId);
    invariant(last !== null, 'a loan paid in full has a repayment that stands', { loanId });
    return last;
  }

  /** A correction is a reversal: a new record with the negated parts (SPEC §5). Each repayment is reversed once. */
  async reverse(context: AuthenticatedContext, loanId: string, repaymentId: string, reason: string): Promise<RepaymentDto> {
    try {
      return await inTransaction(this.dataSource, async (manager) => {
        const loan = await this.lockLoan(manager, context, loanId);
        const original = await manager.getRepository(Repayment).findOneBy({ id: repaymentId, loanId });
        if (!original) throw notFound('repayment');
        if (original.kind !== 'repayment') throw new DomainError('INVALID_STATE', 'a reversal cannot itself be reversed');
        if (await manager.getRepository(Repayment).existsBy({ reversesId: repaymentId })) {
          throw new DomainError('INVALID_STATE', 'the repayment has already been reversed');
        }
        const reversal = manager.getRepository(Repayment).create({
          loanId,
          kind: 'reversal',
          // Value-dated to the repayment it undoes: the money never came, so balances at every date
          // net to zero; createdAt says when the correction was made.
          paidOn: original.paidOn,
          principal: original.principal.negated(),
          interest: original.interest.negated(),
          penalty: original.penalty.negated(),
          reversesId: repaymentId,
          // A '/' no client key may hold (idempotencyKeyHeader): a client's key can never take a reversal's place.
          idempotencyKey: `reversal/${repaymentId}`,
          note: reason,
          createdBy: context.user.id,
        });
        await manager.getRepository(Repayment).insert(reversal);
        const before = toLoanDto(loan);
        if (!original.principal.isZero()) await this.replanInterest(manager, loan);
        loan.outstandingPrincipal = loan.outstandingPrincipal.plus(original.principal);
        if (loan.status === 'settled' && (await this.reopensOnReversal(manager, loan, original))) {
          loan.closedOn = null;
          // A loan the claim had compensated before it was settled is compensated again: reopened as
          // active, the delinquency run would default it and a second claim could be paid on it. Any
          // other reopens active, and the next delinquency run works out whether it is overdue again.
          const reopenAs = (await this.statusBeforeSettling(manager, loanId)) === 'compensated' ? 'compensated' : 'active';
          await this.moveTo(manager, context, loan, reopenAs, reversal.paidOn, 'reopened', { reversalId: reversal.id });
        }
        await this.finish(manager, context, loan, 'reverse_repayment', before, { reversal: toRepaymentDto(reversal) });
        return toRepaymentDto(reversal);
      });
    } catch (error) {
      const constraint = (error as { driverError?: { constraint?: string } }).driverError?.constraint;
      if (constraint === 'repayments_reverses_key') throw new DomainError('INVALID_STATE', 'the repayment has already been reversed');
      if (constraint === 'loans_one_per_household_key') {
        throw new DomainError('INVALID_STATE', 'reopening this loan would give the household two open loans under its model');
      }
      throw error;
    }
  }

  /**
   * A registered loan whose money was never paid out is cancelled (SPEC §5 `cancelled`): the borrower
   * withdrew or the bank declined before disbursing. It frees the household's one-loan place and the
   * fund's capacity, and releases a guarantee approved for it. A loan waiting for its guarantee is
   * cancelled by rejecting the application (the finance officer's decision, maker-checker).
   */
  async cancel(context: AuthenticatedContext, loanId: string, input: { reason: string }): Promise<LoanDto> {
    return inTransaction(this.dataSource, async (manager) => {
      const loan = await this.lockLoan(manager, context, loanId);
      if (loan.status === 'pending_guarantee') {
        throw new DomainError('INVALID_STATE', 'a loan waiting for its guarantee is cancelled by rejecting the guarantee application', [
          { field: 'id', rule: 'REJECT_THE_GUARANTEE_APPLICATION', message: 'ask the finance bureau to reject the application (POST /guarantees/{id}/reject)' },
        ]);
      }
      if (loan.status !== 'registered') throw new DomainError('INVALID_STATE', `a ${loan.status} loan cannot be cancelled: only a loan not yet disbursed is`);
      const before = toLoanDto(loan);
      // Never disbursed, it never owed, so it has no closing day, as one cancelled by a rejected guarantee.
      await this.moveTo(manager, context, loan, 'cancelled', todayInShanghai(), 'cancelled', { reason: input.reason });
      return this.finish(manager, context, loan, 'cancel', before, { cancellation: { reason: input.reason } });
    });
  }

  /**
   * 核销: a defaulted loan the bank gives up on and no claim compensates (SPEC §5 defaulted →
   * written_off). Refused while a claim on it is filed or approved (decide it first); a written-off
   * loan takes no repayments or claims, leaves the delinquency run and, after the period of its
   * write-off, the settlement statements (closed on that day). What it still owed stays on it.
   */
  async writeOff(context: AuthenticatedContext, loanId: string, input: { writtenOffOn: string; reason: string }): Promise<LoanDto> {
    return inTransaction(this.dataSource, async (manager) => {
      const loan = await this.lockLoan(manager, context, loanId);
      if (loan.status !== 'defaulted') throw new DomainError('INVALID_STATE', `a ${loan.status} loan cannot be written off: only a defaulted one is`);
      const [claim]: Array<{ claim_number: string; status: string }> = await manager.query(
        `SELECT claim_number, status FROM claims WHERE loan_id = $1 AND status IN ('filed', 'approved') LIMIT 1`,
        [loan.id],
      );
      if (claim) {
        throw new DomainError('INVALID_STATE', `claim ${claim.claim_number} on this loan is ${claim.status}: decide it before writing the loan off`, [
          { field: 'id', rule: 'NO_CLAIM_IN_PROGRESS', message: `claim ${claim.claim_number} is ${claim.status}` },
        ]);
      }
      const defaulted = await defaultedOn(manager, loan.id);
      const problems: Problem[] = [];
      if (defaulted && compareDates(input.writtenOffOn as IsoDate, defaulted as IsoDate) < 0) {
        problems.push({ field: 'writtenOffOn', rule: 'NOT_BEFORE_DEFAULT', message: `the loan defaulted on ${defaulted}` });
      }
      if (compareDates(input.writtenOffOn as IsoDate, todayInShanghai()) > 0) {
        problems.push({ field: 'writtenOffOn', rule: 'NOT_IN_FUTURE', message: 'record a write-off once it is made' });
      }
      // Closed on the write-off day, the loan must not have taken money after it (settlement stops there).
      const last = await lastStandingRepaymentOn(manager, loan.id);
      if (last !== null && compareDates(input.writtenOffOn as IsoDate, last as IsoDate) < 0) {
        problems.push({ field: 'writtenOffOn', rule: 'NOT_BEFORE_LAST_REPAYMENT', message: `the loan took a repayment on ${last}` });
      }
      if (problems.length > 0) throw new DomainError('RULE_VIOLATION', 'the write-off is out of time', problems);
      const before = toLoanDto(loan);
      loan.closedOn = input.writtenOffOn;
      await this.moveTo(manager, context, loan, 'written_off', input.writtenOffOn, 'written_off', {
        reason: input.reason,
        outstandingPrincipal: formatMoney(loan.outstandingPrincipal),
      });
      return this.finish(manager, context, loan, 'write_off', before, { writeOff: { writtenOffOn: input.writtenOffOn, reason: input.reason } });
    });
  }

  /** 展期: moves the maturity date; recorded as an event with its date, and a new schedule version. */
  async extend(context: AuthenticatedContext, loanId: string, input: { newMaturityDate: string; extendedOn: string; reason?: string }): Promise<LoanDto> {
    return inTransaction(this.dataSource, async (manager) => {
      const loan = await this.lockLoan(manager, context, loanId);
      if (loan.status !== 'active' && loan.status !== 'overdue') throw new DomainError('INVALID_STATE', `a ${loan.status} loan cannot be extended`);
      // Open only for the interest it still owes: no principal left to give more time for.
      if (loan.outstandingPrincipal.isZero()) throw new DomainError('INVALID_STATE', 'the principal is repaid: only the interest still owed is left, which an extension does not move');
      const problems: Problem[] = [];
      if (compareDates(input.newMaturityDate as IsoDate, loan.currentMaturityDate as IsoDate) <= 0) {
        problems.push({ field: 'newMaturityDate', rule: 'AFTER_CURRENT_MATURITY', message: `after ${loan.currentMaturityDate}` });
      }
      if (compareDates(input.extendedOn as IsoDate, loan.disbursementDate as IsoDate) < 0 || compareDates(input.extendedOn as IsoDate, loan.currentMaturityDate as IsoDate) > 0) {
        problems.push({ field: 'extendedOn', rule: 'WITHIN_TERM', message: `between ${loan.disbursementDate} and ${loan.currentMaturityDate}` });
      }

      if (problems.length > 0) throw new DomainError('RULE_VIOLATION', 'the extension breaks the loan rules', problems);
      const before = toLoanDto(loan);
      const fromMaturity = loan.currentMaturityDate;
      loan.currentMaturityDate = input.newMaturityDate;
      loan.scheduleVersion += 1;
      await this.rescheduleFrom(manager, loan, input.extendedOn as IsoDate, fromMaturity as IsoDate);
      // The new plan's rows are priced on the principal; principal repaid ahead lowers their interest.
      await this.replanInterest(manager, loan);
      await manager.getRepository(LoanEvent).insert(<never>{
        loanId,
        kind: 'extended',
        effectiveDate: input.extendedOn,
        fromStatus: loan.status,
        toStatus: loan.status,
        details: { fromMaturityDate: fromMaturity, toMaturityDate: input.newMaturityDate, reason: input.reason ?? null },
        createdBy: context.user.id,
      });
      return this.finish(manager, context, loan, 'extend', before, {
        extension: { extendedOn: input.extendedOn, fromMaturityDate: fromMaturity, toMaturityDate: input.newMaturityDate, reason: input.reason ?? null },
      });
    });
  }

  /**
   * The new schedule keeps the instalments due on or before the extension date, paid or not (an
   * unpaid one stays due), except the one at the maturity it moves. It plans the principal they do
   * not repay after the last of them (or from the disbursement) to the new maturity, so that the
   * principal parts still sum exactly to the principal (SPEC §5): planning the outstanding principal
   * instead would repay again the principal of kept instalments not yet paid, and leave out principal
   * paid ahead of them. The plan continues the old one: the same due-date anchors, and no day charged
   * twice (a kept quarterly instalment charged its 20th, §6.1).
   */
  private async rescheduleFrom(manager: EntityManager, loan: Loan, extendedOn: IsoDate, fromMaturity: IsoDate): Promise<void> {
    const kept = await manager
      .getRepository(ScheduleEntry)
      .createQueryBuilder('s')
      .where('s.loan_id = :id AND s.version = :version AND s.due_date <= :on AND s.due_date < :maturity', {
        id: loan.id,
        version: loan.scheduleVersion - 1,
        on: extendedOn,
        maturity: fromMaturity,
      })
      .orderBy('s.seq')
      .getMany();
    const keptPrincipal = sumMoney(kept.map((s) => s.principalDue));
    const left = loan.principal.minus(keptPrincipal);
    if (!left.greaterThan(0)) {
      throw new DomainError('RULE_VIOLATION', 'the extension leaves nothing to plan', [
        { field: 'extendedOn', rule: 'PRINCIPAL_LEFT_TO_PLAN', message: 'the instalments due by the extension date already repay the whole principal' },
      ]);
    }
    const last = kept.at(-1);
    const planned = plannedOrRefused(loan, loan.scheduleVersion, loan.disbursementDate!, last ? { after: last.dueDate, principal: left, seqOffset: kept.length } : undefined);
    const rows = [...kept.map((s) => ({ loanId: loan.id, version: loan.scheduleVersion, seq: s.seq, dueDate: s.dueDate, principalDue: s.principalDue, interestDue: s.interestDue })), ...planned];
    invariant(sumMoney(rows.map((r) => r.principalDue)).equals(loan.principal), 'a schedule version repays exactly the principal', {
      loanId: loan.id,
      version: loan.scheduleVersion,
      principal: formatMoney(loan.principal),
    });
    await manager.getRepository(ScheduleEntry).insert(rows);
  }

  /**
   * Principal repaid ahead of the plan (or such a repayment reversed) changes the interest the
   * schedule asks for afterwards: the interest of every instalment is worked out again on the
   * balance actually outstanding (interestOnBalances, docs/calculations.md "Prepayments"), as a new
   * schedule version when any of it changed. Whether an instalment was paid in full is then judged
   * on each part: principal paid ahead never pays interest.
   */
  private async replanInterest(manager: EntityManager, loan: Loan, plan?: Replanned): Promise<void> {
    const { rows, interest } = plan ?? (await this.replannedInterest(manager, loan));
    if (interest.every((value, index) => value.eq(rows[index]!.interestDue))) return;
    loan.scheduleVersion += 1;
    await manager
      .getRepository(ScheduleEntry)
      .insert(rows.map((r, index) => ({ loanId: loan.id, version: loan.scheduleVersion, seq: r.seq, dueDate: r.dueDate, principalDue: r.principalDue, interestDue: interest[index]! })));
  }

  /**
   * The current schedule's rows and the interest each would ask on the balance outstanding after the
   * principal repaid so far, and `extra` (a repayment not yet written) if given.
   */
  private async replannedInterest(manager: EntityManager, loan: Loan, extra?: DatedPrincipal): Promise<Replanned> {
    const rows = await this.currentSchedule(manager, loan);
    if (!loan.disbursementDate || rows.length === 0) return { rows, interest: rows.map((r) => r.interestDue) };
    const interest = interestOnBalances({
      method: loan.repaymentMethod,
      principal: loan.principal,
      rateAnnual: loan.rateAnnual,
      disbursementDate: loan.disbursementDate as IsoDate,
      rows: rows.map((r) => ({ dueDate: r.dueDate as IsoDate, principalDue: r.principalDue })),
      principalRepaid: [...(await principalMovements(manager, loan.id)), ...(extra ? [extra] : [])],
    });
    return { rows, interest };
  }

  /** The interest the current schedule asks that is not paid yet (negative: paid ahead). */
  private async interestStillAsked(manager: EntityManager, loan: Loan): Promise<Decimal> {
    const [{ owed }] = await manager.query(
      `SELECT ((SELECT coalesce(sum(interest_due), 0) FROM loan_schedule WHERE loan_id = $1 AND version = $2)
             - (SELECT coalesce(sum(interest), 0) FROM repayments WHERE loan_id = $1))::text AS owed`,
      [loan.id, loan.scheduleVersion],
    );
    return new Decimal(owed);
  }

  private currentSchedule(manager: EntityManager, loan: Loan): Promise<ScheduleEntry[]> {
    return manager.getRepository(ScheduleEntry).find({ where: { loanId: loan.id, version: loan.scheduleVersion }, order: { seq: 'ASC' } });
  }

  /** The repayment's problems, and the re-plan its principal makes (none when it repays no principal or has problems). */
  private async repaymentProblems(
    manager: EntityManager,
    loan: Loan,
    paidOn: IsoDate,
    principal: Decimal,
    interest: Decimal,
  ): Promise<{ problems: Problem[]; plan?: Replanned }> {
    const problems: Problem[] = [];
    if (loan.disbursementDate && compareDates(paidOn, loan.disbursementDate as IsoDate) < 0) {
      problems.push({ field: 'paidOn', rule: 'NOT_BEFORE_DISBURSEMENT', message: `the loan was disbursed on ${loan.disbursementDate}` });
    }
    if (compareDates(paidOn, todayInShanghai()) > 0) problems.push({ field: 'paidOn', rule: 'NOT_IN_FUTURE', message: 'record a repayment once it is paid' });
    if (principal.greaterThan(loan.outstandingPrincipal)) {
      problems.push({ field: 'principal', rule: 'NOT_MORE_THAN_OUTSTANDING', message: 'more principal than is outstanding', limit: formatMoney(loan.outstandingPrincipal), actual: formatMoney(principal) });
    }
    // Against the schedule as this repayment's principal re-plans it (replanInterest), so that a payoff
    // cannot pay the interest of the months it ends, whichever part is recorded first.
    const replans = !principal.isZero() && problems.length === 0;
    const plan = replans ? await this.replannedInterest(manager, loan, { date: paidOn, amount: principal }) : undefined;
    const asked = sumMoney(plan ? plan.interest : (await this.currentSchedule(manager, loan)).map((r) => r.interestDue));
    const [{ paid }] = await manager.query(`SELECT coalesce(sum(interest), 0)::text AS paid FROM repayments WHERE loan_id = $1`, [loan.id]);
    const interestOwed = asked.minus(new Decimal(paid));
    if (replans && interestOwed.isNegative()) {
      // Interest paid ahead for months this principal now ends: the books would show more interest
      // paid than was ever owed. The bank corrects the interest payment first (a reversal), then records both.
      problems.push({
        field: 'principal',
        rule: 'INTEREST_PAID_AHEAD',
        message: `${formatMoney(new Decimal(paid))} of interest is recorded, more than the ${formatMoney(asked)} the schedule asks once this principal is repaid: reverse the interest paid ahead, then record what is owed`,
        limit: formatMoney(asked),
        actual: formatMoney(new Decimal(paid)),
      });
    } else if (interest.greaterThan(Decimal.max(interestOwed, 0))) {
      problems.push({ field: 'interest', rule: 'NOT_MORE_THAN_OUTSTANDING', message: 'more interest than the schedule still asks for', limit: formatMoney(Decimal.max(interestOwed, 0)), actual: formatMoney(interest) });
    }
    return problems.length === 0 ? { problems, plan } : { problems };
  }

  /**
   * A penalty (罚息) is charged on amounts paid late (SPEC §5: nothing more than is owed), so it is
   * taken only from a loan that was past due on or before the day it is paid: an instalment due
   * before that day not paid in full by its due date (either part; the delinquency rule, on the current
   * schedule), or a status the delinquency job set (which also remembers schedules since replaced).
   * No penalty rate is kept, so the loan's penalties together are bounded by its principal, against
   * typing errors.
   */
  private async penaltyProblems(manager: EntityManager, loan: Loan, paidOn: IsoDate, penalty: Decimal): Promise<Problem[]> {
    const problems: Problem[] = [];
    const [{ past_due, penalty_paid }]: Array<{ past_due: boolean; penalty_paid: string }> = await manager.query(
      `SELECT (SELECT coalesce(sum(r.penalty), 0) FROM repayments r WHERE r.loan_id = $1)::text AS penalty_paid,
              EXISTS (
                SELECT 1
                  FROM (SELECT s.due_date, sum(s.principal_due) OVER w AS cumulative_principal, sum(s.interest_due) OVER w AS cumulative_interest
                          FROM loan_schedule s WHERE s.loan_id = $1 AND s.version = $2 WINDOW w AS (ORDER BY s.seq)) d
                 CROSS JOIN LATERAL (SELECT coalesce(sum(r.principal), 0) AS principal, coalesce(sum(r.interest), 0) AS interest
                                       FROM repayments r WHERE r.loan_id = $1 AND r.paid_on <= d.due_date) p
                 WHERE d.due_date < $3::date
                   AND (d.cumulative_principal > p.principal OR d.cumulative_interest > p.interest)
              )
           OR EXISTS (SELECT 1 FROM loan_events e WHERE e.loan_id = $1 AND e.to_status IN ('overdue', 'defaulted') AND e.effective_date <= $3::date) AS past_due`,
      [loan.id, loan.scheduleVersion, paidOn],
    );
    if (!past_due) {
      problems.push({ field: 'penalty', rule: 'PENALTY_ONLY_WHEN_PAST_DUE', message: `nothing of the loan was past due on or before ${paidOn}` });
    }
    // Reversals carry the penalty negated, so the sum is what the loan's penalties come to now.
    const paid = parseMoney(penalty_paid);
    if (paid.plus(penalty).greaterThan(loan.principal)) {
      problems.push({
        field: 'penalty',
        rule: 'PENALTY_WITHIN_PRINCIPAL',
        message: "the loan's penalties would come to more than its principal",
        limit: formatMoney(loan.principal.minus(paid)),
        actual: formatMoney(penalty),
      });
    }
    return problems;
  }

  /** Locks a loan of the caller's bank, with its borrower (for the audit snapshots); any other loan does not exist for them. */
  private async lockLoan(manager: EntityManager, context: AuthenticatedContext, loanId: string): Promise<Loan> {
    const loan = await manager.getRepository(Loan).findOne({ where: { id: loanId }, lock: { mode: 'pessimistic_write' } });
    if (!loan || !isInScope(scopeOf(context.user), { bankId: loan.bankId, regionPath: loan.regionPath })) throw notFound('loan');
    return withBorrower(manager, loan);
  }

  /** The status the loan left when it was last settled (its latest 'settled' event), if any. */
  /**
   * Whether reversing `original` reopens a settled loan: it does when principal is outstanding again,
   * or when the reversal leaves interest owed (a reversal of a penalty alone, or on a loan settled
   * before the interest rule, changes nothing). Interest alone does not reopen a loan whose household
   * has taken its one loan under the model since: the loan stays settled, owing that interest, which
   * it still takes (repay()), rather than refusing the correction of money that never came.
   */
  private async reopensOnReversal(manager: EntityManager, loan: Loan, original: Repayment): Promise<boolean> {
    if (loan.outstandingPrincipal.greaterThan(0)) return true;
    if (!original.interest.greaterThan(0) || !(await this.interestStillAsked(manager, loan)).greaterThan(0)) return false;
    if (loan.exclusiveHouseholdId === null) return true;
    const [{ taken }] = await manager.query(
      `SELECT EXISTS (SELECT 1 FROM loans WHERE exclusive_household_id = $1 AND model_code = $2 AND id <> $3
                        AND status IN ('pending_guarantee', 'registered', 'active', 'overdue', 'defaulted')) AS taken`,
      [loan.exclusiveHouseholdId, loan.modelCode, loan.id],
    );
    return !taken;
  }

  private async statusBeforeSettling(manager: EntityManager, loanId: string): Promise<LoanStatus | null> {
    const [event]: Array<{ from_status: LoanStatus }> = await manager.query(
      `SELECT from_status FROM loan_events WHERE loan_id = $1 AND kind = 'settled' ORDER BY id DESC LIMIT 1`,
      [loanId],
    );
    return event?.from_status ?? null;
  }

  private async moveTo(manager: EntityManager, context: AuthenticatedContext, loan: Loan, to: LoanStatus, on: string, kind: string, details: Record<string, unknown>) {
    if (!canTransition(loan.status, to)) throw new DomainError('INVALID_STATE', `a ${loan.status} loan cannot become ${to}`);
    await manager.getRepository(LoanEvent).insert(<never>{ loanId: loan.id, kind, effectiveDate: on, fromStatus: loan.status, toStatus: to, details, createdBy: context.user.id });
    loan.status = to;
  }

  /**
   * Saves the loan and audits the change: the loan before and after, and in `after` also what was
   * done that the loan's own fields do not show (the repayment, the reason, the extension's dates).
   */
  private async finish(manager: EntityManager, context: AuthenticatedContext, loan: Loan, action: string, before: LoanDto, done: Record<string, unknown> = {}): Promise<LoanDto> {
    loan.updatedAt = new Date();
    await manager.getRepository(Loan).save(loan);
    const saved = await manager.getRepository(Loan).findOneOrFail({ where: { id: loan.id }, relations: { household: true, enterprise: true } });
    const after = toLoanDto(saved);
    await recordAudit(manager, context, { action, entityType: 'loan', entityId: loan.id, before, after: { ...after, ...done }, regionPath: loan.regionPath, institutionId: loan.bankId });
    return after;
  }
}

/**
 * The loan's principal repaid, net, per value date on which it moved, in date order (a day whose
 * repayments were all reversed moved nothing: reversals are dated like what they undo).
 */
/** A current schedule's rows and the interest each asks once re-planned. */
interface Replanned {
  rows: ScheduleEntry[];
  interest: Decimal[];
}

/** The latest value date of a repayment that stands (not reversed), or null. */
async function lastStandingRepaymentOn(manager: EntityManager, loanId: string): Promise<string | null> {
  const [{ last }]: Array<{ last: string | null }> = await manager.query(
    `SELECT max(r.paid_on)::text AS last FROM repayments r
      WHERE r.loan_id = $1 AND r.kind = 'repayment' AND NOT EXISTS (SELECT 1 FROM repayments v WHERE v.reverses_id = r.id)`,
    [loanId],
  );
  return last;
}

async function principalMovements(manager: EntityManager, loanId: string): Promise<DatedPrincipal[]> {
  const rows: Array<{ paid_on: string; principal: string }> = await manager.query(
    `SELECT paid_on::text, sum(principal)::text AS principal FROM repayments WHERE loan_id = $1
      GROUP BY paid_on HAVING sum(principal) <> 0 ORDER BY paid_on`,
    [loanId],
  );
  return rows.map((r) => ({ date: r.paid_on as IsoDate, amount: new Decimal(r.principal) }));
}

/**
 * Puts the loan's borrower (household or enterprise) on a loan read without it — a row locked FOR
 * UPDATE cannot be read with its outer-joined relations — so that its DTO names the borrower.
 */
export async function withBorrower(manager: EntityManager, loan: Loan): Promise<Loan> {
  const related = await manager.getRepository(Loan).findOneOrFail({ where: { id: loan.id }, relations: { household: true, enterprise: true } });
  loan.household = related.household;
  loan.enterprise = related.enterprise;
  return loan;
}

/** The rows of a schedule, turning a term the repayment method cannot plan into the caller's 422. */
function plannedOrRefused(loan: Loan, version: number, disbursementDate: string, replan?: Replan): ReturnType<typeof scheduleEntries> {
  try {
    return scheduleEntries(loan, version, disbursementDate, replan);
  } catch (error) {
    if (error instanceof CoreInputError) {
      throw new DomainError('RULE_VIOLATION', 'the repayment method cannot plan this term', [{ field: 'maturityDate', rule: error.code, message: error.message }]);
    }
    throw error;
  }
}

function sameRepaymentOrRefuse(previous: Repayment, input: NewRepayment): RepaymentDto {
  const same =
    previous.paidOn === input.paidOn &&
    previous.principal.equals(parseMoney(input.principal)) &&
    previous.interest.equals(parseMoney(input.interest)) &&
    previous.penalty.equals(parseMoney(input.penalty));
  if (!same) {
    throw new DomainError('RULE_VIOLATION', 'this Idempotency-Key was already used for a different repayment', [
      { field: 'Idempotency-Key', rule: 'IDEMPOTENCY_KEY_REUSED', message: 'use a new key for a new repayment' },
    ]);
  }
  return toRepaymentDto(previous);
}
