import type { DataSource, EntityManager } from 'typeorm';
import { validateUscc } from '../../core/identifiers';
import { formatMoney, Decimal } from '../../core/money';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { applyScope, isInScope, regionPathPattern, scopeOf } from '../../shared/auth/scope';
import { todayInShanghai } from '../../shared/clock';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError, notFound } from '../../shared/http/errors';
import type { Page, PageOf } from '../../shared/http/schemas';
import { recordAudit } from '../audit/audit.service';
import type { LinkageType } from '../linkages/linkage.entity';
import { activeDaysSql } from '../linkages/linkages.service';
import { Region } from '../regions/region.entity';
import { Enterprise, type EnterpriseKind, type EnterpriseStatus } from './enterprise.entity';

export interface EnterpriseDto {
  id: string;
  name: string;
  uscc: string;
  kind: EnterpriseKind;
  regionCode: string;
  industry: string | null;
  legalRepresentative: string | null;
  status: EnterpriseStatus;
}

export interface NewEnterprise {
  name: string;
  uscc: string;
  kind: EnterpriseKind;
  regionCode: string;
  industry?: string;
  legalRepresentative?: string;
}

export type EnterpriseChanges = Partial<Omit<NewEnterprise, 'uscc'>> & { status?: EnterpriseStatus };

export interface SupportedHouseholdDto {
  householdId: string;
  householdNumber: string;
  headName: string;
  idNumberMasked: string;
  villageCode: string;
  villageName: string;
  status: string;
  linkageTypes: LinkageType[];
  activeLinkage: boolean;
  benefitsThisYear: string;
  benefitsTotal: string;
}

/**
 * Enterprises are the public business register: banks may read them to lend. An enterprise's staff
 * see only their own enterprise; county staff the enterprises registered in their county.
 */
const ENTERPRISE_SCOPE = { regionPath: 'r.path', bankCondition: 'TRUE', enterpriseId: 'e.id' };

export const toEnterpriseDto = (e: Omit<Enterprise, 'region' | 'createdAt' | 'updatedAt'>): EnterpriseDto => ({
  id: e.id,
  name: e.name,
  uscc: e.uscc,
  kind: e.kind,
  regionCode: e.regionCode,
  industry: e.industry,
  legalRepresentative: e.legalRepresentative,
  status: e.status,
});

export class EnterprisesService {
  constructor(private readonly dataSource: DataSource) {}

  async list(context: AuthenticatedContext, filter: Page & { kind?: EnterpriseKind; status?: EnterpriseStatus; under?: string; name?: string; uscc?: string }): Promise<PageOf<EnterpriseDto>> {
    const query = this.dataSource.getRepository(Enterprise).createQueryBuilder('e').innerJoin(Region, 'r', 'r.code = e.region_code');
    applyScope(query, scopeOf(context.user), ENTERPRISE_SCOPE);
    if (filter.kind) query.andWhere('e.kind = :kind', { kind: filter.kind });
    if (filter.status) query.andWhere('e.status = :status', { status: filter.status });
    if (filter.uscc) query.andWhere('e.uscc = :uscc', { uscc: filter.uscc });
    if (filter.name) query.andWhere(`e.name LIKE :name ESCAPE '\\'`, { name: `%${filter.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%` });
    if (filter.under) {
      const region = await this.dataSource.getRepository(Region).findOneBy({ code: filter.under });
      query.andWhere('r.path LIKE :under', { under: `${region?.path ?? 'none/'}%` });
    }
    // Names repeat (branches, cooperatives): the id makes the order total, so pages neither repeat nor skip a row.
    const [rows, total] = await query.orderBy('e.name').addOrderBy('e.id').take(filter.limit).skip(filter.offset).getManyAndCount();
    return { items: rows.map(toEnterpriseDto), total, limit: filter.limit, offset: filter.offset };
  }

  async get(context: AuthenticatedContext, id: string): Promise<EnterpriseDto> {
    return toEnterpriseDto(await this.findInScope(this.dataSource.manager, context, id));
  }

  async create(context: AuthenticatedContext, input: NewEnterprise): Promise<EnterpriseDto> {
    return inTransaction(this.dataSource, async (manager) => {
      const problems = [];
      const uscc = validateUscc(input.uscc);
      if (!uscc.ok) problems.push({ field: 'uscc', rule: 'USCC_INVALID', message: uscc.reason });
      const region = await this.regionInScope(manager, context, input.regionCode, problems);
      if (problems.length > 0) throw new DomainError('RULE_VIOLATION', 'the enterprise breaks the register rules', problems);
      const repository = manager.getRepository(Enterprise);
      if (await repository.existsBy({ uscc: input.uscc })) {
        throw new DomainError('DUPLICATE', 'an enterprise with this unified social credit code is registered', [{ field: 'uscc', rule: 'UNIQUE' }]);
      }
      const enterprise = repository.create({
        name: input.name,
        uscc: input.uscc,
        kind: input.kind,
        regionCode: input.regionCode,
        industry: input.industry ?? null,
        legalRepresentative: input.legalRepresentative ?? null,
        status: 'active',
      });
      await repository.insert(enterprise);
      const dto = toEnterpriseDto(enterprise);
      await recordAudit(manager, context, { action: 'create', entityType: 'enterprise', entityId: enterprise.id, after: dto, regionPath: region!.path });
      return dto;
    });
  }

  async update(context: AuthenticatedContext, id: string, changes: EnterpriseChanges): Promise<EnterpriseDto> {
    return inTransaction(this.dataSource, async (manager) => {
      const enterprise = await this.findInScope(manager, context, id, true);
      const before = toEnterpriseDto(enterprise);
      const problems: Array<{ field: string; rule: string; message: string }> = [];
      const region = changes.regionCode ? await this.regionInScope(manager, context, changes.regionCode, problems) : null;
      if (problems.length > 0) throw new DomainError('RULE_VIOLATION', 'the enterprise breaks the register rules', problems);
      if (changes.name !== undefined) enterprise.name = changes.name;
      if (changes.kind !== undefined) enterprise.kind = changes.kind;
      if (region) enterprise.regionCode = region.code;
      if (changes.industry !== undefined) enterprise.industry = changes.industry;
      if (changes.legalRepresentative !== undefined) enterprise.legalRepresentative = changes.legalRepresentative;
      if (changes.status !== undefined) enterprise.status = changes.status;
      enterprise.updatedAt = new Date();
      await manager.getRepository(Enterprise).save(enterprise);
      const after = toEnterpriseDto(enterprise);
      const path = (await manager.getRepository(Region).findOneByOrFail({ code: enterprise.regionCode })).path;
      await recordAudit(manager, context, { action: 'update', entityType: 'enterprise', entityId: id, before, after, regionPath: path });
      return after;
    });
  }

  /**
   * The enterprise's view (issue 3 item 5): the households it supports, with masked ID numbers,
   * village, linkage types, whether a linkage is active today (as isActiveOn judges it) and the
   * confirmed benefits delivered this year and in total. One query. County staff see only the
   * households of their county among them (SPEC §9): an enterprise may link households of other
   * counties, which they may not read.
   */
  async supportedHouseholds(
    context: AuthenticatedContext,
    id: string,
    filter: Page & { villageCode?: string; type?: LinkageType },
  ): Promise<PageOf<SupportedHouseholdDto>> {
    await this.findInScope(this.dataSource.manager, context, id);
    const params: unknown[] = [id];
    let where = 'l.source_enterprise_id = $1';
    const scope = scopeOf(context.user);
    if (scope.kind === 'region') where += ` AND h.region_path LIKE $${params.push(regionPathPattern(scope.regionPath))}`;
    if (filter.villageCode) where += ` AND h.village_code = $${params.push(filter.villageCode)}`;
    if (filter.type) where += ` AND l.type = $${params.push(filter.type)}`;
    // The count below takes the filters' parameters only: PostgreSQL refuses a parameter a statement does not use.
    const filterParams = params.slice();
    const today = todayInShanghai();
    const yearStart = `$${params.push(`${today.slice(0, 4)}-01-01`)}`;
    const todayParam = `$${params.push(today)}`;
    const limit = `$${params.push(filter.limit)}`;
    const offset = `$${params.push(filter.offset)}`;
    const rows: Array<Record<string, any>> = await this.dataSource.query(
      `WITH supported AS (
         SELECT h.id, h.household_number, h.head_name, h.id_number_masked, h.village_code, v.name AS village_name, h.status,
                array_agg(DISTINCT l.type ORDER BY l.type) AS linkage_types,
                bool_or(${activeDaysSql('l')} @> ${todayParam}::date) AS active_linkage,
                coalesce(sum(b.amount) FILTER (WHERE b.paid_on >= ${yearStart}::date), 0) AS benefits_this_year,
                coalesce(sum(b.amount), 0) AS benefits_total
           FROM linkages l
           JOIN households h ON h.id = l.household_id
           JOIN regions v ON v.code = h.village_code
           LEFT JOIN benefit_records b ON b.linkage_id = l.id AND b.status = 'confirmed'
          WHERE ${where}
          GROUP BY h.id, v.name)
       SELECT *, count(*) OVER () AS total FROM supported ORDER BY household_number LIMIT ${limit} OFFSET ${offset}`,
      params,
    );
    const total = rows.length > 0 ? Number(rows[0]!.total) : await this.countSupported(where, filterParams);
    return {
      items: rows.map((r) => ({
        householdId: r.id,
        householdNumber: r.household_number,
        headName: r.head_name,
        idNumberMasked: r.id_number_masked,
        villageCode: r.village_code,
        villageName: r.village_name,
        status: r.status,
        linkageTypes: r.linkage_types,
        activeLinkage: r.active_linkage,
        benefitsThisYear: formatMoney(new Decimal(r.benefits_this_year)),
        benefitsTotal: formatMoney(new Decimal(r.benefits_total)),
      })),
      total,
      limit: filter.limit,
      offset: filter.offset,
    };
  }

  private async countSupported(where: string, params: unknown[]): Promise<number> {
    const [row] = await this.dataSource.query(
      `SELECT count(DISTINCT h.id)::int AS total FROM linkages l JOIN households h ON h.id = l.household_id WHERE ${where}`,
      params,
    );
    return row.total;
  }

  private async findInScope(manager: EntityManager, context: AuthenticatedContext, id: string, lock = false): Promise<Enterprise> {
    const enterprise = await manager.getRepository(Enterprise).findOne({ where: { id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    if (!enterprise) throw notFound('enterprise');
    const region = await manager.getRepository(Region).findOneByOrFail({ code: enterprise.regionCode });
    const scope = scopeOf(context.user);
    const visible = scope.kind === 'bank' || isInScope(scope, { regionPath: region.path, enterpriseId: enterprise.id });
    if (!visible) throw notFound('enterprise');
    return enterprise;
  }

  private async regionInScope(manager: EntityManager, context: AuthenticatedContext, code: string, problems: Array<{ field: string; rule: string; message: string }>) {
    const region = await manager.getRepository(Region).findOneBy({ code });
    if (!region || region.level === 'city' || region.level === 'province') {
      problems.push({ field: 'regionCode', rule: 'REGION_COUNTY_OR_BELOW', message: 'an enterprise is registered in a county, township or village' });
      return null;
    }
    if (!isInScope(scopeOf(context.user), { regionPath: region.path })) {
      problems.push({ field: 'regionCode', rule: 'REGION_IN_YOUR_SCOPE', message: 'the region is outside your own' });
      return null;
    }
    return region;
  }
}
