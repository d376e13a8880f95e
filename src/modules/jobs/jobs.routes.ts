import Joi from 'joi';
import type { IsoDate } from '../../core/dates';
import type { ApiRegistry } from '../../shared/http/api';
import { DomainError } from '../../shared/http/errors';
import { isoDate, pageSchema, paginationKeys } from '../../shared/http/schemas';
import { JOB_RUN_STATUSES, JOB_TRIGGERS } from './job-run.entity';
import type { JobsService } from './jobs.service';

const jobRunSchema = Joi.object({
  id: Joi.string(),
  job: Joi.string(),
  businessDate: Joi.string(),
  trigger: Joi.string().valid(...JOB_TRIGGERS),
  rerun: Joi.boolean().description('the date had already succeeded and an admin ran it again'),
  status: Joi.string().valid(...JOB_RUN_STATUSES),
  instanceId: Joi.string().description('the service instance that did the work'),
  requestedBy: Joi.string().guid().allow(null),
  startedAt: Joi.string(),
  finishedAt: Joi.string().allow(null),
  counts: Joi.object().unknown(true).allow(null),
  error: Joi.string().allow(null),
}).label('JobRun');

const jobSchema = Joi.object({
  name: Joi.string(),
  summary: Joi.string(),
  cadence: Joi.string().valid('daily', 'monthly', 'after_settlement_date'),
  cron: Joi.string().description('node-cron expression, read in the timezone below'),
  timezone: Joi.string(),
  catchUp: Joi.string().valid('each_date', 'latest_date'),
  catchUpDays: Joi.number().integer(),
  lastRun: jobRunSchema.allow(null),
  lastSucceededDate: Joi.string().allow(null),
}).label('Job');

/** Admins run jobs; auditors (who read everything, SPEC §1) may read what ran. */
const JOB_READERS = ['admin', 'auditor'] as const;

const jobParams = Joi.object({ name: Joi.string().pattern(/^[a-z][a-z_]{0,39}$/, 'job name').required() });

export function registerJobRoutes(api: ApiRegistry, jobs: JobsService): void {
  api.add({
    method: 'get',
    path: '/jobs',
    tag: 'jobs',
    summary: 'List the scheduled jobs with their schedule and last run',
    access: JOB_READERS,
    response: Joi.array().items(jobSchema),
    handle: () => jobs.list(),
  });
  api.add({
    method: 'post',
    path: '/jobs/:name/runs',
    tag: 'jobs',
    summary: 'Run a job for a business date now',
    access: ['admin'],
    params: jobParams,
    body: Joi.object({
      date: isoDate().required().description('the business date (Asia/Shanghai), today or earlier, on which the job is due'),
      force: Joi.boolean().default(false).description('run again even though the date already succeeded'),
    }),
    status: 201,
    response: jobRunSchema.description('201 with the new run (succeeded or failed); 200 with the earlier run when the date already succeeded and force is false'),
    handle: async ({ params, body }, context, res) => {
      const { created, run } = await jobs.run(context, params.name, body.date as IsoDate, body.force);
      res.status(created ? 201 : 200).json(run);
    },
  });
  api.add({
    method: 'get',
    path: '/jobs/:name/runs',
    tag: 'jobs',
    summary: 'List the runs of a job, newest first',
    access: JOB_READERS,
    params: jobParams,
    query: Joi.object({
      ...paginationKeys,
      status: Joi.string().valid(...JOB_RUN_STATUSES),
      from: isoDate().description('business dates from this day'),
      to: isoDate().description('business dates up to this day'),
    }),
    response: pageSchema(jobRunSchema),
    handle: ({ params, query }) => jobs.history(params.name, query as never),
  });
  // Issue 4's endpoint, kept for its callers: the same run as POST /jobs/delinquency/runs with force,
  // answered in the shape issue 4 gave it.
  api.add({
    method: 'post',
    path: '/jobs/delinquency',
    tag: 'jobs',
    summary: 'Run the delinquency job for a business date',
    access: ['admin'],
    query: Joi.object({ date: isoDate().required() }),
    response: Joi.object({
      businessDate: Joi.string(),
      loansChecked: Joi.number().integer(),
      loansUpdated: Joi.number().integer(),
      statusChanges: Joi.number().integer(),
      byStatus: Joi.object().pattern(Joi.string(), Joi.number().integer()),
      runId: Joi.string(),
    }).label('DelinquencyRun'),
    handle: async ({ query }, context) => {
      const { run } = await jobs.run(context, 'delinquency', query.date as IsoDate, true);
      if (run.status === 'failed') throw new DomainError('INTERNAL', `the delinquency run ${run.id} failed; GET /jobs/delinquency/runs shows its error`);
      return { businessDate: run.businessDate, ...run.counts, runId: run.id };
    },
  });
}
