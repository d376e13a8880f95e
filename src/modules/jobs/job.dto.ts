import type { JobRun } from './job-run.entity';

/** A run as the API shows it: dates as YYYY-MM-DD, instants as ISO 8601, the id as a string. */
export interface JobRunDto {
  id: string;
  job: string;
  businessDate: string;
  trigger: JobRun['trigger'];
  rerun: boolean;
  status: JobRun['status'];
  instanceId: string;
  requestedBy: string | null;
  startedAt: string;
  finishedAt: string | null;
  counts: Record<string, unknown> | null;
  error: string | null;
}

export function toJobRunDto(run: JobRun): JobRunDto {
  return {
    id: String(run.id),
    job: run.job,
    businessDate: run.businessDate,
    trigger: run.trigger,
    rerun: run.rerun,
    status: run.status,
    instanceId: run.instanceId,
    requestedBy: run.requestedBy,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt ? run.finishedAt.toISOString() : null,
    counts: run.counts,
    error: run.error,
  };
}
