import crypto from 'node:crypto';
import os from 'node:os';
import type { DataSource } from 'typeorm';
import { compareDates, toEpochDay, type IsoDate } from '../../core/dates';
import { invariant } from '../../core/errors';
import { todayInShanghai } from '../../shared/clock';
import { DomainError } from '../../shared/http/errors';
import type { Logger } from '../../shared/logging/logger';
import { dueDatesUpTo, isDueOn, type JobTime } from './job-calendar';
import { JobRun, type JobTrigger } from './job-run.entity';
import { toJobRunDto, type JobRunDto } from './job.dto';

/** What a job reports it did; stored as the run's `counts`. */
export type JobCounts = Record<string, unknown>;

export interface JobDefinition {
  name: string;
  /** Part of the advisory-lock key; unique among jobs and never reused for another job. */
  lockId: number;
  summary: string;
  time: JobTime;
  /**
   * `each_date`: every missed business date is run, oldest first (the work depends on the date, e.g.
   * delinquency as of that day). `latest_date`: only the newest (the work reads the present state, so
   * a past date would only repeat today's answer).
   */
  catchUp: 'each_date' | 'latest_date';
  run(businessDate: IsoDate): Promise<JobCounts>;
}

export interface RunOptions {
  trigger: JobTrigger;
  /** Run even though the date already succeeded (an admin's deliberate re-run; still takes the lock). */
  force?: boolean;
  requestedBy?: string | null;
}

export type RunOutcome =
  | { outcome: 'ran'; run: JobRunDto }
  | { outcome: 'already_succeeded'; run: JobRunDto }
  /** Another session (another instance, or another request here) holds the lock for this job and date. */
  | { outcome: 'busy' };

export interface CatchUpStep {
  job: string;
  businessDate: IsoDate;
  outcome: 'ran' | 'already_succeeded' | 'busy';
  status?: JobRun['status'];
}

/**
 * Advisory-lock keys: the two-int form, (namespace + job, day number). Distinct from the one-bigint
 * keys of start-up (shared/db/migrate.ts), which PostgreSQL keeps in a separate key space.
 */
const LOCK_NAMESPACE = 7_310_200;
const MAX_ERROR_CHARS = 2000;

/** The two int4 keys of the advisory lock for a job and business date. */
export function jobLockKey(job: Pick<JobDefinition, 'lockId'>, businessDate: IsoDate): [number, number] {
  return [LOCK_NAMESPACE + job.lockId, toEpochDay(businessDate)];
}

/**
 * Runs the scheduled jobs (SPEC §8) so that each job and business date is done once even when
 * several instances share the database:
 *
 * 1. a transaction-level advisory lock for (job, date) is taken with pg_try_advisory_xact_lock on a
 *    connection of its own, held while the job runs, and released by ending that transaction (so no
 *    error path can leave it behind on a pooled connection); a session that cannot take it is told
 *    `busy` and does nothing;
 * 2. under the lock, a date that already succeeded is skipped unless an admin forces a re-run;
 * 3. the run is recorded as `running` (committed at once, so others can see it), then `succeeded`
 *    with the job's counts or `failed` with its error. A `running` row found under the lock belongs to
 *    an instance that died mid-run (its lock went with its connection) and is closed as failed.
 *
 * Jobs are themselves idempotent for their date, so a crash between the job's commit and the
 * `succeeded` record only costs a harmless repeat at the next catch-up.
 */
export class JobRunner {
  readonly instanceId: string;
  private readonly byName: Map<string, JobDefinition>;
  /** Scheduled and catch-up work of this process runs one job at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Set at shutdown: queued catch-up stops after the run in progress. */
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    readonly jobs: readonly JobDefinition[],
    private readonly logger: Logger,
    options: { instanceId?: string } = {},
  ) {
    this.byName = new Map(jobs.map((job) => [job.name, job]));
    invariant(this.byName.size === jobs.length, 'job names are unique');
    invariant(new Set(jobs.map((job) => job.lockId)).size === jobs.length, 'job lock ids are unique');
    this.instanceId = options.instanceId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  }

  job(name: string): JobDefinition {
    const job = this.byName.get(name);
    if (!job) throw new DomainError('NOT_FOUND', `there is no job named ${name}`, { jobs: [...this.byName.keys()] });
    return job;
  }

  /** Runs one job for one business date now, through the lock (see the class comment). */
  async runJob(name: string, businessDate: IsoDate, options: RunOptions): Promise<RunOutcome> {
    const job = this.job(name);
    checkBusinessDate(job, businessDate);
    const ran = await this.underDateLock(job, businessDate, () => this.runLocked(job, businessDate, options));
    if (ran.locked) return ran.value;
    this.logger.info({ job: name, businessDate, trigger: options.trigger }, 'job run skipped: another session holds its lock');
    return { outcome: 'busy' };
  }

  /**
   * Runs `work` holding the (job, date) lock, or reports that another session holds it. The lock is
   * a transaction-level advisory lock on a connection of its own, released by ending that transaction
   * (so no error path can leave it behind on a pooled connection).
   */
  private async underDateLock<T>(job: JobDefinition, businessDate: IsoDate, work: () => Promise<T>): Promise<{ locked: true; value: T } | { locked: false }> {
    const lock = this.dataSource.createQueryRunner();
    await lock.connect();
    try {
      await lock.startTransaction('READ COMMITTED');
      // The lock's transaction sits idle while the job works on other connections; a server-wide
      // idle-in-transaction timeout must not end it (and with it the lock) under a long run.
      await lock.query('SET LOCAL idle_in_transaction_session_timeout = 0');
      const [{ locked }] = await lock.query('SELECT pg_try_advisory_xact_lock($1, $2) AS locked', jobLockKey(job, businessDate));
      return locked ? { locked: true, value: await work() } : { locked: false };
    } finally {
      // Ending the lock's transaction releases the lock; a broken connection has lost it already.
      await lock.rollbackTransaction().catch(() => undefined);
      await lock.release();
    }
  }

  private async runLocked(job: JobDefinition, businessDate: IsoDate, options: RunOptions): Promise<RunOutcome> {
    const runs = this.dataSource.getRepository(JobRun);
    await this.closeAbandoned(job.name, businessDate);
    const succeeded = await runs.findOne({ where: { job: job.name, businessDate, status: 'succeeded' }, order: { id: 'DESC' } });
    if (succeeded && !options.force) return { outcome: 'already_succeeded', run: toJobRunDto(succeeded) };

    const run = await runs.save(
      runs.create({
        job: job.name,
        businessDate,
        trigger: options.trigger,
        rerun: succeeded !== null,
        status: 'running',
        instanceId: this.instanceId,
        requestedBy: options.requestedBy ?? null,
        finishedAt: null,
        counts: null,
        error: null,
      }),
    );
    const log = this.logger.child({ job: job.name, businessDate, runId: run.id, trigger: options.trigger });
    log.info('job run started');
    let finished: { status: 'succeeded' | 'failed'; counts: JobCounts | null; error: string | null };
    try {
      finished = { status: 'succeeded', counts: await job.run(businessDate), error: null };
      log.info({ counts: finished.counts }, 'job run succeeded');
    } catch (error) {
      finished = { status: 'failed', counts: null, error: describeError(error) };
      log.error({ err: error }, 'job run failed');
    }
    const [rows] = await runs.query(
      `UPDATE job_runs SET status = $2, counts = $3, error = $4, finished_at = clock_timestamp()
        WHERE id = $1 AND status = 'running' RETURNING id`,
      [run.id, finished.status, finished.counts === null ? null : JSON.stringify(finished.counts), finished.error],
    );
    if (rows.length === 0) log.warn('job run was closed by another instance while it ran (its lock connection was lost)');
    return { outcome: 'ran', run: toJobRunDto(await runs.findOneByOrFail({ id: run.id })) };
  }

  /**
   * Closes the runs of any date that an instance left `running` when it died. runJob closes those of
   * the date it runs; a run of a date no catch-up tries again (a forced re-run of a date that had
   * succeeded, a date older than the catch-up window, a past date of a `latest_date` job) would
   * otherwise show `running` for ever. A date whose lock someone holds is being run now: left alone.
   */
  private async closeAbandonedRuns(job: JobDefinition): Promise<void> {
    const running: Array<{ business_date: IsoDate }> = await this.dataSource.query(
      `SELECT DISTINCT business_date::text AS business_date FROM job_runs WHERE job = $1 AND status = 'running' ORDER BY 1`,
      [job.name],
    );
    for (const { business_date: businessDate } of running) {
      await this.underDateLock(job, businessDate, () => this.closeAbandoned(job.name, businessDate));
    }
  }

  /** Under the lock no live run can exist, so a `running` row is what a crashed instance left. */
  private async closeAbandoned(job: string, businessDate: IsoDate): Promise<void> {
    const [rows] = await this.dataSource.query(
      `UPDATE job_runs SET status = 'failed', finished_at = greatest(clock_timestamp(), started_at),
              error = 'abandoned: instance ' || instance_id || ' stopped before the run finished'
        WHERE job = $1 AND business_date = $2 AND status = 'running' RETURNING id`,
      [job, businessDate],
    );
    if (rows.length > 0) this.logger.warn({ job, businessDate, runIds: rows.map((r: { id: string }) => r.id) }, 'closed abandoned job runs');
  }

  /**
   * Catches up every job at start (SPEC §8 "a missed run is caught up on start"), in the jobs' order,
   * each through runJob. Returns what it did.
   */
  catchUpAll(now: Date = new Date()): Promise<CatchUpStep[]> {
    return this.enqueue(async () => {
      const steps: CatchUpStep[] = [];
      for (const job of this.jobs) steps.push(...(await this.catchUpJob(job, now, 'catch_up')));
      return steps;
    });
  }

  /** A cron tick: today's run and any date this job missed before it, in order. */
  runScheduled(name: string, now: Date = new Date()): Promise<CatchUpStep[]> {
    const job = this.job(name);
    return this.enqueue(() => this.catchUpJob(job, now, 'schedule'));
  }

  /**
   * The missed business dates of one job, within CATCH_UP_DAYS: due dates from the job's first ever
   * success on that have no success (only the newest for `latest_date` jobs, and only the newest when
   * the job never succeeded, so a fresh database is not back-filled). Dates run oldest first; the
   * first `busy` or failed date ends the job's catch-up, so that dates are never done out of order
   * (another instance holding the lock is working through the same dates; a failed date is retried
   * first at the next tick).
   */
  private async catchUpJob(job: JobDefinition, now: Date, trigger: 'schedule' | 'catch_up'): Promise<CatchUpStep[]> {
    await this.closeAbandonedRuns(job);
    const due = dueDatesUpTo(job.time, now);
    if (due.length === 0) return [];
    const [{ first, dates }] = await this.dataSource.query(
      `SELECT min(business_date) AS first,
              coalesce(array_agg(business_date::text) FILTER (WHERE business_date >= $2), '{}') AS dates
         FROM job_runs WHERE job = $1 AND status = 'succeeded'`,
      [job.name, due[0]],
    );
    const succeeded = new Set<string>(dates);
    const latest = due.at(-1)!;
    let missing: IsoDate[];
    if (first === null || job.catchUp === 'latest_date') missing = succeeded.has(latest) ? [] : [latest];
    else missing = due.filter((date) => compareDates(date, first) >= 0 && !succeeded.has(date));

    const today = todayInShanghai(now);
    const steps: CatchUpStep[] = [];
    for (const date of missing) {
      if (this.stopping) break;
      const result = await this.runJob(job.name, date, { trigger: trigger === 'schedule' && date === today ? 'schedule' : 'catch_up' });
      steps.push({ job: job.name, businessDate: date, outcome: result.outcome, status: result.outcome === 'busy' ? undefined : result.run.status });
      if (result.outcome === 'busy' || result.run.status === 'failed') break;
    }
    return steps;
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Graceful shutdown: no further scheduled or catch-up run starts, and the one in progress is
   * waited for, so the pool is not closed under it. Admin runs end with their requests.
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    await this.queue;
  }
}

/** A job runs for a date it is due on, and never for a day that has not begun in Asia/Shanghai. */
function checkBusinessDate(job: JobDefinition, businessDate: IsoDate): void {
  const problems: Array<{ field: string; rule: string; message: string }> = [];
  if (!isDueOn(job.time.cadence, businessDate)) {
    problems.push({ field: 'date', rule: 'NOT_A_DUE_DATE', message: `${job.name} runs ${DUE_TEXT[job.time.cadence]}; ${businessDate} is not one of its dates` });
  }
  if (compareDates(businessDate, todayInShanghai()) > 0) {
    problems.push({ field: 'date', rule: 'NOT_IN_FUTURE', message: `${businessDate} has not begun in Asia/Shanghai` });
  }
  if (problems.length > 0) throw new DomainError('RULE_VIOLATION', `${job.name} cannot run for ${businessDate}`, problems);
}

const DUE_TEXT = {
  daily: 'every day',
  monthly: 'on the first of each month',
  after_settlement_date: 'on the 21st of March, June, September and December',
} as const;

function describeError(error: unknown): string {
  const text =
    error instanceof DomainError ? `${error.code}: ${error.message}` : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 1)}…` : text;
}
