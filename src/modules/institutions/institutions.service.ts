import type { DataSource, EntityManager } from 'typeorm';
import { validateUscc } from '../../core/identifiers';
import { Decimal, formatMoney, parseMoney } from '../../core/money';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError, notFound } from '../../shared/http/errors';
import type { Page, PageOf } from '../../shared/http/schemas';
import { recordAudit } from '../audit/audit.service';
import { Region } from '../regions/region.entity';
import { Institution, type InstitutionType } from './institution.entity';

export interface InstitutionDto {
  id: string;
  type: InstitutionType;
  name: string;
  uscc: string;
  parentId: string | null;
  regionCode: string;
  netAssets: string | null;
  leverageLimit: string | null;
  singleClientLimitRatio: string | null;
}

export interface NewInstitution {
  type: InstitutionType;
  name: string;
  uscc: string;
  parentId?: string;
  regionCode: string;
  netAssets?: string;
  leverageLimit?: string;
  singleClientLimitRatio?: string;
}

export type InstitutionChanges = Partial<Pick<NewInstitution, 'name' | 'regionCode' | 'netAssets' | 'leverageLimit' | 'singleClientLimitRatio'>>;

/** SPEC §5: a guarantor's leverage is 10, or 15 for those serving small business and agriculture. */
export const DEFAULT_LEVERAGE_LIMIT = '10';
export const DEFAULT_SINGLE_CLIENT_LIMIT_RATIO = '0.10';

export const toInstitutionDto = (i: Institution): InstitutionDto => ({
  id: i.id,
  type: i.type,
  name: i.name,
  uscc: i.uscc,
  parentId: i.parentId,
  regionCode: i.regionCode,
  netAssets: i.netAssets ? formatMoney(i.netAssets) : null,
  leverageLimit: i.leverageLimit ? i.leverageLimit.toFixed() : null,
  singleClientLimitRatio: i.singleClientLimitRatio ? i.singleClientLimitRatio.toFixed() : null,
});

export class InstitutionsService {
  constructor(private readonly dataSource: DataSource) {}

  async list(filter: Page & { type?: InstitutionType; parentId?: string; regionCode?: string }): Promise<PageOf<InstitutionDto>> {
    const query = this.dataSource.getRepository(Institution).createQueryBuilder('i');
    if (filter.type) query.andWhere('i.type = :type', { type: filter.type });
    if (filter.parentId) query.andWhere('i.parent_id = :parentId', { parentId: filter.parentId });
    if (filter.regionCode) query.andWhere('i.region_code = :regionCode', { regionCode: filter.regionCode });
    // Names repeat (branches, cooperatives): the id makes the order total, so pages neither repeat nor skip a row.
    const [rows, total] = await query.orderBy('i.type').addOrderBy('i.name').addOrderBy('i.id').take(filter.limit).skip(filter.offset).getManyAndCount();
    return { items: rows.map(toInstitutionDto), total, limit: filter.limit, offset: filter.offset };
  }

  async get(id: string): Promise<InstitutionDto> {
    const institution = await this.dataSource.getRepository(Institution).findOneBy({ id });
    if (!institution) throw notFound('institution');
    return toInstitutionDto(institution);
  }

  async create(context: AuthenticatedContext, input: NewInstitution): Promise<InstitutionDto> {
    return inTransaction(this.dataSource, async (manager) => {
      const problems = await this.checkRules(manager, input);
      if (problems.length > 0) throw new DomainError('RULE_VIOLATION', 'the institution breaks the registration rules', problems);
      const repository = manager.getRepository(Institution);
      if (await repository.existsBy({ uscc: input.uscc })) {
        throw new DomainError('DUPLICATE', 'an institution with this unified social credit code exists', [{ field: 'uscc' }]);
      }
      const guarantor = input.type === 'guarantee_company';
      const institution = repository.create({
        type: input.type,
        name: input.name,
        uscc: input.uscc,
        parentId: input.parentId ?? null,
        regionCode: input.regionCode,
        netAssets: guarantor ? parseMoney(input.netAssets!) : null,
        leverageLimit: guarantor ? new Decimal(input.leverageLimit ?? DEFAULT_LEVERAGE_LIMIT) : null,
        singleClientLimitRatio: guarantor ? new Decimal(input.singleClientLimitRatio ?? DEFAULT_SINGLE_CLIENT_LIMIT_RATIO) : null,
      });
      await repository.insert(institution);
      const dto = toInstitutionDto(institution);
      const region = await manager.getRepository(Region).findOneByOrFail({ code: input.regionCode });
      await recordAudit(manager, context, {
        action: 'create',
        entityType: 'institution',
        entityId: institution.id,
        after: dto,
        regionPath: region.path,
        institutionId: institution.id,
      });
      return dto;
    });
  }

  async update(context: AuthenticatedContext, id: string, changes: InstitutionChanges): Promise<InstitutionDto> {
    return inTransaction(this.dataSource, async (manager) => {
      const repository = manager.getRepository(Institution);
      const institution = await repository.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!institution) throw notFound('institution');
      const before = toInstitutionDto(institution);
      const guarantorFields = [changes.netAssets, changes.leverageLimit, changes.singleClientLimitRatio].some((v) => v !== undefined);
      if (guarantorFields && institution.type !== 'guarantee_company') {
        throw new DomainError('RULE_VIOLATION', 'only a guarantee company has net assets and leverage limits', [
          { field: 'netAssets', rule: 'GUARANTOR_ONLY' },
        ]);
      }
      if (changes.regionCode && !(await manager.getRepository(Region).existsBy({ code: changes.regionCode }))) {
        throw new DomainError('REFERENCE_NOT_FOUND', 'the region does not exist', [{ field: 'regionCode' }]);
      }
      if (changes.name !== undefined) institution.name = changes.name;
      if (changes.regionCode !== undefined) institution.regionCode = changes.regionCode;
      if (changes.netAssets !== undefined) institution.netAssets = parseMoney(changes.netAssets);
      if (changes.leverageLimit !== undefined) institution.leverageLimit = new Decimal(changes.leverageLimit);
      if (changes.singleClientLimitRatio !== undefined) institution.singleClientLimitRatio = new Decimal(changes.singleClientLimitRatio);
      institution.updatedAt = new Date();
      await repository.save(institution);
      const after = toInstitutionDto(institution);
      const region = await manager.getRepository(Region).findOneByOrFail({ code: institution.regionCode });
      await recordAudit(manager, context, {
        action: 'update',
        entityType: 'institution',
        entityId: id,
        before,
        after,
        regionPath: region.path,
        institutionId: id,
      });
      return after;
    });
  }

  private async checkRules(manager: EntityManager, input: NewInstitution) {
    const problems: Array<{ field: string; rule: string; message: string }> = [];
    const uscc = validateUscc(input.uscc);
    if (!uscc.ok) problems.push({ field: 'uscc', rule: 'USCC_INVALID', message: uscc.reason });
    if (!(await manager.getRepository(Region).existsBy({ code: input.regionCode }))) {
      problems.push({ field: 'regionCode', rule: 'REGION_EXISTS', message: 'the region does not exist' });
    }
    if (input.type === 'bank_branch') {
      const parent = input.parentId ? await manager.getRepository(Institution).findOneBy({ id: input.parentId }) : null;
      if (!parent || parent.type !== 'bank') {
        problems.push({ field: 'parentId', rule: 'BRANCH_OF_BANK', message: 'a bank branch belongs to an existing bank' });
      }
    } else if (input.parentId) {
      problems.push({ field: 'parentId', rule: 'PARENT_ONLY_FOR_BRANCH', message: 'only a bank branch has a parent' });
    }
    const guarantor = input.type === 'guarantee_company';
    if (guarantor && input.netAssets === undefined) {
      problems.push({ field: 'netAssets', rule: 'GUARANTOR_NET_ASSETS', message: 'a guarantee company needs its net assets' });
    }
    if (!guarantor && (input.netAssets ?? input.leverageLimit ?? input.singleClientLimitRatio) !== undefined) {
      problems.push({ field: 'netAssets', rule: 'GUARANTOR_ONLY', message: 'only a guarantee company has net assets and leverage limits' });
    }
    return problems;
  }
}
