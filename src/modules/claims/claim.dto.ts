import { In, type EntityManager } from 'typeorm';
import { Decimal, formatMoney, sumMoney } from '../../core/money';
import { RiskLedgerEntry } from '../guarantees/risk-ledger-entry.entity';
import { toLedgerEntryDto, type LedgerEntryDto } from '../guarantees/risk-ledger';
import type { Claim, ClaimStatus } from './claim.entity';
import { ClaimShare } from './claim-share.entity';

export interface ClaimShareDto {
  id: string;
  seq: number;
  party: string;
  ratio: string;
  amount: string;
  institutionId: string | null;
  fundId: string | null;
  paid: string;
  /** amount − paid */
  unpaid: string;
  recovered: string;
}

export interface ClaimDto {
  id: string;
  claimNumber: string;
  loanId: string;
  contractNumber: string;
  bankId: string;
  modelCode: string;
  borrowerName: string | null;
  guaranteeId: string | null;
  claimDate: string;
  principalOutstanding: string;
  interestUnpaid: string;
  lossAmount: string;
  status: ClaimStatus;
  loanStatus: string;
  filedBy: string;
  filedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decidedOn: string | null;
  decisionReason: string | null;
  paidOn: string | null;
  totalPaid: string;
  totalRecovered: string;
  shares: ClaimShareDto[];
  /** The claim's payments and recoveries, in the order they were recorded. */
  entries: LedgerEntryDto[];
}

/** A share with what its ledger records say was paid and recovered. */
export interface ShareState {
  share: ClaimShare;
  paid: Decimal;
  recovered: Decimal;
}

/** The claim's shares in the model's order, with the sums of their payments and recoveries. */
export async function shareStates(manager: EntityManager, claimId: string): Promise<{ states: ShareState[]; entries: RiskLedgerEntry[] }> {
  return (await shareStatesOf(manager, [claimId])).get(claimId)!;
}

/** The same for a page of claims, in two queries whatever the page size. */
export async function shareStatesOf(manager: EntityManager, claimIds: readonly string[]): Promise<Map<string, { states: ShareState[]; entries: RiskLedgerEntry[] }>> {
  const result = new Map(claimIds.map((id) => [id, { states: [] as ShareState[], entries: [] as RiskLedgerEntry[] }]));
  if (claimIds.length === 0) return result;
  const [shares, entries] = await Promise.all([
    manager.getRepository(ClaimShare).find({ where: { claimId: In([...claimIds]) }, order: { claimId: 'ASC', seq: 'ASC' } }),
    manager.getRepository(RiskLedgerEntry).find({ where: { claimId: In([...claimIds]) }, order: { id: 'ASC' } }),
  ]);
  for (const entry of entries) result.get(entry.claimId!)!.entries.push(entry);
  for (const share of shares) {
    const mine = entries.filter((e) => e.claimShareId === share.id);
    result.get(share.claimId)!.states.push({
      share,
      // Payments are stored negative (the party's outflow); here they are shown as amounts paid.
      paid: sumMoney(mine.filter((e) => e.kind === 'claim_payment').map((e) => e.amount)).negated(),
      recovered: sumMoney(mine.filter((e) => e.kind === 'recovery').map((e) => e.amount)),
    });
  }
  return result;
}

/** The claim with its loan (and borrower) joined. */
export function toClaimDto(claim: Claim, states: readonly ShareState[], entries: readonly RiskLedgerEntry[]): ClaimDto {
  const loan = claim.loan!;
  return {
    id: claim.id,
    claimNumber: claim.claimNumber,
    loanId: claim.loanId,
    contractNumber: loan.contractNumber,
    bankId: loan.bankId,
    modelCode: loan.modelCode,
    borrowerName: loan.household?.headName ?? loan.enterprise?.name ?? null,
    guaranteeId: claim.guaranteeId,
    claimDate: claim.claimDate,
    principalOutstanding: formatMoney(claim.principalOutstanding),
    interestUnpaid: formatMoney(claim.interestUnpaid),
    lossAmount: formatMoney(claim.lossAmount),
    status: claim.status,
    loanStatus: loan.status,
    filedBy: claim.filedBy,
    filedAt: claim.filedAt.toISOString(),
    decidedBy: claim.decidedBy,
    decidedAt: claim.decidedAt ? claim.decidedAt.toISOString() : null,
    decidedOn: claim.decidedOn,
    decisionReason: claim.decisionReason,
    paidOn: claim.paidOn,
    totalPaid: formatMoney(sumMoney(states.map((s) => s.paid))),
    totalRecovered: formatMoney(sumMoney(states.map((s) => s.recovered))),
    shares: states.map(({ share, paid, recovered }) => ({
      id: share.id,
      seq: share.seq,
      party: share.party,
      ratio: share.ratio.toFixed(),
      amount: formatMoney(share.amount),
      institutionId: share.institutionId,
      fundId: share.fundId,
      paid: formatMoney(paid),
      unpaid: formatMoney(share.amount.minus(paid)),
      recovered: formatMoney(recovered),
    })),
    entries: entries.map(toLedgerEntryDto),
  };
}

/** Money paid on the claim has begun to come back: it is paid no further, only recovered and then rejected. */
export function recoveryStarted(states: readonly ShareState[]): boolean {
  return sumMoney(states.map((s) => s.recovered)).gt(0);
}
