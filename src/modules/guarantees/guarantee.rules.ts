import { asCoreDecimal, type Decimal, floorToFen, formatMoney, roundHalfUpToFen } from '../../core/money';
import type { LoanStatus } from '../loans/loan.entity';
import type { RuleFailure } from '../models/eligibility';
import type { GuaranteeStatus } from './guarantee.entity';

/**
 * The pure rules of guarantees (SPEC §5): no database, no clock. The services gather the sums under a
 * lock on the guarantor and ask these functions.
 */

export const GUARANTEE_RULE_CODES = {
  leverage: 'GUARANTOR_LEVERAGE_EXCEEDED',
  singleClient: 'GUARANTOR_SINGLE_CLIENT_EXCEEDED',
  makerChecker: 'MAKER_CHECKER',
  notGuarantor: 'GUARANTOR_NOT_A_GUARANTEE_COMPANY',
} as const;

/**
 * Loan statuses in which an approved guarantee is in force and counts against the guarantor's limits.
 * A registered loan is not yet disbursed but the guarantee is committed, so its full principal counts.
 * Maturity changes nothing: only settlement releases a guarantee (SPEC §5).
 */
export const IN_FORCE_LOAN_STATUSES: readonly LoanStatus[] = ['registered', 'active', 'overdue', 'defaulted'];

/** What a guarantee is now: its own decision, and once approved, what became of its loan. */
export type GuaranteeState = GuaranteeStatus | 'released' | 'compensated' | 'written_off';

export function guaranteeStateOf(status: GuaranteeStatus, loanStatus: LoanStatus): GuaranteeState {
  if (status !== 'approved') return status;
  switch (loanStatus) {
    case 'settled':
    case 'cancelled': // a registered loan cancelled before it was disbursed
      return 'released';
    case 'compensated':
      return 'compensated';
    case 'written_off':
      return 'written_off';
    default:
      return 'approved';
  }
}

/**
 * Guaranteed amount = principal × coverage ratio (SPEC §5), rounded half-up to the fen (SPEC §6's
 * default rounding) because it is an amount written on the letter and counted against limits. The fee
 * of §6.3 is priced on the unrounded guaranteed balance instead (see guarantee-fees.ts).
 */
export function guaranteedAmountOf(principal: Decimal, coverageRatio: Decimal): Decimal {
  return roundHalfUpToFen(asCoreDecimal(principal).times(asCoreDecimal(coverageRatio)));
}

export interface GuarantorLimits {
  netAssets: Decimal;
  leverageLimit: Decimal;
  singleClientLimitRatio: Decimal;
}

/** Net assets × leverage: the most a guarantor may have outstanding (SPEC §5). Exact, not rounded. */
export function leverageCapacity(limits: GuarantorLimits): Decimal {
  return asCoreDecimal(limits.netAssets).times(asCoreDecimal(limits.leverageLimit));
}

/** Net assets × the single-client ratio (10% by default): the most one client may hold. Exact. */
export function singleClientCapacity(limits: GuarantorLimits): Decimal {
  return asCoreDecimal(limits.netAssets).times(asCoreDecimal(limits.singleClientLimitRatio));
}

/**
 * SPEC §5, checked on approval: outstanding guaranteed + this guarantee ≤ net assets × leverage, and
 * the same client's outstanding guaranteed + this guarantee ≤ net assets × single-client ratio. Exactly
 * at a limit passes. Limits are compared exactly and shown floored to the fen: amounts are whole fen,
 * so `x ≤ floor(c)` exactly when `x ≤ c`.
 */
export function checkGuarantorLimits(args: GuarantorLimits & { outstanding: Decimal; clientOutstanding: Decimal; amount: Decimal }): RuleFailure[] {
  const failures: RuleFailure[] = [];
  const amount = asCoreDecimal(args.amount);
  const total = asCoreDecimal(args.outstanding).plus(amount);
  const capacity = leverageCapacity(args);
  if (total.gt(capacity)) {
    failures.push({
      code: GUARANTEE_RULE_CODES.leverage,
      field: 'guaranteedAmount',
      message: `the guarantor's outstanding guaranteed amount would be ${formatMoney(total)}, above net assets × leverage = ${formatMoney(floorToFen(capacity))}`,
      limit: formatMoney(floorToFen(capacity)),
      actual: formatMoney(total),
    });
  }
  const client = asCoreDecimal(args.clientOutstanding).plus(amount);
  const clientCapacity = singleClientCapacity(args);
  if (client.gt(clientCapacity)) {
    failures.push({
      code: GUARANTEE_RULE_CODES.singleClient,
      field: 'guaranteedAmount',
      message: `this client's outstanding guaranteed amount would be ${formatMoney(client)}, above net assets × ${asCoreDecimal(args.singleClientLimitRatio).toFixed()} = ${formatMoney(floorToFen(clientCapacity))}`,
      limit: formatMoney(floorToFen(clientCapacity)),
      actual: formatMoney(client),
    });
  }
  return failures;
}

/** 担保函 number: DBH, the approval date and the first 8 hex digits of the guarantee id (unique key). */
export function letterNumberFor(guaranteeId: string, decidedOn: string): string {
  return `DBH${decidedOn.replace(/-/g, '')}-${guaranteeId.replace(/-/g, '').slice(0, 8).toUpperCase()}`;
}
