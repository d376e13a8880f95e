// Risk-compensation funds (风险补偿金) and circuit breakers (熔断), SPEC §5: the module's public surface.
export { checkCircuitBreakers, checkFundCapacity, checkFundCapacityAndBreakers, outstandingByFund, outstandingUnderFund, type BreakerArgs } from './fund-checks';
export {
  balanceAsOf,
  lockFund,
  recordMovement,
  toFundMovementDto,
  type FundMovementDto,
  type NewFundMovement,
  type RecordedMovement,
} from './fund-movements';
export {
  breakerRegionsOf,
  checkBalanceChange,
  checkBreaker,
  checkCapacity,
  FUND_RULE_CODES,
  fundCapacity,
  signedAmount,
  type BreakerLevel,
  type BreakerRegions,
  type RegionNpl,
} from './fund.rules';
export { registerFundRoutes } from './funds.routes';
export { FundsService, toFundDto, type FundDto, type FundFilter, type NewDeposit, type NewFund } from './funds.service';
export type { RuleFailure } from '../models/eligibility';
