import type { DataSource, EntityManager } from 'typeorm';
import { addMonthsClamped, compareDates, type IsoDate } from '../../core/dates';
import { Decimal, formatRate, parseRate } from '../../core/money';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { isCityStaff } from '../../shared/auth/scope';
import { inTransaction } from '../../shared/db/transaction';
import { todayInShanghai } from '../../shared/clock';
import { DomainError } from '../../shared/http/errors';
import type { Page, PageOf } from '../../shared/http/schemas';
import { recordAudit } from '../audit/audit.service';
import { rateKey, referenceRatesInForce } from './rates-in-force';
import { ReferenceRate, type RateTenor } from './reference-rate.entity';

export interface ReferenceRateDto {
  id: string;
  effectiveDate: string;
  tenor: RateTenor;
  rateAnnual: string;
}

export const toReferenceRateDto = (r: ReferenceRate): ReferenceRateDto => ({
  id: r.id,
  effectiveDate: r.effectiveDate,
  tenor: r.tenor,
  rateAnnual: formatRate(r.rateAnnual),
});

export { tenorsForTerm } from './rates-in-force';

export class ReferenceRatesService {
  constructor(private readonly dataSource: DataSource) {}

  /** All rows, or with `date` the row in force for each tenor on that date. */
  async list(filter: Page & { tenor?: RateTenor; date?: string }): Promise<PageOf<ReferenceRateDto>> {
    const query = this.dataSource.getRepository(ReferenceRate).createQueryBuilder('r');
    if (filter.tenor) query.andWhere('r.tenor = :tenor', { tenor: filter.tenor });
    if (filter.date) {
      query.andWhere(
        `r.effective_date = (SELECT max(x.effective_date) FROM reference_rates x WHERE x.tenor = r.tenor AND x.effective_date <= :date)`,
        { date: filter.date },
      );
    }
    const [rows, total] = await query
      .orderBy('r.effective_date', 'DESC')
      .addOrderBy('r.tenor')
      .take(filter.limit)
      .skip(filter.offset)
      .getManyAndCount();
    return { items: rows.map(toReferenceRateDto), total, limit: filter.limit, offset: filter.offset };
  }

  async add(context: AuthenticatedContext, input: { effectiveDate: string; tenor: RateTenor; rateAnnual: string }): Promise<ReferenceRateDto> {
    // The rates hold for every loan in the city: a county finance bureau reads them, as it applies the models.
    if (!isCityStaff(context.user)) throw new DomainError('FORBIDDEN', 'only the city finance bureau adds reference rates');
    // Rates are added, never edited: one dated years ahead by a typing error would stay, in force then.
    const latestAllowed = addMonthsClamped(todayInShanghai(), 12);
    if (compareDates(input.effectiveDate as IsoDate, latestAllowed) > 0) {
      throw new DomainError('RULE_VIOLATION', 'a reference rate takes effect within a year', [
        { field: 'effectiveDate', rule: 'EFFECTIVE_WITHIN_A_YEAR', message: `by ${latestAllowed}` },
      ]);
    }
    return inTransaction(this.dataSource, async (manager) => {
      const repository = manager.getRepository(ReferenceRate);
      if (await repository.existsBy({ effectiveDate: input.effectiveDate, tenor: input.tenor })) {
        throw new DomainError('DUPLICATE', `a ${input.tenor} rate effective ${input.effectiveDate} exists; rates are added, not edited`, [
          { field: 'effectiveDate' },
        ]);
      }
      const row = repository.create({
        effectiveDate: input.effectiveDate,
        tenor: input.tenor,
        rateAnnual: parseRate(input.rateAnnual),
        createdBy: context.user.id,
      });
      await repository.insert(row);
      const dto = toReferenceRateDto(row);
      await recordAudit(manager, context, { action: 'create', entityType: 'reference_rate', entityId: row.id, after: dto });
      return dto;
    });
  }

  /** The reference rate for a loan term on a date, or null when no row is in force yet. */
  async rateInForce(manager: EntityManager, date: string, termMonths: number): Promise<{ rateAnnual: Decimal } | null> {
    const rates = await referenceRatesInForce(manager, [{ date, termMonths }]);
    const rateAnnual = rates.get(rateKey(date, termMonths));
    return rateAnnual ? { rateAnnual } : null;
  }
}
