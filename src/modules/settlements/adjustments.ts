// Corrections of approved periods (SPEC §7 "a later correction is an adjustment line in the next
// batch"). Approved and paid batches never change; when a later draft is computed, each earlier
// period of the bank with an approved or paid batch (within ADJUSTMENT_LOOKBACK_PERIODS) is computed
// afresh and compared, loan by loan, with what was booked for it: the period's own line plus the
// adjustment lines for that period in other approved or paid batches. A difference becomes an
// adjustment line, referring to the original line. Example (test/api/settlements.test.ts): a
// repayment of 2026Q2 reversed after 2026Q2 was approved raises that quarter's balance, so the
// 2026Q3 draft carries a positive adjustment for 2026Q2.
import type { EntityManager } from 'typeorm';
import { Decimal, formatMoney, parsePeriod, previousPeriod, sumMoney, type SettlementPeriod } from '../../core';
import type { LineRecord } from './line-record';
import { regularRecord } from './line-record';
import { computeLines } from './settlement-engine';
import type { ModelVersions } from './settlement-source';

/** How far back corrections are looked for: two years of quarters. Older periods are closed. */
export const ADJUSTMENT_LOOKBACK_PERIODS = 8;

/** The earlier periods of the bank whose batches are approved or paid, oldest first. */
export async function adjustablePeriods(manager: EntityManager, bankId: string, period: SettlementPeriod): Promise<SettlementPeriod[]> {
  let oldest = period;
  for (let i = 0; i < ADJUSTMENT_LOOKBACK_PERIODS; i += 1) oldest = previousPeriod(oldest);
  // Period names sort as text in calendar order ("2025Q4" < "2026Q1").
  const rows: Array<{ period: string }> = await manager.query(
    `SELECT period FROM settlement_batches
      WHERE bank_id = $1 AND status IN ('approved', 'paid') AND period < $2 AND period >= $3
      ORDER BY period`,
    [bankId, period.name, oldest.name],
  );
  return rows.map((r) => parsePeriod(r.period));
}

interface Booked {
  interest: Decimal;
  fee: Decimal;
  originalLineId: string | null;
}

/** What approved and paid batches booked for these loans for the period: its line plus adjustments. */
async function bookedFor(manager: EntityManager, bankId: string, period: SettlementPeriod, loanIds: string[]): Promise<Map<string, Booked>> {
  const rows: Array<{ loan_id: string; interest: string; fee: string; original_line_id: string | null }> = await manager.query(
    `SELECT sl.loan_id, sum(sl.interest_subsidy)::text AS interest, sum(sl.guarantee_fee_subsidy)::text AS fee,
            max(sl.id) FILTER (WHERE sl.kind = 'regular')::text AS original_line_id
       FROM settlement_lines sl JOIN settlement_batches b ON b.id = sl.batch_id
      WHERE b.bank_id = $1 AND b.status IN ('approved', 'paid') AND sl.loan_id = ANY($3::uuid[])
        AND ((sl.kind = 'regular' AND b.period = $2) OR (sl.kind = 'adjustment' AND sl.adjusts_period = $2))
      GROUP BY sl.loan_id`,
    [bankId, period.name, loanIds],
  );
  return new Map(rows.map((r) => [r.loan_id, { interest: new Decimal(r.interest), fee: new Decimal(r.fee), originalLineId: r.original_line_id }]));
}

/**
 * The adjustment lines for one earlier period (numbered later by the caller), a chunk of loans at a
 * time. The adjustment carries the fresh computation's days, rates, segments and reason (e.g. the
 * OVERDUE that a back-dated reversal caused), and as amounts the differences to what was booked.
 */
export async function* adjustmentRecords(
  manager: EntityManager,
  bankId: string,
  earlier: SettlementPeriod,
  versions: ModelVersions,
): AsyncGenerator<Array<Omit<LineRecord, 'lineNo'>>> {
  for await (const chunk of computeLines(manager, { bankId, includeBooked: true }, earlier, versions)) {
    const booked = await bookedFor(manager, bankId, earlier, chunk.map((c) => c.loan.id));
    const records: Array<Omit<LineRecord, 'lineNo'>> = [];
    for (const { loan, line } of chunk) {
      const was = booked.get(loan.id) ?? { interest: new Decimal(0), fee: new Decimal(0), originalLineId: null };
      const interest = (line?.interestSubsidy ?? new Decimal(0)).minus(was.interest);
      const fee = (line?.guaranteeFeeSubsidy ?? new Decimal(0)).minus(was.fee);
      if (interest.isZero() && fee.isZero()) continue;
      const fresh = line ? regularRecord(loan, line, 0) : undefined;
      records.push({
        kind: 'adjustment',
        loanId: loan.id,
        contractNumber: loan.contractNumber,
        borrowerKind: loan.borrowerKind,
        borrowerName: loan.borrowerName,
        borrowerIdentifier: loan.borrowerIdentifier,
        modelCode: loan.modelCode,
        principal: formatMoney(loan.principal),
        openingBalance: null,
        closingBalance: null,
        days: fresh?.days ?? 0,
        interestRate: fresh?.interestRate ?? null,
        interestSubsidy: formatMoney(interest),
        feeSubsidyRate: fresh?.feeSubsidyRate ?? null,
        guaranteeFeeSubsidy: formatMoney(fee),
        totalAmount: formatMoney(sumMoney([interest, fee])),
        reason: fresh?.reason ?? null,
        segments: fresh?.segments ?? [],
        adjustsPeriod: earlier.name,
        adjustsLineId: was.originalLineId,
      });
    }
    if (records.length > 0) yield records;
  }
}
