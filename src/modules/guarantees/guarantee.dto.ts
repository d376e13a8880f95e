import { formatMoney, formatRate } from '../../core/money';
import type { Guarantee } from './guarantee.entity';
import { guaranteedAmountOf, guaranteeStateOf, type GuaranteeState } from './guarantee.rules';

export interface GuaranteeDto {
  id: string;
  loanId: string;
  contractNumber: string;
  bankId: string;
  modelCode: string;
  borrowerKind: 'household' | 'enterprise';
  borrowerName: string | null;
  guarantorId: string;
  guarantorName: string;
  principal: string;
  guaranteedAmount: string;
  coverageRatio: string;
  feeRateAnnual: string;
  feeSubsidyRateAnnual: string;
  termMonths: number;
  contractDate: string;
  maturityDate: string;
  requestedDisbursementDate: string | null;
  /** pending / approved / rejected, and for an approved guarantee what became of its loan: released (settled), compensated, written_off. */
  status: GuaranteeState;
  loanStatus: string;
  /** Outstanding principal × coverage, to the fen, while the guarantee is in force; else 0.00. */
  outstandingGuaranteed: string;
  filedBy: string;
  filedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decidedOn: string | null;
  decisionReason: string | null;
  letterNumber: string | null;
  /** The loan's settlement date, when settlement released the guarantee. */
  releasedOn: string | null;
}

/** The guarantee with its loan, borrower and guarantor joined (`loan`, `loan.household|enterprise`, `guarantor`). */
export function toGuaranteeDto(g: Guarantee): GuaranteeDto {
  const loan = g.loan!;
  const status = guaranteeStateOf(g.status, loan.status);
  return {
    id: g.id,
    loanId: g.loanId,
    contractNumber: loan.contractNumber,
    bankId: loan.bankId,
    modelCode: loan.modelCode,
    borrowerKind: loan.borrowerKind,
    borrowerName: loan.household?.headName ?? loan.enterprise?.name ?? null,
    guarantorId: g.guarantorId,
    guarantorName: g.guarantor?.name ?? '',
    principal: formatMoney(loan.principal),
    guaranteedAmount: formatMoney(g.guaranteedAmount),
    coverageRatio: g.coverageRatio.toFixed(),
    feeRateAnnual: formatRate(g.feeRateAnnual),
    feeSubsidyRateAnnual: formatRate(g.feeSubsidyRateAnnual),
    termMonths: loan.termMonths,
    contractDate: loan.contractDate,
    maturityDate: loan.currentMaturityDate,
    requestedDisbursementDate: g.requestedDisbursementDate,
    status,
    loanStatus: loan.status,
    outstandingGuaranteed: status === 'approved' ? formatMoney(guaranteedAmountOf(loan.outstandingPrincipal, g.coverageRatio)) : '0.00',
    filedBy: g.filedBy,
    filedAt: g.filedAt.toISOString(),
    decidedBy: g.decidedBy,
    decidedAt: g.decidedAt ? g.decidedAt.toISOString() : null,
    decidedOn: g.decidedOn,
    decisionReason: g.decisionReason,
    letterNumber: g.letterNumber,
    releasedOn: status === 'released' ? loan.closedOn : null,
  };
}
