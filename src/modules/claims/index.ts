// Default claims (代偿) and recoveries (追偿), SPEC §5 and §6.4: the module's public surface.
import type { DataSource } from 'typeorm';
import { ClaimNoticeService } from './claim-notice.service';
import { ClaimPaymentsService } from './claim-payments.service';
import type { ClaimServices } from './claims.routes';
import { ClaimsService } from './claims.service';

export { claimLoss, type ClaimLoss, type ClaimLossInput } from './claim-loss';
export { splitClaim, splitRecovery, type PartyShare, type RecoveryRoom } from './claim-split';
export { Claim } from './claim.entity';
export { ClaimShare } from './claim-share.entity';
export { registerClaimRoutes, type ClaimServices } from './claims.routes';

export function createClaimServices(dataSource: DataSource): ClaimServices {
  const claims = new ClaimsService(dataSource);
  return { claims, payments: new ClaimPaymentsService(dataSource, claims), notices: new ClaimNoticeService(dataSource, claims) };
}
