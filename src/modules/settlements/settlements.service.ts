import type { DataSource, EntityManager } from 'typeorm';
import { compareDates, CoreInputError, parsePeriod, type IsoDate, type SettlementPeriod } from '../../core';
import type { AuthenticatedContext, RequestContext } from '../../shared/auth/context';
import { isInScope, scopeOf } from '../../shared/auth/scope';
import { todayInShanghai } from '../../shared/clock';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError, notFound } from '../../shared/http/errors';
import { recordAudit } from '../audit/audit.service';
import { lockBanksForSettlement } from './bank-lock';
import { SettlementBatch } from './settlement-batch.entity';
import { staleAdjustments, writeDrafts } from './settlement-draft';
import { toBatchDto, type BatchDto } from './settlement.dto';
import { banksWithSubsidisedLoans, loadModelVersions } from './settlement-source';
import { nextStatus, refusal, type BatchAction } from './settlement.status';

interface Bank {
  id: string;
  name: string;
  uscc: string;
  regionPath: string;
}

export interface DraftRunCounts {
  period: string;
  banks: number;
  created: number;
  recomputed: number;
  /** Banks whose batch for the period has already left draft: left as it is. */
  skipped: number;
  lines: number;
}

/** A bank's batch, locked and ready to be (re)computed, with what it was before (null when new). */
interface OpenedBatch {
  bank: Bank;
  batch: SettlementBatch;
  created: boolean;
  before: BatchDto | null;
}

/** Who acts when the scheduled job drafts the batches: nobody, recorded as such in the audit log. */
const jobContext = (period: string): RequestContext => ({ requestId: `job:settlement_drafts:${period}`, user: null, ip: '' });

/** `2026Q3` → the period; anything else (2026Q5, 2026-09) is the caller's 400. */
export function settlementPeriodOrRefuse(name: string, where: 'body' | 'query' = 'body'): SettlementPeriod {
  try {
    return parsePeriod(name);
  } catch (error) {
    if (!(error instanceof CoreInputError)) throw error;
    throw new DomainError('VALIDATION_FAILED', 'the request is invalid', [
      { in: where, path: 'period', message: 'period must be a settlement period like 2026Q3 (year and quarter of its last day, SPEC §11)', type: 'period.invalid' },
    ]);
  }
}

/**
 * A period that has ended by `today`: its last day (the 20th) is charged and may still take
 * repayments, and an instalment due later inside it is not yet late, so neither a batch nor a loan's
 * line is computed for it before the next day.
 */
export function endedPeriodOrRefuse(name: string, today: IsoDate, where: 'body' | 'query' = 'body'): SettlementPeriod {
  const period = settlementPeriodOrRefuse(name, where);
  if (compareDates(period.lastDay, today) >= 0) {
    throw new DomainError('RULE_VIOLATION', 'the period has not ended yet', [
      { field: 'period', rule: 'PERIOD_ENDED', message: `${period.name} ends on ${period.lastDay}; settle it from the next day` },
    ]);
  }
  return period;
}

/**
 * The settlement workflow (SPEC §7): compute or recompute a bank's draft, submit, approve or reject,
 * mark paid. Each use case takes the bank's settlement lock first (bank-lock.ts: the writes of one
 * bank follow one another, so one correction is never paid twice), then locks the batch row
 * (SELECT … FOR UPDATE), checks the state machine and who acts, writes, and records the audit entry
 * in the same transaction. Its timestamps are PostgreSQL's clock, read once the bank lock is held.
 */
export class SettlementsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly today: () => IsoDate = () => todayInShanghai(),
  ) {}

  /** POST /settlements: creates the bank's draft for the period, or recomputes it. */
  async compute(context: AuthenticatedContext, input: { bankId: string; period: string }): Promise<{ created: boolean; batch: BatchDto }> {
    const period = this.endedPeriod(input.period);
    const bank = await loadBank(this.dataSource.manager, input.bankId);
    if (!bank || !isInScope(scopeOf(context.user), { bankId: bank.id, regionPath: bank.regionPath })) throw notFound('bank');
    const { outcome, batch } = await inTransaction(this.dataSource, (manager) => this.computeIn(manager, context, bank, period));
    return { created: outcome === 'created', batch: toBatchDto(batch, bank.name) };
  }

  /**
   * For the scheduled job (SPEC §8, issue 6 item 4): creates or recomputes the draft of every bank
   * with subsidised loans in the period (and of every bank that already has a draft for it), all in
   * one transaction. Batches that left draft are not touched. Idempotent for a period.
   */
  async draftBatchesForPeriod(periodName: string): Promise<DraftRunCounts> {
    const period = this.endedPeriod(periodName);
    const versions = await loadModelVersions(this.dataSource.manager);
    const withLoans = await banksWithSubsidisedLoans(this.dataSource.manager, period, versions);
    const withBatch: Array<{ bank_id: string }> = await this.dataSource.query('SELECT bank_id FROM settlement_batches WHERE period = $1', [period.name]);
    const bankIds = [...new Set([...withLoans, ...withBatch.map((r) => r.bank_id)])].sort();
    const counts: DraftRunCounts = { period: period.name, banks: bankIds.length, created: 0, recomputed: 0, skipped: 0, lines: 0 };
    const context = jobContext(period.name);
    // One transaction, every bank's settlement lock taken first in one order, then their batch rows:
    // all drafts are computed together (one pass over the repayments and the schedule for the whole
    // period), and a failure leaves every draft as it was.
    await inTransaction(this.dataSource, async (manager) => {
      const now = await lockBanksForSettlement(manager, bankIds);
      const opened: OpenedBatch[] = [];
      for (const bankId of bankIds) {
        const bank = (await loadBank(manager, bankId))!;
        const batch = await this.openBatch(manager, context, bank, period, now, { skipIfNotDraft: true });
        if (batch) opened.push(batch);
        else counts.skipped += 1;
      }
      await this.recompute(manager, context, opened, period, now);
      for (const { created, batch } of opened) {
        counts[created ? 'created' : 'recomputed'] += 1;
        counts.lines += batch.lineCount;
      }
    });
    return counts;
  }

  async submit(context: AuthenticatedContext, id: string, input: { sha256?: string }): Promise<BatchDto> {
    return this.transition(context, id, 'submit', (batch, _manager, now) => {
      // The bank may name the content it reviewed; a draft recomputed since is not submitted blind.
      if (input.sha256 && input.sha256 !== batch.contentSha256) {
        throw new DomainError('CONFLICT', 'the batch was recomputed after the statement you reviewed; review the new statement', {
          reviewed: input.sha256,
          current: batch.contentSha256,
        });
      }
      batch.submittedAt = now;
      batch.submittedBy = context.user.id;
    });
  }

  /** Maker-checker: not the submitter, nor the finance officer who computed the draft. */
  async approve(context: AuthenticatedContext, id: string): Promise<BatchDto> {
    return this.transition(context, id, 'approve', async (batch, manager, now) => {
      if (batch.submittedBy === context.user.id || batch.computedBy === context.user.id) {
        throw new DomainError('FORBIDDEN', 'a batch is approved by a finance officer other than the one who prepared or submitted it');
      }
      const stale = await staleAdjustments(manager, batch);
      if (stale > 0) {
        throw new DomainError('INVALID_STATE', `${stale} adjustment line(s) were also booked by a batch approved since this one was computed; reject it so that it is recomputed`);
      }
      batch.approvedAt = now;
      batch.approvedBy = context.user.id;
    });
  }

  /** Back to draft with the reason, for the bank to correct (SPEC §7). */
  async reject(context: AuthenticatedContext, id: string, reason: string): Promise<BatchDto> {
    return this.transition(context, id, 'reject', (batch, _manager, now) => {
      if (batch.submittedBy === context.user.id) throw new DomainError('FORBIDDEN', 'a batch is rejected by a finance officer other than its submitter');
      batch.rejectedAt = now;
      batch.rejectedBy = context.user.id;
      batch.rejectionReason = reason;
      batch.submittedAt = null;
      batch.submittedBy = null;
    });
  }

  async pay(context: AuthenticatedContext, id: string, input: { paidOn: string; paymentReference: string }): Promise<BatchDto> {
    return this.transition(context, id, 'pay', (batch, _manager, now) => {
      const approvedOn = todayInShanghai(batch.approvedAt!);
      const problems = [];
      if (compareDates(input.paidOn as IsoDate, approvedOn) < 0) problems.push({ field: 'paidOn', rule: 'NOT_BEFORE_APPROVAL', message: `the batch was approved on ${approvedOn}` });
      if (compareDates(input.paidOn as IsoDate, this.today()) > 0) problems.push({ field: 'paidOn', rule: 'NOT_IN_FUTURE', message: 'record a payment once it is made' });
      if (problems.length > 0) throw new DomainError('RULE_VIOLATION', 'the payment date is not possible', problems);
      batch.paidOn = input.paidOn;
      batch.paymentReference = input.paymentReference;
      batch.paidAt = now;
      batch.paidBy = context.user.id;
    });
  }

  private endedPeriod(name: string): SettlementPeriod {
    return endedPeriodOrRefuse(name, this.today());
  }

  private async computeIn(
    manager: EntityManager,
    context: RequestContext,
    bank: Bank,
    period: SettlementPeriod,
  ): Promise<{ outcome: 'created' | 'recomputed'; batch: SettlementBatch }> {
    const now = await lockBanksForSettlement(manager, [bank.id]);
    const opened = (await this.openBatch(manager, context, bank, period, now, {}))!;
    await this.recompute(manager, context, [opened], period, now);
    // SPEC §7: a batch is made for a bank with subsidised loans. An empty new one (a period before the
    // programme, a bank without such loans) is not kept: the transaction, and the batch, roll back.
    // A draft that exists already is recomputed whatever it now holds.
    if (opened.created && opened.batch.lineCount === 0) {
      throw new DomainError('RULE_VIOLATION', `the bank has no subsidised loans and no corrections to settle for ${period.name}`, [
        { field: 'period', rule: 'SOMETHING_TO_SETTLE', message: `no line for ${period.name}` },
      ]);
    }
    return { outcome: opened.created ? 'created' : 'recomputed', batch: opened.batch };
  }

  /**
   * Creates the bank's batch for the period if there is none, and locks it (the caller holds the
   * bank's settlement lock). A batch that left draft is refused (409), or null with skipIfNotDraft
   * (the scheduled job leaves it alone).
   */
  private async openBatch(
    manager: EntityManager,
    context: RequestContext,
    bank: Bank,
    period: SettlementPeriod,
    now: Date,
    options: { skipIfNotDraft?: boolean },
  ): Promise<OpenedBatch | null> {
    const inserted: unknown[] = await manager.query(
      `INSERT INTO settlement_batches (batch_number, bank_id, region_path, period, period_start, period_end, status, revision,
              line_count, loans_counted, loans_subsidised, adjustment_count, opening_balance_total, closing_balance_total,
              interest_subsidy_total, guarantee_fee_subsidy_total, total_amount, computed_at, computed_by)
       VALUES ($1, $2, $3, $4, $5, $6, 'draft', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, $8, $7)
       ON CONFLICT ON CONSTRAINT settlement_batches_bank_period_key DO NOTHING
       RETURNING id`,
      [batchNumberFor(bank, period), bank.id, bank.regionPath, period.name, period.firstDay, period.lastDay, context.user?.id ?? null, now],
    );
    const batch = await manager.getRepository(SettlementBatch).findOneOrFail({ where: { bankId: bank.id, period: period.name }, lock: { mode: 'pessimistic_write' } });
    const created = inserted.length > 0;
    if (nextStatus(batch.status, 'compute') === null) {
      if (options.skipIfNotDraft) return null;
      throw new DomainError('INVALID_STATE', refusal(batch.status, 'compute'), { status: batch.status, batchId: batch.id });
    }
    const before = created ? null : toBatchDto(batch, bank.name);
    if (!created) batch.revision += 1;
    return { bank, batch, created, before };
  }

  /** Writes the opened drafts' lines, totals and hashes (computed as of `now`), and audits each. */
  private async recompute(manager: EntityManager, context: RequestContext, opened: readonly OpenedBatch[], period: SettlementPeriod, now: Date): Promise<void> {
    await writeDrafts(
      manager,
      opened.map((o) => o.batch),
      period,
      { by: context.user?.id ?? null, at: now },
    );
    for (const { bank, batch, created, before } of opened) {
      await recordAudit(manager, context, {
        action: created ? 'create' : 'recompute',
        entityType: 'settlement_batch',
        entityId: batch.id,
        before,
        after: toBatchDto(batch, bank.name),
        regionPath: batch.regionPath,
        institutionId: batch.bankId,
      });
    }
  }

  /**
   * Checks scope (404 outside it), takes the bank's settlement lock, then locks the batch, checks the
   * state machine (409), applies (with PostgreSQL's clock once the bank lock is held), audits.
   */
  private async transition(
    context: AuthenticatedContext,
    id: string,
    action: BatchAction,
    apply: (batch: SettlementBatch, manager: EntityManager, now: Date) => void | Promise<void>,
  ): Promise<BatchDto> {
    return inTransaction(this.dataSource, async (manager) => {
      // The bank first, read without a lock (a batch never changes bank): its lock comes before the row's.
      const [owner]: Array<{ bank_id: string; region_path: string }> = await manager.query('SELECT bank_id, region_path FROM settlement_batches WHERE id = $1', [id]);
      if (!owner || !isInScope(scopeOf(context.user), { bankId: owner.bank_id, regionPath: owner.region_path })) throw notFound('settlement batch');
      const now = await lockBanksForSettlement(manager, [owner.bank_id]);
      const batch = await manager.getRepository(SettlementBatch).findOneOrFail({ where: { id }, lock: { mode: 'pessimistic_write' } });
      const next = nextStatus(batch.status, action);
      if (next === null) throw new DomainError('INVALID_STATE', refusal(batch.status, action), { status: batch.status });
      const before = toBatchDto(batch);
      await apply(batch, manager, now);
      batch.status = next;
      batch.updatedAt = now;
      await manager.getRepository(SettlementBatch).save(batch);
      const after = toBatchDto(batch);
      await recordAudit(manager, context, { action, entityType: 'settlement_batch', entityId: batch.id, before, after, regionPath: batch.regionPath, institutionId: batch.bankId });
      const [bank] = await manager.query('SELECT name FROM institutions WHERE id = $1', [batch.bankId]);
      return { ...after, bankName: bank?.name ?? null };
    });
  }
}

/** A head-office bank with its region path (for scope), or null when the id is not a bank. */
export async function loadBank(manager: EntityManager, id: string): Promise<Bank | null> {
  const [row] = await manager.query(
    `SELECT i.id, i.name, i.uscc, r.path AS region_path FROM institutions i JOIN regions r ON r.code = i.region_code WHERE i.id = $1 AND i.type = 'bank'`,
    [id],
  );
  return row ? { id: row.id, name: row.name, uscc: row.uscc, regionPath: row.region_path } : null;
}

/** `JS-2026Q3-MA4000001`: the period and the bank's organisation code (USCC characters 9–17). */
export function batchNumberFor(bank: Pick<Bank, 'uscc'>, period: SettlementPeriod): string {
  return `JS-${period.name}-${bank.uscc.slice(8, 17)}`;
}
