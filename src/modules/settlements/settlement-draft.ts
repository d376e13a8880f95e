// Writes a draft batch's lines and totals (SPEC §7, §6.5): the regular lines of the period (set-based,
// regular-lines.sql.ts), then the adjustment lines for approved earlier periods (the JavaScript
// engine, a chunk at a time); then the totals, summed by PostgreSQL from the stored (already rounded)
// lines and checked against what was written; then the SHA-256 of the canonical content. The caller
// holds the banks' settlement locks (bank-lock.ts) and the batch rows (FOR UPDATE) in the same
// transaction.
import type { EntityManager } from 'typeorm';
import { Decimal, invariant, sumMoney, type SettlementPeriod } from '../../core';
import { adjustablePeriods, adjustmentRecords } from './adjustments';
import { contentSha256Stored } from './canonical';
import { insertLines, type LineRecord } from './line-record';
import { insertRegularLines } from './regular-lines.sql';
import { SettlementBatch } from './settlement-batch.entity';
import { loadModelVersions, subsidisedVersionIds } from './settlement-source';

export interface DraftTotals {
  lineCount: number;
  loansCounted: number;
  loansSubsidised: number;
  adjustmentCount: number;
  openingBalanceTotal: Decimal;
  closingBalanceTotal: Decimal;
  interestSubsidyTotal: Decimal;
  guaranteeFeeSubsidyTotal: Decimal;
  totalAmount: Decimal;
}

/** Running sums of what was inserted, to check the database's sums against (§6.5 "agree to the fen"). */
class Tally {
  constructor(
    public lines = 0,
    public total = new Decimal(0),
  ) {}

  add(records: readonly LineRecord[]): void {
    this.lines += records.length;
    this.total = this.total.plus(sumMoney(records.map((r) => new Decimal(r.totalAmount))));
  }
}

/**
 * Recomputes the draft batches of several banks for one period: their regular lines in one
 * statement (regular-lines.sql.ts), then each batch's adjustment lines, totals and hash. `computed.at`
 * is PostgreSQL's clock read once the banks' locks were held (staleAdjustments compares it).
 */
export async function writeDrafts(
  manager: EntityManager,
  batches: readonly SettlementBatch[],
  period: SettlementPeriod,
  computed: { by: string | null; at: Date },
): Promise<void> {
  if (batches.length === 0) return;
  for (const batch of batches) {
    invariant(batch.status === 'draft', 'only a draft batch is computed', { batchId: batch.id, status: batch.status });
    invariant(batch.period === period.name, 'a batch is computed for its own period', { batchId: batch.id, period: batch.period });
  }
  await manager.query('DELETE FROM settlement_lines WHERE batch_id = ANY($1::uuid[])', [batches.map((b) => b.id)]);
  const versions = await loadModelVersions(manager);
  const regular = await insertRegularLines(manager, batches, period, subsidisedVersionIds(versions));
  for (const batch of batches) {
    const written = regular.get(batch.id)!;
    const tally = new Tally(written.lines, new Decimal(written.total));
    let lineNo = written.lines;
    for (const earlier of await adjustablePeriods(manager, batch.bankId, period)) {
      for await (const chunk of adjustmentRecords(manager, batch.bankId, earlier, versions)) {
        const records = chunk.map((r) => ({ ...r, lineNo: (lineNo += 1) }));
        await insertLines(manager, batch.id, records);
        tally.add(records);
      }
    }
    const totals = await totalsOf(manager, batch.id);
    invariant(totals.lineCount === tally.lines && totals.totalAmount.eq(tally.total), 'the stored lines do not add up to what was computed', {
      batchId: batch.id,
      stored: totals.totalAmount.toString(),
      computed: tally.total.toString(),
    });
    Object.assign(batch, totals, { computedAt: computed.at, computedBy: computed.by, updatedAt: computed.at });
    batch.contentSha256 = await contentSha256Stored(manager, batch);
    await manager.getRepository(SettlementBatch).save(batch);
  }
}

/** The batch's totals, summed from its stored lines (SPEC §6.5: a total is the sum of its rounded lines). */
export async function totalsOf(manager: EntityManager, batchId: string): Promise<DraftTotals> {
  const [row] = await manager.query(
    `SELECT count(*)::int AS line_count,
            count(*) FILTER (WHERE kind = 'regular')::int AS loans_counted,
            count(*) FILTER (WHERE kind = 'regular' AND total_amount > 0)::int AS loans_subsidised,
            count(*) FILTER (WHERE kind = 'adjustment')::int AS adjustment_count,
            coalesce(sum(opening_balance), 0)::text AS opening,
            coalesce(sum(closing_balance), 0)::text AS closing,
            coalesce(sum(interest_subsidy), 0)::text AS interest,
            coalesce(sum(guarantee_fee_subsidy), 0)::text AS fee,
            coalesce(sum(total_amount), 0)::text AS total
       FROM settlement_lines WHERE batch_id = $1`,
    [batchId],
  );
  const totals: DraftTotals = {
    lineCount: row.line_count,
    loansCounted: row.loans_counted,
    loansSubsidised: row.loans_subsidised,
    adjustmentCount: row.adjustment_count,
    openingBalanceTotal: new Decimal(row.opening),
    closingBalanceTotal: new Decimal(row.closing),
    interestSubsidyTotal: new Decimal(row.interest),
    guaranteeFeeSubsidyTotal: new Decimal(row.fee),
    totalAmount: new Decimal(row.total),
  };
  invariant(totals.totalAmount.eq(totals.interestSubsidyTotal.plus(totals.guaranteeFeeSubsidyTotal)), 'batch totals disagree', { batchId });
  return totals;
}

/** Subtotals by model (SPEC §7), summed from the stored lines, in the models' order. */
export interface ModelSubtotal {
  modelCode: string;
  modelNumber: number;
  modelNameZh: string;
  modelNameEn: string;
  lineCount: number;
  interestSubsidy: Decimal;
  guaranteeFeeSubsidy: Decimal;
  totalAmount: Decimal;
}

export async function subtotalsByModel(manager: EntityManager, batchId: string): Promise<ModelSubtotal[]> {
  const rows: Array<Record<string, string | number>> = await manager.query(
    `SELECT sl.model_code, m.number, m.name_zh, m.name_en, count(*)::int AS line_count,
            sum(sl.interest_subsidy)::text AS interest, sum(sl.guarantee_fee_subsidy)::text AS fee, sum(sl.total_amount)::text AS total
       FROM settlement_lines sl JOIN financing_models m ON m.code = sl.model_code
      WHERE sl.batch_id = $1
      GROUP BY sl.model_code, m.number, m.name_zh, m.name_en
      ORDER BY m.number`,
    [batchId],
  );
  return rows.map((r) => ({
    modelCode: String(r.model_code),
    modelNumber: Number(r.number),
    modelNameZh: String(r.name_zh),
    modelNameEn: String(r.name_en),
    lineCount: Number(r.line_count),
    interestSubsidy: new Decimal(String(r.interest)),
    guaranteeFeeSubsidy: new Decimal(String(r.fee)),
    totalAmount: new Decimal(String(r.total)),
  }));
}

/**
 * Adjustment lines of this batch that another batch approved since this one was computed also
 * carries (same loan, same corrected period): approving both would pay the correction twice, so the
 * batch must be rejected and recomputed first. Returns how many lines are affected. Both stamps are
 * PostgreSQL's clock read under the bank's settlement lock, so they order the two transactions; an
 * equal stamp (they are kept to the millisecond) counts as since, which can only refuse, never pay twice.
 */
export async function staleAdjustments(manager: EntityManager, batch: SettlementBatch): Promise<number> {
  const [row] = await manager.query(
    `SELECT count(*)::int AS stale
       FROM settlement_lines a
       JOIN settlement_lines o ON o.loan_id = a.loan_id AND o.kind = 'adjustment' AND o.adjusts_period = a.adjusts_period AND o.batch_id <> a.batch_id
       JOIN settlement_batches ob ON ob.id = o.batch_id AND ob.status IN ('approved', 'paid') AND ob.approved_at >= $2
      WHERE a.batch_id = $1 AND a.kind = 'adjustment'`,
    [batch.id, batch.computedAt],
  );
  return row.stale;
}
