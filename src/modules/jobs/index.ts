// Scheduled jobs (SPEC §8): the module's public surface.
import type { DataSource } from 'typeorm';
import type { Logger } from '../../shared/logging/logger';
import { startScheduler, type Scheduler } from '../../shared/scheduler';
import { createJobDefinitions, type JobPorts } from './job-definitions';
import { cronExpression } from './job-calendar';
import { JobRunner } from './job-runner';
import { JobsService } from './jobs.service';

export { CATCH_UP_DAYS, cronExpression, dueDatesUpTo, isDueOn, workingDaysAfter } from './job-calendar';
export { createJobDefinitions, type JobPorts } from './job-definitions';
export { jobLockKey, JobRunner, type CatchUpStep, type JobDefinition, type RunOutcome } from './job-runner';
export { JobRun } from './job-run.entity';
export { registerJobRoutes } from './jobs.routes';
export { JobsService } from './jobs.service';

export interface JobServices {
  runner: JobRunner;
  service: JobsService;
}

export function createJobServices(dataSource: DataSource, ports: Omit<JobPorts, 'dataSource'>, logger: Logger): JobServices {
  const runner = new JobRunner(dataSource, createJobDefinitions({ dataSource, ...ports }), logger);
  return { runner, service: new JobsService(dataSource, runner) };
}

/**
 * Start-up for the jobs (main.ts, when JOBS_ENABLED): catch up missed runs first, then start the
 * timers (daily, see below). The catch-up is not awaited by the caller's HTTP start; it runs in the runner's queue and
 * the first tick waits behind it.
 */
export function startJobs(runner: JobRunner, logger: Logger): Scheduler {
  void runner
    .catchUpAll()
    .then((steps) => logger.info({ steps }, 'job catch-up finished'))
    .catch((error: unknown) => logger.error({ err: error }, 'job catch-up failed'));
  // Every job's timer fires daily at its time, also for the monthly and quarterly jobs: a tick runs
  // only due dates without a success (runScheduled), so on other days it does nothing, but a due date
  // that failed or whose tick was lost is retried the next day. With the job's own cron the retry
  // would wait for the next due date: a month, or for the settlement drafts a quarter, by then
  // outside the 31-day catch-up window, so that quarter's drafts would never be made.
  const scheduler = startScheduler(
    runner.jobs.map((job) => ({ name: job.name, cron: cronExpression({ ...job.time, cadence: 'daily' }), run: () => runner.runScheduled(job.name) })),
    logger,
  );
  return {
    stop: async () => {
      await scheduler.stop();
      await runner.shutdown();
    },
  };
}
