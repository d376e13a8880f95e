import type { DataSource, EntityManager } from 'typeorm';
import { addMonthsClamped, compareDates, type IsoDate } from '../../core/dates';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { isCityStaff } from '../../shared/auth/scope';
import { todayInShanghai } from '../../shared/clock';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError, notFound } from '../../shared/http/errors';
import type { Page, PageOf } from '../../shared/http/schemas';
import { recordAudit } from '../audit/audit.service';
import { FinancingModel } from './financing-model.entity';
import type { ModelParameters } from './model-parameters';
import { validateModelParameters } from './model-parameters.schema';
import { ModelVersion } from './model-version.entity';

export interface ModelVersionDto {
  id: string;
  modelCode: string;
  version: number;
  effectiveFrom: string;
  parameters: ModelParameters;
  createdBy: string | null;
  createdAt: string;
}

export interface FinancingModelDto {
  code: string;
  number: number;
  nameZh: string;
  nameEn: string;
}

/** A model with the version in force on the date asked for (null when none is in force yet). */
export interface ModelInForceDto extends FinancingModelDto {
  version: ModelVersionDto | null;
}

/** A model with its whole history, oldest version first. */
export interface ModelWithVersionsDto extends FinancingModelDto {
  versions: ModelVersionDto[];
}

export interface NewModelVersion {
  effectiveFrom: string;
  parameters: ModelParameters;
}

export const toModelVersionDto = (v: ModelVersion): ModelVersionDto => ({
  id: v.id,
  modelCode: v.modelCode,
  version: v.version,
  effectiveFrom: v.effectiveFrom,
  parameters: v.parameters,
  createdBy: v.createdBy,
  createdAt: v.createdAt.toISOString(),
});

const toModelDto = (m: FinancingModel): FinancingModelDto => ({ code: m.code, number: m.number, nameZh: m.nameZh, nameEn: m.nameEn });

/** There are ten models (SPEC §4); a bound keeps the versions query bounded all the same. */
const MAX_VERSIONS_LISTED = 500;

export class ModelsService {
  constructor(private readonly dataSource: DataSource) {}

  /** The models by number, each with the version in force on `date` (default: today in Asia/Shanghai). */
  async list(filter: Page & { date?: string }): Promise<PageOf<ModelInForceDto>> {
    const date = filter.date ?? todayInShanghai();
    const [models, total] = await this.dataSource
      .getRepository(FinancingModel)
      .createQueryBuilder('m')
      .orderBy('m.number')
      .take(filter.limit)
      .skip(filter.offset)
      .getManyAndCount();
    const inForce = await this.versionsInForce(this.dataSource.manager, models.map((m) => m.code), date);
    const items = models.map((m) => {
      const version = inForce.get(m.code);
      return { ...toModelDto(m), version: version ? toModelVersionDto(version) : null };
    });
    return { items, total, limit: filter.limit, offset: filter.offset };
  }

  /** One model and all its versions; an unknown code is 404. */
  async get(code: string): Promise<ModelWithVersionsDto> {
    const model = await this.dataSource.getRepository(FinancingModel).findOneBy({ code });
    if (!model) throw notFound('financing model');
    const versions = await this.dataSource.getRepository(ModelVersion).find({
      where: { modelCode: code },
      order: { version: 'ASC' },
      take: MAX_VERSIONS_LISTED,
    });
    return { ...toModelDto(model), versions: versions.map(toModelVersionDto) };
  }

  /**
   * Adds a parameter version (SPEC §4: "a finance officer changes parameters by adding a version").
   * A version in force is never edited, so a new one starts today or later and after the latest
   * existing one; the model row is locked so that two officers adding versions at once are
   * serialised and cannot both claim the same number.
   */
  async addVersion(context: AuthenticatedContext, code: string, input: NewModelVersion): Promise<ModelVersionDto> {
    // The models are the city's: a county finance bureau applies them but does not change them.
    if (!isCityStaff(context.user)) {
      throw new DomainError('FORBIDDEN', 'only the city finance bureau changes the financing models');
    }
    const { value: parameters, problems } = validateModelParameters(input.parameters);
    if (!parameters) {
      // The route validated already; this guards callers that reach the service another way.
      throw new DomainError('VALIDATION_FAILED', 'the parameter set is invalid', problems.map((p) => ({ ...p, path: `parameters.${p.path}` })));
    }
    return inTransaction(this.dataSource, async (manager) => {
      const model = await manager.getRepository(FinancingModel).findOne({ where: { code }, lock: { mode: 'pessimistic_write' } });
      if (!model) throw notFound('financing model');
      const versions = manager.getRepository(ModelVersion);
      const latest = await versions.findOne({ where: { modelCode: code }, order: { version: 'DESC' } });
      this.checkEffectiveFrom(input.effectiveFrom as IsoDate, todayInShanghai(), latest);

      const row = versions.create({
        modelCode: code,
        version: (latest?.version ?? 0) + 1,
        effectiveFrom: input.effectiveFrom,
        parameters,
        createdBy: context.user.id,
      });
      await versions.insert(row);
      const saved = await versions.findOneByOrFail({ id: row.id });
      const dto = toModelVersionDto(saved);
      await recordAudit(manager, context, {
        action: 'create',
        entityType: 'financing_model_version',
        entityId: saved.id,
        before: latest ? { version: latest.version, effectiveFrom: latest.effectiveFrom } : null,
        after: dto,
      });
      return dto;
    });
  }

  /** SPEC §4 "never edits one in force": not in the past, and strictly after the latest version. */
  private checkEffectiveFrom(effectiveFrom: IsoDate, today: IsoDate, latest: ModelVersion | null): void {
    const problems: Array<{ field: string; rule: string; message: string }> = [];
    if (compareDates(effectiveFrom, today) < 0) {
      problems.push({ field: 'effectiveFrom', rule: 'EFFECTIVE_FROM_IN_PAST', message: `a new version cannot take effect before today (${today})` });
    }
    // A version can be announced ahead, but one dated years away (a typing error: 9999-12-31) would
    // refuse every later version until then, since versions are added, never edited.
    const latestAllowed = addMonthsClamped(today, 12);
    if (compareDates(effectiveFrom, latestAllowed) > 0) {
      problems.push({ field: 'effectiveFrom', rule: 'EFFECTIVE_FROM_WITHIN_A_YEAR', message: `a new version takes effect within a year, by ${latestAllowed}` });
    }
    if (latest && compareDates(effectiveFrom, latest.effectiveFrom as IsoDate) <= 0) {
      problems.push({
        field: 'effectiveFrom',
        rule: 'EFFECTIVE_FROM_NOT_AFTER_LATEST',
        message: `a new version must take effect after version ${latest.version} (effective ${latest.effectiveFrom})`,
      });
    }
    if (problems.length > 0) throw new DomainError('RULE_VIOLATION', 'the version cannot take effect on that date', problems);
  }

  /**
   * The version of a model in force on a date (the latest with effectiveFrom ≤ date), or null.
   * The loans service calls it with its own transaction manager: a loan keeps the version in force
   * on its contract date (SPEC §4).
   */
  async versionInForce(manager: EntityManager, modelCode: string, date: string): Promise<ModelVersion | null> {
    return manager
      .getRepository(ModelVersion)
      .createQueryBuilder('v')
      .where('v.model_code = :modelCode', { modelCode })
      .andWhere('v.effective_from <= :date', { date })
      .orderBy('v.effective_from', 'DESC')
      .limit(1)
      .getOne();
  }

  /** The versions in force on `date` for several models at once, by model code: one query, not one per model. */
  private async versionsInForce(manager: EntityManager, codes: string[], date: string): Promise<Map<string, ModelVersion>> {
    if (codes.length === 0) return new Map();
    const rows = await manager
      .getRepository(ModelVersion)
      .createQueryBuilder('v')
      .where('v.model_code IN (:...codes)', { codes })
      .andWhere(
        `v.effective_from = (SELECT max(x.effective_from) FROM financing_model_versions x WHERE x.model_code = v.model_code AND x.effective_from <= :date)`,
        { date },
      )
      .getMany();
    return new Map(rows.map((v) => [v.modelCode, v]));
  }
}
