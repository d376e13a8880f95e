// Guarantees (SPEC §5, §6.3): the module's public surface. Settlement uses the §6.3 functions.
import type { DataSource } from 'typeorm';
import { GuaranteeFeesService } from './guarantee-fees.service';
import { GuarantorExposureService } from './guarantee-exposure';
import { GuaranteeLetterService } from './guarantee-letter.service';
import type { GuaranteeServices } from './guarantees.routes';
import { GuaranteesService } from './guarantees.service';
import { RiskLedgerService } from './risk-ledger';

export { fileGuaranteeApplication, type GuaranteeApplication } from './guarantee-filing';
export { guaranteeFeesForPeriod, principalBalanceChanges, type GuaranteeFeeInput, type GuaranteeFeeLines, type PrincipalMovement } from './guarantee-fees';
export { computeGuaranteeFees } from './guarantee-fees.service';
export { checkGuarantorLimits, guaranteedAmountOf, guaranteeStateOf, IN_FORCE_LOAN_STATUSES, type GuaranteeState } from './guarantee.rules';
export { Guarantee } from './guarantee.entity';
export { RiskLedgerEntry } from './risk-ledger-entry.entity';
export { toLedgerEntryDto, type LedgerEntryDto } from './risk-ledger';
export { registerGuaranteeRoutes, type GuaranteeServices } from './guarantees.routes';
export { GuaranteesService } from './guarantees.service';

export function createGuaranteeServices(dataSource: DataSource): GuaranteeServices {
  const guarantees = new GuaranteesService(dataSource);
  return {
    guarantees,
    fees: new GuaranteeFeesService(dataSource, guarantees),
    letters: new GuaranteeLetterService(dataSource, guarantees),
    exposure: new GuarantorExposureService(dataSource),
    ledger: new RiskLedgerService(dataSource),
  };
}
