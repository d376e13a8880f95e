import type { DataSource } from 'typeorm';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { applyScope, scopeOf } from '../../shared/auth/scope';
import { notFound } from '../../shared/http/errors';
import type { Page, PageOf } from '../../shared/http/schemas';
import { LOAN_SCOPE } from '../loans/loans-query.service';
import { SubmissionReminder } from '../jobs/submission-reminder.entity';
import { Loan } from '../loans/loan.entity';
import { readLines } from './line-record';
import { SettlementBatch } from './settlement-batch.entity';
import { subtotalsByModel } from './settlement-draft';
import { computeLoanLine } from './settlement-engine';
import { toBatchDto, toLoanSubsidyDto, type BatchDto, type LineDto, type LoanSubsidyDto, type ReminderDto } from './settlement.dto';
import { endedPeriodOrRefuse, settlementPeriodOrRefuse } from './settlements.service';
import { todayInShanghai } from '../../shared/clock';

/** Batch rows aliased `b`: a bank's officers see their bank's, county staff the banks of their county. */
export const BATCH_SCOPE = { bankId: 'b.bank_id', regionPath: 'b.region_path' };

export interface BatchFilter extends Page {
  bankId?: string;
  period?: string;
  status?: SettlementBatch['status'];
}

export interface ReminderFilter extends Page {
  bankId?: string;
  period?: string;
  /** Reminders of this business date only. */
  date?: string;
}

/** Reading batches, their lines, their submission reminders, and one loan's subsidy for a period (SPEC §7, §11). */
export class SettlementsQueryService {
  constructor(private readonly dataSource: DataSource) {}

  async list(context: AuthenticatedContext, filter: BatchFilter): Promise<PageOf<BatchDto>> {
    const query = this.dataSource.getRepository(SettlementBatch).createQueryBuilder('b').leftJoinAndSelect('b.bank', 'bank');
    applyScope(query, scopeOf(context.user), BATCH_SCOPE);
    if (filter.bankId) query.andWhere('b.bank_id = :bankId', { bankId: filter.bankId });
    if (filter.period) query.andWhere('b.period = :period', { period: settlementPeriodOrRefuse(filter.period, 'query').name });
    if (filter.status) query.andWhere('b.status = :status', { status: filter.status });
    const [rows, total] = await query.orderBy('b.period', 'DESC').addOrderBy('b.batch_number').take(filter.limit).skip(filter.offset).getManyAndCount();
    return { items: rows.map((b) => toBatchDto(b)), total, limit: filter.limit, offset: filter.offset };
  }

  /**
   * The reminders the daily job wrote (SPEC §8), newest first, for the batches in the caller's scope:
   * a bank's officers see their bank's, finance staff every bank's they oversee.
   */
  async reminders(context: AuthenticatedContext, filter: ReminderFilter): Promise<PageOf<ReminderDto>> {
    const query = this.dataSource
      .getRepository(SubmissionReminder)
      .createQueryBuilder('r')
      .innerJoinAndSelect('r.batch', 'b')
      .leftJoinAndSelect('r.bank', 'bank');
    applyScope(query, scopeOf(context.user), BATCH_SCOPE);
    if (filter.bankId) query.andWhere('r.bank_id = :bankId', { bankId: filter.bankId });
    if (filter.period) query.andWhere('r.period = :period', { period: settlementPeriodOrRefuse(filter.period, 'query').name });
    if (filter.date) query.andWhere('r.business_date = :date', { date: filter.date });
    const [rows, total] = await query.orderBy('r.business_date', 'DESC').addOrderBy('b.batch_number').take(filter.limit).skip(filter.offset).getManyAndCount();
    const items = rows.map((r) => ({
      id: r.id,
      batchId: r.batchId,
      batchNumber: r.batch!.batchNumber,
      batchStatus: r.batch!.status,
      bankId: r.bankId,
      bankName: r.bank?.name ?? null,
      period: r.period,
      businessDate: r.businessDate,
      dueOn: r.dueOn,
      workingDaysSincePeriodEnd: r.workingDaysSincePeriodEnd,
      createdAt: r.createdAt.toISOString(),
    }));
    return { items, total, limit: filter.limit, offset: filter.offset };
  }

  /** One batch in the caller's scope (404 otherwise). */
  async batch(context: AuthenticatedContext, id: string): Promise<SettlementBatch> {
    const query = this.dataSource.getRepository(SettlementBatch).createQueryBuilder('b').leftJoinAndSelect('b.bank', 'bank').where('b.id = :id', { id });
    applyScope(query, scopeOf(context.user), BATCH_SCOPE);
    const batch = await query.getOne();
    if (!batch) throw notFound('settlement batch');
    return batch;
  }

  /** The batch with its subtotals by model. */
  async get(context: AuthenticatedContext, id: string): Promise<BatchDto> {
    const batch = await this.batch(context, id);
    return toBatchDto(batch, null, await subtotalsByModel(this.dataSource.manager, batch.id));
  }

  async lines(context: AuthenticatedContext, id: string, page: Page): Promise<PageOf<LineDto>> {
    const batch = await this.batch(context, id);
    const items = await readLines(this.dataSource.manager, batch.id, page);
    return { items, total: batch.lineCount, limit: page.limit, offset: page.offset };
  }

  /** GET /loans/:id/subsidy?period=: the same engine as the batches, for one loan, once the period has ended. */
  async loanSubsidy(context: AuthenticatedContext, loanId: string, periodName: string): Promise<LoanSubsidyDto> {
    const period = endedPeriodOrRefuse(periodName, todayInShanghai(), 'query');
    const query = this.dataSource.getRepository(Loan).createQueryBuilder('l').select('l.id').where('l.id = :loanId', { loanId });
    applyScope(query, scopeOf(context.user), LOAN_SCOPE);
    if (!(await query.getOne())) throw notFound('loan');
    return toLoanSubsidyDto(loanId, period, await computeLoanLine(this.dataSource.manager, loanId, period));
  }
}
