import type { DataSource, EntityManager } from 'typeorm';
import { compareDates, type IsoDate } from '../../core/dates';
import { formatMoney, parseMoney } from '../../core/money';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { applyScope, isInScope, scopeOf } from '../../shared/auth/scope';
import { todayInShanghai } from '../../shared/clock';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError, notFound } from '../../shared/http/errors';
import type { Page, PageOf } from '../../shared/http/schemas';
import { recordAudit } from '../audit/audit.service';
import { Enterprise } from '../enterprises/enterprise.entity';
import { Household } from '../households/household.entity';
import { Linkage, type LinkageSourceKind, type LinkageType } from './linkage.entity';

export interface LinkageDto {
  id: string;
  sourceKind: LinkageSourceKind;
  sourceId: string;
  householdId: string;
  type: LinkageType;
  agreementNumber: string | null;
  startDate: string;
  endDate: string | null;
  agreedAnnualBenefit: string;
  endedOn: string | null;
  endReason: string | null;
  active: boolean;
}

export interface NewLinkage {
  sourceKind: LinkageSourceKind;
  sourceId: string;
  householdId: string;
  type: LinkageType;
  agreementNumber?: string;
  startDate: string;
  endDate?: string;
  agreedAnnualBenefit: string;
}

/** Corrections of a linkage's recorded facts (PATCH /linkages/:id); null clears an optional one. */
export interface LinkageChanges {
  agreementNumber?: string | null;
  agreedAnnualBenefit?: string;
  startDate?: string;
  endDate?: string | null;
  endedOn?: string;
  endReason?: string | null;
}

/** The triple and the days a linkage is (or would be) active on, for the one-active rule. */
type OverlapCheck = Pick<NewLinkage, 'sourceId' | 'householdId' | 'type' | 'startDate'> & { endDate?: string | null; endedOn?: string | null };

type Problem = { field: string; rule: string; message: string };

/** A demonstration household counts where it lives (SPEC §3): county staff link, correct and end only their own. */
const SOURCE_OUTSIDE_REGION: Problem = { field: 'sourceId', rule: 'SOURCE_IN_YOUR_REGION', message: 'the source household is registered outside your region' };

/**
 * A household is the source of a linkage as a demonstration household (SPEC §3), so the linkage may
 * not start before it was designated: the days before would be a linkage from an ordinary household.
 * Null when it may; the reason otherwise (API and import alike; an import row whose start date did
 * not read is checked for the designation only).
 */
export function demonstrationSourceProblem(source: { isDemonstration: boolean; demonstrationSince: string | null }, startDate: string | undefined): string | null {
  if (!source.isDemonstration) return 'only a demonstration household can be the source of a linkage';
  if (startDate !== undefined && source.demonstrationSince && compareDates(startDate as IsoDate, source.demonstrationSince as IsoDate) < 0) {
    return `the source household is a demonstration household since ${source.demonstrationSince}; the linkage cannot start before`;
  }
  return null;
}

/** Linkage rows aliased `l`: county staff by the household's region, an enterprise its own. */
export const LINKAGE_SCOPE = { regionPath: 'l.region_path', enterpriseId: 'l.source_enterprise_id' };

/**
 * The days a linkage (aliased `alias`) is active, as a daterange: the SQL of isActiveOn and of the
 * exclusion constraint LINKAGE_OVERLAP_CONSTRAINT, [start, least(end + 1, endedOn)), null unbounded.
 */
export const activeDaysSql = (alias: string): string => `daterange(${alias}.start_date, least(${alias}.end_date + 1, ${alias}.ended_on))`;

/** Active on `date` (SPEC §3): started, not past its agreed end, not ended. */
export function isActiveOn(linkage: Pick<Linkage, 'startDate' | 'endDate' | 'endedOn'>, date: IsoDate): boolean {
  return (
    compareDates(linkage.startDate as IsoDate, date) <= 0 &&
    (linkage.endDate === null || compareDates(date, linkage.endDate as IsoDate) <= 0) &&
    (linkage.endedOn === null || compareDates(date, linkage.endedOn as IsoDate) < 0)
  );
}

/** A linkage as the API shows it; an entity fits, and so does a linkage an import has just written. */
export type LinkageDtoSource = Pick<
  Linkage,
  'id' | 'sourceKind' | 'sourceId' | 'householdId' | 'type' | 'agreementNumber' | 'startDate' | 'endDate' | 'agreedAnnualBenefit' | 'endedOn' | 'endReason'
>;

export const toLinkageDto = (l: LinkageDtoSource, today: IsoDate = todayInShanghai()): LinkageDto => ({
  id: l.id,
  sourceKind: l.sourceKind,
  sourceId: l.sourceId,
  householdId: l.householdId,
  type: l.type,
  agreementNumber: l.agreementNumber,
  startDate: l.startDate,
  endDate: l.endDate,
  agreedAnnualBenefit: formatMoney(l.agreedAnnualBenefit),
  endedOn: l.endedOn,
  endReason: l.endReason,
  active: isActiveOn(l, today),
});

export class LinkagesService {
  constructor(private readonly dataSource: DataSource) {}

  async list(
    context: AuthenticatedContext,
    filter: Page & { householdId?: string; sourceId?: string; type?: LinkageType; villageCode?: string; active?: boolean },
  ): Promise<PageOf<LinkageDto>> {
    const today = todayInShanghai();
    const query = this.dataSource.getRepository(Linkage).createQueryBuilder('l');
    applyScope(query, scopeOf(context.user), LINKAGE_SCOPE);
    if (filter.householdId) query.andWhere('l.household_id = :householdId', { householdId: filter.householdId });
    if (filter.sourceId) query.andWhere('l.source_id = :sourceId', { sourceId: filter.sourceId });
    if (filter.type) query.andWhere('l.type = :type', { type: filter.type });
    if (filter.villageCode) query.andWhere(`l.region_path LIKE '%/' || :village || '/'`, { village: filter.villageCode });
    if (filter.active !== undefined) {
      const activeSql = `(l.start_date <= :today AND (l.end_date IS NULL OR l.end_date >= :today) AND (l.ended_on IS NULL OR l.ended_on > :today))`;
      query.andWhere(filter.active ? activeSql : `NOT ${activeSql}`, { today });
    }
    const [rows, total] = await query.orderBy('l.start_date', 'DESC').addOrderBy('l.id').take(filter.limit).skip(filter.offset).getManyAndCount();
    return { items: rows.map((l) => toLinkageDto(l, today)), total, limit: filter.limit, offset: filter.offset };
  }

  async get(context: AuthenticatedContext, id: string): Promise<LinkageDto> {
    const query = this.dataSource.getRepository(Linkage).createQueryBuilder('l').where('l.id = :id', { id });
    applyScope(query, scopeOf(context.user), LINKAGE_SCOPE);
    const linkage = await query.getOne();
    if (!linkage) throw notFound('linkage');
    return toLinkageDto(linkage);
  }

  async create(context: AuthenticatedContext, input: NewLinkage): Promise<LinkageDto> {
    return inTransaction(this.dataSource, async (manager) => {
      // Lock the household so two requests cannot both pass the one-active check. Every linkage insert
      // key-share locks its household (the foreign key), so none can slip in between; writers that do not
      // lock first (the import) meet the exclusion constraint, whose 23P01 the error table makes a 409 too.
      const household = await manager.getRepository(Household).findOne({ where: { id: input.householdId }, lock: { mode: 'pessimistic_write' } });
      const problems = await this.checkRules(manager, context, input, household);
      if (problems.length > 0) throw new DomainError('RULE_VIOLATION', 'the linkage breaks the register rules', problems);
      await this.refuseOverlap(manager, input);
      const linkage = manager.getRepository(Linkage).create({
        sourceKind: input.sourceKind,
        sourceId: input.sourceId,
        sourceEnterpriseId: input.sourceKind === 'enterprise' ? input.sourceId : null,
        sourceHouseholdId: input.sourceKind === 'household' ? input.sourceId : null,
        householdId: input.householdId,
        type: input.type,
        agreementNumber: input.agreementNumber ?? null,
        startDate: input.startDate,
        endDate: input.endDate ?? null,
        agreedAnnualBenefit: parseMoney(input.agreedAnnualBenefit),
        regionPath: household!.regionPath,
        endedOn: null,
        endReason: null,
        createdBy: context.user.id,
      });
      await manager.getRepository(Linkage).insert(linkage);
      const dto = toLinkageDto(linkage);
      await recordAudit(manager, context, { action: 'create', entityType: 'linkage', entityId: linkage.id, after: dto, regionPath: linkage.regionPath });
      return dto;
    });
  }

  /**
   * Corrects what was recorded wrongly: the agreement number, the agreed benefit, the start and
   * agreed end dates and, once ended, the day it ended and why. Source, household and type are what
   * the linkage is, not facts about it: a wrong one is ended and a new linkage created. The corrected
   * days must keep the one-active rule (409) and every benefit reported under the linkage (422), and
   * the progress of the dates concerned is counted again (the summaries' triggers).
   */
  async update(context: AuthenticatedContext, id: string, changes: LinkageChanges): Promise<LinkageDto> {
    return inTransaction(this.dataSource, async (manager) => {
      // The household first, then the linkage: the order of create and of a household's move to
      // another village (which rewrites its linkages), so none of them waits on another crosswise.
      // Holding the household also makes a linkage of the same triple created meanwhile visible below.
      const found = await manager.getRepository(Linkage).findOneBy({ id });
      if (!found || !isInScope(scopeOf(context.user), { regionPath: found.regionPath })) throw notFound('linkage');
      await manager.getRepository(Household).findOne({ where: { id: found.householdId }, lock: { mode: 'pessimistic_write' } });
      const linkage = await manager.getRepository(Linkage).findOneOrFail({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (linkage.endedOn === null && (changes.endedOn !== undefined || changes.endReason !== undefined)) {
        throw new DomainError('INVALID_STATE', 'the linkage has not ended: end it with POST /linkages/:id/end');
      }
      await this.refuseOtherCountysSource(manager, context, linkage);
      const before = toLinkageDto(linkage);
      const startDate = changes.startDate ?? linkage.startDate;
      const endDate = changes.endDate !== undefined ? changes.endDate : linkage.endDate;
      const endedOn = changes.endedOn ?? linkage.endedOn;
      const problems: Problem[] = [];
      if (endDate !== null && compareDates(endDate as IsoDate, startDate as IsoDate) < 0) {
        problems.push({ field: changes.endDate !== undefined ? 'endDate' : 'startDate', rule: 'END_AFTER_START', message: `the agreed end ${endDate} is before the start ${startDate}` });
      }
      if (endedOn !== null && compareDates(endedOn as IsoDate, startDate as IsoDate) < 0) {
        problems.push({ field: changes.endedOn !== undefined ? 'endedOn' : 'startDate', rule: 'NOT_BEFORE_START', message: `the linkage ended on ${endedOn}, before the start ${startDate}` });
      }
      const [benefits]: Array<{ first: string | null; last: string | null }> = await manager.query(
        `SELECT min(paid_on)::text AS first, max(paid_on)::text AS last FROM benefit_records WHERE linkage_id = $1 AND status <> 'rejected'`,
        [id],
      );
      if (changes.startDate !== undefined && changes.startDate !== linkage.startDate && linkage.sourceKind === 'household') {
        // Judged on the corrected day by the source's dated designations: it may have been de-designated since.
        const [designation]: Array<{ is_demonstration: boolean }> = await manager.query(
          `SELECT is_demonstration FROM household_history WHERE household_id = $1 AND kind = 'demonstration' AND effective_date <= $2::date
            ORDER BY effective_date DESC, id DESC LIMIT 1`,
          [linkage.sourceId, startDate],
        );
        if (!designation?.is_demonstration) {
          problems.push({ field: 'startDate', rule: 'SOURCE_IS_DEMONSTRATION', message: `the source household was not a demonstration household on ${startDate}` });
        }
      }
      if (benefits!.first !== null && compareDates(benefits!.first as IsoDate, startDate as IsoDate) < 0) {
        problems.push({ field: 'startDate', rule: 'BENEFITS_WITHIN_LINKAGE', message: `a benefit under this linkage was paid on ${benefits!.first}` });
      }
      if (benefits!.last !== null && endDate !== null && changes.endDate !== undefined && compareDates(benefits!.last as IsoDate, endDate as IsoDate) > 0) {
        problems.push({ field: 'endDate', rule: 'BENEFITS_WITHIN_LINKAGE', message: `a benefit under this linkage was paid on ${benefits!.last}` });
      }
      if (benefits!.last !== null && endedOn !== null && compareDates(benefits!.last as IsoDate, endedOn as IsoDate) > 0) {
        problems.push({ field: 'endedOn', rule: 'BENEFITS_WITHIN_LINKAGE', message: `a benefit under this linkage was paid on ${benefits!.last}` });
      }
      if (problems.length > 0) throw new DomainError('RULE_VIOLATION', 'the corrected linkage breaks the register rules', problems);
      await this.refuseOverlap(manager, { sourceId: linkage.sourceId, householdId: linkage.householdId, type: linkage.type, startDate, endDate, endedOn }, id);
      if (changes.agreementNumber !== undefined) linkage.agreementNumber = changes.agreementNumber;
      if (changes.agreedAnnualBenefit !== undefined) linkage.agreedAnnualBenefit = parseMoney(changes.agreedAnnualBenefit);
      if (changes.endReason !== undefined) linkage.endReason = changes.endReason;
      Object.assign(linkage, { startDate, endDate, endedOn, updatedAt: new Date() });
      await manager.getRepository(Linkage).save(linkage);
      const after = toLinkageDto(linkage);
      await recordAudit(manager, context, { action: 'update', entityType: 'linkage', entityId: id, before, after, regionPath: linkage.regionPath });
      return after;
    });
  }

  /**
   * Ending keeps the linkage as history (SPEC §3); the day it ends on, it is no longer active. Ending
   * only shortens the active days (to before endedOn), so it cannot make two linkages overlap.
   */
  async end(context: AuthenticatedContext, id: string, input: { endedOn: string; reason?: string }): Promise<LinkageDto> {
    return inTransaction(this.dataSource, async (manager) => {
      const linkage = await manager.getRepository(Linkage).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!linkage || !isInScope(scopeOf(context.user), { regionPath: linkage.regionPath })) throw notFound('linkage');
      if (linkage.endedOn !== null) throw new DomainError('INVALID_STATE', `the linkage already ended on ${linkage.endedOn}`);
      await this.refuseOtherCountysSource(manager, context, linkage);
      if (compareDates(input.endedOn as IsoDate, linkage.startDate as IsoDate) < 0) {
        throw new DomainError('RULE_VIOLATION', 'a linkage cannot end before it starts', [
          { field: 'endedOn', rule: 'NOT_BEFORE_START', message: `on or after ${linkage.startDate}` },
        ]);
      }
      // Benefits are paid under a running linkage: it cannot end before one it already delivered (as PATCH refuses).
      const [{ last }]: Array<{ last: string | null }> = await manager.query(
        `SELECT max(paid_on)::text AS last FROM benefit_records WHERE linkage_id = $1 AND status <> 'rejected'`,
        [id],
      );
      if (last !== null && compareDates(last as IsoDate, input.endedOn as IsoDate) > 0) {
        throw new DomainError('RULE_VIOLATION', 'the linkage delivered a benefit after that day', [
          { field: 'endedOn', rule: 'BENEFITS_WITHIN_LINKAGE', message: `a benefit under this linkage was paid on ${last}` },
        ]);
      }
      const before = toLinkageDto(linkage);
      linkage.endedOn = input.endedOn;
      linkage.endReason = input.reason ?? null;
      linkage.updatedAt = new Date();
      await manager.getRepository(Linkage).save(linkage);
      const after = toLinkageDto(linkage);
      await recordAudit(manager, context, { action: 'end', entityType: 'linkage', entityId: id, before, after, regionPath: linkage.regionPath });
      return after;
    });
  }

  /**
   * A linkage from a demonstration household counts where that household lives (SPEC §3): county staff
   * change its days only when the source is in their region, as they create one only then.
   */
  private async refuseOtherCountysSource(manager: EntityManager, context: AuthenticatedContext, linkage: Linkage): Promise<void> {
    if (linkage.sourceKind !== 'household') return;
    const source = await manager.getRepository(Household).findOneBy({ id: linkage.sourceId });
    if (source && !isInScope(scopeOf(context.user), { regionPath: source.regionPath })) {
      throw new DomainError('RULE_VIOLATION', "the linkage's source counts for another region", [SOURCE_OUTSIDE_REGION]);
    }
  }

  private async checkRules(manager: EntityManager, context: AuthenticatedContext, input: NewLinkage, household: Household | null): Promise<Problem[]> {
    const problems: Problem[] = [];
    if (!household) problems.push({ field: 'householdId', rule: 'HOUSEHOLD_EXISTS', message: 'the household does not exist' });
    else if (!isInScope(scopeOf(context.user), { regionPath: household.regionPath })) {
      problems.push({ field: 'householdId', rule: 'HOUSEHOLD_IN_YOUR_REGION', message: 'the household is registered outside your region' });
    }
    if (input.sourceKind === 'enterprise') {
      const enterprise = await manager.getRepository(Enterprise).findOneBy({ id: input.sourceId });
      if (!enterprise) problems.push({ field: 'sourceId', rule: 'SOURCE_EXISTS', message: 'the enterprise does not exist' });
      else if (enterprise.status !== 'active') problems.push({ field: 'sourceId', rule: 'SOURCE_ACTIVE', message: 'the enterprise is not active' });
    } else {
      const source = await manager.getRepository(Household).findOneBy({ id: input.sourceId });
      if (!source) problems.push({ field: 'sourceId', rule: 'SOURCE_EXISTS', message: 'the source household does not exist' });
      else if (!isInScope(scopeOf(context.user), { regionPath: source.regionPath })) {
        // It would count for another county's 千户示范: that county's staff, or the city's, link it.
        problems.push(SOURCE_OUTSIDE_REGION);
      } else {
        const problem = demonstrationSourceProblem(source, input.startDate);
        if (problem) problems.push({ field: 'sourceId', rule: 'SOURCE_IS_DEMONSTRATION', message: problem });
      }
      if (input.sourceId === input.householdId) {
        problems.push({ field: 'sourceId', rule: 'NOT_SELF', message: 'a household cannot be linked to itself' });
      }
    }
    if (input.endDate && compareDates(input.endDate as IsoDate, input.startDate as IsoDate) < 0) {
      problems.push({ field: 'endDate', rule: 'END_AFTER_START', message: 'the end date is before the start date' });
    }
    return problems;
  }

  /**
   * SPEC §3, one active linkage per (source, household, type): none of the triple (but `exceptId`,
   * the linkage being corrected) may be active on any day this one would be, whether it is ended or
   * not (one ended on a future date is active until then).
   */
  private async refuseOverlap(manager: EntityManager, input: OverlapCheck, exceptId: string | null = null): Promise<void> {
    const [existing]: Array<{ id: string; active_from: string; active_to: string | null }> = await manager.query(
      `SELECT l.id, lower(d.days)::text AS active_from, (upper(d.days) - 1)::text AS active_to
         FROM linkages l CROSS JOIN LATERAL (SELECT ${activeDaysSql('l')} AS days) d
        WHERE l.source_id = $1 AND l.household_id = $2 AND l.type = $3
          AND d.days && daterange($4::date, least($5::date + 1, $6::date))
          AND l.id IS DISTINCT FROM $7::uuid
        ORDER BY l.start_date
        LIMIT 1`,
      [input.sourceId, input.householdId, input.type, input.startDate, input.endDate ?? null, input.endedOn ?? null, exceptId],
    );
    if (existing) {
      const until = existing.active_to === null ? 'with no end' : `to ${existing.active_to}`;
      throw new DomainError('DUPLICATE', 'an active linkage of this type between this source and household covers some of these days; end it first', [
        { field: 'type', rule: 'ONE_ACTIVE_LINKAGE', message: `linkage ${existing.id} is active from ${existing.active_from} ${until}` },
      ]);
    }
  }
}
