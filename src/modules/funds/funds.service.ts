import type { DataSource, EntityManager } from 'typeorm';
import { Decimal, formatMoney, parseMoney } from '../../core/money';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { applyScope, isInScope, scopeOf } from '../../shared/auth/scope';
import { todayInShanghai } from '../../shared/clock';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError, notFound } from '../../shared/http/errors';
import type { Page, PageOf } from '../../shared/http/schemas';
import { recordAudit } from '../audit/audit.service';
import { Institution } from '../institutions/institution.entity';
import { ModelVersion } from '../models/model-version.entity';
import { Region } from '../regions/region.entity';
import { outstandingByFund } from './fund-checks';
import { FundMovement } from './fund-movement.entity';
import { balanceAsOf, recordMovement, toFundMovementDto, type FundMovementDto } from './fund-movements';
import { fundCapacity } from './fund.rules';
import { RiskFund } from './risk-fund.entity';

export interface FundDto {
  id: string;
  countyCode: string;
  bankId: string;
  modelCode: string;
  multiple: string;
  balance: string;
  /** balance × multiple, floored to the fen (SPEC §5). */
  capacity: string;
  /** Outstanding principal of the open loans under the fund. */
  outstandingPrincipal: string;
  /** capacity − outstanding; negative when payouts have shrunk the fund below what its loans use. */
  capacityLeft: string;
  createdAt: string;
  /** Only with `?asOf=`: the date asked for and the balance at its end. */
  asOf?: string;
  balanceAsOf?: string;
}

export interface NewFund {
  countyCode: string;
  bankId: string;
  modelCode: string;
  /** Defaults to the model's capacity multiple in the version in force today. */
  multiple?: string;
}

export interface FundFilter extends Page {
  countyCode?: string;
  bankId?: string;
  modelCode?: string;
}

export interface NewDeposit {
  kind: 'deposit' | 'top_up' | 'withdrawal';
  amount: string;
  occurredOn: string;
  reference?: string;
}

/** The database's bound on `multiple` (risk_funds_multiple_check). */
const MAX_MULTIPLE = new Decimal(50);

export function toFundDto(fund: RiskFund, outstanding: Decimal): FundDto {
  const capacity = fundCapacity(fund.balance, fund.multiple);
  return {
    id: fund.id,
    countyCode: fund.countyCode,
    bankId: fund.bankId,
    modelCode: fund.modelCode,
    multiple: fund.multiple.toFixed(),
    balance: formatMoney(fund.balance),
    capacity: formatMoney(capacity),
    outstandingPrincipal: formatMoney(outstanding),
    capacityLeft: formatMoney(capacity.minus(outstanding)),
    createdAt: fund.createdAt.toISOString(),
  };
}

/**
 * Risk-compensation funds (风险补偿金, SPEC §5): a county's money at a bank for one model. Finance
 * officers open funds and move money in and out; finance officers, auditors, admins and the bank's
 * loan officers read them, each within their data scope (SPEC §9).
 */
export class FundsService {
  constructor(private readonly dataSource: DataSource) {}

  async create(context: AuthenticatedContext, input: NewFund): Promise<FundDto> {
    return inTransaction(this.dataSource, async (manager) => {
      const county = await manager.getRepository(Region).findOneBy({ code: input.countyCode });
      // A county officer opens funds for its own county only; the city's officers for any county.
      if (county && !isInScope(scopeOf(context.user), { regionPath: county.path })) {
        throw new DomainError('FORBIDDEN', `a finance officer of ${context.user.regionCode} may not open a fund for county ${input.countyCode}`);
      }
      const { multiple, problems } = await this.checkNewFund(manager, input, county);
      if (problems.length > 0 || !county || !multiple) throw new DomainError('RULE_VIOLATION', 'the fund cannot be opened', problems);
      const repository = manager.getRepository(RiskFund);
      if (await repository.existsBy({ countyCode: input.countyCode, bankId: input.bankId, modelCode: input.modelCode })) {
        throw new DomainError('DUPLICATE', 'this county already has a fund at this bank for this model', [
          { field: 'modelCode', rule: 'ONE_FUND_PER_COUNTY_BANK_MODEL' },
        ]);
      }
      const fund = repository.create({
        countyCode: input.countyCode,
        bankId: input.bankId,
        modelCode: input.modelCode,
        multiple,
        balance: new Decimal(0),
        regionPath: county.path,
      });
      await repository.insert(fund);
      const dto = toFundDto(await repository.findOneByOrFail({ id: fund.id }), new Decimal(0));
      await recordAudit(manager, context, {
        action: 'create',
        entityType: 'risk_fund',
        entityId: fund.id,
        after: dto,
        regionPath: county.path,
        institutionId: input.bankId,
      });
      return dto;
    });
  }

  async list(context: AuthenticatedContext, filter: FundFilter): Promise<PageOf<FundDto>> {
    const query = this.dataSource.getRepository(RiskFund).createQueryBuilder('f');
    applyScope(query, scopeOf(context.user), { regionPath: 'f.region_path', bankId: 'f.bank_id' });
    if (filter.countyCode) query.andWhere('f.county_code = :countyCode', { countyCode: filter.countyCode });
    if (filter.bankId) query.andWhere('f.bank_id = :bankId', { bankId: filter.bankId });
    if (filter.modelCode) query.andWhere('f.model_code = :modelCode', { modelCode: filter.modelCode });
    const [funds, total] = await query
      .orderBy('f.county_code')
      .addOrderBy('f.model_code')
      .addOrderBy('f.created_at')
      .addOrderBy('f.id')
      .take(filter.limit)
      .skip(filter.offset)
      .getManyAndCount();
    const outstanding = await outstandingByFund(this.dataSource.manager, funds.map((f) => f.id));
    const items = funds.map((f) => toFundDto(f, outstanding.get(f.id)!));
    return { items, total, limit: filter.limit, offset: filter.offset };
  }

  /** One fund; with `asOf`, also its balance at the end of that date. Outside the caller's scope: 404. */
  async get(context: AuthenticatedContext, id: string, asOf?: string): Promise<FundDto> {
    const manager = this.dataSource.manager;
    const fund = await this.findVisible(manager, context, id);
    const dto = toFundDto(fund, (await outstandingByFund(manager, [id])).get(id)!);
    if (asOf === undefined) return dto;
    return { ...dto, asOf, balanceAsOf: await balanceAsOf(manager, id, asOf) };
  }

  /** The fund's movements, newest recorded first, each with the balance after it. */
  async movements(context: AuthenticatedContext, id: string, page: Page): Promise<PageOf<FundMovementDto>> {
    await this.findVisible(this.dataSource.manager, context, id);
    const [rows, total] = await this.dataSource.getRepository(FundMovement).findAndCount({
      where: { fundId: id },
      order: { id: 'DESC' },
      take: page.limit,
      skip: page.offset,
    });
    return { items: rows.map(toFundMovementDto), total, limit: page.limit, offset: page.offset };
  }

  /**
   * A deposit, top-up or withdrawal by a finance officer in scope, in one transaction with its
   * audit entry. A retry with the same Idempotency-Key returns the first movement and writes nothing.
   */
  async deposit(context: AuthenticatedContext, id: string, idempotencyKey: string, input: NewDeposit): Promise<FundMovementDto> {
    return inTransaction(this.dataSource, async (manager) => {
      await this.findVisible(manager, context, id);
      const recorded = await recordMovement(manager, context, id, {
        kind: input.kind,
        amount: parseMoney(input.amount),
        occurredOn: input.occurredOn,
        reference: input.reference ?? null,
        idempotencyKey,
        createdBy: context.user.id,
      });
      return recorded.movement;
    });
  }

  private async findVisible(manager: EntityManager, context: AuthenticatedContext, id: string): Promise<RiskFund> {
    const query = manager.getRepository(RiskFund).createQueryBuilder('f').where('f.id = :id', { id });
    applyScope(query, scopeOf(context.user), { regionPath: 'f.region_path', bankId: 'f.bank_id' });
    const fund = await query.getOne();
    if (!fund) throw notFound('risk fund');
    return fund;
  }

  /** SPEC §5: a county, a head-office bank, and a model whose version in force today draws capacity from a risk fund. */
  private async checkNewFund(manager: EntityManager, input: NewFund, county: Region | null) {
    const problems: Array<{ field: string; rule: string; message: string }> = [];
    if (!county || county.level !== 'county') {
      problems.push({ field: 'countyCode', rule: 'COUNTY_EXISTS', message: 'the county does not exist (a fund belongs to a county)' });
    }
    const bank = await manager.getRepository(Institution).findOneBy({ id: input.bankId });
    if (!bank || bank.type !== 'bank') {
      problems.push({ field: 'bankId', rule: 'HEAD_OFFICE_BANK', message: 'the bank must be an existing head-office bank, not a branch or another institution' });
    }
    const version = await manager
      .getRepository(ModelVersion)
      .createQueryBuilder('v')
      .where('v.model_code = :code', { code: input.modelCode })
      .andWhere('v.effective_from <= :today', { today: todayInShanghai() })
      .orderBy('v.effective_from', 'DESC')
      .limit(1)
      .getOne();
    const capacity = version?.parameters.capacity;
    if (!version) {
      problems.push({ field: 'modelCode', rule: 'MODEL_IN_FORCE', message: 'no version of this model is in force today' });
    } else if (capacity?.source !== 'risk_fund') {
      problems.push({ field: 'modelCode', rule: 'MODEL_WITHOUT_RISK_FUND', message: `the model ${input.modelCode} does not draw its capacity from a risk-compensation fund` });
    }
    const multipleText = input.multiple ?? (capacity?.source === 'risk_fund' ? capacity.multiple : undefined);
    const multiple = multipleText === undefined ? undefined : new Decimal(multipleText);
    if (multiple && (multiple.lte(0) || multiple.gt(MAX_MULTIPLE) || multiple.decimalPlaces() > 2)) {
      problems.push({ field: 'multiple', rule: 'MULTIPLE_RANGE', message: 'the multiple must be above 0 and at most 50, with at most 2 decimals' });
    }
    return { multiple, problems };
  }
}
