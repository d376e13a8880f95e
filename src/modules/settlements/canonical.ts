// The canonical content of a settlement batch and its SHA-256 (SPEC §7; defined precisely in
// docs/calculations.md "Canonical content of a settlement batch"). The hash is printed on every page
// of the statement and stored on the batch, so that any printed statement can be verified later.
//
// Canonical content = UTF-8 JSON Lines: the header record, then one record per line in line order,
// each `JSON.stringify` of an object with its keys in the fixed order below, followed by "\n".
// Amounts are strings in their one canonical form (money: 2 decimals; rates: formatRate; segment
// amounts: 3 decimals); counts and days are integers. Workflow fields (status, who, when, payment)
// are not content: paying an approved batch does not change its hash.
import crypto from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { formatMoney, type Decimal } from '../../core';
import { canonicalSegment, streamLines, type LineRecord } from './line-record';

export const CANONICAL_FORMAT = 'fupin-settlement-batch/1';

/** The header fields that are content. */
export interface CanonicalHeaderSource {
  id: string;
  batchNumber: string;
  bankId: string;
  period: string;
  periodStart: string;
  periodEnd: string;
  lineCount: number;
  loansCounted: number;
  openingBalanceTotal: Decimal;
  closingBalanceTotal: Decimal;
  interestSubsidyTotal: Decimal;
  guaranteeFeeSubsidyTotal: Decimal;
  totalAmount: Decimal;
}

export function canonicalHeader(b: CanonicalHeaderSource): string {
  return JSON.stringify({
    format: CANONICAL_FORMAT,
    batchNumber: b.batchNumber,
    bankId: b.bankId,
    period: b.period,
    periodStart: b.periodStart,
    periodEnd: b.periodEnd,
    lineCount: b.lineCount,
    loansCounted: b.loansCounted,
    openingBalanceTotal: formatMoney(b.openingBalanceTotal),
    closingBalanceTotal: formatMoney(b.closingBalanceTotal),
    interestSubsidyTotal: formatMoney(b.interestSubsidyTotal),
    guaranteeFeeSubsidyTotal: formatMoney(b.guaranteeFeeSubsidyTotal),
    totalAmount: formatMoney(b.totalAmount),
  });
}

export function canonicalLine(l: LineRecord): string {
  return JSON.stringify({
    lineNo: l.lineNo,
    kind: l.kind,
    loanId: l.loanId,
    contractNumber: l.contractNumber,
    borrowerKind: l.borrowerKind,
    borrowerName: l.borrowerName,
    borrowerIdentifier: l.borrowerIdentifier,
    modelCode: l.modelCode,
    principal: l.principal,
    openingBalance: l.openingBalance,
    closingBalance: l.closingBalance,
    days: l.days,
    interestRate: l.interestRate,
    interestSubsidy: l.interestSubsidy,
    feeSubsidyRate: l.feeSubsidyRate,
    guaranteeFeeSubsidy: l.guaranteeFeeSubsidy,
    totalAmount: l.totalAmount,
    reason: l.reason,
    adjustsPeriod: l.adjustsPeriod,
    adjustsLineId: l.adjustsLineId,
    segments: l.segments.map(canonicalSegment),
  });
}

/**
 * The SHA-256 (lower-case hex) of a batch's canonical content as stored now, hashed line by line as
 * the lines stream from the database: memory holds one chunk whatever the batch's size.
 */
export async function contentSha256(manager: EntityManager, header: CanonicalHeaderSource): Promise<string> {
  const hash = crypto.createHash('sha256');
  hash.update(`${canonicalHeader(header)}\n`, 'utf8');
  for await (const chunk of streamLines(manager, header.id)) {
    for (const line of chunk) hash.update(`${canonicalLine(line)}\n`, 'utf8');
  }
  return hash.digest('hex');
}
