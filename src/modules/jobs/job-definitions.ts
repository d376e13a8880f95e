import type { DataSource } from 'typeorm';
import type { IsoDate } from '../../core/dates';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { inTransaction } from '../../shared/db/transaction';
import { IN_FORCE_LOAN_STATUSES } from '../guarantees/guarantee.rules';
import type { DelinquencyService } from '../loans/delinquency.service';
import type { SettlementsService } from '../settlements/settlements.service';
import type { ProgressService } from '../targets';
import { recordNplSnapshot } from './circuit-breaker.job';
import { periodEndedBefore } from './job-calendar';
import type { JobCounts, JobDefinition } from './job-runner';
import { remindUnsubmittedBatches } from './submission-reminders.job';

/**
 * The services the jobs call, as narrow ports: the jobs module depends on what a job needs, not on
 * the whole of another module, and tests can hand in their own.
 */
export interface JobPorts {
  dataSource: DataSource;
  delinquency: Pick<DelinquencyService, 'run'>;
  progress: Pick<ProgressService, 'progress' | 'summarise'>;
  /** The settlement module (SPEC §7): drafts every bank's batch for a period like `2026Q3`. */
  settlements: Pick<SettlementsService, 'draftBatchesForPeriod'>;
}

/**
 * The jobs of SPEC §8, in the order a catch-up runs them: delinquency first, because the circuit
 * breakers and the settlement drafts read the statuses it sets. Times are Asia/Shanghai; the daily
 * jobs are staggered so each starts after the one it depends on has normally finished. `lockId`s
 * are part of the advisory-lock keys: never renumber or reuse one.
 */
export function createJobDefinitions(ports: JobPorts): JobDefinition[] {
  return [
    {
      name: 'delinquency',
      lockId: 1,
      summary: 'Marks loans overdue or defaulted and counts days past due as of the date (SPEC §5)',
      time: { cadence: 'daily', hour: 1, minute: 0 },
      catchUp: 'each_date',
      run: async (date) => {
        const { businessDate: _date, ...counts } = await ports.delinquency.run(date);
        return counts;
      },
    },
    {
      name: 'guarantee_release',
      lockId: 2,
      summary: 'Records the guarantees released by the settlement of their loans on the date (SPEC §5)',
      time: { cadence: 'daily', hour: 1, minute: 20 },
      catchUp: 'each_date',
      run: (date) => releaseGuarantees(ports, date),
    },
    {
      name: 'circuit_breakers',
      lockId: 3,
      summary: 'Records the non-performing ratio of every township and village under a model with circuit breakers (SPEC §5 熔断)',
      time: { cadence: 'daily', hour: 1, minute: 40 },
      catchUp: 'latest_date',
      run: (date) => inTransaction(ports.dataSource, (manager) => recordNplSnapshot(manager, date)),
    },
    {
      name: 'settlement_drafts',
      lockId: 4,
      summary: 'Drafts the settlement batches and statements of the period that ended the day before (SPEC §7)',
      time: { cadence: 'after_settlement_date', hour: 2, minute: 0 },
      catchUp: 'each_date',
      run: (date) => draftSettlementBatches(ports, date),
    },
    {
      name: 'progress_summaries',
      lockId: 7,
      summary: 'Summarises the 百千万 progress of every city as of the date, so the day\'s reports are read, not counted (SPEC §3, issue 7)',
      time: { cadence: 'daily', hour: 2, minute: 30 },
      // A summary of a past date is made by the first report that asks for it; only today's is worth making ahead.
      catchUp: 'latest_date',
      run: async (date) => ({ ...(await ports.progress.summarise(date)) }),
    },
    {
      name: 'progress_snapshot',
      lockId: 5,
      summary: 'Keeps the 百千万 progress of the first of the month for the trend (SPEC §3)',
      time: { cadence: 'monthly', hour: 3, minute: 0 },
      catchUp: 'each_date',
      run: (date) => snapshotProgress(ports, date),
    },
    {
      name: 'submission_reminders',
      lockId: 6,
      summary: 'Reminds banks of settlement batches still in draft more than 3 working days after the period end (SPEC §7)',
      time: { cadence: 'daily', hour: 9, minute: 0 },
      catchUp: 'latest_date',
      run: (date) => inTransaction(ports.dataSource, (manager) => remindUnsubmittedBatches(manager, date)),
    },
  ];
}

/**
 * SPEC §5 "settlement releases the guarantee". The guarantees module keeps no separate release
 * record: an approved guarantee is released exactly while its loan is settled (guarantee.rules.ts
 * guaranteeStateOf), so a reversal that reopens the loan reinstates it without a write, and the
 * guarantor's exposure counts only guarantees in force. Nothing is left to write, so this job is
 * the daily recorded check: the guarantees released on the date (loans settled that day) with their
 * amount, all released so far, and those still in force.
 */
async function releaseGuarantees(ports: JobPorts, date: IsoDate): Promise<JobCounts> {
  const [row] = await ports.dataSource.query(
    `SELECT count(*) FILTER (WHERE l.closed_on = $1::date)::int AS released_on_date,
            coalesce(sum(g.guaranteed_amount) FILTER (WHERE l.closed_on = $1::date), 0)::numeric(18, 2)::text AS amount_released_on_date,
            count(*)::int AS released
       FROM guarantees g JOIN loans l ON l.id = g.loan_id
      WHERE g.status = 'approved' AND l.status = 'settled' AND l.closed_on <= $1::date`,
    [date],
  );
  const [inForce] = await ports.dataSource.query(
    `SELECT count(*)::int AS count FROM guarantees g JOIN loans l ON l.id = g.loan_id WHERE g.status = 'approved' AND l.status = ANY($1::text[])`,
    [[...IN_FORCE_LOAN_STATUSES]],
  );
  return {
    releasedOnDate: row.released_on_date,
    amountReleasedOnDate: row.amount_released_on_date,
    releasedToDate: row.released,
    inForce: inForce.count,
  };
}

/**
 * SPEC §7: after each settlement date every bank with subsidised loans gets its draft batch. The
 * settlement service recomputes drafts and leaves batches that left draft alone, so a re-run is
 * harmless. Statement PDFs are rendered from the stored batch when asked for, and carry the batch's
 * stored content hash, so there is nothing more to produce here.
 */
async function draftSettlementBatches(ports: JobPorts, date: IsoDate): Promise<JobCounts> {
  const counts = await ports.settlements.draftBatchesForPeriod(periodEndedBefore(date).name);
  return { ...counts };
}

/** The same reports an admin gets from GET /progress?date=&by=, for the whole city. */
async function snapshotProgress(ports: JobPorts, date: IsoDate): Promise<JobCounts> {
  const context = systemContext(`job:progress_snapshot:${date}`);
  const byRegion = await ports.progress.progress(context, { date, by: 'region' });
  const byBank = await ports.progress.progress(context, { date, by: 'bank' });
  await inTransaction(ports.dataSource, async (manager) => {
    for (const report of [byRegion, byBank]) {
      await manager.query(
        `INSERT INTO progress_snapshots (business_date, breakdown, report) VALUES ($1, $2, $3)
         ON CONFLICT ON CONSTRAINT progress_snapshots_date_by_key DO UPDATE SET report = EXCLUDED.report, taken_at = now()`,
        [date, report.by, JSON.stringify(report)],
      );
    }
  });
  return { regionLines: byRegion.lines.length, bankLines: byBank.lines.length };
}

/**
 * The jobs read as the system, with an admin's (city-wide) scope; nothing is written in its name.
 * The progress service finds the programme's city itself when the user's path names none.
 */
function systemContext(requestId: string): AuthenticatedContext {
  return {
    requestId,
    ip: '',
    user: {
      id: '00000000-0000-0000-0000-000000000000',
      username: 'system:jobs',
      displayName: 'Scheduled jobs',
      role: 'admin',
      regionCode: '',
      regionPath: '',
      regionLevel: 'city',
      institutionId: null,
      bankId: null,
      enterpriseId: null,
    },
  };
}
