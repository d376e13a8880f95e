// The settlement module's public surface (SPEC §6.2–§6.5, §7, issue 6).
import type { DataSource } from 'typeorm';
import { SettlementsQueryService } from './settlements-query.service';
import { SettlementsService } from './settlements.service';
import { StatementsService } from './statements.service';

export { registerSettlementRoutes } from './settlements.routes';
export { SettlementsService, type DraftRunCounts } from './settlements.service';
export { SettlementsQueryService } from './settlements-query.service';
export { StatementsService } from './statements.service';

export interface SettlementServices {
  /** compute, submit, approve, reject, pay, and draftBatchesForPeriod for the scheduled job. */
  workflow: SettlementsService;
  query: SettlementsQueryService;
  /** The statement PDF (renderStatementToStream / renderStatementToBuffer for the job), verify, exports. */
  statements: StatementsService;
}

export function createSettlementServices(dataSource: DataSource): SettlementServices {
  return {
    workflow: new SettlementsService(dataSource),
    query: new SettlementsQueryService(dataSource),
    statements: new StatementsService(dataSource),
  };
}
