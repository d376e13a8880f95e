import { addDays, compareDates, daysBetween, minDate, type IsoDate } from '../../src/core/dates';
import { Decimal, formatMoney } from '../../src/core/money';
import { generateSchedule, interestOnBalances, type ScheduleRow } from '../../src/core/schedules';
import { letterNumberFor } from '../../src/modules/guarantees/guarantee.rules';
import { BREAKER_MODELS, fundKey, GUARANTEED, PURPOSES, type Context, type Draft } from './loans';
import { AS_OF } from './register';

/**
 * One loan's life up to AS_OF, written as rows: the loan, its schedule (`generateSchedule`), its
 * repayments by the borrower's behaviour, its events and guarantee, one audit row. See loans.ts for
 * how the loan itself was chosen and checked.
 */
type Behaviour = { kind: 'good' } | { kind: 'late'; fromSeq: number } | { kind: 'prepay'; on: IsoDate; principalFen: number | 'all' };

export function writeLoan(ctx: Context, d: Draft): void {
  const { random, sinks } = ctx;
  const params = ctx.models.get(d.modelCode)!.parameters;
  const principal = new Decimal(d.principalFen).dividedBy(100);
  const schedule = generateSchedule({ principal, rateAnnual: d.rateAnnual, method: d.method, disbursementDate: d.disbursementDate, maturityDate: d.maturityDate });
  const behaviour = chooseBehaviour(ctx, d, schedule);
  // Principal repaid ahead re-plans the schedule's interest on the balance outstanding, as the service
  // does on recording it (a second schedule version); every instalment after it asks the re-planned interest.
  const interestAsked =
    behaviour.kind === 'prepay'
      ? interestOnBalances({
          method: d.method,
          principal,
          rateAnnual: d.rateAnnual,
          disbursementDate: d.disbursementDate,
          rows: schedule,
          principalRepaid: [{ date: behaviour.on, amount: behaviour.principalFen === 'all' ? principal : new Decimal(behaviour.principalFen).dividedBy(100) }],
        })
      : schedule.map((row) => row.interestDue);
  const replanned = interestAsked.some((interest, index) => !interest.eq(schedule[index]!.interestDue));
  const loanId = ctx.ids.loan.next();
  const officer = ctx.institutions.officerByBank.get(d.bank.key)!;
  const sequence = (ctx.sequences.get(d.bank.key) ?? 0) + 1;
  ctx.sequences.set(d.bank.key, sequence);
  const contractNumber = `${d.bank.contractPrefix}-${ctx.county.code}-${d.contractDate.slice(0, 4)}-${String(sequence).padStart(6, '0')}`;

  // Repayments on the due dates (and an early repayment), up to AS_OF.
  let outstanding = principal;
  let lastPaidOn: IsoDate | null = null;
  let repaymentNumber = 0;
  let lastRepaymentId: string | null = null;
  let oldestUnpaid: IsoDate | null = null;
  const pay = (paidOn: IsoDate, principalPart: Decimal, interestPart: Decimal) => {
    if (principalPart.plus(interestPart).isZero()) return;
    repaymentNumber += 1;
    lastRepaymentId = ctx.ids.repayment.next();
    sinks.repayment([lastRepaymentId, loanId, 'repayment', paidOn, formatMoney(principalPart), formatMoney(interestPart), '0.00', null, `bench:${repaymentNumber}`, null, officer]);
    outstanding = outstanding.minus(principalPart);
    lastPaidOn = paidOn;
  };
  let prepaid = false;
  for (const row of schedule) {
    if (behaviour.kind === 'prepay' && !prepaid && compareDates(behaviour.on, row.dueDate) < 0) {
      prepaid = true;
      const part = behaviour.principalFen === 'all' ? outstanding : new Decimal(behaviour.principalFen).dividedBy(100);
      // Repaid in full: with the interest that accrued to the payoff (the re-planned instalment), so
      // that the loan is settled as the service settles it; a part prepayment pays no interest.
      pay(behaviour.on, part, outstanding.eq(part) ? interestAsked[row.seq - 1]! : new Decimal(0));
      if (outstanding.isZero()) break;
    }
    if (compareDates(row.dueDate, AS_OF) > 0) break;
    if (behaviour.kind === 'late' && row.seq >= behaviour.fromSeq) {
      if (compareDates(row.dueDate, AS_OF) < 0) oldestUnpaid ??= row.dueDate;
      continue;
    }
    // After a part prepayment the last instalment's principal is what is left.
    pay(row.dueDate, Decimal.min(row.principalDue, outstanding), interestAsked[row.seq - 1]!);
    if (outstanding.isZero()) break;
  }

  const guaranteed = GUARANTEED.has(d.modelCode);
  let status: string = 'active';
  let daysPastDue = 0;
  const events: Array<[string, IsoDate, string | null, string, unknown, string | null]> = [];
  events.push(['registered', d.contractDate, null, guaranteed ? 'pending_guarantee' : 'active', { modelVersion: 1, guaranteeFeeRate: d.guaranteeFeeRate, disbursedAtRegistration: !guaranteed }, officer]);
  const guarantorId = guaranteed ? ctx.institutions.guarantorByCity.get(ctx.county.cityCode)! : null;
  if (guaranteed && params.guarantee.required) {
    // Filed by the officer at registration, approved by a finance officer on the requested date.
    const guaranteeId = ctx.ids.guarantee.next();
    const letterNumber = letterNumberFor(guaranteeId, d.disbursementDate);
    const approver = ctx.institutions.financeUserId;
    const coverage = new Decimal(params.guarantee.coverageRatio);
    sinks.guarantee([
      guaranteeId, loanId, guarantorId, formatMoney(principal.times(coverage).toDecimalPlaces(2, Decimal.ROUND_HALF_UP)), coverage.toFixed(),
      d.guaranteeFeeRate, params.guarantee.feeSubsidyRates[d.borrowerKind], d.disbursementDate, 'approved', officer,
      approver, `${d.disbursementDate}T10:00:00+08:00`, d.disbursementDate, null, letterNumber,
    ]);
    events.push(['guarantee_approved', d.disbursementDate, 'pending_guarantee', 'active', { guaranteeId, letterNumber, disbursementDate: d.disbursementDate }, approver]);
  }
  let closedOn: IsoDate | null = null;
  if (outstanding.isZero()) {
    status = 'settled';
    closedOn = lastPaidOn;
    events.push(['settled', closedOn!, 'active', 'settled', { repaymentId: lastRepaymentId }, officer]);
  } else if (oldestUnpaid) {
    daysPastDue = daysBetween(oldestUnpaid, AS_OF);
    const trigger = params.compensationTriggerDaysPastDue;
    events.push(['status_changed', addDays(oldestUnpaid, 1), 'active', 'overdue', { source: 'delinquency', daysPastDue: 1 }, null]);
    status = 'overdue';
    if (daysPastDue >= trigger) {
      events.push(['status_changed', addDays(oldestUnpaid, trigger), 'overdue', 'defaulted', { source: 'delinquency', daysPastDue: trigger }, null]);
      status = 'defaulted';
    }
  }

  const household = d.household;
  const exclusive = household !== null && params.eligibility.oneActiveLoanPerHousehold === true;
  if (exclusive) {
    const list = ctx.exclusive.get(household.id) ?? [];
    list.push(closedOn);
    ctx.exclusive.set(household.id, list);
  }
  let riskFundId: string | null = null;
  if (params.capacity.source === 'risk_fund') {
    const key = fundKey({ countyCode: ctx.county.code, bankId: d.bank.id, modelCode: d.modelCode });
    ctx.result.principalByFund.set(key, (ctx.result.principalByFund.get(key) ?? 0n) + BigInt(d.principalFen));
    riskFundId = ctx.fundIds.get(key) ?? null;
    if (!riskFundId) throw new Error(`no fund ${key}`);
  }
  const bankBranch = d.bank.branches.get(ctx.county.code) ?? d.bank.id;
  sinks.loan([
    loanId, d.bank.id, bankBranch, contractNumber, d.modelCode, ctx.models.get(d.modelCode)!.id, d.borrowerKind,
    household?.id ?? null, exclusive ? household!.id : null, d.enterprise?.id ?? null, d.regionPath,
    formatMoney(principal), formatMoney(outstanding), d.rateAnnual.toFixed(), d.referenceRate.toFixed(),
    d.contractDate, d.disbursementDate, d.maturityDate, d.maturityDate, d.termMonths, d.method,
    random.pick(PURPOSES[d.modelCode] ?? ['生产经营']), d.agreementNumber, d.drivenHouseholds,
    guarantorId, riskFundId,
    status, daysPastDue, status === 'settled' ? null : AS_OF, replanned ? 2 : 1, closedOn, officer,
  ]);
  for (const row of schedule) sinks.schedule([loanId, 1, row.seq, row.dueDate, formatMoney(row.principalDue), formatMoney(row.interestDue)]);
  if (replanned) {
    for (const row of schedule) sinks.schedule([loanId, 2, row.seq, row.dueDate, formatMoney(row.principalDue), formatMoney(interestAsked[row.seq - 1]!)]);
  }
  for (const [kind, on, from, to, details, by] of events) sinks.event([loanId, kind, on, from, to, JSON.stringify(details), by]);
  sinks.audit([
    officer, 'loan_officer', 'register', 'loan', loanId, null,
    JSON.stringify({ contractNumber, modelCode: d.modelCode, principal: formatMoney(principal), status: events[0]![3] }),
    'bench-data', d.regionPath, d.bank.id,
  ]);
  ctx.result.loans += 1;
}

function chooseBehaviour(ctx: Context, d: Draft, schedule: readonly ScheduleRow[]): Behaviour {
  const { random } = ctx;
  const roll = random.next();
  const pastDue = schedule.filter((r) => compareDates(r.dueDate, AS_OF) < 0);
  if (roll < 0.03 && pastDue.length > 0) {
    // Circuit-breaker models stay below the 90-day trigger: only the latest instalment is missed.
    const latest = pastDue[pastDue.length - 1]!;
    if (BREAKER_MODELS.has(d.modelCode)) {
      if (daysBetween(latest.dueDate, AS_OF) < 90) return { kind: 'late', fromSeq: latest.seq };
      return { kind: 'good' };
    }
    return { kind: 'late', fromSeq: random.pick(pastDue).seq };
  }
  const quarterly = d.method === 'interest_quarterly_principal_at_maturity';
  const end = minDate(addDays(d.maturityDate, -1), AS_OF);
  if (roll < 0.08 && quarterly && compareDates(addDays(d.disbursementDate, 30), end) < 0) {
    let on = random.date(addDays(d.disbursementDate, 30), end);
    // Not on a due date: that instalment, paid in full that day, would be re-planned below what it took
    // (the service refuses such a prepayment until the interest is corrected). The day after instead.
    if (schedule.some((row) => row.dueDate === on)) on = addDays(on, 1);
    if (compareDates(on, end) > 0) return { kind: 'good' };
    if (random.chance(0.4)) return { kind: 'prepay', on, principalFen: 'all' };
    const part = Math.floor((d.principalFen * random.int(20, 50)) / 100 / 100_000) * 100_000;
    if (part > 0 && part < d.principalFen) return { kind: 'prepay', on, principalFen: part };
  }
  return { kind: 'good' };
}
