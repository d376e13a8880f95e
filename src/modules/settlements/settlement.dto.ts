import { formatMoney, formatRate, type PricedSegment, type SettlementPeriod } from '../../core';
import type { StoredLine } from './line-record';
import { formatBase, formatLi } from './line-record';
import type { SettlementBatch } from './settlement-batch.entity';
import type { ModelSubtotal } from './settlement-draft';
import type { EngineLine } from './settlement-engine';

export interface ModelSubtotalDto {
  modelCode: string;
  modelName: string;
  lineCount: number;
  interestSubsidy: string;
  guaranteeFeeSubsidy: string;
  totalAmount: string;
}

export interface BatchDto {
  id: string;
  batchNumber: string;
  bankId: string;
  bankName: string | null;
  period: string;
  periodStart: string;
  periodEnd: string;
  status: SettlementBatch['status'];
  revision: number;
  lineCount: number;
  loansCounted: number;
  loansSubsidised: number;
  adjustmentCount: number;
  openingBalanceTotal: string;
  closingBalanceTotal: string;
  interestSubsidyTotal: string;
  guaranteeFeeSubsidyTotal: string;
  /** The amount requested: the sum of the lines (SPEC §6.5, §7). */
  totalAmount: string;
  contentSha256: string | null;
  computedAt: string;
  computedBy: string | null;
  submittedAt: string | null;
  submittedBy: string | null;
  approvedAt: string | null;
  approvedBy: string | null;
  rejectedAt: string | null;
  rejectedBy: string | null;
  rejectionReason: string | null;
  paidOn: string | null;
  paymentReference: string | null;
  subtotals?: ModelSubtotalDto[];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toBatchDto(b: SettlementBatch, bankName: string | null = null, subtotals?: ModelSubtotal[]): BatchDto {
  const dto: BatchDto = {
    id: b.id,
    batchNumber: b.batchNumber,
    bankId: b.bankId,
    bankName: bankName ?? b.bank?.name ?? null,
    period: b.period,
    periodStart: b.periodStart,
    periodEnd: b.periodEnd,
    status: b.status,
    revision: b.revision,
    lineCount: b.lineCount,
    loansCounted: b.loansCounted,
    loansSubsidised: b.loansSubsidised,
    adjustmentCount: b.adjustmentCount,
    openingBalanceTotal: formatMoney(b.openingBalanceTotal),
    closingBalanceTotal: formatMoney(b.closingBalanceTotal),
    interestSubsidyTotal: formatMoney(b.interestSubsidyTotal),
    guaranteeFeeSubsidyTotal: formatMoney(b.guaranteeFeeSubsidyTotal),
    totalAmount: formatMoney(b.totalAmount),
    contentSha256: b.contentSha256,
    computedAt: b.computedAt.toISOString(),
    computedBy: b.computedBy,
    submittedAt: iso(b.submittedAt),
    submittedBy: b.submittedBy,
    approvedAt: iso(b.approvedAt),
    approvedBy: b.approvedBy,
    rejectedAt: iso(b.rejectedAt),
    rejectedBy: b.rejectedBy,
    rejectionReason: b.rejectionReason,
    paidOn: b.paidOn,
    paymentReference: b.paymentReference,
  };
  if (subtotals) dto.subtotals = subtotals.map(toSubtotalDto);
  return dto;
}

export function toSubtotalDto(s: ModelSubtotal): ModelSubtotalDto {
  return {
    modelCode: s.modelCode,
    modelName: s.modelNameZh,
    lineCount: s.lineCount,
    interestSubsidy: formatMoney(s.interestSubsidy),
    guaranteeFeeSubsidy: formatMoney(s.guaranteeFeeSubsidy),
    totalAmount: formatMoney(s.totalAmount),
  };
}

/** A stored line as the API shows it: the stored record as it is hashed, with its id. */
export type LineDto = StoredLine;

export interface SegmentDto {
  from: string;
  to: string;
  days: number;
  base: string;
  rate: string;
  amount: string;
}

/** GET /loans/:id/subsidy?period= (SPEC §11). */
export interface LoanSubsidyDto {
  loanId: string;
  period: string;
  periodStart: string;
  periodEnd: string;
  days: number;
  openingBalance: string;
  closingBalance: string;
  interestRate: string | null;
  segments: SegmentDto[];
  interestSubsidy: string;
  feeSubsidyRate: string | null;
  guaranteeFeeSegments: SegmentDto[];
  guaranteeFeeSubsidy: string;
  totalAmount: string;
  reason: string | null;
}

const segmentDto = (s: PricedSegment): SegmentDto => ({
  from: s.from,
  to: s.to,
  days: s.days,
  base: formatBase(s.base),
  rate: formatRate(s.rateAnnual),
  amount: formatLi(s.amount),
});

export function toLoanSubsidyDto(loanId: string, period: SettlementPeriod, computed: EngineLine | null): LoanSubsidyDto {
  const line = computed?.line ?? null;
  const zero = '0.00';
  return {
    loanId,
    period: period.name,
    periodStart: period.firstDay,
    periodEnd: period.lastDay,
    days: line?.days ?? 0,
    openingBalance: line ? formatMoney(line.openingBalance) : zero,
    closingBalance: line ? formatMoney(line.closingBalance) : zero,
    interestRate: line?.interestRate ? formatRate(line.interestRate) : null,
    segments: (line?.interestSegments ?? []).map(segmentDto),
    interestSubsidy: line ? formatMoney(line.interestSubsidy) : zero,
    feeSubsidyRate: line?.feeSubsidyRate ? formatRate(line.feeSubsidyRate) : null,
    guaranteeFeeSegments: (line?.feeSegments ?? []).map(segmentDto),
    guaranteeFeeSubsidy: line ? formatMoney(line.guaranteeFeeSubsidy) : zero,
    totalAmount: line ? formatMoney(line.totalAmount) : zero,
    reason: line?.reason ?? null,
  };
}

/** A reminder that a batch was still in draft after its 3 working days (SPEC §7, §8), with the batch as it is now. */
export interface ReminderDto {
  id: string;
  batchId: string;
  batchNumber: string;
  /** The batch's status now: a reminder of a batch since submitted is history. */
  batchStatus: string;
  bankId: string;
  bankName: string | null;
  period: string;
  businessDate: string;
  dueOn: string;
  workingDaysSincePeriodEnd: number;
  createdAt: string;
}
