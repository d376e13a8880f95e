import type { EntityManager } from 'typeorm';
import { Decimal } from '../../core/money';
import { OPEN_LOAN_STATUSES } from '../loans/loan.entity';
import type { RuleFailure } from '../models/eligibility';
import { breakerRegionsOf, checkBreaker, checkCapacity, FUND_RULE_CODES, type BreakerLevel, type RegionNpl } from './fund.rules';
import { named } from '../../shared/db/prepared';

/**
 * The checks the loans service runs while registering a loan (SPEC §5): the fund's capacity and the
 * circuit breakers. Each gathers its sums in SQL (numeric, never floats) and leaves the decision to
 * the pure rules in fund.rules.ts. Both take the caller's transaction manager.
 */

const OPEN_STATUSES = [...OPEN_LOAN_STATUSES];

// The statements registration runs for every loan, prepared (shared/db/prepared.ts).
const OUTSTANDING_BY_FUND = named(
  'fund-outstanding',
  `SELECT risk_fund_id, sum(outstanding_principal)::text AS outstanding
     FROM loans
    WHERE risk_fund_id = ANY($1::uuid[]) AND status = ANY($2::text[])
    GROUP BY risk_fund_id`,
);
const LOCK_FUND = named(
  'fund-lock',
  `SELECT id, balance::text AS balance, multiple::text AS multiple FROM risk_funds
    WHERE county_code = $1 AND bank_id = $2::uuid AND model_code = $3
    LIMIT 1 FOR UPDATE`,
);

/** Outstanding principal of the open loans under each fund (SPEC §5 capacity), one query for all. */
export async function outstandingByFund(manager: EntityManager, fundIds: readonly string[]): Promise<Map<string, Decimal>> {
  const outstanding = new Map<string, Decimal>(fundIds.map((id) => [id, new Decimal(0)]));
  if (fundIds.length === 0) return outstanding;
  const rows: Array<{ risk_fund_id: string; outstanding: string }> = await manager.query(OUTSTANDING_BY_FUND, [fundIds, OPEN_STATUSES]);
  for (const row of rows) outstanding.set(row.risk_fund_id, new Decimal(row.outstanding));
  return outstanding;
}

export async function outstandingUnderFund(manager: EntityManager, fundId: string): Promise<Decimal> {
  return (await outstandingByFund(manager, [fundId])).get(fundId)!;
}

const REGION_NPL_SQL = `WITH sums AS (
       SELECT COALESCE(sum(outstanding_principal) FILTER (WHERE status = 'defaulted'), 0) AS t_defaulted,
              COALESCE(sum(outstanding_principal), 0) AS t_outstanding,
              COALESCE(sum(outstanding_principal) FILTER (WHERE status = 'defaulted' AND region_path LIKE $3), 0) AS v_defaulted,
              COALESCE(sum(outstanding_principal) FILTER (WHERE region_path LIKE $3), 0) AS v_outstanding
         FROM loans
        WHERE model_code = $1 AND status = ANY($4::text[]) AND region_path LIKE $2
     )
     SELECT t_defaulted::text, t_outstanding::text,
            COALESCE(round(t_defaulted / NULLIF(t_outstanding, 0), 4), 0)::text AS t_ratio,
            v_defaulted::text, v_outstanding::text,
            COALESCE(round(v_defaulted / NULLIF(v_outstanding, 0), 4), 0)::text AS v_ratio
       FROM sums`;
const REGION_NPL = named('fund-region-npl', REGION_NPL_SQL);
/** The fund's lock with the breakers' sums (parameters 1–4 as REGION_NPL's, then the fund's key). */
const LOCK_FUND_WITH_BREAKER_SUMS = named(
  'fund-lock-with-breaker-sums',
  `SELECT f.id, f.balance::text AS balance, f.multiple::text AS multiple, npl.*
     FROM risk_funds f
    CROSS JOIN (${REGION_NPL_SQL}) AS npl
    WHERE f.county_code = $5 AND f.bank_id = $6::uuid AND f.model_code = $7
    LIMIT 1 FOR UPDATE OF f`,
);

/**
 * Finds the fund for a new loan (county + head-office bank + model) and checks its capacity:
 * outstanding principal of its open loans + the new principal ≤ balance × multiple (SPEC §5).
 * The fund row is locked FOR UPDATE, so concurrent registrations under one fund, and withdrawals
 * from it, are serialised until the caller's transaction ends.
 */
export async function checkFundCapacity(
  manager: EntityManager,
  args: { countyCode: string; bankId: string; modelCode: string; principal: Decimal },
): Promise<{ fundId: string | null; failures: RuleFailure[] }> {
  const [row]: Array<{ id: string; balance: string; multiple: string }> = await manager.query(LOCK_FUND, [args.countyCode, args.bankId, args.modelCode]);
  if (!row) return { fundId: null, failures: [noFundFailure(args)] };
  return capacityOfLockedFund(manager, row, args.principal);
}

function noFundFailure(args: { countyCode: string; modelCode: string }): RuleFailure {
  return {
    code: FUND_RULE_CODES.noFund,
    field: 'modelCode',
    message: `no risk-compensation fund of county ${args.countyCode} at this bank backs the model ${args.modelCode}`,
  };
}

/** The capacity check of a fund row already locked: its outstanding sum is read now, under the lock. */
async function capacityOfLockedFund(
  manager: EntityManager,
  row: { id: string; balance: string; multiple: string },
  principal: Decimal,
): Promise<{ fundId: string; failures: RuleFailure[] }> {
  const outstanding = await outstandingUnderFund(manager, row.id);
  const failure = checkCapacity({ balance: new Decimal(row.balance), multiple: new Decimal(row.multiple), outstanding, principal });
  return { fundId: row.id, failures: failure ? [failure] : [] };
}

/**
 * checkFundCapacity and checkCircuitBreakers of one registration, in one statement fewer: the
 * breakers' sums are read by the fund's locking SELECT. They are computed with that statement's
 * snapshot, before it waits for the lock, exactly as a separate statement run before the lock
 * would; the capacity sum still runs after the lock is held, in its own statement, so that it sees
 * every loan committed by the registration that held the lock before. Failures are as the two
 * functions give them.
 */
export async function checkFundCapacityAndBreakers(
  manager: EntityManager,
  capacity: { countyCode: string; bankId: string; modelCode: string; principal: Decimal },
  breakers: BreakerArgs,
): Promise<{ fundId: string | null; capacityFailures: RuleFailure[]; breakerFailures: RuleFailure[] }> {
  const regions = breakerRegionsOf(breakers.regionPath);
  if (!regions.township) {
    const checked = await checkFundCapacity(manager, capacity);
    return { fundId: checked.fundId, capacityFailures: checked.failures, breakerFailures: [] };
  }
  const [row]: Array<Record<string, string>> = await manager.query(LOCK_FUND_WITH_BREAKER_SUMS, [
    ...regionNplParams(breakers.modelCode, regions.township, regions.village),
    capacity.countyCode,
    capacity.bankId,
    capacity.modelCode,
  ]);
  if (!row) {
    return { fundId: null, capacityFailures: [noFundFailure(capacity)], breakerFailures: await checkCircuitBreakers(manager, breakers) };
  }
  const breakerFailures = breakerFailuresOf(toRegionNpl(row, regions.township, regions.village), breakers.thresholds);
  const checked = await capacityOfLockedFund(manager, { id: row.id!, balance: row.balance!, multiple: row.multiple! }, capacity.principal);
  return { fundId: checked.fundId, capacityFailures: checked.failures, breakerFailures };
}

/**
 * SPEC §5 熔断: new loans under the model are refused in a township whose non-performing ratio
 * (defaulted principal / outstanding principal of the model's open loans there, by region-path
 * prefix) exceeds `townshipNplRatio`, or a village above `villageNplRatio`. Only the levels present
 * in `regionPath` are checked; an enterprise registered at a county checks none.
 */
export async function checkCircuitBreakers(manager: EntityManager, args: BreakerArgs): Promise<RuleFailure[]> {
  const regions = breakerRegionsOf(args.regionPath);
  if (!regions.township) return [];
  return breakerFailuresOf(await regionNpl(manager, args.modelCode, regions.township, regions.village), args.thresholds);
}

export interface BreakerArgs {
  modelCode: string;
  regionPath: string;
  thresholds: { townshipNplRatio: string; villageNplRatio: string };
}

function breakerFailuresOf(sums: RegionNpl[], ratios: BreakerArgs['thresholds']): RuleFailure[] {
  const thresholds: Record<BreakerLevel, Decimal> = {
    township: new Decimal(ratios.townshipNplRatio),
    village: new Decimal(ratios.villageNplRatio),
  };
  const failures: RuleFailure[] = [];
  for (const npl of sums) {
    const failure = checkBreaker(npl, thresholds[npl.level]);
    if (failure) failures.push(failure);
  }
  return failures;
}

/**
 * One query for both levels: the township's open loans under the model (by path prefix, which the
 * "C"-collated region_path index serves), with the village's as a FILTER of the same rows. The
 * ratio is numeric division rounded half-up to 4 decimals, 0 where nothing is outstanding.
 */
async function regionNpl(
  manager: EntityManager,
  modelCode: string,
  township: { code: string; prefix: string },
  village: { code: string; prefix: string } | undefined,
): Promise<RegionNpl[]> {
  const [row]: Array<Record<string, string>> = await manager.query(REGION_NPL, regionNplParams(modelCode, township, village));
  return toRegionNpl(row!, township, village);
}

function regionNplParams(modelCode: string, township: { prefix: string }, village: { prefix: string } | undefined): unknown[] {
  // Region paths hold only digits and "/", so they need no LIKE escaping (breakerRegionsOf checks).
  return [modelCode, `${township.prefix}%`, village ? `${village.prefix}%` : null, OPEN_STATUSES];
}

function toRegionNpl(row: Record<string, string>, township: { code: string }, village: { code: string } | undefined): RegionNpl[] {
  const result: RegionNpl[] = [
    {
      level: 'township',
      regionCode: township.code,
      defaultedPrincipal: new Decimal(row.t_defaulted),
      outstandingPrincipal: new Decimal(row.t_outstanding),
      nplRatio: new Decimal(row.t_ratio),
    },
  ];
  if (village) {
    result.push({
      level: 'village',
      regionCode: village.code,
      defaultedPrincipal: new Decimal(row.v_defaulted),
      outstandingPrincipal: new Decimal(row.v_outstanding),
      nplRatio: new Decimal(row.v_ratio),
    });
  }
  return result;
}
