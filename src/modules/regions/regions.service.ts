import type { DataSource } from 'typeorm';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError, notFound } from '../../shared/http/errors';
import type { Page, PageOf } from '../../shared/http/schemas';
import { recordAudit } from '../audit/audit.service';
import { Region, type RegionLevel } from './region.entity';

export interface RegionDto {
  code: string;
  name: string;
  level: RegionLevel;
  parentCode: string | null;
  path: string;
}

export interface NewRegion {
  code: string;
  name: string;
  level: RegionLevel;
  parentCode?: string;
}

/** The level a child must have under each level, and how many code digits it carries. */
const CHILD_LEVEL: Partial<Record<RegionLevel, RegionLevel>> = {
  province: 'city',
  city: 'county',
  county: 'township',
  township: 'village',
};
const CODE_LENGTH: Record<RegionLevel, number> = { province: 6, city: 6, county: 6, township: 9, village: 12 };

export const toRegionDto = (r: Region): RegionDto => ({
  code: r.code,
  name: r.name,
  level: r.level,
  parentCode: r.parentCode,
  path: r.path,
});

export class RegionsService {
  constructor(private readonly dataSource: DataSource) {}

  async list(filter: Page & { parentCode?: string; level?: RegionLevel; under?: string }): Promise<PageOf<RegionDto>> {
    const query = this.dataSource.getRepository(Region).createQueryBuilder('r');
    if (filter.parentCode) query.andWhere('r.parent_code = :parentCode', { parentCode: filter.parentCode });
    if (filter.level) query.andWhere('r.level = :level', { level: filter.level });
    if (filter.under) {
      const root = await this.get(filter.under);
      query.andWhere('r.path LIKE :prefix', { prefix: `${root.path}%` });
    }
    const [rows, total] = await query.orderBy('r.path').take(filter.limit).skip(filter.offset).getManyAndCount();
    return { items: rows.map(toRegionDto), total, limit: filter.limit, offset: filter.offset };
  }

  async get(code: string): Promise<RegionDto> {
    const region = await this.dataSource.getRepository(Region).findOneBy({ code });
    if (!region) throw notFound('region');
    return toRegionDto(region);
  }

  async create(context: AuthenticatedContext, input: NewRegion): Promise<RegionDto> {
    return inTransaction(this.dataSource, async (manager) => {
      const repository = manager.getRepository(Region);
      const problems = [];
      if (input.code.length !== CODE_LENGTH[input.level]) {
        problems.push({ field: 'code', rule: 'CODE_LENGTH', message: `a ${input.level} code has ${CODE_LENGTH[input.level]} digits` });
      }
      let parent: Region | null = null;
      if (input.parentCode) {
        parent = await repository.findOneBy({ code: input.parentCode });
        if (!parent) throw new DomainError('REFERENCE_NOT_FOUND', 'the parent region does not exist', [{ field: 'parentCode' }]);
        if (CHILD_LEVEL[parent.level] !== input.level) {
          problems.push({ field: 'level', rule: 'LEVEL_UNDER_PARENT', message: `a ${parent.level} holds ${CHILD_LEVEL[parent.level] ?? 'nothing'}` });
        }
        if (!codeBelongsTo(input.code, input.level, parent)) {
          problems.push({ field: 'code', rule: 'CODE_UNDER_PARENT', message: `code ${input.code} is not under ${parent.code}` });
        }
      } else if (input.level !== 'province' && input.level !== 'city') {
        problems.push({ field: 'parentCode', rule: 'PARENT_REQUIRED', message: `a ${input.level} needs a parent region` });
      }
      if (problems.length > 0) throw new DomainError('RULE_VIOLATION', 'the region breaks the code rules', problems);
      if (await repository.existsBy({ code: input.code })) {
        throw new DomainError('DUPLICATE', `region ${input.code} already exists`, [{ field: 'code' }]);
      }
      const region = repository.create({
        code: input.code,
        name: input.name,
        level: input.level,
        parentCode: parent?.code ?? null,
        path: `${parent?.path ?? ''}${input.code}/`,
      });
      await repository.insert(region);
      const dto = toRegionDto(region);
      await recordAudit(manager, context, { action: 'create', entityType: 'region', entityId: region.code, after: dto, regionPath: dto.path });
      return dto;
    });
  }
}

/** GB/T 2260 codes nest: a county's first four digits are its city's, a township's first six its county. */
function codeBelongsTo(code: string, level: RegionLevel, parent: Region): boolean {
  if (level === 'township' || level === 'village') return code.startsWith(parent.code);
  if (level === 'county') return code.slice(0, 4) === parent.code.slice(0, 4) && code !== parent.code;
  if (level === 'city') return code.slice(0, 2) === parent.code.slice(0, 2) && code !== parent.code;
  return false;
}
