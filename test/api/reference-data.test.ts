import crypto from 'node:crypto';
import { expect } from 'chai';
import { usccCheckCharacter } from '../../src/core/identifiers';
import { startTestApp, type TestApp } from '../support/app';
import { detailsOf, expectError } from '../support/errors';

/** Regions, institutions and reference rates (SPEC §2), kept by the admin and finance officers. */
describe('reference data (SPEC §2)', () => {
  let t: TestApp;
  let counter = 0;
  /** A fresh valid USCC: 17 characters of body and the GB 32100-2015 check character. */
  const validUscc = (prefix = '91410200MA') => {
    const body = `${prefix}${String((counter += 1)).padStart(17 - prefix.length, '0')}`;
    return body + usccCheckCharacter(body);
  };
  /** The same code with a different (wrong) check character. */
  const wrongCheck = (code: string) => code.slice(0, 17) + (code.endsWith('1') ? '2' : '1');

  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t?.close();
  });

  async function count(table: 'regions' | 'institutions' | 'reference_rates' | 'audit_log'): Promise<number> {
    const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`);
    return n;
  }
  const admin = () => t.as('admin');

  describe('regions', () => {
    it('when regions are listed by parentCode, then only that county\'s townships come back', async () => {
      const res = await (await admin()).get('/api/v1/regions?parentCode=410225&limit=200');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.items.length).to.be.greaterThan(5);
      for (const region of res.body.items) {
        expect(region).to.include({ parentCode: '410225', level: 'township' });
        expect(region.path).to.equal(`410200/410225/${region.code}/`);
      }
      expect(res.body.items.map((r: { code: string }) => r.code)).to.include('410225100');
    });

    it('when regions are listed by level, then the nine counties and districts come back', async () => {
      const res = await (await t.as('officer.abc')).get('/api/v1/regions?level=county');
      expect(res.status).to.equal(200);
      expect(res.body.total).to.equal(9);
      expect(res.body.items.map((r: { code: string }) => r.code)).to.have.members([
        '410202', '410203', '410204', '410205', '410212', '410221', '410222', '410223', '410225',
      ]);
    });

    it('when regions are listed under a county, then the county itself and everything in it, nothing else', async () => {
      const res = await (await admin()).get('/api/v1/regions?under=410225&limit=200');
      expect(res.status).to.equal(200);
      const codes = res.body.items.map((r: { code: string }) => r.code);
      expect(codes).to.include('410225');
      expect(codes).to.include('410225100');
      expect(res.body.items.some((r: { level: string }) => r.level === 'village')).to.equal(true);
      for (const region of res.body.items) expect(region.path.startsWith('410200/410225/')).to.equal(true);
      const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM regions WHERE path LIKE '410200/410225/%'`);
      expect(res.body.total).to.equal(n);
    });

    it('when filters are combined, then they all apply', async () => {
      const res = await (await admin()).get('/api/v1/regions?under=410221&level=township&limit=200');
      expect(res.status).to.equal(200);
      expect(res.body.items.length).to.be.greaterThan(0);
      for (const region of res.body.items) expect(region).to.include({ level: 'township', parentCode: '410221' });
    });

    it('when Lankao is read, then its path is 410200/410225/', async () => {
      const res = await (await t.as('enterprise')).get('/api/v1/regions/410225');
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ code: '410225', name: '兰考县', level: 'county', parentCode: '410200', path: '410200/410225/' });
    });

    it('when a region does not exist, then 404', async () => {
      expectError(await (await admin()).get('/api/v1/regions/419999'), 404, 'NOT_FOUND');
    });

    it('when the admin adds a township under a county, then its path is computed and the change is audited', async () => {
      const res = await (await admin()).post('/api/v1/regions').send({ code: '410225990', name: '测试乡', level: 'township', parentCode: '410225' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.deep.equal({ code: '410225990', name: '测试乡', level: 'township', parentCode: '410225', path: '410200/410225/410225990/' });
      const [entry] = await t.db.dataSource.query(`SELECT action, region_path, request_id FROM audit_log WHERE entity_type = 'region' AND entity_id = '410225990'`);
      expect(entry).to.deep.equal({ action: 'create', region_path: '410200/410225/410225990/', request_id: res.headers['x-request-id'] });
    });

    it('when the admin adds a village under the new township, then its path extends the township\'s', async () => {
      const res = await (await admin()).post('/api/v1/regions').send({ code: '410225990201', name: '测试村', level: 'village', parentCode: '410225990' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.path).to.equal('410200/410225/410225990/410225990201/');
    });

    it('when the code is not under the parent, then 422 CODE_UNDER_PARENT and nothing is written', async () => {
      const before = await count('regions');
      const res = await (await admin()).post('/api/v1/regions').send({ code: '410221990', name: '错位乡', level: 'township', parentCode: '410225' });
      expectError(res, 422, 'RULE_VIOLATION');
      expect(detailsOf(res).map((d) => d.rule)).to.deep.equal(['CODE_UNDER_PARENT']);
      expect(await count('regions')).to.equal(before);
    });

    it('when the level does not fit the parent or the code has the wrong length, then 422 listing each rule', async () => {
      const res = await (await admin()).post('/api/v1/regions').send({ code: '410225991', name: '错级', level: 'village', parentCode: '410225' });
      expectError(res, 422, 'RULE_VIOLATION');
      expect(detailsOf(res).map((d) => d.rule)).to.have.members(['CODE_LENGTH', 'LEVEL_UNDER_PARENT']);
    });

    it('when a township has no parent, then 422 PARENT_REQUIRED', async () => {
      const res = await (await admin()).post('/api/v1/regions').send({ code: '410225992', name: '无上级', level: 'township' });
      expectError(res, 422, 'RULE_VIOLATION');
      expect(detailsOf(res).map((d) => d.rule)).to.deep.equal(['PARENT_REQUIRED']);
    });

    it('when the parent does not exist, then 422 REFERENCE_NOT_FOUND', async () => {
      const res = await (await admin()).post('/api/v1/regions').send({ code: '419999001', name: '无', level: 'township', parentCode: '419999' });
      expectError(res, 422, 'REFERENCE_NOT_FOUND');
    });

    it('when the code exists already, then 409 DUPLICATE and nothing is written', async () => {
      const before = await count('regions');
      expectError(await (await admin()).post('/api/v1/regions').send({ code: '410225990', name: '重复', level: 'township', parentCode: '410225' }), 409, 'DUPLICATE');
      expectError(await (await admin()).post('/api/v1/regions').send({ code: '410225100', name: '城关镇', level: 'township', parentCode: '410225' }), 409, 'DUPLICATE');
      expect(await count('regions')).to.equal(before);
    });

    it('when a non-admin adds a region, then 403', async () => {
      expectError(await (await t.as('poverty')).post('/api/v1/regions').send({ code: '410225993', name: '越权', level: 'township', parentCode: '410225' }), 403, 'FORBIDDEN');
    });
  });

  describe('institutions', () => {
    let guarantorId: string;
    let bankId: string;
    let bankUscc: string;
    const bank = (uscc: string, extra: Record<string, unknown> = {}) => ({ type: 'bank', name: '测试银行开封分行', uscc, regionCode: '410200', ...extra });

    it('when a bank\'s USCC has a wrong check character, then 422 naming uscc and nothing is written', async () => {
      const before = await count('institutions');
      const res = await (await admin()).post('/api/v1/institutions').send(bank(wrongCheck(validUscc())));
      expectError(res, 422, 'RULE_VIOLATION');
      expect(detailsOf(res)).to.have.length(1);
      expect(detailsOf(res)[0]).to.include({ field: 'uscc', rule: 'USCC_INVALID' });
      expect(await count('institutions')).to.equal(before);
    });

    it('when a USCC uses a letter GB 32100 excludes (I, O, S, V, Z), then 422 naming uscc', async () => {
      const res = await (await admin()).post('/api/v1/institutions').send(bank('91410200MA40000I1X'));
      expectError(res, 422, 'RULE_VIOLATION');
      expect(detailsOf(res)[0]).to.include({ field: 'uscc' });
    });

    it('when the USCC is valid, then the bank is created (201) and audited', async () => {
      bankUscc = validUscc();
      const res = await (await admin()).post('/api/v1/institutions').send(bank(bankUscc));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.include({ type: 'bank', uscc: bankUscc, parentId: null, regionCode: '410200', netAssets: null, leverageLimit: null });
      bankId = res.body.id;
      const [entry] = await t.db.dataSource.query(`SELECT action, institution_id, region_path FROM audit_log WHERE entity_type = 'institution' AND entity_id = $1`, [bankId]);
      expect(entry).to.deep.equal({ action: 'create', institution_id: bankId, region_path: '410200/' });
    });

    it('when the USCC is sent in lower case, then it is stored in upper case', async () => {
      const code = validUscc('91410200MA');
      const withLetters = code.slice(0, 8) + 'ma' + code.slice(10);
      const res = await (await admin()).post('/api/v1/institutions').send(bank(withLetters, { name: '小写银行' }));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.uscc).to.equal(code);
    });

    it('when the USCC is already registered, then 409 DUPLICATE', async () => {
      const before = await count('institutions');
      expectError(await (await admin()).post('/api/v1/institutions').send(bank(bankUscc, { name: '另一家' })), 409, 'DUPLICATE');
      expect(await count('institutions')).to.equal(before);
    });

    it('when a bank branch has no parent, or a parent that is not a bank, then 422 BRANCH_OF_BANK', async () => {
      const [someGuarantor] = await t.db.dataSource.query(`SELECT id FROM institutions WHERE type = 'guarantee_company' LIMIT 1`);
      for (const parentId of [undefined, someGuarantor.id, crypto.randomUUID()]) {
        const res = await (await admin()).post('/api/v1/institutions').send({ type: 'bank_branch', name: '测试支行', uscc: validUscc('91410225MA'), regionCode: '410225', parentId });
        expectError(res, 422, 'RULE_VIOLATION');
        expect(detailsOf(res).map((d) => d.rule)).to.deep.equal(['BRANCH_OF_BANK']);
      }
    });

    it('when a bank branch names a bank as its parent, then 201', async () => {
      const res = await (await admin()).post('/api/v1/institutions').send({ type: 'bank_branch', name: '测试银行兰考支行', uscc: validUscc('91410225MA'), regionCode: '410225', parentId: bankId });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.parentId).to.equal(bankId);
    });

    it('when a bank names a parent, or carries net assets, then 422', async () => {
      const res = await (await admin()).post('/api/v1/institutions').send(bank(validUscc(), { parentId: bankId, netAssets: '100.00' }));
      expectError(res, 422, 'RULE_VIOLATION');
      expect(detailsOf(res).map((d) => d.rule)).to.have.members(['PARENT_ONLY_FOR_BRANCH', 'GUARANTOR_ONLY']);
    });

    it('when a guarantee company has no net assets, then 422 GUARANTOR_NET_ASSETS', async () => {
      const before = await count('institutions');
      const res = await (await admin()).post('/api/v1/institutions').send({ type: 'guarantee_company', name: '无资产担保', uscc: validUscc(), regionCode: '410200', leverageLimit: '15' });
      expectError(res, 422, 'RULE_VIOLATION');
      expect(detailsOf(res)[0]).to.include({ field: 'netAssets', rule: 'GUARANTOR_NET_ASSETS' });
      expect(await count('institutions')).to.equal(before);
    });

    it('when a guarantee company has zero net assets, then 422 and nothing is written (never a 500)', async () => {
      const before = await count('institutions');
      const res = await (await admin()).post('/api/v1/institutions').send({ type: 'guarantee_company', name: '零资产担保', uscc: validUscc(), regionCode: '410200', netAssets: '0.00' });
      expectError(res, 422, 'RULE_VIOLATION');
      expect(await count('institutions')).to.equal(before);
    });

    it('when the leverage limit is neither 10 nor 15, then 400', async () => {
      const res = await (await admin()).post('/api/v1/institutions').send({ type: 'guarantee_company', name: '高杠杆', uscc: validUscc(), regionCode: '410200', netAssets: '100.00', leverageLimit: '12' });
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(detailsOf(res)[0]).to.include({ path: 'leverageLimit' });
    });

    it('when a guarantee company has net assets 500000000.00 and leverage 15, then 201 and GET returns the amount as a string', async () => {
      const res = await (await admin()).post('/api/v1/institutions').send({
        type: 'guarantee_company',
        name: '开封市测试融资担保有限公司',
        uscc: validUscc(),
        regionCode: '410200',
        netAssets: '500000000.00',
        leverageLimit: '15',
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.include({ netAssets: '500000000.00', leverageLimit: '15' });
      guarantorId = res.body.id;
      const read = await (await t.as('finance')).get(`/api/v1/institutions/${guarantorId}`);
      expect(read.status).to.equal(200);
      expect(read.body).to.include({ type: 'guarantee_company', netAssets: '500000000.00', leverageLimit: '15', singleClientLimitRatio: res.body.singleClientLimitRatio });
      const [row] = await t.db.dataSource.query(`SELECT net_assets::text AS net_assets FROM institutions WHERE id = $1`, [guarantorId]);
      expect(row.net_assets).to.equal('500000000.00');
    });

    it('when the guarantor\'s net assets change, then 200 and the audit keeps before and after as strings', async () => {
      const res = await (await admin()).patch(`/api/v1/institutions/${guarantorId}`).send({ netAssets: '650000000.5' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.netAssets).to.equal('650000000.50');
      const [entry] = await t.db.dataSource.query(
        `SELECT before, after FROM audit_log WHERE entity_type = 'institution' AND entity_id = $1 AND action = 'update'`,
        [guarantorId],
      );
      expect(entry.before.netAssets).to.equal('500000000.00');
      expect(entry.after.netAssets).to.equal('650000000.50');
    });

    it('when the net assets of a bank are patched, then 422 and the bank is unchanged', async () => {
      const audit = await count('audit_log');
      const res = await (await admin()).patch(`/api/v1/institutions/${bankId}`).send({ netAssets: '100.00' });
      expectError(res, 422, 'RULE_VIOLATION');
      expect(detailsOf(res)[0]).to.include({ field: 'netAssets', rule: 'GUARANTOR_ONLY' });
      const [row] = await t.db.dataSource.query(`SELECT net_assets FROM institutions WHERE id = $1`, [bankId]);
      expect(row.net_assets).to.equal(null);
      expect(await count('audit_log')).to.equal(audit);
    });

    it('when a patch moves an institution to a region that does not exist, then 422', async () => {
      expectError(await (await admin()).patch(`/api/v1/institutions/${bankId}`).send({ regionCode: '419999' }), 422, 'REFERENCE_NOT_FOUND');
    });

    it('when an unknown institution is read or patched, then 404', async () => {
      expectError(await (await admin()).get(`/api/v1/institutions/${crypto.randomUUID()}`), 404, 'NOT_FOUND');
      expectError(await (await admin()).patch(`/api/v1/institutions/${crypto.randomUUID()}`).send({ name: 'x' }), 404, 'NOT_FOUND');
    });

    it('when institutions are listed by type, then only that type', async () => {
      const res = await (await t.as('officer.rcb')).get('/api/v1/institutions?type=bank');
      expect(res.status).to.equal(200);
      expect(res.body.items.every((i: { type: string }) => i.type === 'bank')).to.equal(true);
      expect(res.body.items.map((i: { id: string }) => i.id)).to.include(bankId);
    });

    it('when a non-admin creates or patches an institution, then 403', async () => {
      expectError(await (await t.as('finance')).post('/api/v1/institutions').send(bank(validUscc())), 403, 'FORBIDDEN');
      expectError(await (await t.as('finance')).patch(`/api/v1/institutions/${guarantorId}`).send({ netAssets: '1.00' }), 403, 'FORBIDDEN');
    });
  });

  describe('reference rates', () => {
    const post = async (user: string, body: Record<string, unknown>) => (await t.as(user)).post('/api/v1/reference-rates').send(body);

    it('when a finance officer adds an LPR row, then 201 with the rate as a string, audited', async () => {
      const res = await post('finance', { effectiveDate: '2025-05-20', tenor: 'lpr_1y', rateAnnual: '0.030' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.include({ effectiveDate: '2025-05-20', tenor: 'lpr_1y', rateAnnual: '0.0300' });
      const [entry] = await t.db.dataSource.query(`SELECT action, actor_role FROM audit_log WHERE entity_type = 'reference_rate' AND entity_id = $1`, [res.body.id]);
      expect(entry).to.deep.equal({ action: 'create', actor_role: 'finance_officer' });
    });

    it('when a loan officer (or the admin) adds a rate, then 403 and nothing is written', async () => {
      const before = await count('reference_rates');
      for (const user of ['officer.abc', 'admin', 'auditor']) {
        expectError(await post(user, { effectiveDate: '2025-06-20', tenor: 'lpr_1y', rateAnnual: '0.0300' }), 403, 'FORBIDDEN');
      }
      expect(await count('reference_rates')).to.equal(before);
    });

    it('when a county finance officer adds a rate, then 403 as for model versions, and nothing is written', async () => {
      const before = await count('reference_rates');
      const error = expectError(await post('finance.lankao', { effectiveDate: '2026-12-22', tenor: 'lpr_1y', rateAnnual: '0.0100' }), 403, 'FORBIDDEN');
      expect(error.message).to.equal('only the city finance bureau adds reference rates');
      expect(await count('reference_rates')).to.equal(before);
      const doc = (await t.request().get('/api/openapi.json')).body;
      expect(doc.paths['/api/v1/reference-rates'].post.description).to.match(/a county finance officer gets 403/);
    });

    it('when the same date and tenor is added again, then 409 DUPLICATE (rates are added, not edited)', async () => {
      const before = await count('reference_rates');
      expectError(await post('finance2', { effectiveDate: '2025-05-20', tenor: 'lpr_1y', rateAnnual: '0.0310' }), 409, 'DUPLICATE');
      expectError(await post('finance', { effectiveDate: '2015-10-24', tenor: 'up_to_1y', rateAnnual: '0.0435' }), 409, 'DUPLICATE');
      expect(await count('reference_rates')).to.equal(before);
    });

    it('when a rate would take effect more than a year ahead, then 422 EFFECTIVE_WITHIN_A_YEAR and nothing is written', async () => {
      const before = await count('reference_rates');
      for (const effectiveDate of ['9999-12-31', '2099-01-20']) {
        const error = expectError(await post('finance', { effectiveDate, tenor: 'lpr_5y_plus', rateAnnual: '0.0350' }), 422, 'RULE_VIOLATION');
        expect((error.details as Array<{ field: string; rule: string }>).map((d) => [d.field, d.rule]), effectiveDate).to.deep.equal([['effectiveDate', 'EFFECTIVE_WITHIN_A_YEAR']]);
      }
      expect(await count('reference_rates')).to.equal(before);
    });

    it('when a rate of zero is added, then 422 and nothing is written', async () => {
      const before = await count('reference_rates');
      expectError(await post('finance', { effectiveDate: '2025-07-21', tenor: 'lpr_1y', rateAnnual: '0' }), 422, 'RULE_VIOLATION');
      expect(await count('reference_rates')).to.equal(before);
    });

    it('when rates in force on 2026-01-01 are asked for, then one row per tenor: the latest on or before that day', async () => {
      for (const body of [
        { effectiveDate: '2025-12-22', tenor: 'lpr_1y', rateAnnual: '0.0295' },
        { effectiveDate: '2025-12-22', tenor: 'lpr_5y_plus', rateAnnual: '0.0350' },
        { effectiveDate: '2026-01-02', tenor: 'lpr_1y', rateAnnual: '0.0290' },
      ]) {
        expect((await post('finance', body)).status).to.equal(201);
      }
      const res = await (await t.as('officer.abc')).get('/api/v1/reference-rates?date=2026-01-01');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const byTenor = Object.fromEntries(res.body.items.map((r: { tenor: string; effectiveDate: string; rateAnnual: string }) => [r.tenor, [r.effectiveDate, r.rateAnnual]]));
      expect(res.body.items).to.have.length(5);
      expect(res.body.total).to.equal(5);
      expect(byTenor).to.deep.equal({
        up_to_1y: ['2015-10-24', '0.0435'],
        '1y_to_5y': ['2015-10-24', '0.0475'],
        over_5y: ['2015-10-24', '0.0490'],
        lpr_1y: ['2025-12-22', '0.0295'],
        lpr_5y_plus: ['2025-12-22', '0.0350'],
      });
    });

    it('when the date is the day a new row takes effect, then that row is in force', async () => {
      const res = await (await t.as('finance')).get('/api/v1/reference-rates?date=2026-01-02&tenor=lpr_1y');
      expect(res.status).to.equal(200);
      expect(res.body.items).to.have.length(1);
      expect(res.body.items[0]).to.include({ effectiveDate: '2026-01-02', rateAnnual: '0.0290' });
    });

    it('when the date is before any row, then nothing is in force', async () => {
      const res = await (await t.as('finance')).get('/api/v1/reference-rates?date=2015-10-23');
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.include({ items: [], total: 0 });
    });

    it('when all rows are listed, then every row comes back, newest first', async () => {
      const res = await (await t.as('finance')).get('/api/v1/reference-rates?limit=200');
      expect(res.status).to.equal(200);
      expect(res.body.total).to.equal(await count('reference_rates'));
      const dates = res.body.items.map((r: { effectiveDate: string }) => r.effectiveDate);
      expect(dates).to.deep.equal([...dates].sort().reverse());
    });
  });
});
