import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type supertest from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { extractPdfText } from '../unit/pdf-text';

const COUNTIES = ['410202', '410203', '410204', '410205', '410212', '410221', '410222', '410223', '410225'];

/** Collects a binary response body (supertest only buffers text and JSON by itself). */
function binary(res: supertest.Response, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

function pdftotextPath(): string | null {
  try {
    return execFileSync('which', ['pdftotext'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

describe('百千万 targets, progress and its PDF (SPEC §3, §7, §11)', () => {
  let t: TestApp;
  let banks: Array<{ id: string; name: string }>;
  let branchId: string;
  let guarantorId: string;

  before(async () => {
    t = await startTestApp();
    banks = await t.db.dataSource.query(`SELECT id, name FROM institutions WHERE type = 'bank' ORDER BY name`);
    [{ id: branchId }] = await t.db.dataSource.query(`SELECT id FROM institutions WHERE type = 'bank_branch' LIMIT 1`);
    [{ id: guarantorId }] = await t.db.dataSource.query(`SELECT id FROM institutions WHERE type = 'guarantee_company' LIMIT 1`);
  });
  after(async () => {
    await t?.close();
  });

  /** A valid list: the city's 100 / 1,000 / 10,000 shared among the nine counties and the banks. */
  function validList() {
    const counties = COUNTIES.map((regionCode, i) => ({
      regionCode,
      enterprises: i === 8 ? 20 : 10,
      demonstrationHouseholds: i === 8 ? 200 : 100,
      linkedHouseholds: i === 8 ? 2000 : 1000,
    }));
    const share = (total: number, i: number) => (i === 0 ? total - Math.floor(total / banks.length) * (banks.length - 1) : Math.floor(total / banks.length));
    return {
      city: { enterprises: 100, demonstrationHouseholds: 1000, linkedHouseholds: 10000 },
      counties,
      banks: banks.map((b, i) => ({ bankId: b.id, enterprises: share(100, i), demonstrationHouseholds: share(1000, i), linkedHouseholds: share(10000, i) })),
    };
  }

  const targetRows = async (): Promise<number> => (await t.db.dataSource.query('SELECT count(*)::int AS n FROM targets'))[0].n;

  it('when the city poverty office replaces the list, then every line is stored with its name and an audit entry holds before and after', async () => {
    const list = validList();
    const res = await (await t.as('poverty')).put('/api/v1/targets').send(list);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.city).to.deep.include({ regionCode: '410200', name: '开封市', enterprises: 100, demonstrationHouseholds: 1000, linkedHouseholds: 10000 });
    expect(res.body.counties).to.have.length(9);
    expect(res.body.counties.find((c: { regionCode: string }) => c.regionCode === '410225')).to.deep.equal({
      regionCode: '410225', name: '兰考县', enterprises: 20, demonstrationHouseholds: 200, linkedHouseholds: 2000,
    });
    expect(res.body.banks.map((b: { name: string }) => b.name).sort()).to.deep.equal(banks.map((b) => b.name).sort());
    expect(await targetRows()).to.equal(1 + 9 + banks.length);

    const read = await (await t.as('auditor.lankao')).get('/api/v1/targets');
    expect(read.status).to.equal(200);
    expect(read.body).to.deep.equal(res.body);

    const [audit] = await t.db.dataSource.query(
      `SELECT a.action, a.before, a.after, a.region_path, u.username FROM audit_log a JOIN users u ON u.id = a.actor_user_id
        WHERE a.entity_type = 'targets' ORDER BY a.id DESC LIMIT 1`,
    );
    expect(audit).to.include({ action: 'replace', username: 'poverty', region_path: '410200/' });
    expect(audit.after.city.linkedHouseholds).to.equal(10000);
    expect(audit.before.counties).to.be.an('array');
  });

  it('when the county lines fall 200 short and the banks go 5 over, then 422 says by how much for each and nothing is written', async () => {
    const before = await (await t.as('poverty')).get('/api/v1/targets');
    const list = validList();
    list.counties[0]!.linkedHouseholds -= 200;
    list.banks[0]!.enterprises += 5;
    const res = await (await t.as('poverty')).put('/api/v1/targets').send(list);
    expect(res.status).to.equal(422);
    expect(res.body.error.code).to.equal('RULE_VIOLATION');
    expect(res.body.error.details).to.have.length(2);
    expect(res.body.error.details[0]).to.include({ breakdown: 'counties', measure: 'linkedHouseholds', sum: 9800, target: 10000, difference: -200, rule: 'BREAKDOWN_ADDS_UP' });
    expect(res.body.error.details[1]).to.include({ breakdown: 'banks', measure: 'enterprises', sum: 105, target: 100, difference: 5 });
    expect((await (await t.as('poverty')).get('/api/v1/targets')).body).to.deep.equal(before.body);
  });

  it('when a line names a township, an unknown region, a county twice, a branch or a guarantor, then 422 lists every one of them', async () => {
    const list = validList();
    list.counties.push({ regionCode: '410225100', enterprises: 0, demonstrationHouseholds: 0, linkedHouseholds: 0 });
    list.counties.push({ regionCode: '419999', enterprises: 0, demonstrationHouseholds: 0, linkedHouseholds: 0 });
    list.counties.push({ regionCode: '410225', enterprises: 0, demonstrationHouseholds: 0, linkedHouseholds: 0 });
    list.banks.push({ bankId: branchId, enterprises: 0, demonstrationHouseholds: 0, linkedHouseholds: 0 });
    list.banks.push({ bankId: guarantorId, enterprises: 0, demonstrationHouseholds: 0, linkedHouseholds: 0 });
    const res = await (await t.as('admin')).put('/api/v1/targets').send(list);
    expect(res.status).to.equal(422);
    const problems = res.body.error.details.map((d: { field: string; rule: string }) => `${d.field} ${d.rule}`);
    expect(problems).to.have.members([
      'counties NO_DUPLICATES',
      'counties[9].regionCode COUNTY_OF_CITY',
      'counties[10].regionCode REGION_EXISTS',
      `banks[${banks.length}].bankId BANK_HEAD_OFFICE`,
      `banks[${banks.length + 1}].bankId BANK_HEAD_OFFICE`,
    ]);
  });

  it('when a count is negative, fractional or a string, or a list is missing, then 400 names each field', async () => {
    const list = validList() as any;
    list.city.enterprises = -1;
    list.counties[0].linkedHouseholds = 1.5;
    list.banks[0].demonstrationHouseholds = '12';
    const res = await (await t.as('poverty')).put('/api/v1/targets').send(list);
    expect(res.status).to.equal(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).to.include.members(['city.enterprises', 'counties.0.linkedHouseholds', 'banks.0.demonstrationHouseholds']);
    const missing = await (await t.as('poverty')).put('/api/v1/targets').send({ city: list.city });
    expect(missing.status).to.equal(400);
  });

  it('when county staff, a loan officer or a finance officer try to set targets, then 403 and nothing changes', async () => {
    const rowsBefore = await targetRows();
    for (const username of ['poverty.lankao', 'officer.abc', 'finance', 'enterprise']) {
      const res = await (await t.as(username)).put('/api/v1/targets').send(validList());
      expect(res.status, username).to.equal(403);
      expect(res.body.error.code).to.equal('FORBIDDEN');
    }
    expect(await targetRows()).to.equal(rowsBefore);
  });

  it('when two replacements run at once, then one follows the other and the list is wholly one of them', async () => {
    const a = validList();
    const b = validList();
    b.city.enterprises = 110;
    b.counties[0]!.enterprises += 10;
    b.banks[0]!.enterprises += 10;
    b.banks.pop();
    b.banks[0]!.enterprises += a.banks[a.banks.length - 1]!.enterprises;
    b.banks[0]!.demonstrationHouseholds += a.banks[a.banks.length - 1]!.demonstrationHouseholds;
    b.banks[0]!.linkedHouseholds += a.banks[a.banks.length - 1]!.linkedHouseholds;
    const [ra, rb] = await Promise.all([(await t.as('poverty')).put('/api/v1/targets').send(a), (await t.as('admin')).put('/api/v1/targets').send(b)]);
    expect([ra.status, rb.status]).to.deep.equal([200, 200]);
    const final = (await (await t.as('poverty')).get('/api/v1/targets')).body;
    const expectedBanks = final.city.enterprises === 110 ? b.banks.length : a.banks.length;
    expect(final.banks).to.have.length(expectedBanks);
    expect(await targetRows()).to.equal(1 + 9 + expectedBanks);
  });

  it('when progress is asked, then enterprise staff get 403, county staff only their county, a bad date 400, and no date means today', async () => {
    expect((await (await t.as('enterprise')).get('/api/v1/progress')).status).to.equal(403);
    const county = await (await t.as('auditor.lankao')).get('/api/v1/progress?date=2026-06-30&by=region');
    expect(county.status).to.equal(200);
    expect(county.body.lines.map((l: { regionCode: string }) => l.regionCode)).to.deep.equal(['410225']);
    const city = await (await t.as('finance')).get('/api/v1/progress');
    expect(city.status).to.equal(200);
    expect(city.body.date).to.match(/^\d{4}-\d{2}-\d{2}$/);
    expect(city.body.lines[0]).to.include({ scope: 'city', regionCode: '410200', name: '开封市' });
    expect(city.body.lines[0].linkedHouseholds.target).to.be.a('number');
    const bad = await (await t.as('finance')).get('/api/v1/progress?date=2026-02-30');
    expect(bad.status).to.equal(400);
    const officer = await (await t.as('officer.abc')).get('/api/v1/progress?by=bank&date=2026-06-30');
    expect(officer.status).to.equal(200);
    expect(officer.body.lines).to.have.length(1);
    expect(officer.body.lines[0].name).to.contain('农业银行');
  });

  it('when the progress report PDF is downloaded, then it is an attachment with the CJK font embedded and its Chinese title, lines and page numbers readable', async () => {
    const res = await (await t.as('poverty')).get('/api/v1/progress/report.pdf?date=2026-06-30&by=region').buffer(true).parse(binary);
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('application/pdf');
    expect(res.headers['content-disposition']).to.match(/^attachment; filename="progress-2026-06-30-region\.pdf"/);
    const pdf = res.body as Buffer;
    expect(pdf.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
    const raw = pdf.toString('latin1');
    expect(raw).to.contain('/FontFile2');
    expect(raw).to.contain('NotoSansSC');
    const text = extractPdfText(pdf).join('\n');
    expect(text).to.contain('百千万工程进度报告');
    expect(text).to.contain('Progress of the 100-1,000-10,000 Project');
    expect(text).to.contain('统计日期 As of: 2026-06-30');
    expect(text).to.contain('兰考县');
    expect(text).to.match(/第 1 页 \/ 共 1 页 · Page 1 of 1/);

    const pdftotext = pdftotextPath();
    if (pdftotext) {
      const file = path.join(os.tmpdir(), `progress-${process.pid}.pdf`);
      fs.writeFileSync(file, pdf);
      try {
        expect(execFileSync(pdftotext, ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' })).to.contain('百千万');
      } finally {
        fs.rmSync(file, { force: true });
      }
    } else {
      // CI machines may lack poppler; extractPdfText above already read the text through the ToUnicode map.
      console.log('      (pdftotext not installed: the poppler extraction check was not run)');
    }
  });

  it('when the report is asked by bank or by a forbidden role, then the bank PDF lists the banks and enterprise staff get 403', async () => {
    const res = await (await t.as('admin')).get('/api/v1/progress/report.pdf?date=2026-06-30&by=bank').buffer(true).parse(binary);
    expect(res.status).to.equal(200);
    const text = extractPdfText(res.body as Buffer).join('\n');
    for (const bank of banks) expect(text.replace(/\n/g, '')).to.contain(bank.name);
    expect((await (await t.as('enterprise')).get('/api/v1/progress/report.pdf')).status).to.equal(403);
  });

  it('when the OpenAPI document is read, then the targets, progress and PDF endpoints are in it, the PDF as application/pdf', async () => {
    const res = await t.request().get('/api/openapi.json');
    expect(res.body.paths['/api/v1/targets']).to.have.keys('get', 'put');
    expect(res.body.paths['/api/v1/progress'].get).to.be.an('object');
    expect(res.body.paths['/api/v1/progress/report.pdf'].get.responses['200'].content).to.have.key('application/pdf');
  });

  it('when the monthly job has kept snapshots, then GET /progress/trend gives them oldest first, each cut to the caller’s scope as the live report is', async () => {
    const admin = await t.as('admin');
    for (const date of ['2026-11-01', '2026-10-01']) {
      const run = await admin.post('/api/v1/jobs/progress_snapshot/runs').send({ date, force: true });
      expect(run.status, JSON.stringify(run.body)).to.be.oneOf([200, 201]);
    }
    // Each point is the report of its date as the caller reads it live (no write since the snapshots).
    const live = async (user: string, by: string, date: string) => (await (await t.as(user)).get(`/api/v1/progress?by=${by}&date=${date}`)).body.lines;
    for (const [user, by] of [['admin', 'region'], ['admin', 'bank'], ['auditor.lankao', 'region'], ['officer.abc', 'bank'], ['officer.abc', 'region']]) {
      const trend = await (await t.as(user!)).get(`/api/v1/progress/trend?by=${by}`);
      expect(trend.status, JSON.stringify(trend.body)).to.equal(200);
      expect(trend.body.by).to.equal(by);
      expect(trend.body.points.map((p: { date: string }) => p.date), `${user} by ${by}`).to.deep.equal(['2026-10-01', '2026-11-01']);
      for (const point of trend.body.points) {
        expect(point.lines, `${user} by ${by} on ${point.date}`).to.deep.equal(await live(user!, by!, point.date));
      }
    }
    const county = await (await t.as('auditor.lankao')).get('/api/v1/progress/trend');
    expect(county.body.points[0].lines.map((l: { regionCode: string }) => l.regionCode)).to.deep.equal(['410225']);
    const officer = await (await t.as('officer.abc')).get('/api/v1/progress/trend?by=bank');
    expect(officer.body.points[0].lines).to.have.length(1);

    const window = await admin.get('/api/v1/progress/trend?from=2026-10-02&to=2026-12-31');
    expect(window.body.points.map((p: { date: string }) => p.date)).to.deep.equal(['2026-11-01']);
    expect((await admin.get('/api/v1/progress/trend?from=2026-11-02&to=2026-10-01')).status).to.equal(400);
    expect((await admin.get('/api/v1/progress/trend?by=county')).status).to.equal(400);
    const countyByBank = await (await t.as('auditor.lankao')).get('/api/v1/progress/trend?by=bank');
    expect(countyByBank.status).to.equal(422);
    expect(countyByBank.body.error.details[0].rule).to.equal('TREND_BY_BANK_CITY_WIDE');
    expect((await (await t.as('enterprise')).get('/api/v1/progress/trend')).status).to.equal(403);
  });
});
