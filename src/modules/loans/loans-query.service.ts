import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import { Decimal, formatMoney } from '../../core/money';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { applyScope, isInScope, scopeOf } from '../../shared/auth/scope';
import { todayInShanghai } from '../../shared/clock';
import { RawJson } from '../../shared/http/api';
import { notFound } from '../../shared/http/errors';
import type { Page, PageOf } from '../../shared/http/schemas';
import { sendPdf } from '../../shared/pdf';
import { readLoanDetail, readLoanDetailDocument } from './loan-detail.query';
import { toLoanDto, type LoanDto } from './loan.dto';
import { Loan, type LoanStatus } from './loan.entity';
import type { RepaymentDto } from './loan-servicing.service';
import { LOAN_STATEMENT_TITLE, writeLoanStatement, type LoanStatement } from './loan-statement.pdf';
import { Repayment } from './repayment.entity';
import { ScheduleEntry } from './schedule-entry.entity';

/** Loan rows aliased `l`: a bank sees its own, county staff their county's, an enterprise its own. */
export const LOAN_SCOPE = { regionPath: 'l.region_path', bankId: 'l.bank_id', enterpriseId: 'l.enterprise_id' };

export interface LoanFilter extends Page {
  bankId?: string;
  modelCode?: string;
  status?: LoanStatus;
  countyCode?: string;
  householdId?: string;
  enterpriseId?: string;
  contractNumber?: string;
}

export interface ScheduleRowDto {
  seq: number;
  dueDate: string;
  principalDue: string;
  interestDue: string;
  totalDue: string;
}

export interface LoanBalances {
  asOf: string;
  outstandingPrincipal: string;
  principalPaid: string;
  interestPaid: string;
  penaltyPaid: string;
  dueToDate: string;
  arrears: string;
}

export interface LoanDetailDto extends LoanDto {
  schedule: ScheduleRowDto[];
  repayments: RepaymentDto[];
  events: Array<{ kind: string; effectiveDate: string; fromStatus: string | null; toStatus: string | null; details: unknown; at: string }>;
  balances: LoanBalances;
}

export class LoansQueryService {
  constructor(private readonly dataSource: DataSource) {}

  async list(context: AuthenticatedContext, filter: LoanFilter): Promise<PageOf<LoanDto>> {
    const query = this.dataSource
      .getRepository(Loan)
      .createQueryBuilder('l')
      .leftJoinAndSelect('l.household', 'household')
      .leftJoinAndSelect('l.enterprise', 'enterprise');
    applyScope(query, scopeOf(context.user), LOAN_SCOPE);
    if (filter.bankId) query.andWhere('l.bank_id = :bankId', { bankId: filter.bankId });
    if (filter.modelCode) query.andWhere('l.model_code = :modelCode', { modelCode: filter.modelCode });
    if (filter.status) query.andWhere('l.status = :status', { status: filter.status });
    if (filter.countyCode) query.andWhere(`l.region_path LIKE :county`, { county: `%/${filter.countyCode}/%` });
    if (filter.householdId) query.andWhere('l.household_id = :householdId', { householdId: filter.householdId });
    if (filter.enterpriseId) query.andWhere('l.enterprise_id = :enterpriseId', { enterpriseId: filter.enterpriseId });
    if (filter.contractNumber) query.andWhere('l.contract_number = :contractNumber', { contractNumber: filter.contractNumber });
    const [rows, total] = await query.orderBy('l.contract_date', 'DESC').addOrderBy('l.id').take(filter.limit).skip(filter.offset).getManyAndCount();
    return { items: rows.map(toLoanDto), total, limit: filter.limit, offset: filter.offset };
  }

  async getLoan(context: AuthenticatedContext, id: string): Promise<Loan> {
    const query = this.dataSource
      .getRepository(Loan)
      .createQueryBuilder('l')
      .leftJoinAndSelect('l.household', 'household')
      .leftJoinAndSelect('l.enterprise', 'enterprise')
      .where('l.id = :id', { id });
    applyScope(query, scopeOf(context.user), LOAN_SCOPE);
    const loan = await query.getOne();
    if (!loan) throw notFound('loan');
    return loan;
  }

  async schedule(context: AuthenticatedContext, id: string): Promise<ScheduleRowDto[]> {
    const loan = await this.getLoan(context, id);
    return this.scheduleOf(loan);
  }

  /**
   * The loan with its schedule, repayments, history and balances at a date (issue 4 item 7). One
   * statement reads it all (loan-detail.query.ts); a loan outside the caller's scope is a 404, as it
   * would be had the scope been in the query.
   */
  async detail(context: AuthenticatedContext, id: string, asOf?: string): Promise<LoanDetailDto> {
    const record = await readLoanDetail(this.dataSource, id);
    if (!record || !isInScope(scopeOf(context.user), record.loan)) throw notFound('loan');
    const { loan } = record;
    // The amounts come formatted from PostgreSQL (loan-detail.query.ts); Decimals only for the balances' sums.
    const schedule: ScheduleRowDto[] = record.schedule;
    const repayments = record.repayments.map((r) => ({
      paidOn: r.paidOn,
      principal: new Decimal(r.principal),
      interest: new Decimal(r.interest),
      penalty: new Decimal(r.penalty),
    }));
    return {
      ...toLoanDto(loan),
      schedule,
      repayments: record.repayments,
      events: record.events,
      balances: balancesAt(loan, schedule, repayments, asOf ?? todayInShanghai()),
    };
  }

  /**
   * GET /loans/:id: the same LoanDetailDto as detail(), written as JSON by PostgreSQL and passed on
   * as it is (loan-detail.query.ts; parsing and re-serialising it was a quarter of the read's cost).
   * Outside the caller's scope: 404, as for detail().
   */
  async detailDocument(context: AuthenticatedContext, id: string, asOf?: string): Promise<RawJson> {
    const found = await readLoanDetailDocument(this.dataSource, id, asOf ?? todayInShanghai());
    if (!found || !isInScope(scopeOf(context.user), found.scope)) throw notFound('loan');
    return new RawJson(found.json);
  }

  /** The statement's data (SPEC §7): the detail at `asOf`, with the names a printed page shows instead of ids. */
  async statement(context: AuthenticatedContext, id: string, asOf?: string): Promise<LoanStatement> {
    const date = asOf ?? todayInShanghai();
    const loan = await this.detail(context, id, date);
    const [names]: Array<{ bank_name: string; branch_name: string; name_zh: string; name_en: string; version: number; guarantor_name: string | null }> =
      await this.dataSource.query(
        `SELECT b.name AS bank_name, br.name AS branch_name, m.name_zh, m.name_en, v.version, g.name AS guarantor_name
           FROM loans l
           JOIN institutions b ON b.id = l.bank_id
           JOIN institutions br ON br.id = l.branch_id
           JOIN financing_models m ON m.code = l.model_code
           JOIN financing_model_versions v ON v.id = l.model_version_id
           LEFT JOIN institutions g ON g.id = l.guarantor_id
          WHERE l.id = $1`,
        [id],
      );
    return {
      loan,
      asOf: date,
      bankName: names!.bank_name,
      branchName: names!.branch_name,
      model: { nameZh: names!.name_zh, nameEn: names!.name_en, version: names!.version },
      guarantorName: names!.guarantor_name,
      repaymentsToDate: loan.repayments.filter((r) => r.paidOn <= date),
    };
  }

  /** The loan statement PDF (SPEC §7 "Other PDFs"), streamed to the response; outside the caller's scope 404 as for the detail. */
  async statementPdf(context: AuthenticatedContext, id: string, asOf: string | undefined, res: Response): Promise<void> {
    const statement = await this.statement(context, id, asOf);
    const { contractNumber } = statement.loan;
    await sendPdf(
      res,
      `loan-statement-${contractNumber}-${statement.asOf}.pdf`,
      { title: LOAN_STATEMENT_TITLE, subject: `${contractNumber} ${statement.asOf}`, pagination: 'total', generatedAt: new Date() },
      (doc) => writeLoanStatement(doc, statement),
    );
  }

  private async scheduleOf(loan: Loan): Promise<ScheduleRowDto[]> {
    const rows = await this.dataSource.getRepository(ScheduleEntry).find({ where: { loanId: loan.id, version: loan.scheduleVersion }, order: { seq: 'ASC' } });
    return rows.map((r) => scheduleRowDto(r.seq, r.dueDate, r.principalDue, r.interestDue));
  }
}

function scheduleRowDto(seq: number, dueDate: string, principalDue: Decimal, interestDue: Decimal): ScheduleRowDto {
  return { seq, dueDate, principalDue: formatMoney(principalDue), interestDue: formatMoney(interestDue), totalDue: formatMoney(principalDue.plus(interestDue)) };
}

/** Balances from the records alone, so that any date can be asked about. */
export function balancesAt(
  loan: Pick<Loan, 'disbursementDate' | 'principal'>,
  schedule: ScheduleRowDto[],
  repayments: ReadonlyArray<Pick<Repayment, 'paidOn' | 'principal' | 'interest' | 'penalty'>>,
  asOf: string,
): LoanBalances {
  const upTo = repayments.filter((r) => r.paidOn <= asOf);
  const sum = (values: Decimal[]) => values.reduce((a, b) => a.plus(b), new Decimal(0));
  const principalPaid = sum(upTo.map((r) => r.principal));
  const interestPaid = sum(upTo.map((r) => r.interest));
  const disbursed = loan.disbursementDate !== null && loan.disbursementDate <= asOf;
  const due = schedule.filter((s) => s.dueDate <= asOf);
  const dueToDate = sum(due.map((s) => new Decimal(s.totalDue)));
  const principalDue = sum(due.map((s) => new Decimal(s.principalDue)));
  // Part by part, as the overdue judgement: principal paid ahead does not pay interest owed.
  const arrears = Decimal.max(principalDue.minus(principalPaid), 0).plus(Decimal.max(dueToDate.minus(principalDue).minus(interestPaid), 0));
  return {
    asOf,
    outstandingPrincipal: formatMoney(disbursed ? loan.principal.minus(principalPaid) : new Decimal(0)),
    principalPaid: formatMoney(principalPaid),
    interestPaid: formatMoney(interestPaid),
    penaltyPaid: formatMoney(sum(upTo.map((r) => r.penalty))),
    dueToDate: formatMoney(dueToDate),
    arrears: formatMoney(arrears),
  };
}
