import { expect } from 'chai';
import pg from 'pg';
import type { IsoDate } from '../../src/core/dates';
import { jobLockKey } from '../../src/modules/jobs';
import { startTestApp, type TestApp } from '../support/app';

/** The jobs API (SPEC §8 "an admin can run a job for a given date through the API", §11). */
describe('scheduled jobs over HTTP (SPEC §8)', () => {
  let t: TestApp;

  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t?.close();
  });

  const runRows = async (job: string, date: string) =>
    (await t.db.dataSource.query('SELECT id::text, status, trigger, rerun, requested_by FROM job_runs WHERE job = $1 AND business_date = $2 ORDER BY id', [job, date])) as Array<{
      id: string;
      status: string;
      trigger: string;
      rerun: boolean;
      requested_by: string | null;
    }>;

  it('when an admin lists the jobs, then each comes with its schedule in Asia/Shanghai and its last run', async () => {
    const res = await (await t.as('admin')).get('/api/v1/jobs');
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.map((j: { name: string }) => j.name)).to.deep.equal([
      'delinquency',
      'guarantee_release',
      'circuit_breakers',
      'settlement_drafts',
      'progress_summaries',
      'progress_snapshot',
      'submission_reminders',
    ]);
    const drafts = res.body.find((j: { name: string }) => j.name === 'settlement_drafts');
    expect(drafts).to.include({ cron: '0 2 21 3,6,9,12 *', timezone: 'Asia/Shanghai', cadence: 'after_settlement_date', lastRun: null });
  });

  it('when an admin runs a job for a date, then it runs now and answers with the run; again, with the same run; forced, with a new one', async () => {
    const admin = await t.as('admin');
    const first = await admin.post('/api/v1/jobs/delinquency/runs').send({ date: '2026-06-18' });
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(first.body).to.include({ job: 'delinquency', businessDate: '2026-06-18', trigger: 'admin', status: 'succeeded', rerun: false, error: null });
    expect(first.body.counts).to.have.keys('loansChecked', 'loansUpdated', 'statusChanges', 'byStatus');
    const [adminUser] = await t.db.dataSource.query(`SELECT id FROM users WHERE username = 'admin'`);
    expect(first.body.requestedBy).to.equal(adminUser.id);

    const again = await admin.post('/api/v1/jobs/delinquency/runs').send({ date: '2026-06-18' });
    expect(again.status).to.equal(200);
    expect(again.body.id).to.equal(first.body.id);

    const forced = await admin.post('/api/v1/jobs/delinquency/runs').send({ date: '2026-06-18', force: true });
    expect(forced.status).to.equal(201);
    expect(forced.body).to.include({ rerun: true, status: 'succeeded' });
    expect((await runRows('delinquency', '2026-06-18')).map((r) => [r.status, r.rerun])).to.deep.equal([
      ['succeeded', false],
      ['succeeded', true],
    ]);
    const audit = await t.db.dataSource.query(`SELECT action, after->>'job' AS job FROM audit_log WHERE entity_type = 'job_run' AND entity_id = $1`, [forced.body.id]);
    expect(audit).to.deep.equal([{ action: 'run', job: 'delinquency' }]);
  });

  it('when the job is running elsewhere for the date, then the admin gets 409 and nothing is recorded', async () => {
    // Another instance: a separate connection holding the job's lock for the date.
    const other = new pg.Client({ connectionString: t.db.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1, $2)', jobLockKey({ lockId: 3 }, '2026-06-19' as IsoDate));
      const res = await (await t.as('admin')).post('/api/v1/jobs/circuit_breakers/runs').send({ date: '2026-06-19' });
      expect(res.status, JSON.stringify(res.body)).to.equal(409);
      expect(res.body.error.code).to.equal('CONFLICT');
      expect(await runRows('circuit_breakers', '2026-06-19')).to.deep.equal([]);
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
    const after = await (await t.as('admin')).post('/api/v1/jobs/circuit_breakers/runs').send({ date: '2026-06-19' });
    expect(after.status).to.equal(201);
  });

  it('when someone other than an admin runs a job, then 403; an auditor may read the runs', async () => {
    for (const user of ['officer.abc', 'finance', 'auditor']) {
      const res = await (await t.as(user)).post('/api/v1/jobs/delinquency/runs').send({ date: '2026-06-20' });
      expect(res.status, user).to.equal(403);
    }
    expect((await (await t.as('officer.abc')).get('/api/v1/jobs')).status).to.equal(403);
    expect((await (await t.as('auditor')).get('/api/v1/jobs/delinquency/runs')).status).to.equal(200);
    expect(await runRows('delinquency', '2026-06-20')).to.deep.equal([]);
    expect((await t.request().get('/api/v1/jobs')).status).to.equal(401);
  });

  it('when the job does not exist, then 404', async () => {
    const admin = await t.as('admin');
    const run = await admin.post('/api/v1/jobs/no_such_job/runs').send({ date: '2026-06-18' });
    expect(run.status).to.equal(404);
    expect(run.body.error.code).to.equal('NOT_FOUND');
    expect((await admin.get('/api/v1/jobs/no_such_job/runs')).status).to.equal(404);
  });

  it('when the date is malformed, not a due date of the job, or in the future, then 400 or 422 and nothing runs', async () => {
    const admin = await t.as('admin');
    expect((await admin.post('/api/v1/jobs/delinquency/runs').send({ date: '2026-02-30' })).status).to.equal(400);
    expect((await admin.post('/api/v1/jobs/delinquency/runs').send({})).status).to.equal(400);
    expect((await admin.post('/api/v1/jobs/delinquency/runs').send({ date: '2026-06-18', extra: 1 })).status).to.equal(400);
    const monthly = await admin.post('/api/v1/jobs/progress_snapshot/runs').send({ date: '2026-06-18' });
    expect(monthly.status).to.equal(422);
    expect(monthly.body.error.details[0]).to.include({ rule: 'NOT_A_DUE_DATE' });
    const future = await admin.post('/api/v1/jobs/delinquency/runs').send({ date: '2999-01-01' });
    expect(future.status).to.equal(422);
    expect(future.body.error.details[0]).to.include({ rule: 'NOT_IN_FUTURE' });
    expect(await runRows('progress_snapshot', '2026-06-18')).to.deep.equal([]);
  });

  it('when a job fails, then the run is answered with its error, and a later run of the date can succeed', async () => {
    const admin = await t.as('admin');
    // Break the snapshot table for a moment: the job's INSERT fails inside its transaction.
    await t.db.dataSource.query(`ALTER TABLE progress_snapshots ADD CONSTRAINT jobs_test_refuse CHECK (business_date <> '2026-06-01')`);
    const failed = await admin.post('/api/v1/jobs/progress_snapshot/runs').send({ date: '2026-06-01' });
    await t.db.dataSource.query(`ALTER TABLE progress_snapshots DROP CONSTRAINT jobs_test_refuse`);
    expect(failed.status, JSON.stringify(failed.body)).to.equal(201);
    expect(failed.body.status).to.equal('failed');
    expect(failed.body.error).to.match(/jobs_test_refuse/);
    const retried = await admin.post('/api/v1/jobs/progress_snapshot/runs').send({ date: '2026-06-01' });
    expect(retried.status).to.equal(201);
    expect(retried.body).to.include({ status: 'succeeded', rerun: false });
    expect(retried.body.counts).to.have.keys('regionLines', 'bankLines');
  });

  it('when the history is read, then the runs are listed newest first, paginated and filterable', async () => {
    const admin = await t.as('admin');
    await admin.post('/api/v1/jobs/delinquency/runs').send({ date: '2026-06-17' });
    const page = await admin.get('/api/v1/jobs/delinquency/runs?limit=2');
    expect(page.status, JSON.stringify(page.body)).to.equal(200);
    expect(page.body).to.include({ limit: 2, offset: 0, total: 3 });
    expect(page.body.items.map((r: { businessDate: string }) => r.businessDate)).to.deep.equal(['2026-06-17', '2026-06-18']);
    const rest = await admin.get('/api/v1/jobs/delinquency/runs?limit=2&offset=2');
    expect(rest.body.items).to.have.length(1);
    const failed = await admin.get('/api/v1/jobs/progress_snapshot/runs?status=failed');
    expect(failed.body.total).to.equal(1);
    const dated = await admin.get('/api/v1/jobs/delinquency/runs?from=2026-06-18&to=2026-06-18');
    expect(dated.body.total).to.equal(2);
    expect((await admin.get('/api/v1/jobs/delinquency/runs?limit=201')).status).to.equal(400);
    const listed = await admin.get('/api/v1/jobs');
    const delinquency = listed.body.find((j: { name: string }) => j.name === 'delinquency');
    expect(delinquency.lastRun.businessDate).to.equal('2026-06-17');
    expect(delinquency.lastSucceededDate).to.equal('2026-06-18');
  });

  it("when issue 4's POST /jobs/delinquency?date= is called, then it runs through the runner, is recorded, and answers as before", async () => {
    const admin = await t.as('admin');
    const res = await admin.post('/api/v1/jobs/delinquency?date=2026-06-16');
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include.keys('businessDate', 'loansChecked', 'loansUpdated', 'statusChanges', 'byStatus', 'runId');
    expect(res.body.businessDate).to.equal('2026-06-16');
    const again = await admin.post('/api/v1/jobs/delinquency?date=2026-06-16');
    expect(again.body.runId).to.not.equal(res.body.runId);
    expect((await runRows('delinquency', '2026-06-16')).map((r) => [r.trigger, r.status, r.rerun])).to.deep.equal([
      ['admin', 'succeeded', false],
      ['admin', 'succeeded', true],
    ]);
  });
});
