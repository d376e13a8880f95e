import crypto from 'node:crypto';
import { expect } from 'chai';
import type { AuthUser } from '../../src/shared/auth/context';
import { ProgressService, progressByBankSql, type ProgressLine, type ProgressReport } from '../../src/modules/targets';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { unique, uscc } from '../support/fixtures';
import { createTestBank, insertLoan, userId } from '../support/loan-builder';

/**
 * 百千万 progress as of a date (SPEC §3) on a hand-built register, compared with counts worked out
 * here in plain JavaScript from the very rows inserted (not with the service's SQL).
 */
const CITY = '410200';
/** Households live in a village of one of these counties (a village this suite adds, see insertTestVillages). */
const COUNTY = { lankao: '410225', qixian: '410221', xiangfu: '410212' } as const;

type Status = 'poor' | 'lifted' | 'monitored';
interface HouseholdSpec {
  county: string;
  statuses: Array<[string, Status]>;
  demonstration?: Array<[string, boolean]>;
}
interface LinkageSpec {
  source: { kind: 'enterprise' | 'household'; key: string };
  household: string;
  type: string;
  start: string;
  end?: string;
  endedOn?: string;
}

/** The register: each household's dated history and each linkage's dates, chosen for the edge cases. */
const HOUSEHOLDS: Record<string, HouseholdSpec> = {
  H1: { county: COUNTY.lankao, statuses: [['2025-01-01', 'poor']] },
  // lifted out of poverty, then monitored again
  H2: { county: COUNTY.lankao, statuses: [['2025-01-01', 'poor'], ['2025-04-01', 'lifted'], ['2025-07-01', 'monitored']] },
  // a demonstration household whose designation ends
  H3: { county: COUNTY.qixian, statuses: [['2025-01-01', 'poor']], demonstration: [['2025-02-01', true], ['2025-06-01', false]] },
  H4: { county: COUNTY.qixian, statuses: [['2025-01-01', 'lifted']] },
  // registered after its linkage starts
  H5: { county: COUNTY.xiangfu, statuses: [['2025-03-15', 'poor']] },
  H6: { county: COUNTY.lankao, statuses: [['2024-06-01', 'poor']], demonstration: [['2025-01-10', true]] },
  H7: { county: COUNTY.lankao, statuses: [['2025-01-01', 'monitored']] },
  // two status rows on one day: the one recorded later wins
  H8: { county: COUNTY.qixian, statuses: [['2025-01-01', 'poor'], ['2025-01-01', 'lifted']] },
};

/** Enterprises and where they are registered (a county, a township, or the city itself). */
const ENTERPRISES: Record<string, string> = { E1: '410225', E2: '410221100', E3: '410225', E4: CITY, E5: '410221' };

const LINKAGES: LinkageSpec[] = [
  { source: { kind: 'enterprise', key: 'E1' }, household: 'H1', type: 'employment', start: '2025-02-01' },
  { source: { kind: 'enterprise', key: 'E1' }, household: 'H2', type: 'dividend', start: '2025-01-15', end: '2025-12-31' },
  { source: { kind: 'enterprise', key: 'E2' }, household: 'H4', type: 'employment', start: '2025-01-01' },
  { source: { kind: 'enterprise', key: 'E2' }, household: 'H2', type: 'land_lease', start: '2025-03-01', endedOn: '2025-05-01' },
  { source: { kind: 'household', key: 'H3' }, household: 'H1', type: 'employment', start: '2025-03-01' },
  { source: { kind: 'household', key: 'H6' }, household: 'H7', type: 'self_employment_support', start: '2025-02-01' },
  { source: { kind: 'enterprise', key: 'E3' }, household: 'H5', type: 'employment', start: '2025-01-01' },
  { source: { kind: 'enterprise', key: 'E4' }, household: 'H7', type: 'employment', start: '2025-01-01', end: '2025-08-31' },
  { source: { kind: 'household', key: 'H6' }, household: 'H2', type: 'joint_operation', start: '2025-05-01', end: '2025-05-31' },
  { source: { kind: 'enterprise', key: 'E5' }, household: 'H8', type: 'employment', start: '2025-01-01' },
];

const DATES = [
  '2024-12-31', '2025-01-01', '2025-01-15', '2025-02-01', '2025-03-01', '2025-03-14', '2025-03-15', '2025-04-01',
  '2025-04-30', '2025-05-01', '2025-05-31', '2025-06-01', '2025-07-01', '2025-08-31', '2025-09-01', '2026-01-01',
];

type Counts = { enterprises: number; demonstrationHouseholds: number; linkedHouseholds: number };

/** The value in force on `date`: the last entry dated on or before it (entries are in recording order). */
function asOf<T>(entries: Array<[string, T]> | undefined, date: string): T | undefined {
  let value: T | undefined;
  for (const [effective, v] of entries ?? []) if (effective <= date) value = v;
  return value;
}

/** SPEC §3 worked out by hand over the specs above: distinct sets, keyed by county (and 'city'). */
function expectedCounts(date: string): Map<string, Counts> {
  const statusOf = (h: string) => asOf(HOUSEHOLDS[h]!.statuses, date);
  const active = LINKAGES.filter(
    (l) => l.start <= date && (!l.end || l.end >= date) && (!l.endedOn || l.endedOn > date) && statusOf(l.household) !== undefined,
  );
  const sets = new Map<string, { enterprises: Set<string>; demonstrationHouseholds: Set<string>; linkedHouseholds: Set<string> }>();
  const add = (region: string, measure: keyof Counts, key: string) => {
    for (const where of [region.length >= 6 && region !== CITY ? region.slice(0, 6) : null, 'city']) {
      if (!where) continue;
      if (!sets.has(where)) sets.set(where, { enterprises: new Set(), demonstrationHouseholds: new Set(), linkedHouseholds: new Set() });
      sets.get(where)![measure].add(key);
    }
  };
  for (const l of active) {
    add(HOUSEHOLDS[l.household]!.county, 'linkedHouseholds', l.household);
    if (l.source.kind === 'enterprise' && ['poor', 'monitored'].includes(statusOf(l.household)!)) {
      add(ENTERPRISES[l.source.key]!, 'enterprises', l.source.key);
    }
    const source = HOUSEHOLDS[l.source.key];
    if (l.source.kind === 'household' && statusOf(l.source.key) !== undefined && asOf(source!.demonstration, date) === true) {
      add(source!.county, 'demonstrationHouseholds', l.source.key);
    }
  }
  return new Map([...sets].map(([k, s]) => [k, { enterprises: s.enterprises.size, demonstrationHouseholds: s.demonstrationHouseholds.size, linkedHouseholds: s.linkedHouseholds.size }]));
}

function actuals(line: ProgressLine): Counts {
  return { enterprises: line.enterprises.actual, demonstrationHouseholds: line.demonstrationHouseholds.actual, linkedHouseholds: line.linkedHouseholds.actual };
}

describe('百千万 progress as of a date (SPEC §3)', () => {
  let db: TestDatabase;
  let progress: ProgressService;
  const ids = new Map<string, string>();
  const cityUser = { id: crypto.randomUUID(), username: 'test', displayName: 'test', role: 'poverty_office', regionCode: CITY, regionPath: `${CITY}/`, regionLevel: 'city', institutionId: null, bankId: null, enterpriseId: null } as AuthUser;
  const context = (user: AuthUser = cityUser) => ({ requestId: 'test', ip: '127.0.0.1', user });

  before(async () => {
    db = await createTestDatabase();
    progress = new ProgressService(db.dataSource);
    // Only this suite's register counts: whatever linkages the demo data brought go (this database is a private copy).
    await db.dataSource.query('TRUNCATE linkages CASCADE');
    await db.dataSource.query('DELETE FROM targets');
    await insertTestVillages(db);
    for (const [key, spec] of Object.entries(HOUSEHOLDS)) ids.set(key, await insertHousehold(db, spec));
    for (const [key, region] of Object.entries(ENTERPRISES)) ids.set(key, await insertEnterprise(db, region));
    for (const l of LINKAGES) await insertLinkage(db, l, ids);
  });
  after(async () => {
    await db?.drop();
  });

  it('when progress is asked by region for each of many dates, then every county line and the city line equal the counts worked out by hand', async () => {
    for (const date of DATES) {
      const report = await progress.progress(context(), { date, by: 'region' });
      const expected = expectedCounts(date);
      expect(report.lines[0]!.scope, date).to.equal('city');
      expect(report.lines.filter((l) => l.scope === 'county')).to.have.length(9);
      for (const line of report.lines) {
        const key = line.scope === 'city' ? 'city' : line.regionCode!;
        const want = expected.get(key) ?? { enterprises: 0, demonstrationHouseholds: 0, linkedHouseholds: 0 };
        expect(actuals(line), `${date} ${line.name}`).to.deep.equal(want);
      }
    }
  });

  it('when the key dates are read one by one, then the edge cases come out as SPEC §3 says', async () => {
    const city = async (date: string) => actuals((await progress.progress(context(), { date, by: 'region' })).lines[0]!);
    // Before any linkage starts, nothing counts.
    expect(await city('2024-12-31')).to.deep.equal({ enterprises: 0, demonstrationHouseholds: 0, linkedHouseholds: 0 });
    // 2025-01-01: E2→H4 (H4 lifted: linked but E2 not driving), E3→H5 (H5 not registered yet: nothing),
    // E4→H7 (monitored: E4 drives), E5→H8 (poor then lifted the same day: lifted wins, E5 not driving).
    expect(await city('2025-01-01')).to.deep.equal({ enterprises: 1, demonstrationHouseholds: 0, linkedHouseholds: 3 });
    // 2025-05-01: E2→H2 ended on 05-01 (not active that day); H6→H2 starts; H3 still a demonstration household.
    const may = await progress.progress(context(), { date: '2025-05-01', by: 'region' });
    const qixian = may.lines.find((l) => l.regionCode === '410221')!;
    expect(actuals(qixian)).to.deep.equal({ enterprises: 0, demonstrationHouseholds: 1, linkedHouseholds: 2 });
    // 2025-06-01: H3's designation ended, so its linkage to H1 no longer makes it count; H6→H2 ended 05-31.
    // Driving: E1 (H1 poor; H2 is lifted), E3 (H5 poor), E4 (H7 monitored). Linked: H1 H2 H4 H5 H7 H8.
    expect(await city('2025-06-01')).to.deep.equal({ enterprises: 3, demonstrationHouseholds: 1, linkedHouseholds: 6 });
    // 2025-07-01: H2 is monitored again, but E2's linkage to it ended on 05-01: E2 still does not drive.
    expect(await city('2025-07-01')).to.deep.equal({ enterprises: 3, demonstrationHouseholds: 1, linkedHouseholds: 6 });
    // E4 is registered at the city itself: it counts in the city line only.
    const lankao = may.lines.find((l) => l.regionCode === '410225')!;
    expect(lankao.enterprises.actual + qixian.enterprises.actual + may.lines.find((l) => l.regionCode === '410212')!.enterprises.actual)
      .to.equal(may.lines[0]!.enterprises.actual - 1);
  });

  it('when targets are set, then per cent is actual ÷ target rounded half-up to one decimal, and null where the target is 0', async () => {
    await db.dataSource.query(
      `INSERT INTO targets (scope, region_code, enterprises, demonstration_households, linked_households) VALUES
         ('city', '410200', 48, 0, 16), ('county', '410225', 3, 2, 6)`,
    );
    try {
      const report = await progress.progress(context(), { date: '2025-06-01', by: 'region' });
      const city = report.lines[0]!;
      // 3 of 48 = 6.25 → 6.3 (half-up; half-even would give 6.2)
      expect(city.enterprises).to.deep.equal({ target: 48, actual: 3, percent: '6.3' });
      expect(city.demonstrationHouseholds).to.deep.equal({ target: 0, actual: 1, percent: null });
      expect(city.linkedHouseholds).to.deep.equal({ target: 16, actual: 6, percent: '37.5' });
      const lankao = report.lines.find((l) => l.regionCode === '410225')!;
      // Lankao's linked households on 2025-06-01: H1, H2, H7 — 3 of 6.
      expect(lankao.linkedHouseholds).to.deep.equal({ target: 6, actual: 3, percent: '50.0' });
      expect(report.lines.find((l) => l.regionCode === '410202')!.enterprises).to.deep.equal({ target: 0, actual: 0, percent: null });
    } finally {
      await db.dataSource.query('DELETE FROM targets');
    }
  });

  it('when county staff ask, then they get their county line only; by bank, every bank with counts inside their county and no target', async () => {
    const lankaoUser = { ...cityUser, regionCode: '410225', regionPath: '410200/410225/', regionLevel: 'county' } as AuthUser;
    const byRegion = await progress.progress(context(lankaoUser), { date: '2025-06-01', by: 'region' });
    expect(byRegion.lines.map((l) => l.regionCode)).to.deep.equal(['410225']);
    expect(actuals(byRegion.lines[0]!)).to.deep.equal(expectedCounts('2025-06-01').get('410225'));
    const byBank: ProgressReport = await progress.progress(context(lankaoUser), { date: '2025-06-01', by: 'bank' });
    expect(byBank.countedIn).to.equal('410200/410225/');
    expect(byBank.lines.length).to.be.greaterThan(0);
    for (const line of byBank.lines) expect(line.enterprises.target).to.equal(null);
  });

  it('when progress is asked by bank, then there is a line per bank with its target, and actuals are 0 until loans are wired in', async () => {
    const [bank] = await db.dataSource.query(`SELECT id FROM institutions WHERE type = 'bank' ORDER BY name LIMIT 1`);
    await db.dataSource.query(`INSERT INTO targets (scope, bank_id, enterprises, demonstration_households, linked_households) VALUES ('bank', $1, 4, 1, 10)`, [bank.id]);
    try {
      const report = await progress.progress(context(), { date: '2025-06-01', by: 'bank' });
      const banks: Array<{ id: string }> = await db.dataSource.query(`SELECT id FROM institutions WHERE type = 'bank'`);
      expect(report.lines.map((l) => l.bankId).sort()).to.deep.equal(banks.map((b) => b.id).sort());
      const line = report.lines.find((l) => l.bankId === bank.id)!;
      // activeBorrowersSql is an empty set until the loans issue replaces it.
      expect(line.linkedHouseholds).to.deep.equal({ target: 10, actual: 0, percent: '0.0' });
      const officer = { ...cityUser, role: 'loan_officer', bankId: bank.id } as AuthUser;
      const own = await progress.progress(context(officer), { date: '2025-06-01', by: 'bank' });
      expect(own.lines.map((l) => l.bankId)).to.deep.equal([bank.id]);
    } finally {
      await db.dataSource.query('DELETE FROM targets');
    }
  });

  it('when some enterprises and households borrow from a bank, then its line counts them and the households linked to its enterprises', async () => {
    const [bankB, bankC]: Array<{ id: string }> = await db.dataSource.query(`SELECT id FROM institutions WHERE type = 'bank' ORDER BY name LIMIT 2`);
    // A fixed stand-in for activeBorrowersSql: B lends to E1 and to household H5; C to E4 and to H6.
    const borrowers = [
      [bankB!.id, 'enterprise', ids.get('E1')],
      [bankB!.id, 'household', ids.get('H5')],
      [bankC!.id, 'enterprise', ids.get('E4')],
      [bankC!.id, 'household', ids.get('H6')],
    ];
    const values = borrowers.map(([bank, kind, id]) => `('${bank}'::uuid, '${kind}'::varchar, '${id}'::uuid)`).join(', ');
    const sql = progressByBankSql(`SELECT * FROM (VALUES ${values}) AS b(bank_id, borrower_kind, borrower_id)`);
    const count = async (date: string, bankId: string, regionPath = `${CITY}/`) => {
      const [row] = await db.dataSource.query(sql, [date, regionPath, bankId]);
      return { enterprises: row.enterprises_actual, demonstrationHouseholds: row.demonstration_households_actual, linkedHouseholds: row.linked_households_actual };
    };
    // 2025-06-01. B: E1 drives (H1 poor); households: H5 (its own loan), H1 and H2 (linked to E1).
    expect(await count('2025-06-01', bankB!.id)).to.deep.equal({ enterprises: 1, demonstrationHouseholds: 0, linkedHouseholds: 3 });
    // C: E4 drives (H7 monitored); H7 is linked to E4; H6 borrows and is a demonstration household linked to H7.
    expect(await count('2025-06-01', bankC!.id)).to.deep.equal({ enterprises: 1, demonstrationHouseholds: 1, linkedHouseholds: 1 });
    // 2025-09-01: E4's linkage to H7 ended on 08-31, so C keeps only H6 as a demonstration household.
    expect(await count('2025-09-01', bankC!.id)).to.deep.equal({ enterprises: 0, demonstrationHouseholds: 1, linkedHouseholds: 0 });
    // Counted inside Xiangfu only: B's H5 lives there; E1 and H1, H2 are in Lankao.
    expect(await count('2025-06-01', bankB!.id, '410200/410212/')).to.deep.equal({ enterprises: 0, demonstrationHouseholds: 0, linkedHouseholds: 1 });
  });

  it('when a loan was compensated after the date, then on the date it was still active and its bank counts its borrower; from the compensation on, not', async () => {
    const bank = await createTestBank(db.dataSource, '代偿测试银行');
    const createdBy = await userId(db.dataSource, 'admin');
    // E1 borrows from the bank on 2025-01-10; the loan defaults and the fund pays the claim on 2025-09-01
    // (what ClaimPaymentsService.complete writes: the loan's 'compensated' event, then its status).
    const loan = await insertLoan(db.dataSource, {
      bankId: bank.id, modelCode: 'enterprise_driven', borrowerKind: 'enterprise', borrowerId: ids.get('E1')!, principal: '500000.00',
      rateAnnual: '0.0470', referenceRateAnnual: '0.0435', disbursementDate: '2025-01-10', maturityDate: '2026-01-10', createdBy,
    });
    await db.dataSource.query(
      `INSERT INTO loan_events (loan_id, kind, effective_date, from_status, to_status, details) VALUES ($1, 'compensated', '2025-09-01', 'defaulted', 'compensated', '{}')`,
      [loan.id],
    );
    await db.dataSource.query(`UPDATE loans SET status = 'compensated' WHERE id = $1`, [loan.id]);
    const line = async (date: string) => actuals((await progress.progress(context(), { date, by: 'bank' })).lines.find((l) => l.bankId === bank.id)!);
    // 2025-06-01: E1 drives (H1 poor) and links H1 and H2: the bank's borrower then, whatever became of the loan later.
    expect(await line('2025-06-01')).to.deep.equal({ enterprises: 1, demonstrationHouseholds: 0, linkedHouseholds: 2 });
    expect(await line('2025-09-01')).to.deep.equal({ enterprises: 0, demonstrationHouseholds: 0, linkedHouseholds: 0 });
    // Recovered in full later: settled on 2025-12-01, the loan still stopped counting when it was compensated.
    await db.dataSource.query(`UPDATE loans SET status = 'settled', closed_on = '2025-12-01', outstanding_principal = 0 WHERE id = $1`, [loan.id]);
    expect(await line('2025-06-01')).to.deep.equal({ enterprises: 1, demonstrationHouseholds: 0, linkedHouseholds: 2 });
    expect(await line('2025-10-01')).to.deep.equal({ enterprises: 0, demonstrationHouseholds: 0, linkedHouseholds: 0 });
    // The last recovery reversed: the loan reopens, and still does not count again after its compensation.
    await db.dataSource.query(`UPDATE loans SET status = 'active', closed_on = NULL, outstanding_principal = 1000 WHERE id = $1`, [loan.id]);
    expect(await line('2025-10-01')).to.deep.equal({ enterprises: 0, demonstrationHouseholds: 0, linkedHouseholds: 0 });
    expect(await line('2025-06-01')).to.deep.equal({ enterprises: 1, demonstrationHouseholds: 0, linkedHouseholds: 2 });
  });
});

/** This suite's own village in a county (township …990, village …990201), so it needs no demo villages. */
const testVillage = (county: string) => `${county}990201`;

async function insertTestVillages(db: TestDatabase): Promise<void> {
  for (const county of Object.values(COUNTY)) {
    const township = `${county}990`;
    await db.dataSource.query(
      `INSERT INTO regions (code, name, level, parent_code, path) VALUES
         ($1, '测试镇', 'township', $3, $4), ($2, '测试村', 'village', $1, $5)
       ON CONFLICT (code) DO NOTHING`,
      [township, testVillage(county), county, `${CITY}/${county}/${township}/`, `${CITY}/${county}/${township}/${testVillage(county)}/`],
    );
  }
}

async function insertHousehold(db: TestDatabase, spec: HouseholdSpec): Promise<string> {
  const n = unique();
  const village = { code: testVillage(spec.county) };
  const [lastDate, lastStatus] = spec.statuses[spec.statuses.length - 1]!;
  const lastDemonstration = spec.demonstration?.[spec.demonstration.length - 1];
  const isDemonstration = lastDemonstration?.[1] === true;
  const [row] = await db.dataSource.query(
    `INSERT INTO households (household_number, head_name, id_number_ciphertext, id_number_hash, id_number_masked, birth_date,
                             village_code, region_path, members, laborers, status, status_since, is_demonstration, demonstration_since)
     VALUES ($1, '测试户', 'v1.x', $2, $3, '1980-01-01', $4::varchar, (SELECT path FROM regions WHERE code = $4::varchar), 3, 1, $5, $6, $7, $8)
     RETURNING id`,
    [`P-${n}`, crypto.randomBytes(32).toString('hex'), `${spec.county}********${n.slice(-4)}`, village.code, lastStatus, lastDate, isDemonstration, isDemonstration ? lastDemonstration![0] : null],
  );
  for (const [date, status] of spec.statuses) {
    await db.dataSource.query(`INSERT INTO household_history (household_id, kind, status, effective_date) VALUES ($1, 'status', $2, $3)`, [row.id, status, date]);
  }
  for (const [date, flag] of spec.demonstration ?? []) {
    await db.dataSource.query(`INSERT INTO household_history (household_id, kind, is_demonstration, effective_date) VALUES ($1, 'demonstration', $2, $3)`, [row.id, flag, date]);
  }
  return row.id;
}

async function insertEnterprise(db: TestDatabase, regionCode: string): Promise<string> {
  const [row] = await db.dataSource.query(
    `INSERT INTO enterprises (name, uscc, kind, region_code) VALUES ($1, $2, 'company', $3) RETURNING id`,
    [`进度测试企业${unique()}`, uscc(`91410200MA5${unique().slice(-6)}`), regionCode],
  );
  return row.id;
}

async function insertLinkage(db: TestDatabase, l: LinkageSpec, ids: Map<string, string>): Promise<void> {
  const sourceId = ids.get(l.source.key)!;
  const householdId = ids.get(l.household)!;
  await db.dataSource.query(
    `INSERT INTO linkages (source_kind, source_id, source_enterprise_id, source_household_id, household_id, type,
                           start_date, end_date, ended_on, agreed_annual_benefit, region_path)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '6000.00', (SELECT region_path FROM households WHERE id = $5::uuid))`,
    [l.source.kind, sourceId, l.source.kind === 'enterprise' ? sourceId : null, l.source.kind === 'household' ? sourceId : null, householdId, l.type, l.start, l.end ?? null, l.endedOn ?? null],
  );
}
