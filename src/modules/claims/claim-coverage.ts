// Whether a claim's loan still owes what the claim was filed for (SPEC §5). A claim pays the loss
// fixed on its claim date; a borrower who repays after that, or a loan that is no longer defaulted,
// means paying the claim as filed would pay public money for a debt that no longer exists.
import type { EntityManager } from 'typeorm';
import type { IsoDate } from '../../core/dates';
import { formatMoney } from '../../core/money';
import { DomainError } from '../../shared/http/errors';
import type { Loan } from '../loans/loan.entity';
import { Repayment } from '../loans/repayment.entity';
import { ScheduleEntry } from '../loans/schedule-entry.entity';
import type { Claim } from './claim.entity';
import { claimStillOwed, type ClaimLossInput } from './claim-loss';

export const CLAIM_COVERAGE_CODES = {
  notDefaulted: 'LOAN_NOT_DEFAULTED',
  principalRepaid: 'PRINCIPAL_REPAID_SINCE_CLAIM',
  interestPaid: 'INTEREST_PAID_SINCE_CLAIM',
} as const;

export interface CoverageProblem {
  code: string;
  field: string;
  message: string;
  limit?: string;
  actual?: string;
}

/** The loan's records as claimLoss reads them: the schedule in force and every repayment and reversal. */
export async function lossInputOf(manager: EntityManager, loan: Loan, claimDate: IsoDate): Promise<ClaimLossInput> {
  const [schedule, repayments] = await Promise.all([
    manager.getRepository(ScheduleEntry).find({ where: { loanId: loan.id, version: loan.scheduleVersion }, order: { seq: 'ASC' } }),
    manager.getRepository(Repayment).find({ where: { loanId: loan.id } }),
  ]);
  return {
    claimDate,
    disbursementDate: loan.disbursementDate as IsoDate,
    method: loan.repaymentMethod,
    rateAnnual: loan.rateAnnual,
    principal: loan.principal,
    schedule: schedule.map((s) => ({ dueDate: s.dueDate as IsoDate, interestDue: s.interestDue })),
    repayments: repayments.map((r) => ({ paidOn: r.paidOn as IsoDate, principal: r.principal, interest: r.interest })),
  };
}

/**
 * Why the claim may no longer be approved or paid, every reason at once (empty: it may). The caller
 * holds the claim's lock and then the loan's (in that order, as every claim use case takes them), so
 * no repayment can slip in between this check and the payment it guards.
 */
export async function coverageProblems(manager: EntityManager, claim: Claim, lockedLoan: Loan): Promise<CoverageProblem[]> {
  const problems: CoverageProblem[] = [];
  if (lockedLoan.status !== 'defaulted') {
    problems.push({ code: CLAIM_COVERAGE_CODES.notDefaulted, field: 'loanId', message: `the loan is ${lockedLoan.status} now, no longer defaulted`, actual: lockedLoan.status });
  }
  const owed = claimStillOwed(await lossInputOf(manager, lockedLoan, claim.claimDate as IsoDate));
  if (owed.principalOwed.lt(claim.principalOutstanding)) {
    problems.push({
      code: CLAIM_COVERAGE_CODES.principalRepaid,
      field: 'principalOutstanding',
      message: `the claim is for ${formatMoney(claim.principalOutstanding)} of principal; the loan owes ${formatMoney(owed.principalOwed)} now`,
      limit: formatMoney(owed.principalOwed),
      actual: formatMoney(claim.principalOutstanding),
    });
  }
  if (owed.interestOwed.lt(claim.interestUnpaid)) {
    problems.push({
      code: CLAIM_COVERAGE_CODES.interestPaid,
      field: 'interestUnpaid',
      message: `the claim is for ${formatMoney(claim.interestUnpaid)} of unpaid interest; ${formatMoney(owed.interestOwed)} of it is still unpaid`,
      limit: formatMoney(owed.interestOwed),
      actual: formatMoney(claim.interestUnpaid),
    });
  }
  return problems;
}

/** A claim is approved, and each share paid, only while its loan still owes all it was filed for: 409 with every reason. */
export async function refuseIfNotOwed(manager: EntityManager, claim: Claim, lockedLoan: Loan): Promise<void> {
  const problems = await coverageProblems(manager, claim, lockedLoan);
  if (problems.length > 0) {
    throw new DomainError('INVALID_STATE', `the loan no longer owes what the claim was filed for: ${problems.map((p) => p.message).join('; ')}`, problems);
  }
}
