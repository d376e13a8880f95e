// The 百千万 targets and progress module (SPEC §3): its public surface.
import type { DataSource } from 'typeorm';
import { ProgressService } from './progress.service';
import { TargetsService } from './targets.service';

export { ProgressService, type ProgressLine, type ProgressReport } from './progress.service';
export { activeBorrowersSql, progressByBankSql, progressCountsByBankSql, PROGRESS_COUNTS_BY_REGION_SQL } from './progress.sql';
export { ProgressSummary } from './progress-summary.entity';
export { computeSummaries, readSummary, summariseAllCities, type CountsRow, type SummariseCounts } from './progress-summaries';
export { registerTargetRoutes } from './targets.routes';
export { TargetsService, programmeCity, type TargetsDto, type TargetsInput } from './targets.service';

export interface TargetServices {
  targets: TargetsService;
  progress: ProgressService;
}

export function createTargetServices(dataSource: DataSource): TargetServices {
  return { targets: new TargetsService(dataSource), progress: new ProgressService(dataSource) };
}
