import type { DataSource } from 'typeorm';
import { Decimal, formatMoney } from '../../core/money';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { applyScope, scopeOf } from '../../shared/auth/scope';
import type { Page, PageOf } from '../../shared/http/schemas';
import { LOAN_SCOPE } from '../loans/loans-query.service';
import { RiskLedgerEntry, type RiskLedgerKind } from './risk-ledger-entry.entity';

export interface LedgerEntryDto {
  id: string;
  kind: RiskLedgerKind;
  loanId: string;
  guaranteeId: string | null;
  claimId: string | null;
  claimShareId: string | null;
  party: string;
  institutionId: string | null;
  fundId: string | null;
  fundMovementId: string | null;
  period: string | null;
  /** Signed from the party's side: + earned or received, − paid. */
  amount: string;
  occurredOn: string;
  reference: string | null;
  createdBy: string;
  createdAt: string;
}

export const toLedgerEntryDto = (e: RiskLedgerEntry): LedgerEntryDto => ({
  id: String(e.id),
  kind: e.kind,
  loanId: e.loanId,
  guaranteeId: e.guaranteeId,
  claimId: e.claimId,
  claimShareId: e.claimShareId,
  party: e.party,
  institutionId: e.institutionId,
  fundId: e.fundId,
  fundMovementId: e.fundMovementId === null ? null : String(e.fundMovementId),
  period: e.period,
  amount: formatMoney(e.amount),
  occurredOn: e.occurredOn,
  reference: e.reference,
  createdBy: e.createdBy,
  createdAt: e.createdAt.toISOString(),
});

export interface LedgerFilter extends Page {
  institutionId?: string;
  fundId?: string;
  party?: string;
  loanId?: string;
  guaranteeId?: string;
  claimId?: string;
  kind?: RiskLedgerKind;
  asOf?: string;
}

export interface LedgerPage extends PageOf<LedgerEntryDto> {
  asOf: string | null;
  /** The sum of every matching record (not only this page) up to `asOf`: the balance at that date. */
  balance: string;
}

/**
 * The money trail of guarantees and claims (issue 5 item 6), read: the records of a guarantor, a
 * fund, a bank, a loan, a guarantee or a claim, and their balance at a date as the sum of the records.
 */
export class RiskLedgerService {
  constructor(private readonly dataSource: DataSource) {}

  async list(context: AuthenticatedContext, filter: LedgerFilter): Promise<LedgerPage> {
    const query = this.dataSource.getRepository(RiskLedgerEntry).createQueryBuilder('e').innerJoin('e.loan', 'l');
    applyScope(query, scopeOf(context.user), LOAN_SCOPE);
    const equal: Array<[keyof LedgerFilter, string]> = [
      ['institutionId', 'e.institution_id'],
      ['fundId', 'e.fund_id'],
      ['party', 'e.party'],
      ['loanId', 'e.loan_id'],
      ['guaranteeId', 'e.guarantee_id'],
      ['claimId', 'e.claim_id'],
      ['kind', 'e.kind'],
    ];
    for (const [key, column] of equal) {
      if (filter[key] !== undefined) query.andWhere(`${column} = :${key}`, { [key]: filter[key] });
    }
    if (filter.asOf) query.andWhere('e.occurred_on <= :asOf', { asOf: filter.asOf });
    const sum = await query.clone().select('coalesce(sum(e.amount), 0)::text', 'balance').getRawOne<{ balance: string }>();
    const [rows, total] = await query.orderBy('e.occurred_on', 'ASC').addOrderBy('e.id', 'ASC').take(filter.limit).skip(filter.offset).getManyAndCount();
    return {
      items: rows.map(toLedgerEntryDto),
      total,
      limit: filter.limit,
      offset: filter.offset,
      asOf: filter.asOf ?? null,
      balance: formatMoney(new Decimal(sum?.balance ?? '0')),
    };
  }
}
