import { In, type DataSource } from 'typeorm';
import { BUSINESS_TIMEZONE } from '../../shared/clock';
import type { AuthenticatedContext } from '../../shared/auth/context';
import type { IsoDate } from '../../core/dates';
import { DomainError } from '../../shared/http/errors';
import type { Page, PageOf } from '../../shared/http/schemas';
import { recordAudit } from '../audit/audit.service';
import { CATCH_UP_DAYS, cronExpression } from './job-calendar';
import { JobRun, type JobRunStatus } from './job-run.entity';
import type { JobRunner } from './job-runner';
import { toJobRunDto, type JobRunDto } from './job.dto';

export interface JobSummary {
  name: string;
  summary: string;
  cadence: string;
  cron: string;
  timezone: string;
  catchUp: 'each_date' | 'latest_date';
  catchUpDays: number;
  lastRun: JobRunDto | null;
  lastSucceededDate: string | null;
}

export interface RunHistoryFilter extends Page {
  status?: JobRunStatus;
  from?: string;
  to?: string;
}

/** The jobs API (SPEC §8, §11): what runs when, what ran, and an admin's run for a date. */
export class JobsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly runner: JobRunner,
  ) {}

  async list(): Promise<JobSummary[]> {
    const runs = this.dataSource.getRepository(JobRun);
    const names = this.runner.jobs.map((job) => job.name);
    const latest: Array<{ id: string }> = await this.dataSource.query(
      `SELECT DISTINCT ON (job) id FROM job_runs WHERE job = ANY($1) ORDER BY job, id DESC`,
      [names],
    );
    const lastRuns = latest.length ? await runs.findBy({ id: In(latest.map((r) => r.id)) }) : [];
    const succeeded: Array<{ job: string; date: string }> = await this.dataSource.query(
      `SELECT job, max(business_date) AS date FROM job_runs WHERE job = ANY($1) AND status = 'succeeded' GROUP BY job`,
      [names],
    );
    return this.runner.jobs.map((job) => {
      const last = lastRuns.find((run) => run.job === job.name);
      return {
        name: job.name,
        summary: job.summary,
        cadence: job.time.cadence,
        cron: cronExpression(job.time),
        timezone: BUSINESS_TIMEZONE,
        catchUp: job.catchUp,
        catchUpDays: CATCH_UP_DAYS,
        lastRun: last ? toJobRunDto(last) : null,
        lastSucceededDate: succeeded.find((row) => row.job === job.name)?.date ?? null,
      };
    });
  }

  /**
   * An admin runs a job for a date now, through the runner's lock. A date that already succeeded is
   * answered with that run unless `force`; a run going on elsewhere is a 409. The run, whatever its
   * outcome, is in the audit log.
   */
  async run(context: AuthenticatedContext, name: string, date: IsoDate, force: boolean): Promise<{ created: boolean; run: JobRunDto }> {
    const result = await this.runner.runJob(name, date, { trigger: 'admin', force, requestedBy: context.user.id });
    if (result.outcome === 'busy') {
      throw new DomainError('CONFLICT', `${name} for ${date} is running elsewhere; read its runs to see when it finishes`);
    }
    if (result.outcome === 'already_succeeded') return { created: false, run: result.run };
    const { run } = result;
    await recordAudit(this.dataSource.manager, context, {
      action: 'run',
      entityType: 'job_run',
      entityId: run.id,
      after: { job: run.job, businessDate: run.businessDate, rerun: run.rerun, status: run.status, counts: run.counts, error: run.error },
    });
    return { created: true, run };
  }

  async history(name: string, filter: RunHistoryFilter): Promise<PageOf<JobRunDto>> {
    this.runner.job(name);
    const query = this.dataSource.getRepository(JobRun).createQueryBuilder('r').where('r.job = :name', { name });
    if (filter.status) query.andWhere('r.status = :status', { status: filter.status });
    if (filter.from) query.andWhere('r.business_date >= :from', { from: filter.from });
    if (filter.to) query.andWhere('r.business_date <= :to', { to: filter.to });
    const [items, total] = await query.orderBy('r.id', 'DESC').skip(filter.offset).take(filter.limit).getManyAndCount();
    return { items: items.map(toJobRunDto), total, limit: filter.limit, offset: filter.offset };
  }
}
