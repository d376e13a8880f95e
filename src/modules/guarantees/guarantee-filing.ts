import type { EntityManager } from 'typeorm';
import { invariant } from '../../core/errors';
import { asCoreDecimal, Decimal, formatMoney, formatRate } from '../../core/money';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { DomainError } from '../../shared/http/errors';
import { recordAudit } from '../audit/audit.service';
import { Institution } from '../institutions/institution.entity';
import type { Loan } from '../loans/loan.entity';
import type { GuaranteeRule } from '../models/model-parameters';
import { Guarantee } from './guarantee.entity';
import { GUARANTEE_RULE_CODES, guaranteedAmountOf } from './guarantee.rules';

export interface GuaranteeApplication {
  loan: Loan;
  /** The guarantee rule of the loan's model version; registration files only when it is required. */
  rule: GuaranteeRule;
  /** The fee rate the bank gave, already checked against the model's cap at registration. */
  feeRateAnnual: Decimal;
  requestedDisbursementDate: string | null;
}

/**
 * Files the guarantee application of a loan being registered (SPEC §5: "registering the loan files a
 * guarantee application"), inside the registration's transaction: guarantor, guaranteed amount =
 * principal × coverage, fee rate and fee-subsidy rate (by borrower kind) from the model version in
 * force. The loan officer who registers is the filer. A guarantor that is not a guarantee company is
 * refused, which rolls the registration back.
 */
export async function fileGuaranteeApplication(manager: EntityManager, context: AuthenticatedContext, application: GuaranteeApplication): Promise<Guarantee> {
  const { loan, rule } = application;
  invariant(rule.required, 'only a model that requires a guarantee files an application');
  invariant(loan.guarantorId !== null, 'registration checked that a guarantor is given');
  const guarantor = await manager.getRepository(Institution).findOneBy({ id: loan.guarantorId });
  if (!guarantor || guarantor.type !== 'guarantee_company') {
    throw new DomainError('RULE_VIOLATION', 'the loan breaks the rules of its financing model', [
      { code: GUARANTEE_RULE_CODES.notGuarantor, field: 'guarantorId', message: 'the guarantor must be a government guarantee company (政府性融资担保公司)' },
    ]);
  }
  const coverageRatio = new Decimal(rule.coverageRatio);
  const repository = manager.getRepository(Guarantee);
  const guarantee = repository.create({
    loanId: loan.id,
    guarantorId: guarantor.id,
    guaranteedAmount: guaranteedAmountOf(loan.principal, coverageRatio),
    coverageRatio,
    feeRateAnnual: asCoreDecimal(application.feeRateAnnual),
    feeSubsidyRateAnnual: new Decimal(rule.feeSubsidyRates[loan.borrowerKind]),
    requestedDisbursementDate: application.requestedDisbursementDate,
    status: 'pending',
    filedBy: context.user.id,
    decidedBy: null,
    decidedAt: null,
    decidedOn: null,
    decisionReason: null,
    letterNumber: null,
  });
  await repository.insert(guarantee);
  await recordAudit(manager, context, {
    action: 'file',
    entityType: 'guarantee',
    entityId: guarantee.id,
    after: {
      loanId: loan.id,
      guarantorId: guarantor.id,
      guaranteedAmount: formatMoney(guarantee.guaranteedAmount),
      coverageRatio: rule.coverageRatio,
      feeRateAnnual: formatRate(guarantee.feeRateAnnual),
      feeSubsidyRateAnnual: formatRate(guarantee.feeSubsidyRateAnnual),
      status: 'pending',
    },
    regionPath: loan.regionPath,
    institutionId: loan.bankId,
  });
  return guarantee;
}
