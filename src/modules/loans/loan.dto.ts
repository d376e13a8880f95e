import { formatMoney, formatRate } from '../../core/money';
import type { Loan, LoanStatus, RepaymentMethod } from './loan.entity';

export interface LoanDto {
  id: string;
  bankId: string;
  branchId: string;
  contractNumber: string;
  modelCode: string;
  modelVersionId: string;
  borrowerKind: 'household' | 'enterprise';
  householdId: string | null;
  enterpriseId: string | null;
  borrowerName: string | null;
  /** A household's masked ID number or an enterprise's USCC. */
  borrowerIdentifier: string | null;
  principal: string;
  outstandingPrincipal: string;
  rateAnnual: string;
  referenceRateAnnual: string;
  contractDate: string;
  disbursementDate: string | null;
  maturityDate: string;
  currentMaturityDate: string;
  termMonths: number;
  repaymentMethod: RepaymentMethod;
  purpose: string;
  agreementNumber: string | null;
  drivenHouseholds: number | null;
  guarantorId: string | null;
  riskFundId: string | null;
  status: LoanStatus;
  daysPastDue: number;
  delinquencyAsOf: string | null;
  closedOn: string | null;
}

/**
 * What the DTO is made from: a loan's columns and, for the borrower's name and identifier, the joined
 * household or enterprise. An entity fits, and so does a loan read as a raw row or just inserted.
 */
export type LoanDtoSource = Omit<LoanDto, 'borrowerName' | 'borrowerIdentifier' | 'principal' | 'outstandingPrincipal' | 'rateAnnual' | 'referenceRateAnnual'> &
  Pick<Loan, 'principal' | 'outstandingPrincipal' | 'rateAnnual' | 'referenceRateAnnual'> & {
    household?: { headName: string; idNumberMasked: string } | null;
    enterprise?: { name: string; uscc: string } | null;
  };

/** The loan as the API shows it; the borrower's name comes from the joined household or enterprise. */
export function toLoanDto(loan: LoanDtoSource): LoanDto {
  return {
    id: loan.id,
    bankId: loan.bankId,
    branchId: loan.branchId,
    contractNumber: loan.contractNumber,
    modelCode: loan.modelCode,
    modelVersionId: loan.modelVersionId,
    borrowerKind: loan.borrowerKind,
    householdId: loan.householdId,
    enterpriseId: loan.enterpriseId,
    borrowerName: loan.household?.headName ?? loan.enterprise?.name ?? null,
    borrowerIdentifier: loan.household?.idNumberMasked ?? loan.enterprise?.uscc ?? null,
    principal: formatMoney(loan.principal),
    outstandingPrincipal: formatMoney(loan.outstandingPrincipal),
    rateAnnual: formatRate(loan.rateAnnual),
    referenceRateAnnual: formatRate(loan.referenceRateAnnual),
    contractDate: loan.contractDate,
    disbursementDate: loan.disbursementDate,
    maturityDate: loan.maturityDate,
    currentMaturityDate: loan.currentMaturityDate,
    termMonths: loan.termMonths,
    repaymentMethod: loan.repaymentMethod,
    purpose: loan.purpose,
    agreementNumber: loan.agreementNumber,
    drivenHouseholds: loan.drivenHouseholds,
    guarantorId: loan.guarantorId,
    riskFundId: loan.riskFundId,
    status: loan.status,
    daysPastDue: loan.daysPastDue,
    delinquencyAsOf: loan.delinquencyAsOf,
    closedOn: loan.closedOn,
  };
}
