import { In, type DataSource, type EntityManager } from 'typeorm';
import { compareDates, type IsoDate } from '../../core/dates';
import type { PricedLine } from '../../core/interest';
import { Decimal, formatMoney, formatRate, sumMoney } from '../../core/money';
import { parsePeriod, type SettlementPeriod } from '../../core/periods';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { todayInShanghai } from '../../shared/clock';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError } from '../../shared/http/errors';
import { recordAudit } from '../audit/audit.service';
import { Repayment } from '../loans/repayment.entity';
import { computeLoanLine } from '../settlements/settlement-engine';
import type { Guarantee } from './guarantee.entity';
import { guaranteeFeesForPeriod, type GuaranteeFeeLines } from './guarantee-fees';
import type { GuaranteesService } from './guarantees.service';
import { RiskLedgerEntry, type RiskLedgerKind } from './risk-ledger-entry.entity';
import { toLedgerEntryDto, type LedgerEntryDto } from './risk-ledger';

export interface FeeLineDto {
  segments: Array<{ from: string; to: string; days: number; guaranteedBalance: string; rateAnnual: string; amount: string }>;
  /** Σ segments (each to the li), rounded half-up to the fen. */
  amount: string;
  /** What the risk ledger holds for this guarantee and period (the sum of its records). */
  recorded: string;
}

export interface GuaranteeFeesDto {
  guaranteeId: string;
  loanId: string;
  period: string;
  periodFrom: string;
  periodTo: string;
  coverageRatio: string;
  fee: FeeLineDto;
  feeSubsidy: FeeLineDto;
}

export interface RecordedFeesDto extends GuaranteeFeesDto {
  /** The records this call wrote: the first accrual, or corrections by the difference; none when nothing changed. */
  written: LedgerEntryDto[];
}

const FEE_KINDS = ['guarantee_fee', 'fee_subsidy'] as const;

/**
 * The guarantee fee and fee subsidy of one guarantee for one settlement period (SPEC §6.3), computed
 * by the pure `guaranteeFeesForPeriod` from the loan's records, and recorded in the risk ledger on
 * request. Recording is idempotent: it appends only the difference between what is computed now and
 * what the ledger already holds for the period, so a repayment reversed after the first recording is
 * corrected by a new record, never by an edit.
 */
export class GuaranteeFeesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly guarantees: GuaranteesService,
  ) {}

  async fees(context: AuthenticatedContext, id: string, periodName: string): Promise<GuaranteeFeesDto> {
    const manager = this.dataSource.manager;
    const guarantee = await this.guarantees.findScoped(manager, context, id);
    const period = parsePeriod(periodName);
    const lines = await computeGuaranteeFees(manager, guarantee, period);
    return toFeesDto(guarantee, period, lines, await recordedFees(manager, guarantee.id, period.name));
  }

  async record(context: AuthenticatedContext, id: string, periodName: string): Promise<RecordedFeesDto> {
    const period = parsePeriod(periodName);
    const today = todayInShanghai();
    // Its last day still takes repayments that change it: recorded from the next day, as a settlement is.
    if (compareDates(period.lastDay, today) >= 0) {
      throw new DomainError('RULE_VIOLATION', 'a period is recorded once it has ended', [
        { code: 'PERIOD_NOT_ENDED', field: 'period', message: `${period.name} ends on ${period.lastDay}; record it from the next day`, limit: today, actual: period.lastDay },
      ]);
    }
    return inTransaction(this.dataSource, async (manager) => {
      await this.guarantees.findScoped(manager, context, id);
      // The guarantee row is the lock: two recordings of one period run one after the other. FOR NO KEY
      // UPDATE, not FOR UPDATE: a claim filed meanwhile holds the loan and then key-shares this row
      // (its reference to the guarantee), while the ledger entries written here key-share the loan; with
      // FOR UPDATE the two waited on each other (a deadlock, one of them refused 409).
      await manager.query('SELECT 1 FROM guarantees WHERE id = $1 FOR NO KEY UPDATE', [id]);
      const guarantee = await this.guarantees.findScoped(manager, context, id);
      if (guarantee.status !== 'approved') throw new DomainError('INVALID_STATE', `a ${guarantee.status} guarantee earns no fee`);
      const lines = await computeGuaranteeFees(manager, guarantee, period);
      const before = await recordedFees(manager, id, period.name);
      const written: RiskLedgerEntry[] = [];
      for (const kind of FEE_KINDS) {
        const difference = (kind === 'guarantee_fee' ? lines.fee : lines.feeSubsidy).amount.minus(before[kind]);
        if (difference.isZero()) continue;
        const isFirst = before.count[kind] === 0;
        const entry = manager.getRepository(RiskLedgerEntry).create({
          kind,
          loanId: guarantee.loanId,
          guaranteeId: id,
          claimId: null,
          claimShareId: null,
          party: 'guarantor',
          institutionId: guarantee.guarantorId,
          fundId: null,
          fundMovementId: null,
          period: period.name,
          amount: difference,
          // The accrual belongs to the period's settlement date; a correction to the day it is made, so
          // that balances already reported for past dates never change.
          occurredOn: isFirst ? period.lastDay : today,
          reference: isFirst ? `${period.name} accrual` : `${period.name} correction`,
          createdBy: context.user.id,
        });
        await manager.getRepository(RiskLedgerEntry).insert(entry);
        written.push(entry);
      }
      if (written.length > 0) {
        await recordAudit(manager, context, {
          action: 'record_fees',
          entityType: 'guarantee',
          entityId: id,
          after: { period: period.name, entries: written.map((e) => ({ kind: e.kind, amount: formatMoney(e.amount), occurredOn: e.occurredOn })) },
          regionPath: guarantee.loan!.regionPath,
          institutionId: guarantee.loan!.bankId,
        });
      }
      const saved = written.length === 0 ? [] : await manager.getRepository(RiskLedgerEntry).find({ where: { id: In(written.map((e) => e.id)) }, order: { id: 'ASC' } });
      return { ...toFeesDto(guarantee, period, lines, await recordedFees(manager, id, period.name)), written: saved.map(toLedgerEntryDto) };
    });
  }
}

/**
 * The §6.3 lines of a guarantee for a period, from the loan's records. Settlement batches call this
 * too. An approved guarantee earns while its loan runs; once a claim is filed, nothing runs from the
 * claim date on (the guarantee has been called).
 */
export async function computeGuaranteeFees(manager: EntityManager, guarantee: Guarantee, period: SettlementPeriod): Promise<GuaranteeFeeLines> {
  const loan = guarantee.loan!;
  const repayments = await manager.getRepository(Repayment).find({ where: { loanId: loan.id }, order: { paidOn: 'ASC' } });
  const [claim]: Array<{ claim_date: string }> = await manager.query(`SELECT claim_date FROM claims WHERE loan_id = $1 AND status <> 'rejected' LIMIT 1`, [loan.id]);
  const lines = guaranteeFeesForPeriod({
    period,
    disbursementDate: guarantee.status === 'approved' ? (loan.disbursementDate as IsoDate | null) : null,
    originalMaturityDate: loan.maturityDate as IsoDate,
    currentMaturityDate: loan.currentMaturityDate as IsoDate,
    claimDate: (claim?.claim_date as IsoDate | undefined) ?? null,
    principal: loan.principal,
    repayments: repayments.map((r) => ({ paidOn: r.paidOn as IsoDate, principal: r.principal })),
    coverageRatio: guarantee.coverageRatio,
    feeRateAnnual: guarantee.feeRateAnnual,
    feeSubsidyRateAnnual: guarantee.feeSubsidyRateAnnual,
  });
  // The subsidy is the programme's, on the §6.2 eligibility the settlement line applies: a period in
  // which the loan was overdue, extended or past its original maturity earns none (the line's reason),
  // so the ledger never books a subsidy the batch does not pay. The fee is the guarantor's and runs on.
  const settled = await computeLoanLine(manager, loan.id, period);
  if (settled?.line?.reason) return { ...lines, feeSubsidy: { segments: [], amount: new Decimal(0) } };
  return lines;
}

type Recorded = Record<RiskLedgerKind, Decimal> & { count: Record<RiskLedgerKind, number> };

async function recordedFees(manager: EntityManager, guaranteeId: string, period: string): Promise<Recorded> {
  const rows = await manager.getRepository(RiskLedgerEntry).findBy({ guaranteeId, period });
  const of = (kind: RiskLedgerKind) => rows.filter((r) => r.kind === kind);
  const result = { count: {} } as Recorded;
  for (const kind of ['guarantee_fee', 'fee_subsidy', 'claim_payment', 'recovery'] as const) {
    result[kind] = sumMoney(of(kind).map((r) => r.amount));
    result.count[kind] = of(kind).length;
  }
  return result;
}

function toFeesDto(guarantee: Guarantee, period: SettlementPeriod, lines: GuaranteeFeeLines, recorded: Recorded): GuaranteeFeesDto {
  const line = (priced: PricedLine, kind: RiskLedgerKind): FeeLineDto => ({
    segments: priced.segments.map((s) => ({
      from: s.from,
      to: s.to,
      days: s.days,
      // Unrounded (SPEC §6.3 names no rounding of the guaranteed balance), exact as a decimal string.
      guaranteedBalance: s.base.toFixed(),
      rateAnnual: formatRate(s.rateAnnual),
      amount: s.amount.toFixed(3),
    })),
    amount: formatMoney(priced.amount),
    recorded: formatMoney(recorded[kind]),
  });
  return {
    guaranteeId: guarantee.id,
    loanId: guarantee.loanId,
    period: period.name,
    periodFrom: period.firstDay,
    periodTo: period.lastDay,
    coverageRatio: guarantee.coverageRatio.toFixed(),
    fee: line(lines.fee, 'guarantee_fee'),
    feeSubsidy: line(lines.feeSubsidy, 'fee_subsidy'),
  };
}
