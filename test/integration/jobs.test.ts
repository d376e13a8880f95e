import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import type { IsoDate } from '../../src/core/dates';
import { createJobDefinitions, JobRunner, type JobDefinition } from '../../src/modules/jobs';
import { DelinquencyService } from '../../src/modules/loans/delinquency.service';
import { SettlementsService } from '../../src/modules/settlements/settlements.service';
import { ProgressService } from '../../src/modules/targets';
import { createDataSource } from '../../src/shared/db/data-source';
import { createLogger } from '../../src/shared/logging/logger';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * The job runner (SPEC §8) against one real database shared by two "instances": two DataSources
 * (two connection pools, as two processes would have) and two runners with their own instance ids.
 */
const logger = createLogger('silent');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** 12:00 in Asia/Shanghai on a date: every job's time of day has passed. */
const noonInShanghai = (date: string) => new Date(`${date}T12:00:00+08:00`);

/**
 * A job whose work is a row in `probe_work`, slow enough (250 ms) that two instances starting it
 * together really overlap. `failures` makes its next runs throw.
 */
function probeJob(dataSource: DataSource, instance: string, state: { failures: number }, overrides: Partial<JobDefinition> = {}): JobDefinition {
  return {
    name: 'probe',
    lockId: 90,
    summary: 'test probe',
    time: { cadence: 'daily', hour: 0, minute: 30 },
    catchUp: 'each_date',
    run: async (date) => {
      if (state.failures > 0) {
        state.failures -= 1;
        throw new Error(`probe failure for ${date}`);
      }
      await dataSource.query('INSERT INTO probe_work (business_date, instance) VALUES ($1, $2)', [date, instance]);
      await sleep(250);
      return { rowsWritten: 1 };
    },
    ...overrides,
  };
}

describe('scheduled jobs: the runner (SPEC §8)', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let second: DataSource;
  const state = { failures: 0 };
  let a: JobRunner;
  let b: JobRunner;

  before(async () => {
    db = await createTestDatabase();
    second = createDataSource({ url: db.url, poolSize: 10 });
    await second.initialize();
    await db.dataSource.query('CREATE TABLE probe_work (business_date date NOT NULL, instance text NOT NULL)');
    a = new JobRunner(db.dataSource, [probeJob(db.dataSource, 'a', state)], logger, { instanceId: 'instance-a' });
    b = new JobRunner(second, [probeJob(second, 'b', state)], logger, { instanceId: 'instance-b' });
  });
  after(async () => {
    if (second?.isInitialized) await second.destroy();
    await db?.drop();
  });

  const work = async (date: string) =>
    (await db.dataSource.query('SELECT instance FROM probe_work WHERE business_date = $1', [date])) as Array<{ instance: string }>;
  const runsOf = async (job: string, date: string) =>
    (await db.dataSource.query('SELECT status, trigger, rerun, instance_id, error, counts FROM job_runs WHERE job = $1 AND business_date = $2 ORDER BY id', [job, date])) as Array<Record<string, unknown>>;

  it('when two instances start the same job for the same date at the same moment, then it runs exactly once', async () => {
    for (const date of ['2026-05-01', '2026-05-02', '2026-05-03'] as IsoDate[]) {
      const outcomes = await Promise.all([a.runJob('probe', date, { trigger: 'schedule' }), b.runJob('probe', date, { trigger: 'schedule' })]);
      expect(outcomes.filter((o) => o.outcome === 'ran')).to.have.length(1);
      expect(outcomes.filter((o) => o.outcome !== 'ran').map((o) => o.outcome)[0]).to.be.oneOf(['busy', 'already_succeeded']);
      expect(await work(date)).to.have.length(1);
      const runs = await runsOf('probe', date);
      expect(runs).to.have.length(1);
      expect(runs[0]).to.include({ status: 'succeeded', trigger: 'schedule', rerun: false });
      expect(runs[0]!.counts).to.deep.equal({ rowsWritten: 1 });
    }
  });

  it('when a date already succeeded, then a second run is skipped, and only a forced run does the work again', async () => {
    const date = '2026-05-01' as IsoDate;
    const again = await b.runJob('probe', date, { trigger: 'catch_up' });
    expect(again.outcome).to.equal('already_succeeded');
    expect(await work(date)).to.have.length(1);
    const forced = await b.runJob('probe', date, { trigger: 'admin', force: true });
    expect(forced.outcome).to.equal('ran');
    expect(forced.outcome === 'ran' && forced.run).to.include({ status: 'succeeded', rerun: true, instanceId: 'instance-b' });
    expect(await work(date)).to.have.length(2);
    expect(await runsOf('probe', date)).to.have.length(2);
  });

  it('when the database is asked for a second first success or a second running row, then it refuses', async () => {
    const insert = (status: string, rerun = false) =>
      db.dataSource.query(
        `INSERT INTO job_runs (job, business_date, trigger, status, rerun, instance_id, finished_at)
         VALUES ('constraint_probe', '2026-05-02', 'schedule', $1, $2, 'x', CASE WHEN $3 THEN NULL ELSE clock_timestamp() END)`,
        [status, rerun, status === 'running'],
      );
    const refusal = (status: string, rerun = false) => insert(status, rerun).then(() => '', (error: Error) => error.message);
    await insert('succeeded');
    expect(await refusal('succeeded')).to.match(/job_runs_succeeded_key/);
    expect(await refusal('succeeded', true)).to.equal('');
    await insert('running');
    expect(await refusal('running')).to.match(/job_runs_running_key/);
    expect(await refusal('failed')).to.match(/job_runs_error_check/);
  });

  it('when a job fails, then the run records its error, and a retry for the date runs and succeeds', async () => {
    const date = '2026-05-10' as IsoDate;
    state.failures = 1;
    const failed = await a.runJob('probe', date, { trigger: 'schedule' });
    expect(failed.outcome).to.equal('ran');
    const failedRun = failed.outcome === 'ran' ? failed.run : undefined;
    expect(failedRun).to.include({ status: 'failed', error: 'Error: probe failure for 2026-05-10', counts: null });
    expect(failedRun!.finishedAt).to.be.a('string');
    expect(await work(date)).to.have.length(0);
    const retried = await b.runJob('probe', date, { trigger: 'catch_up' });
    expect(retried.outcome === 'ran' && retried.run).to.include({ status: 'succeeded', rerun: false });
    expect((await runsOf('probe', date)).map((r) => r.status)).to.deep.equal(['failed', 'succeeded']);
    expect(await work(date)).to.have.length(1);
  });

  it('when an instance died mid-run, then its running row is closed as abandoned and the date runs again', async () => {
    const date = '2026-05-11';
    await db.dataSource.query(`INSERT INTO job_runs (job, business_date, trigger, status, instance_id) VALUES ('probe', $1, 'schedule', 'running', 'dead-instance')`, [date]);
    const result = await a.runJob('probe', date as IsoDate, { trigger: 'catch_up' });
    expect(result.outcome === 'ran' && result.run.status).to.equal('succeeded');
    const runs = await runsOf('probe', date);
    expect(runs.map((r) => r.status)).to.deep.equal(['failed', 'succeeded']);
    expect(runs[0]!.error).to.equal('abandoned: instance dead-instance stopped before the run finished');
  });

  it('when an instance died in a run no catch-up would repeat, then the next catch-up or tick closes it; a live run is left alone', async () => {
    // Instance b's run of `liveDate` waits on a gate the test opens, so it is surely live (its lock
    // held) while a catches up.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const name = 'abandoned_probe';
    const ca = new JobRunner(db.dataSource, [probeJob(db.dataSource, 'a', state, { name, lockId: 95 })], logger, { instanceId: 'instance-a' });
    const cb = new JobRunner(second, [probeJob(second, 'b', state, { name, lockId: 95, run: async () => (await gate, { rowsWritten: 0 }) })], logger, { instanceId: 'instance-b' });
    // A forced re-run of a date that had succeeded: catch-up never tries that date again.
    const date = '2026-05-12';
    expect((await ca.runJob(name, date as IsoDate, { trigger: 'schedule' })).outcome).to.equal('ran');
    await db.dataSource.query(`INSERT INTO job_runs (job, business_date, trigger, rerun, status, instance_id) VALUES ($1, $2, 'admin', true, 'running', 'dead-instance')`, [name, date]);
    const liveDate = '2026-05-13';
    const live = cb.runJob(name, liveDate as IsoDate, { trigger: 'schedule' });
    while ((await runsOf(name, liveDate)).length === 0) await sleep(10);

    const steps = await ca.catchUpAll(noonInShanghai(liveDate));
    expect(steps.map((step) => [step.businessDate, step.outcome])).to.deep.equal([[liveDate, 'busy']]);
    const runs = await runsOf(name, date);
    expect(runs.map((r) => r.status)).to.deep.equal(['succeeded', 'failed']);
    expect(runs[1]!.error).to.equal('abandoned: instance dead-instance stopped before the run finished');
    expect((await runsOf(name, liveDate)).map((r) => r.status), 'the live run is not closed under it').to.deep.equal(['running']);
    open();
    const finished = await live;
    expect(finished.outcome === 'ran' && finished.run.status).to.equal('succeeded');
  });

  /** Two instances of a probe job of its own, so that each catch-up test starts from a known history. */
  const pairOf = (name: string, lockId: number): [JobRunner, JobRunner] => [
    new JobRunner(db.dataSource, [probeJob(db.dataSource, 'a', state, { name, lockId })], logger, { instanceId: 'instance-a' }),
    new JobRunner(second, [probeJob(second, 'b', state, { name, lockId })], logger, { instanceId: 'instance-b' }),
  ];
  const succeed = async (runner: JobRunner, name: string, dates: string[]) => {
    for (const date of dates) expect((await runner.runJob(name, date as IsoDate, { trigger: 'schedule' })).outcome).to.equal('ran');
  };

  it('when both instances catch up at start, then every missed date runs once, oldest first, and a second catch-up runs nothing', async () => {
    const [ca, cb] = pairOf('catch_up_probe', 92);
    await succeed(ca, 'catch_up_probe', ['2026-06-01', '2026-06-02', '2026-06-03', '2026-06-10', '2026-06-11']);
    // "Now" is 2026-06-16 at noon: the gap since the first success (4th–9th) and the days since the
    // last (12th–16th) were missed.
    const now = noonInShanghai('2026-06-16');
    const [stepsA, stepsB] = await Promise.all([ca.catchUpAll(now), cb.catchUpAll(now)]);
    const ran = [...stepsA, ...stepsB].filter((s) => s.outcome === 'ran').map((s) => s.businessDate).sort();
    const missed = [4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 16].map((day) => `2026-06-${String(day).padStart(2, '0')}`);
    expect(ran).to.deep.equal(missed);
    for (const date of ran) {
      expect(await work(date), date).to.have.length(1);
      expect((await runsOf('catch_up_probe', date)).map((r) => [r.status, r.trigger]), date).to.deep.equal([['succeeded', 'catch_up']]);
    }
    const order: Array<{ business_date: string }> = await db.dataSource.query(
      `SELECT business_date FROM job_runs WHERE job = 'catch_up_probe' AND business_date = ANY($1::date[]) ORDER BY started_at`,
      [missed],
    );
    expect(order.map((r) => r.business_date)).to.deep.equal(ran);
    expect([...(await ca.catchUpAll(now)), ...(await cb.catchUpAll(now))].filter((s) => s.outcome === 'ran')).to.deep.equal([]);
  });

  it('when a catch-up date fails, then later dates wait, and the next tick runs them in order', async () => {
    const [ra, rb] = pairOf('retry_probe', 93);
    await succeed(ra, 'retry_probe', ['2026-07-16']);
    state.failures = 1;
    const steps = await ra.catchUpAll(noonInShanghai('2026-07-18'));
    expect(steps.map((s) => [s.businessDate, s.status])).to.deep.equal([['2026-07-17', 'failed']]);
    expect(await runsOf('retry_probe', '2026-07-18')).to.deep.equal([]);
    const tick = await rb.runScheduled('retry_probe', noonInShanghai('2026-07-18'));
    expect(tick.map((s) => [s.businessDate, s.status])).to.deep.equal([['2026-07-17', 'succeeded'], ['2026-07-18', 'succeeded']]);
    expect((await runsOf('retry_probe', '2026-07-18'))[0]).to.include({ trigger: 'schedule' });
  });

  it('when a job never ran, then catch-up runs only its latest due date; before its time of day, not today', async () => {
    const fresh = new JobRunner(db.dataSource, [probeJob(db.dataSource, 'fresh', { failures: 0 }, { name: 'fresh_probe', lockId: 91, time: { cadence: 'daily', hour: 6, minute: 0 } })], logger);
    const early = await fresh.catchUpAll(new Date('2026-04-10T05:00:00+08:00'));
    expect(early.map((s) => s.businessDate)).to.deep.equal(['2026-04-09']);
    const later = await fresh.catchUpAll(new Date('2026-04-10T07:00:00+08:00'));
    expect(later.map((s) => s.businessDate)).to.deep.equal(['2026-04-10']);
  });
});

describe('scheduled jobs: the real jobs on the demo city', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let second: DataSource;
  let runners: JobRunner[];

  before(async () => {
    db = await createTestDatabase();
    second = createDataSource({ url: db.url, poolSize: 10 });
    await second.initialize();
    runners = [db.dataSource, second].map(
      (dataSource, i) =>
        new JobRunner(
          dataSource,
          createJobDefinitions({
            dataSource,
            delinquency: new DelinquencyService(dataSource),
            progress: new ProgressService(dataSource),
            settlements: new SettlementsService(dataSource),
          }),
          logger,
          { instanceId: `real-${i}` },
        ),
    );
  });
  after(async () => {
    if (second?.isInitialized) await second.destroy();
    await db?.drop();
  });

  /** A loan of the demo enterprise under the risk-fund model, straight into the table (as circuit-breaker.test.ts does). */
  let contract = 0;
  async function insertLoan(loan: { regionPath: string; outstanding: string; status: string; closedOn?: string; guarantorId?: string }): Promise<string> {
    contract += 1;
    const [row] = await db.dataSource.query(
      `INSERT INTO loans (bank_id, branch_id, contract_number, model_code, model_version_id, borrower_kind, enterprise_id,
                          region_path, principal, outstanding_principal, rate_annual, reference_rate_annual,
                          contract_date, disbursement_date, maturity_date, current_maturity_date, term_months,
                          repayment_method, purpose, status, closed_on, guarantor_id, created_by)
       SELECT b.id, br.id, $1, 'risk_fund_enterprise', v.id, 'enterprise', (SELECT id FROM enterprises ORDER BY name LIMIT 1),
              $2, 100000.00, $3, 0.0435, 0.0435, '2025-01-15', '2025-01-15', '2027-01-15', '2027-01-15', 24,
              'interest_quarterly_principal_at_maturity', 'jobs test', $4, $5, $6, (SELECT id FROM users WHERE username = 'finance')
         FROM institutions b JOIN institutions br ON br.parent_id = b.id
         JOIN financing_model_versions v ON v.model_code = 'risk_fund_enterprise' AND v.version = 1
        WHERE b.type = 'bank' AND b.name LIKE '%农业银行%' AND br.type = 'bank_branch'
        LIMIT 1
       RETURNING id`,
      [`JOBS-${contract}`, loan.regionPath, loan.outstanding, loan.status, loan.closedOn ?? null, loan.guarantorId ?? null],
    );
    return row.id;
  }

  before(async () => {
    // Township 410225100: 10,000.00 defaulted of 200,000.00 = exactly 5%, not above it; its village 201
    // has 10% (above 7%), village 202 none. The settled loan counts nowhere.
    const village = (code: string) => `410200/410225/410225100/410225100${code}/`;
    await insertLoan({ regionPath: village('201'), outstanding: '90000.00', status: 'active' });
    await insertLoan({ regionPath: village('201'), outstanding: '10000.00', status: 'defaulted' });
    await insertLoan({ regionPath: village('202'), outstanding: '100000.00', status: 'overdue' });
    const [guarantor] = await db.dataSource.query(`SELECT id FROM institutions WHERE type = 'guarantee_company' LIMIT 1`);
    const settled = await insertLoan({ regionPath: village('202'), outstanding: '0.00', status: 'settled', closedOn: '2026-09-21', guarantorId: guarantor.id });
    await db.dataSource.query(
      `INSERT INTO guarantees (loan_id, guarantor_id, guaranteed_amount, coverage_ratio, fee_rate_annual, fee_subsidy_rate_annual, status,
                               filed_by, decided_by, decided_at, decided_on, letter_number)
       VALUES ($1, $2, 80000.00, 0.8, 0.01, 0.01, 'approved',
               (SELECT id FROM users WHERE role = 'loan_officer' LIMIT 1), (SELECT id FROM users WHERE username = 'finance'), now(), '2025-01-10', 'JOBS-G-1')`,
      [settled, guarantor.id],
    );
  });

  it('when two instances run every job for its date at once, then each job and date has exactly one run', async () => {
    // In catch-up order; 2026-09-28 is the Monday on which 2026Q3's drafts are 6 working days old.
    const dates: Array<[string, IsoDate]> = [
      ['delinquency', '2026-09-21' as IsoDate],
      ['guarantee_release', '2026-09-21' as IsoDate],
      ['circuit_breakers', '2026-09-21' as IsoDate],
      ['settlement_drafts', '2026-09-21' as IsoDate],
      ['progress_summaries', '2026-09-21' as IsoDate],
      ['progress_snapshot', '2026-09-01' as IsoDate],
      ['submission_reminders', '2026-09-28' as IsoDate],
    ];
    for (const [job, date] of dates) {
      const outcomes = await Promise.all(runners.map((runner) => runner.runJob(job, date, { trigger: 'schedule' })));
      const ran = outcomes.filter((o) => o.outcome === 'ran');
      expect(ran, job).to.have.length(1);
      expect(ran[0]!.outcome === 'ran' && ran[0]!.run.status, `${job}: ${JSON.stringify(ran[0])}`).to.equal('succeeded');
      const [{ count }] = await db.dataSource.query('SELECT count(*)::int AS count FROM job_runs WHERE job = $1 AND business_date = $2', [job, date]);
      expect(count, job).to.equal(1);
    }
    const counts = async (job: string) => (await db.dataSource.query('SELECT counts FROM job_runs WHERE job = $1', [job]))[0].counts;
    // The demo city's two reports are summarised once, though both instances ran the job.
    expect(await counts('progress_summaries')).to.deep.equal({ cities: 1, alreadySummarised: 0, stored: 2 });
    expect(await db.dataSource.query(`SELECT breakdown FROM progress_summaries WHERE business_date = '2026-09-21' AND state = 'ready' ORDER BY breakdown`)).to.deep.equal([
      { breakdown: 'bank' },
      { breakdown: 'region' },
    ]);
    expect(await counts('guarantee_release')).to.deep.equal({ releasedOnDate: 1, amountReleasedOnDate: '80000.00', releasedToDate: 1, inForce: 0 });
    expect(await counts('circuit_breakers')).to.deep.equal({ townshipsChecked: 1, villagesChecked: 2, townshipsTripped: 0, villagesTripped: 1 });
    expect(await db.dataSource.query(
      `SELECT level, region_code, defaulted_principal::text AS defaulted, outstanding_principal::text AS outstanding, npl_ratio::text AS ratio, threshold::text, tripped
         FROM npl_snapshots WHERE business_date = '2026-09-21' ORDER BY region_code`,
    )).to.deep.equal([
      { level: 'township', region_code: '410225100', defaulted: '10000.00', outstanding: '200000.00', ratio: '0.0500', threshold: '0.0500', tripped: false },
      { level: 'village', region_code: '410225100201', defaulted: '10000.00', outstanding: '100000.00', ratio: '0.1000', threshold: '0.0700', tripped: true },
      { level: 'village', region_code: '410225100202', defaulted: '0.00', outstanding: '100000.00', ratio: '0.0000', threshold: '0.0700', tripped: false },
    ]);
    const drafts: Array<{ id: string; bank_id: string }> = await db.dataSource.query(`SELECT id, bank_id FROM settlement_batches WHERE period = '2026Q3' AND status = 'draft'`);
    expect(await counts('settlement_drafts')).to.include({ period: '2026Q3', created: drafts.length });
    expect(drafts.length).to.be.at.least(1);
    expect(await counts('submission_reminders')).to.deep.equal({ workingDay: true, lateBatches: drafts.length, remindersCreated: drafts.length, periods: ['2026Q3'] });
    expect(
      await db.dataSource.query(`SELECT batch_id, bank_id, period, due_on, working_days_since_period_end AS days FROM submission_reminders ORDER BY batch_id`),
    ).to.deep.equal(
      drafts
        .map((b) => ({ batch_id: b.id, bank_id: b.bank_id, period: '2026Q3', due_on: '2026-09-23', days: 6 }))
        .sort((x, y) => (x.batch_id < y.batch_id ? -1 : 1)),
    );
    const snapshots = await db.dataSource.query(`SELECT breakdown, report->>'date' AS date FROM progress_snapshots ORDER BY breakdown`);
    expect(snapshots).to.deep.equal([{ breakdown: 'bank', date: '2026-09-01' }, { breakdown: 'region', date: '2026-09-01' }]);
  });

  it('when the circuit-breaker snapshot is taken, then each region row agrees with the loans and a re-run replaces it', async () => {
    const date = '2026-09-21' as IsoDate;
    const before = await db.dataSource.query('SELECT count(*)::int AS count FROM npl_snapshots WHERE business_date = $1', [date]);
    const rerun = await runners[1]!.runJob('circuit_breakers', date, { trigger: 'admin', force: true });
    expect(rerun.outcome === 'ran' && rerun.run.rerun).to.equal(true);
    const after = await db.dataSource.query('SELECT count(*)::int AS count FROM npl_snapshots WHERE business_date = $1', [date]);
    expect(after).to.deep.equal(before);
    const counts = rerun.outcome === 'ran' ? rerun.run.counts! : {};
    expect(Number(counts.townshipsChecked) + Number(counts.villagesChecked)).to.equal(after[0].count);
  });

  it('when reminders run on a weekend, before the 4th working day, or again, then no reminder is added', async () => {
    const remind = async (date: string) => {
      const result = await runners[0]!.runJob('submission_reminders', date as IsoDate, { trigger: 'admin', force: true });
      return result.outcome === 'ran' ? result.run.counts : null;
    };
    expect(await remind('2026-09-27')).to.deep.equal({ workingDay: false, lateBatches: 0, remindersCreated: 0 });
    expect(await remind('2026-09-23')).to.deep.equal({ workingDay: true, lateBatches: 0, remindersCreated: 0, periods: [] });
    expect(await remind('2026-09-28')).to.include({ remindersCreated: 0 });
    await db.dataSource.query(`UPDATE settlement_batches SET status = 'submitted', submitted_by = (SELECT id FROM users WHERE role = 'loan_officer' LIMIT 1), submitted_at = now() WHERE period = '2026Q3'`);
    expect(await remind('2026-09-29')).to.deep.equal({ workingDay: true, lateBatches: 0, remindersCreated: 0, periods: [] });
  });

  it('when a date is not one the job is due on, or has not begun, then the runner refuses it', async () => {
    const refusal = async (job: string, date: string) => {
      try {
        await runners[0]!.runJob(job, date as IsoDate, { trigger: 'admin' });
        return 'ran';
      } catch (error) {
        return (error as { code?: string }).code;
      }
    };
    expect(await refusal('progress_snapshot', '2026-09-02')).to.equal('RULE_VIOLATION');
    expect(await refusal('settlement_drafts', '2026-09-20')).to.equal('RULE_VIOLATION');
    expect(await refusal('delinquency', '2999-01-01')).to.equal('RULE_VIOLATION');
    expect(await refusal('nonexistent', '2026-09-02')).to.equal('NOT_FOUND');
  });
});

describe('scheduled jobs: two service processes on one database', function () {
  this.timeout(120_000);
  let db: TestDatabase;

  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  it('when two instances start together and both catch up, then each job and date runs once', async () => {
    const processes = await startTwoServiceProcesses(db.url);
    try {
      // Both caught up at start; wait until no run is in progress and the daily jobs have run.
      const deadline = Date.now() + 60_000;
      let runs: Array<{ job: string; business_date: string; status: string; instance_id: string }> = [];
      while (Date.now() < deadline) {
        runs = await db.dataSource.query('SELECT job, business_date, status, instance_id FROM job_runs ORDER BY id');
        const daily = new Set(runs.filter((r) => r.status !== 'running').map((r) => r.job));
        if (['delinquency', 'guarantee_release', 'circuit_breakers', 'submission_reminders'].every((j) => daily.has(j)) && runs.every((r) => r.status !== 'running')) break;
        await sleep(250);
      }
      const perDate = new Map<string, number>();
      for (const run of runs) perDate.set(`${run.job} ${run.business_date}`, (perDate.get(`${run.job} ${run.business_date}`) ?? 0) + 1);
      expect([...perDate.values()].every((n) => n === 1), JSON.stringify(runs)).to.equal(true);
      expect(runs.length).to.be.at.least(4);
      expect(new Set(runs.map((r) => r.instance_id)).size).to.be.within(1, 2);
      expect(processes.map((p) => p.exitCode), 'both instances are still serving').to.deep.equal([null, null]);
    } finally {
      const codes = await Promise.all(processes.map((p) => p.stop()));
      expect(codes, processes.map((p) => p.output()).join('\n----\n')).to.deep.equal(['0', '0']);
    }
  });
});

interface ServiceProcess {
  exitCode: number | null;
  output(): string;
  /** SIGTERM, then how it ended once it has shut down: its exit code, or the signal that killed it (SIGKILL after 20 s). */
  stop(): Promise<string>;
}

/**
 * Two real instances of the service (dist/src/main.js) on one database, listening on 127.0.0.1 on
 * ports the system picks, with the jobs enabled. Resolves once both have printed their banner.
 */
async function startTwoServiceProcesses(databaseUrl: string): Promise<ServiceProcess[]> {
  const main = path.resolve(__dirname, '../../src/main.js');
  const env = { ...process.env, NODE_ENV: 'test', DATABASE_URL: databaseUrl, HOST: '127.0.0.1', PORT: '0', JOBS_ENABLED: '1', LOAD_DEMO_DATA: '0', LOG_LEVEL: 'warn' };
  const children: ChildProcess[] = [0, 1].map(() => spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
  const handles = children.map((child) => {
    let output = '';
    child.stdout!.on('data', (chunk) => (output += String(chunk)));
    child.stderr!.on('data', (chunk) => (output += String(chunk)));
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(code === null ? String(signal) : String(code))));
    const started = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the service did not start: ${output}`)), 60_000);
      child.stdout!.on('data', () => {
        if (output.includes('Fupin Finance is running.')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the service exited with ${code}: ${output}`));
      });
    });
    const handle: ServiceProcess = {
      get exitCode() {
        return child.exitCode;
      },
      output: () => output,
      stop: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return exited;
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        const code = await exited;
        clearTimeout(killer);
        return code;
      },
    };
    return { handle, started };
  });
  try {
    await Promise.all(handles.map((h) => h.started));
  } catch (error) {
    await Promise.all(handles.map((h) => h.handle.stop()));
    throw error;
  }
  return handles.map((h) => h.handle);
}
