import type { EntityManager } from 'typeorm';
import { compareDates, parseIsoDate } from '../../core/dates';
import { asCoreDecimal, Decimal, formatMoney } from '../../core/money';
import { todayInShanghai } from '../../shared/clock';
import type { RequestContext } from '../../shared/auth/context';
import { DomainError, notFound } from '../../shared/http/errors';
import { recordAudit } from '../audit/audit.service';
import { outstandingUnderFund } from './fund-checks';
import { FundMovement, type FundMovementKind } from './fund-movement.entity';
import { checkBalanceChange, signedAmount } from './fund.rules';
import { RiskFund } from './risk-fund.entity';

export interface FundMovementDto {
  id: string;
  fundId: string;
  kind: FundMovementKind;
  /** Signed: deposits, top-ups and recoveries positive; withdrawals and payouts negative. */
  amount: string;
  balanceAfter: string;
  occurredOn: string;
  reference: string | null;
  claimId: string | null;
  createdBy: string;
  createdAt: string;
}

export const toFundMovementDto = (m: FundMovement): FundMovementDto => ({
  id: String(m.id),
  fundId: m.fundId,
  kind: m.kind,
  amount: formatMoney(m.amount),
  balanceAfter: formatMoney(m.balanceAfter),
  occurredOn: m.occurredOn,
  reference: m.reference,
  claimId: m.claimId,
  createdBy: m.createdBy,
  createdAt: m.createdAt.toISOString(),
});

export interface NewFundMovement {
  kind: FundMovementKind;
  /** The magnitude (> 0, whole fen); withdrawals and payouts are stored negative. */
  amount: Decimal;
  occurredOn: string;
  reference: string | null;
  /** Unique per fund: a retry with the same key and the same movement changes nothing. */
  idempotencyKey: string;
  claimId?: string | null;
  createdBy: string;
}

export interface RecordedMovement {
  movement: FundMovementDto;
  /** False when the key had been used for this very movement already (a retry). */
  created: boolean;
  /** The fund's balance before this call (equal to the movement's balanceAfter on a retry). */
  balanceBefore: string;
}

/** Locks a fund row FOR UPDATE: every balance change and capacity check on it is serialised. */
export async function lockFund(manager: EntityManager, fundId: string): Promise<RiskFund | null> {
  return manager.getRepository(RiskFund).findOne({ where: { id: fundId }, lock: { mode: 'pessimistic_write' } });
}

/**
 * Appends one movement to a fund and moves its balance (SPEC §5: top-ups and payouts change the
 * balance), with its audit entry on the fund's own trail (SPEC §9), in the caller's transaction:
 * deposits, top-ups and withdrawals from the funds API, payouts and recoveries from claims. The fund
 * row is locked first, so a retry racing its original waits and then finds the movement (and writes
 * no second entry). Refused: a balance below zero, now or (for money taken on an earlier
 * date) at the end of any day since; a withdrawal that leaves less capacity
 * than the open loans need; a date after today; a key already used for a different movement.
 */
export async function recordMovement(manager: EntityManager, context: RequestContext, fundId: string, input: NewFundMovement): Promise<RecordedMovement> {
  const fund = await lockFund(manager, fundId);
  if (!fund) throw notFound('risk fund');
  const amount = signedAmount(input.kind, input.amount);
  const movements = manager.getRepository(FundMovement);
  const existing = await movements.findOneBy({ fundId, idempotencyKey: input.idempotencyKey });
  if (existing) {
    if (!isSameMovement(existing, input, amount)) throw idempotencyKeyReused();
    return { movement: toFundMovementDto(existing), created: false, balanceBefore: formatMoney(fund.balance) };
  }
  const today = todayInShanghai();
  if (compareDates(parseIsoDate(input.occurredOn), today) > 0) {
    throw new DomainError('RULE_VIOLATION', 'a fund movement cannot be recorded before it happens', [
      { field: 'occurredOn', rule: 'OCCURRED_ON_IN_FUTURE', message: `the date is after today (${today})`, limit: today, actual: input.occurredOn },
    ]);
  }
  const outstanding = input.kind === 'withdrawal' ? await outstandingUnderFund(manager, fundId) : new Decimal(0);
  const backdated = amount.lt(0) && compareDates(parseIsoDate(input.occurredOn), today) < 0;
  const lowestSince = backdated ? await lowestBalanceSince(manager, fundId, input.occurredOn) : undefined;
  const { balanceAfter, problems } = checkBalanceChange({
    kind: input.kind,
    balance: fund.balance,
    multiple: fund.multiple,
    outstanding,
    signedAmount: amount,
    lowestSince,
  });
  if (problems.length > 0) throw new DomainError('RULE_VIOLATION', "the movement would break the fund's rules", problems);

  const row = movements.create({
    fundId,
    kind: input.kind,
    amount,
    balanceAfter,
    occurredOn: input.occurredOn,
    reference: input.reference,
    idempotencyKey: input.idempotencyKey,
    claimId: input.claimId ?? null,
    createdBy: input.createdBy,
  });
  await movements.insert(row);
  await manager.getRepository(RiskFund).update({ id: fundId }, { balance: balanceAfter });
  const movement = toFundMovementDto(await movements.findOneByOrFail({ id: row.id }));
  const balanceBefore = formatMoney(fund.balance);
  await recordAudit(manager, context, {
    action: input.kind,
    entityType: 'fund_movement',
    entityId: movement.id,
    before: { fundId, balance: balanceBefore },
    after: movement,
    regionPath: fund.regionPath,
    institutionId: fund.bankId,
  });
  return { movement, created: true, balanceBefore };
}

/** A retry repeats the movement exactly: same kind, amount, date, reference and claim. */
function isSameMovement(existing: FundMovement, input: NewFundMovement, amount: Decimal): boolean {
  return (
    existing.kind === input.kind &&
    asCoreDecimal(existing.amount).eq(amount) &&
    existing.occurredOn === input.occurredOn &&
    (existing.reference ?? null) === (input.reference ?? null) &&
    (existing.claimId ?? null) === (input.claimId ?? null)
  );
}

const idempotencyKeyReused = (): DomainError =>
  new DomainError('RULE_VIOLATION', 'this Idempotency-Key was already used for a different movement of this fund', [
    { field: 'Idempotency-Key', rule: 'IDEMPOTENCY_KEY_REUSED', message: 'use a new key for a new movement' },
  ]);

/**
 * The lowest end-of-day balance from `date` to the last movement, and the first day it falls on
 * (movements are never dated after today). The caller holds the fund's lock.
 */
async function lowestBalanceSince(manager: EntityManager, fundId: string, date: string): Promise<{ date: string; balance: Decimal }> {
  const [row]: Array<{ day: string; balance: string }> = await manager.query(
    `WITH daily AS (SELECT occurred_on, sum(amount) AS amount FROM fund_movements WHERE fund_id = $1 GROUP BY occurred_on),
          running AS (SELECT occurred_on, sum(amount) OVER (ORDER BY occurred_on) AS balance FROM daily)
     SELECT day::text AS day, balance::numeric(16,2)::text AS balance
       FROM (SELECT $2::date AS day,
                    COALESCE((SELECT balance FROM running WHERE occurred_on <= $2::date ORDER BY occurred_on DESC LIMIT 1), 0) AS balance
             UNION ALL
             SELECT occurred_on, balance FROM running WHERE occurred_on > $2::date) days
      ORDER BY days.balance, days.day
      LIMIT 1`,
    [fundId, date],
  );
  return { date: row!.day, balance: new Decimal(row!.balance) };
}

/** The balance at the end of `date`: the sum of the movements that occurred on or before it, in SQL. */
export async function balanceAsOf(manager: EntityManager, fundId: string, date: string): Promise<string> {
  const [row]: Array<{ balance: string }> = await manager.query(
    `SELECT COALESCE(sum(amount), 0)::numeric(16,2)::text AS balance FROM fund_movements WHERE fund_id = $1 AND occurred_on <= $2::date`,
    [fundId, date],
  );
  return formatMoney(new Decimal(row.balance));
}
