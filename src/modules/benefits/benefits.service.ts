import type { DataSource } from 'typeorm';
import { compareDates, type IsoDate } from '../../core/dates';
import { formatMoney, parseMoney } from '../../core/money';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { applyScope, isInScope, scopeOf } from '../../shared/auth/scope';
import { todayInShanghai } from '../../shared/clock';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError, notFound } from '../../shared/http/errors';
import type { Page, PageOf } from '../../shared/http/schemas';
import { recordAudit } from '../audit/audit.service';
import { claimIdempotencyKey, hashRequest, storeIdempotentResponse } from '../idempotency/idempotency';
import { Linkage } from '../linkages/linkage.entity';
import { BenefitRecord, type BenefitKind, type BenefitStatus } from './benefit-record.entity';

export interface BenefitDto {
  id: string;
  linkageId: string;
  householdId: string;
  enterpriseId: string | null;
  paidOn: string;
  amount: string;
  kind: BenefitKind;
  note: string | null;
  status: BenefitStatus;
  reportedBy: string;
  decidedBy: string | null;
  rejectReason: string | null;
}

export interface NewBenefit {
  linkageId: string;
  paidOn: string;
  amount: string;
  kind: BenefitKind;
  note?: string;
}

const BENEFIT_SCOPE = { regionPath: 'b.region_path', enterpriseId: 'b.enterprise_id' };

export const toBenefitDto = (b: BenefitRecord): BenefitDto => ({
  id: b.id,
  linkageId: b.linkageId,
  householdId: b.householdId,
  enterpriseId: b.enterpriseId,
  paidOn: b.paidOn,
  amount: formatMoney(b.amount),
  kind: b.kind,
  note: b.note,
  status: b.status,
  reportedBy: b.reportedBy,
  decidedBy: b.decidedBy,
  rejectReason: b.rejectReason,
});

export class BenefitsService {
  constructor(private readonly dataSource: DataSource) {}

  async list(context: AuthenticatedContext, filter: Page & { linkageId?: string; householdId?: string; status?: BenefitStatus; from?: string; to?: string }): Promise<PageOf<BenefitDto>> {
    const query = this.dataSource.getRepository(BenefitRecord).createQueryBuilder('b');
    applyScope(query, scopeOf(context.user), BENEFIT_SCOPE);
    if (filter.linkageId) query.andWhere('b.linkage_id = :linkageId', { linkageId: filter.linkageId });
    if (filter.householdId) query.andWhere('b.household_id = :householdId', { householdId: filter.householdId });
    if (filter.status) query.andWhere('b.status = :status', { status: filter.status });
    if (filter.from) query.andWhere('b.paid_on >= :from', { from: filter.from });
    if (filter.to) query.andWhere('b.paid_on <= :to', { to: filter.to });
    const [rows, total] = await query.orderBy('b.paid_on', 'DESC').addOrderBy('b.id').take(filter.limit).skip(filter.offset).getManyAndCount();
    return { items: rows.map(toBenefitDto), total, limit: filter.limit, offset: filter.offset };
  }

  /**
   * An enterprise reports money it paid a household under one of its own linkages; a poverty office
   * records benefits under linkages from demonstration households in its region (they have no login),
   * never under an enterprise's (403): it confirms those.
   * Someone else's linkage does not exist for the caller: 404. Like every request that records
   * money, it carries an Idempotency-Key: a retry with the same key and body gets the first answer
   * and stores nothing; the key, claimed in the same transaction, is the caller's own.
   */
  async report(context: AuthenticatedContext, input: NewBenefit, idempotencyKey: string): Promise<{ status: number; body: BenefitDto }> {
    const today = todayInShanghai();
    return inTransaction(this.dataSource, async (manager) => {
      const keyScope = `benefits:${context.user.id}`;
      const claimed = await claimIdempotencyKey(manager, keyScope, idempotencyKey, hashRequest(input));
      if (claimed.replay) return { status: claimed.status, body: claimed.body as BenefitDto };
      // FOR KEY SHARE: a correction or an ending of the linkage (FOR UPDATE) commits first, so the dates
      // checked below are the ones in force; a household's move (a non-key update) does not wait on it.
      const linkage = await manager.getRepository(Linkage).findOne({ where: { id: input.linkageId }, lock: { mode: 'for_key_share' } });
      const scope = scopeOf(context.user);
      if (!linkage || !isInScope(scope, { regionPath: linkage.regionPath, enterpriseId: linkage.sourceEnterpriseId })) throw notFound('linkage');
      if (context.user.role !== 'enterprise' && linkage.sourceKind === 'enterprise') {
        // Issue 3: an enterprise reports what it paid; the poverty office checks it, so it does not
        // also report it. It records only what demonstration households (who have no login) paid.
        throw new DomainError('FORBIDDEN', "benefits under an enterprise's linkage are reported by the enterprise and confirmed by the poverty office");
      }
      const problems = [];
      if (compareDates(input.paidOn as IsoDate, linkage.startDate as IsoDate) < 0) {
        problems.push({ field: 'paidOn', rule: 'NOT_BEFORE_LINKAGE_START', message: `the linkage starts on ${linkage.startDate}` });
      }
      if (linkage.endedOn && compareDates(input.paidOn as IsoDate, linkage.endedOn as IsoDate) > 0) {
        problems.push({ field: 'paidOn', rule: 'NOT_AFTER_LINKAGE_END', message: `the linkage ended on ${linkage.endedOn}` });
      } else if (linkage.endDate && compareDates(input.paidOn as IsoDate, linkage.endDate as IsoDate) > 0) {
        problems.push({ field: 'paidOn', rule: 'NOT_AFTER_LINKAGE_END', message: `the linkage's agreed end is ${linkage.endDate}` });
      }
      if (compareDates(input.paidOn as IsoDate, today) > 0) {
        problems.push({ field: 'paidOn', rule: 'NOT_IN_FUTURE', message: 'a benefit is reported after it is paid' });
      }
      if (problems.length > 0) throw new DomainError('RULE_VIOLATION', 'the benefit record breaks the register rules', problems);
      const record = manager.getRepository(BenefitRecord).create({
        linkageId: linkage.id,
        householdId: linkage.householdId,
        enterpriseId: linkage.sourceEnterpriseId,
        regionPath: linkage.regionPath,
        paidOn: input.paidOn,
        amount: parseMoney(input.amount),
        kind: input.kind,
        note: input.note ?? null,
        status: 'reported',
        reportedBy: context.user.id,
        decidedBy: null,
        decidedAt: null,
        rejectReason: null,
      });
      await manager.getRepository(BenefitRecord).insert(record);
      const dto = toBenefitDto(record);
      await recordAudit(manager, context, { action: 'report', entityType: 'benefit', entityId: record.id, after: dto, regionPath: record.regionPath });
      await storeIdempotentResponse(manager, keyScope, idempotencyKey, 201, dto);
      return { status: 201, body: dto };
    });
  }

  /** The poverty office confirms or rejects a reported benefit, once, and not one its own user reported. */
  async decide(context: AuthenticatedContext, id: string, decision: { confirm: true } | { confirm: false; reason: string }): Promise<BenefitDto> {
    return inTransaction(this.dataSource, async (manager) => {
      const record = await manager.getRepository(BenefitRecord).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!record || !isInScope(scopeOf(context.user), { regionPath: record.regionPath })) throw notFound('benefit record');
      if (record.status !== 'reported') throw new DomainError('INVALID_STATE', `the benefit record is already ${record.status}`);
      if (record.reportedBy === context.user.id) {
        throw new DomainError('FORBIDDEN', 'a benefit is confirmed or rejected by someone other than the one who reported it');
      }
      const before = toBenefitDto(record);
      record.status = decision.confirm ? 'confirmed' : 'rejected';
      record.rejectReason = decision.confirm ? null : decision.reason;
      record.decidedBy = context.user.id;
      record.decidedAt = new Date();
      await manager.getRepository(BenefitRecord).save(record);
      const after = toBenefitDto(record);
      await recordAudit(manager, context, { action: decision.confirm ? 'confirm' : 'reject', entityType: 'benefit', entityId: id, before, after, regionPath: record.regionPath });
      return after;
    });
  }
}
