import crypto from 'node:crypto';
import { expect } from 'chai';
import pg from 'pg';
import type { IsoDate } from '../../src/core/dates';
import type { AuthUser } from '../../src/shared/auth/context';
import { computeSummaries, ProgressService, type ProgressReport } from '../../src/modules/targets';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * Issue 7: the 百千万 progress report is served from per-city summaries. These tests prove that a
 * summary gives exactly the answer a live count gives, and that every kind of write that can change
 * progress as of a summarised date deletes that summary (and only what it can change), so the next
 * answer is counted again.
 */
const CITY = '410200';
// The demo loans are disbursed from 2026-09-21 on: the last date has bank counts too.
const DATES = ['2025-06-30', '2026-03-31', '2026-11-15'] as IsoDate[];
const D = '2026-11-15' as IsoDate;

type By = 'region' | 'bank';

describe('百千万 progress summaries (issue 7): the same answer as a live count, never a stale one', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let progress: ProgressService;
  const user = (over: Partial<AuthUser>): AuthUser =>
    ({
      id: crypto.randomUUID(),
      username: 'test',
      displayName: 'test',
      role: 'admin',
      regionCode: CITY,
      regionPath: `${CITY}/`,
      regionLevel: 'city',
      institutionId: null,
      bankId: null,
      enterpriseId: null,
      ...over,
    }) as AuthUser;
  const users: Record<string, AuthUser> = {};
  const report = (who: AuthUser, date: IsoDate, by: By) => progress.progress({ requestId: 'test', ip: '127.0.0.1', user: who }, { date, by });
  /** What a report says when nothing is summarised: counted now. */
  const live = async (who: AuthUser, date: IsoDate, by: By) => {
    await db.dataSource.query('DELETE FROM progress_summaries');
    return report(who, date, by);
  };
  const summarised = async (date: string): Promise<string[]> =>
    (
      await db.dataSource.query(`SELECT breakdown || ' ' || counted_path AS key FROM progress_summaries WHERE business_date = $1 AND state = 'ready' ORDER BY 1`, [date])
    ).map((r: { key: string }) => r.key);
  const cityLine = (r: ProgressReport) => r.lines.find((l) => l.scope === 'city')!;

  before(async () => {
    db = await createTestDatabase();
    progress = new ProgressService(db.dataSource);
    const [bank] = await db.dataSource.query(`SELECT id FROM institutions WHERE type = 'bank' ORDER BY name LIMIT 1`);
    const [township] = await db.dataSource.query(`SELECT code, path FROM regions WHERE level = 'township' AND parent_code = '410225' ORDER BY code LIMIT 1`);
    users.city = user({});
    users.county = user({ role: 'poverty_office', regionCode: '410225', regionPath: `${CITY}/410225/`, regionLevel: 'county' });
    users.township = user({ role: 'auditor', regionCode: township.code, regionPath: township.path, regionLevel: 'township' });
    users.officer = user({ role: 'loan_officer', bankId: bank.id, institutionId: bank.id });
  });
  after(async () => {
    await db?.drop();
  });

  it('when a report is counted live and then read from the summary it stored, then both are the same JSON, for every caller, date and breakdown', async () => {
    let nonZero = 0;
    for (const date of DATES) {
      for (const [name, who] of Object.entries(users)) {
        for (const by of ['region', 'bank'] as const) {
          const first = await live(who, date, by);
          expect(await summarised(date), `${name} ${by} ${date}`).to.have.length(1);
          const second = await report(who, date, by);
          expect(JSON.stringify(second), `${name} ${by} ${date}`).to.equal(JSON.stringify(first));
          nonZero += first.lines.filter((l) => l.linkedHouseholds.actual > 0).length;
          if (by === 'bank' && date === D && name === 'city') expect(first.lines.some((l) => l.linkedHouseholds.actual > 0), 'bank counts on D').to.equal(true);
        }
      }
    }
    // The demo register has something to count, so the comparison is not of zeros.
    expect(nonZero).to.be.greaterThan(10);
  });

  it('when the nightly step has summarised every city, then every report equals the live count, and city, county and officer read the same two summaries', async () => {
    for (const date of DATES) {
      const expected = new Map<string, string>();
      for (const [name, who] of Object.entries(users)) {
        for (const by of ['region', 'bank'] as const) expected.set(`${name} ${by}`, JSON.stringify(await live(who, date, by)));
      }
      await db.dataSource.query('DELETE FROM progress_summaries');
      const counts = await progress.summarise(date);
      expect(counts).to.include({ cities: 1, stored: 2, alreadySummarised: 0 });
      expect(await summarised(date)).to.deep.equal([`bank ${CITY}/`, `region ${CITY}/`]);
      for (const [name, who] of Object.entries(users)) {
        for (const by of ['region', 'bank'] as const) {
          expect(JSON.stringify(await report(who, date, by)), `${name} ${by} ${date}`).to.equal(expected.get(`${name} ${by}`));
        }
      }
      // Only the township's bank report needed counts of its own.
      expect(await summarised(date)).to.deep.equal([`bank ${CITY}/`, `bank ${users.township!.regionPath}`, `region ${CITY}/`]);
      expect(await progress.summarise(date)).to.include({ stored: 0, alreadySummarised: 2 });
    }
  });

  it('when a summary is there, then the report is read from it, not counted (a doctored summary shows)', async () => {
    await db.dataSource.query('DELETE FROM progress_summaries');
    await progress.summarise(D);
    await db.dataSource.query(
      `UPDATE progress_summaries SET counts = '[{"county_code": "410225", "bank_id": null, "enterprises": 7, "demonstration_households": 8, "linked_households": 9}]'
        WHERE breakdown = 'region'`,
    );
    const doctored = await report(users.city!, D, 'region');
    expect(cityLine(doctored).linkedHouseholds.actual).to.equal(9);
    expect(doctored.lines.find((l) => l.regionCode === '410225')!.enterprises.actual).to.equal(7);
    await db.dataSource.query('DELETE FROM progress_summaries');
  });

  describe('every write that can change a summarised date deletes it; the next answer is counted again', () => {
    let household: { id: string; region_path: string };
    let enterprise: string;

    before(async () => {
      // A household of the city that exists on D and has no active linkage that day, and an enterprise.
      [household] = await db.dataSource.query(
        `SELECT h.id, h.region_path FROM households h
          WHERE h.region_path LIKE '${CITY}/%'
            AND EXISTS (SELECT 1 FROM household_history hh WHERE hh.household_id = h.id AND hh.kind = 'status' AND hh.effective_date <= '2025-01-01')
            AND NOT EXISTS (SELECT 1 FROM linkages l WHERE l.household_id = h.id)
          ORDER BY h.id LIMIT 1`,
      );
      [{ id: enterprise }] = await db.dataSource.query(`SELECT id FROM enterprises ORDER BY name LIMIT 1`);
      expect(household, 'a household without linkages').to.not.equal(undefined);
    });

    /** Both reports of the city summarised as of these dates, and the city's report as of D before the write. */
    async function summariseThen(dates: IsoDate[] = [D]): Promise<{ region: ProgressReport; bank: ProgressReport }> {
      await db.dataSource.query('DELETE FROM progress_summaries');
      for (const date of dates) await progress.summarise(date);
      return { region: await report(users.city!, D, 'region'), bank: await report(users.city!, D, 'bank') };
    }
    /** After a write: the served answer is the live one (checked on a fresh count, then put back). */
    async function expectLive(by: By, date: IsoDate = D): Promise<ProgressReport> {
      const served = await report(users.city!, date, by);
      const saved = await db.dataSource.query('SELECT count(*)::int AS n FROM progress_summaries');
      const fresh = await live(users.city!, date, by);
      expect(JSON.stringify(served), `${by} ${date} after ${saved[0].n} summaries`).to.equal(JSON.stringify(fresh));
      return served;
    }
    /** Until a build's claim is committed (and visible). */
    async function claimMade(): Promise<void> {
      for (let i = 0; i < 200; i += 1) {
        const [{ claims }] = await db.dataSource.query(`SELECT count(*)::int AS claims FROM progress_summaries WHERE state = 'building'`);
        if (claims > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error('no claim was made');
    }
    async function insertLinkage(start: string): Promise<string> {
      const [row] = await db.dataSource.query(
        `INSERT INTO linkages (source_kind, source_id, source_enterprise_id, household_id, type, start_date, agreed_annual_benefit, region_path)
         VALUES ('enterprise', $1, $1, $2, 'employment', $3, '1000.00', $4) RETURNING id`,
        [enterprise, household.id, start, household.region_path],
      );
      return row.id;
    }

    it('when a linkage is created that is active on the date, then the summary goes and the household is counted', async () => {
      const before = await summariseThen();
      const linkage = await insertLinkage('2026-01-01');
      expect(await summarised(D)).to.deep.equal([]);
      const after = await expectLive('region');
      expect(cityLine(after).linkedHouseholds.actual).to.equal(cityLine(before.region).linkedHouseholds.actual + 1);
      await db.dataSource.query('DELETE FROM linkages WHERE id = $1', [linkage]);
    });

    it('when a linkage starts after the date, then that date keeps its summary and later ones go', async () => {
      await summariseThen(['2026-03-31', D] as IsoDate[]);
      const linkage = await insertLinkage('2026-04-01');
      expect(await summarised('2026-03-31')).to.have.length(2);
      expect(await summarised(D)).to.deep.equal([]);
      await db.dataSource.query('DELETE FROM linkages WHERE id = $1', [linkage]);
      expect(await summarised('2026-03-31'), 'deleting a linkage starting 2026-04-01').to.have.length(2);
      await expectLive('region', '2026-03-31' as IsoDate);
      await expectLive('region');
    });

    it('when a linkage is ended on the date, then the summaries from that day on go, and the day before keeps its own', async () => {
      const linkage = await insertLinkage('2026-01-01');
      await summariseThen(['2026-11-14', D] as IsoDate[]);
      const before = await report(users.city!, D, 'region');
      await db.dataSource.query(`UPDATE linkages SET ended_on = $2, end_reason = 'test' WHERE id = $1`, [linkage, D]);
      expect(await summarised('2026-11-14')).to.have.length(2);
      expect(await summarised(D)).to.deep.equal([]);
      const after = await expectLive('region');
      expect(cityLine(after).linkedHouseholds.actual).to.equal(cityLine(before).linkedHouseholds.actual - 1);
      // A change that does not touch what is counted (the benefit) deletes nothing.
      await progress.summarise(D);
      await db.dataSource.query(`UPDATE linkages SET agreed_annual_benefit = '2000.00' WHERE id = $1`, [linkage]);
      expect(await summarised(D)).to.have.length(2);
      await db.dataSource.query('DELETE FROM linkages WHERE id = $1', [linkage]);
    });

    it('when a household gets a status or demonstration row effective by the date, then the summary goes and the answer follows', async () => {
      const [linked] = await db.dataSource.query(
        `SELECT l.household_id AS id FROM linkages l WHERE l.source_kind = 'enterprise' AND l.start_date <= $1 AND l.ended_on IS NULL AND (l.end_date IS NULL OR l.end_date >= $1) ORDER BY l.id LIMIT 1`,
        [D],
      );
      await summariseThen();
      await db.dataSource.query(`INSERT INTO household_history (household_id, kind, status, effective_date) VALUES ($1, 'status', 'lifted', '2026-05-01')`, [linked.id]);
      expect(await summarised(D)).to.deep.equal([]);
      await expectLive('region');
      await summariseThen();
      await db.dataSource.query(`INSERT INTO household_history (household_id, kind, is_demonstration, effective_date) VALUES ($1, 'demonstration', true, '2026-05-01')`, [linked.id]);
      expect(await summarised(D)).to.deep.equal([]);
      await expectLive('bank');
      // A status row effective after the date leaves it alone.
      await summariseThen();
      await db.dataSource.query(`INSERT INTO household_history (household_id, kind, status, effective_date) VALUES ($1, 'status', 'poor', '2026-12-01')`, [linked.id]);
      expect(await summarised(D)).to.have.length(2);
    });

    it('when a loan is settled or written off by the date, then the summary goes; when it only turns overdue, then it stays', async () => {
      const [loan] = await db.dataSource.query(
        `SELECT id, bank_id FROM loans WHERE status = 'active' AND disbursement_date <= $1 ORDER BY id LIMIT 1`,
        [D],
      );
      expect(loan, 'an active demo loan').to.not.equal(undefined);
      await summariseThen();
      await db.dataSource.query(`UPDATE loans SET status = 'overdue' WHERE id = $1`, [loan.id]);
      expect(await summarised(D), 'active → overdue counts alike').to.have.length(2);
      await db.dataSource.query(`UPDATE loans SET status = 'written_off' WHERE id = $1`, [loan.id]);
      expect(await summarised(D)).to.deep.equal([]);
      await expectLive('bank');
      await summariseThen();
      await db.dataSource.query(`UPDATE loans SET status = 'settled', closed_on = $2 WHERE id = $1`, [loan.id, D]);
      expect(await summarised(D)).to.deep.equal([]);
      await expectLive('bank');
    });

    it('when a loan\'s compensation is recorded, then the summaries from its date on go, and other loan events delete nothing', async () => {
      const [loan] = await db.dataSource.query(
        `SELECT id FROM loans WHERE status = 'active' AND disbursement_date <= $1 ORDER BY id DESC LIMIT 1`,
        ['2026-11-14'],
      );
      expect(loan, 'an active demo loan').to.not.equal(undefined);
      await summariseThen(['2026-11-14', D] as IsoDate[]);
      await db.dataSource.query(`INSERT INTO loan_events (loan_id, kind, effective_date, details) VALUES ($1, 'extended', $2, '{}')`, [loan.id, '2026-11-01']);
      expect(await summarised(D), 'an extension counts alike').to.have.length(2);
      // (Loan events are append-only: this loan keeps its compensation for the rest of the suite.)
      await db.dataSource.query(
        `INSERT INTO loan_events (loan_id, kind, effective_date, from_status, to_status, details) VALUES ($1, 'compensated', $2, 'defaulted', 'compensated', '{}')`,
        [loan.id, D],
      );
      expect(await summarised('2026-11-14')).to.have.length(2);
      expect(await summarised(D)).to.deep.equal([]);
      await expectLive('bank');
      await expectLive('bank', '2026-11-14' as IsoDate);
    });

    it('when a household moves to another county, then every summary goes', async () => {
      const [other] = await db.dataSource.query(`SELECT code, path FROM regions WHERE level = 'village' AND path LIKE '${CITY}/410221/%' ORDER BY code LIMIT 1`);
      const [moving] = await db.dataSource.query(
        `SELECT h.id, h.village_code, h.region_path FROM households h JOIN linkages l ON l.household_id = h.id
          WHERE h.region_path LIKE '${CITY}/410225/%' AND l.ended_on IS NULL AND l.start_date <= $1 ORDER BY h.id LIMIT 1`,
        [D],
      );
      await summariseThen(['2025-06-30', D] as IsoDate[]);
      await db.dataSource.query(`UPDATE households SET village_code = $2, region_path = $3 WHERE id = $1`, [moving.id, other.code, other.path]);
      expect(await summarised('2025-06-30')).to.deep.equal([]);
      expect(await summarised(D)).to.deep.equal([]);
      await expectLive('region');
      await db.dataSource.query(`UPDATE households SET village_code = $2, region_path = $3 WHERE id = $1`, [moving.id, moving.village_code, moving.region_path]);
    });

    it('when the targets change, then the summary stays and the report shows the new target at once', async () => {
      await summariseThen();
      await db.dataSource.query(`DELETE FROM targets`);
      await db.dataSource.query(`INSERT INTO targets (scope, region_code, enterprises, demonstration_households, linked_households) VALUES ('city', $1, 10, 10, 12345)`, [CITY]);
      expect(await summarised(D)).to.have.length(2);
      const after = await expectLive('region');
      expect(cityLine(after).linkedHouseholds.target).to.equal(12345);
    });

    it('when a write is in flight while a summary is built, then the build waits for it and stores an answer that includes it', async () => {
      await db.dataSource.query('DELETE FROM progress_summaries');
      const writer = new pg.Client({ connectionString: db.url });
      await writer.connect();
      let linkage = '';
      try {
        await writer.query('BEGIN');
        const [row] = (
          await writer.query(
            `INSERT INTO linkages (source_kind, source_id, source_enterprise_id, household_id, type, start_date, agreed_annual_benefit, region_path)
             VALUES ('enterprise', $1, $1, $2, 'dividend', '2026-01-01', '1000.00', $3) RETURNING id`,
            [enterprise, household.id, household.region_path],
          )
        ).rows;
        linkage = row.id;
        const city = { code: CITY, path: `${CITY}/` };
        const build = computeSummaries(db.dataSource, D, 'region', city.path, [city]);
        // The build claims its row, then tries for the lock the writer's trigger holds until it commits.
        await claimMade();
        await new Promise((resolve) => setTimeout(resolve, 200));
        await writer.query('COMMIT');
        const built = await build;
        expect(built.stored).to.equal(1);
      } finally {
        await writer.end();
      }
      const served = await report(users.city!, D, 'region');
      const fresh = await live(users.city!, D, 'region');
      expect(JSON.stringify(served)).to.equal(JSON.stringify(fresh));
      await db.dataSource.query('DELETE FROM linkages WHERE id = $1', [linkage]);
    });

    it('when a write deletes a build\'s claim before it counts, then nothing is stored', async () => {
      await db.dataSource.query('DELETE FROM progress_summaries');
      const city = { code: CITY, path: `${CITY}/` };
      // A writer that commits between the claim and the count: stands in for the trigger by deleting the claim.
      const writer = new pg.Client({ connectionString: db.url });
      await writer.connect();
      try {
        await writer.query('BEGIN');
        await writer.query(`SELECT pg_advisory_xact_lock_shared(7310202)`);
        const build = computeSummaries(db.dataSource, D, 'region', city.path, [city]);
        await claimMade();
        await writer.query(`DELETE FROM progress_summaries WHERE business_date >= $1`, [D]);
        await writer.query('COMMIT');
        const built = await build;
        expect(built.stored).to.equal(0);
        expect(built.counts.get(CITY)).to.be.an('array');
      } finally {
        await writer.end();
      }
      expect(await db.dataSource.query(`SELECT state FROM progress_summaries`)).to.deep.equal([]);
    });

    it('when a writer holds the lock longer than a build will wait, then the build answers with its live count and stores nothing', async () => {
      await db.dataSource.query('DELETE FROM progress_summaries');
      const city = { code: CITY, path: `${CITY}/` };
      const expected = await computeSummaries(db.dataSource, D, 'region', city.path, [city]);
      await db.dataSource.query('DELETE FROM progress_summaries');
      const writer = new pg.Client({ connectionString: db.url });
      await writer.connect();
      try {
        await writer.query('BEGIN');
        await writer.query(`SELECT pg_advisory_xact_lock_shared(7310202)`);
        const built = await computeSummaries(db.dataSource, D, 'region', city.path, [city]);
        expect(built.stored).to.equal(0);
        expect(built.counts.get(CITY)).to.deep.equal(expected.counts.get(CITY));
        await writer.query('COMMIT');
      } finally {
        await writer.end();
      }
      expect(await db.dataSource.query(`SELECT state FROM progress_summaries`)).to.deep.equal([]);
    });

    it('when a table the counts read is truncated, then every summary goes', async () => {
      await summariseThen(['2025-06-30', D] as IsoDate[]);
      await db.dataSource.query('TRUNCATE linkages CASCADE');
      expect(await db.dataSource.query('SELECT id FROM progress_summaries')).to.deep.equal([]);
      expect(cityLine(await expectLive('region')).linkedHouseholds.actual).to.equal(0);
    });
  });
});
