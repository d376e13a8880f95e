import { expect } from 'chai';
import { addDays } from '../../src/core/dates';
import { todayInShanghai } from '../../src/shared/clock';
import { startTestApp, type TestApp } from '../support/app';
import { expectError } from '../support/errors';

/** The audit log and who may read which part of it (SPEC §9: auditors read their region, 404 outside). */
describe('audit log and its scope (SPEC §9)', () => {
  let t: TestApp;
  let lankaoEntryId: string;
  let qixianEntryId: string;
  let rateEntryId: string;
  let adminId: string;
  const today = todayInShanghai();

  before(async () => {
    t = await startTestApp();
    const agent = await t.as('admin');
    const lankao = await agent.post('/api/v1/regions').send({ code: '410225990', name: '兰考测试乡', level: 'township', parentCode: '410225' });
    const qixian = await agent.post('/api/v1/regions').send({ code: '410221990', name: '杞县测试乡', level: 'township', parentCode: '410221' });
    expect([lankao.status, qixian.status], JSON.stringify([lankao.body, qixian.body])).to.deep.equal([201, 201]);
    const rate = await (await t.as('finance')).post('/api/v1/reference-rates').send({ effectiveDate: '2025-12-22', tenor: 'lpr_1y', rateAnnual: '0.0300' });
    expect(rate.status, JSON.stringify(rate.body)).to.equal(201);
    const entry = async (entityType: string, entityId: string) => {
      const rows = await t.db.dataSource.query(`SELECT id::text AS id FROM audit_log WHERE entity_type = $1 AND entity_id = $2`, [entityType, entityId]);
      expect(rows).to.have.length(1);
      return rows[0].id as string;
    };
    lankaoEntryId = await entry('region', '410225990');
    qixianEntryId = await entry('region', '410221990');
    rateEntryId = await entry('reference_rate', rate.body.id);
    [{ id: adminId }] = await t.db.dataSource.query(`SELECT id FROM users WHERE username = 'admin'`);
  });
  after(async () => {
    await t?.close();
  });

  const ids = (body: { items: Array<{ id: string }> }) => body.items.map((e) => e.id);

  it('when the city auditor lists region changes, then both counties\' entries are there', async () => {
    const res = await (await t.as('auditor')).get('/api/v1/audit?entityType=region');
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(ids(res.body)).to.include.members([lankaoEntryId, qixianEntryId]);
    const lankao = res.body.items.find((e: { id: string }) => e.id === lankaoEntryId);
    expect(lankao).to.include({ action: 'create', entityType: 'region', entityId: '410225990', actorUserId: adminId, actorRole: 'admin', before: null });
    expect(lankao.after).to.include({ code: '410225990', path: '410200/410225/410225990/' });
    expect(lankao.occurredAt).to.match(/^\d{4}-\d{2}-\d{2}T/);
    expect(lankao.requestId).to.be.a('string').that.is.not.empty;
  });

  it('when the city auditor lists everything, then entries without a region (reference rates) are there too', async () => {
    const res = await (await t.as('auditor')).get('/api/v1/audit?limit=200');
    expect(res.status).to.equal(200);
    expect(ids(res.body)).to.include.members([lankaoEntryId, qixianEntryId, rateEntryId]);
    const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM audit_log`);
    expect(res.body.total).to.equal(n);
  });

  it('when the Lankao auditor lists, then the Lankao entry is there and neither the Qixian one nor the city-wide rate', async () => {
    const res = await (await t.as('auditor.lankao')).get('/api/v1/audit?limit=200');
    expect(res.status).to.equal(200);
    expect(ids(res.body)).to.include(lankaoEntryId);
    expect(ids(res.body)).not.to.include(qixianEntryId);
    expect(ids(res.body)).not.to.include(rateEntryId);
    const inLankao: Array<{ id: string }> = await t.db.dataSource.query(`SELECT id::text AS id FROM audit_log WHERE region_path LIKE '410200/410225/%'`);
    expect(res.body.total).to.equal(inLankao.length);
    const lankaoIds = new Set(inLankao.map((r) => r.id));
    expect(ids(res.body).filter((id) => !lankaoIds.has(id))).to.deep.equal([]);
  });

  it('when the Lankao auditor filters for the Qixian township, then the list is empty', async () => {
    const res = await (await t.as('auditor.lankao')).get('/api/v1/audit?entityType=region&entityId=410221990');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.include({ items: [], total: 0 });
  });

  it('when the Lankao auditor reads the Qixian entry by id, then 404; the Lankao entry, then 200', async () => {
    expectError(await (await t.as('auditor.lankao')).get(`/api/v1/audit/${qixianEntryId}`), 404, 'NOT_FOUND');
    expectError(await (await t.as('auditor.lankao')).get(`/api/v1/audit/${rateEntryId}`), 404, 'NOT_FOUND');
    const own = await (await t.as('auditor.lankao')).get(`/api/v1/audit/${lankaoEntryId}`);
    expect(own.status).to.equal(200);
    expect(own.body).to.include({ id: lankaoEntryId, entityId: '410225990' });
  });

  it('when the city auditor (or the admin) reads the Qixian entry by id, then 200', async () => {
    for (const user of ['auditor', 'admin']) {
      const res = await (await t.as(user)).get(`/api/v1/audit/${qixianEntryId}`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ id: qixianEntryId, entityType: 'region', entityId: '410221990', action: 'create' });
    }
  });

  it('when anyone other than an admin or auditor reads the audit log, then 403', async () => {
    for (const user of ['officer.abc', 'finance', 'poverty.lankao', 'enterprise']) {
      expectError(await (await t.as(user)).get('/api/v1/audit'), 403, 'FORBIDDEN');
      expectError(await (await t.as(user)).get(`/api/v1/audit/${lankaoEntryId}`), 403, 'FORBIDDEN');
    }
  });

  it('when the list is filtered by entityType and entityId, then exactly the matching entries come back', async () => {
    const byId = await (await t.as('auditor')).get('/api/v1/audit?entityType=region&entityId=410221990');
    expect(byId.status).to.equal(200);
    expect(ids(byId.body)).to.deep.equal([qixianEntryId]);
    const byType = await (await t.as('admin')).get('/api/v1/audit?entityType=reference_rate');
    expect(byType.body.items.every((e: { entityType: string }) => e.entityType === 'reference_rate')).to.equal(true);
    expect(ids(byType.body)).to.include(rateEntryId);
    const none = await (await t.as('admin')).get('/api/v1/audit?entityType=no_such_thing');
    expect(none.body).to.deep.include({ items: [], total: 0 });
  });

  it('when the list is filtered by actor, then only that user\'s changes', async () => {
    const res = await (await t.as('auditor')).get(`/api/v1/audit?actorUserId=${adminId}&limit=200`);
    expect(res.status).to.equal(200);
    expect(res.body.items.every((e: { actorUserId: string }) => e.actorUserId === adminId)).to.equal(true);
    expect(ids(res.body)).to.include.members([lankaoEntryId, qixianEntryId]);
    expect(ids(res.body)).not.to.include(rateEntryId);
  });

  it('when the list is filtered by dates (Asia/Shanghai days), then today\'s entries are inside today and not before it', async () => {
    const todays = await (await t.as('auditor')).get(`/api/v1/audit?entityType=region&from=${today}&to=${today}`);
    expect(todays.status, JSON.stringify(todays.body)).to.equal(200);
    expect(ids(todays.body)).to.include.members([lankaoEntryId, qixianEntryId]);
    const yesterday = addDays(today, -1);
    const before = await (await t.as('auditor')).get(`/api/v1/audit?entityType=region&to=${yesterday}`);
    expect(before.status).to.equal(200);
    expect(ids(before.body)).not.to.include(lankaoEntryId);
    const after = await (await t.as('auditor')).get(`/api/v1/audit?entityType=region&from=${addDays(today, 1)}`);
    expect(after.body.total).to.equal(0);
  });

  it('when the entry id or a filter is malformed, then 400; when the entry does not exist, then 404', async () => {
    const agent = await t.as('auditor');
    for (const path of ['/api/v1/audit/abc', '/api/v1/audit/0', '/api/v1/audit/-1', '/api/v1/audit/1234567890123456789', '/api/v1/audit?actorUserId=admin', '/api/v1/audit?from=2026-02-30']) {
      expectError(await agent.get(path), 400, 'VALIDATION_FAILED');
    }
    expectError(await agent.get('/api/v1/audit/999999999'), 404, 'NOT_FOUND');
  });

  it('when someone tries to change the audit log in the database, then it refuses (append-only)', async () => {
    let failed: unknown;
    try {
      await t.db.dataSource.query(`UPDATE audit_log SET action = 'tampered' WHERE id = $1`, [lankaoEntryId]);
    } catch (error) {
      failed = error;
    }
    expect(failed, 'UPDATE should be refused').to.be.instanceOf(Error);
    failed = undefined;
    try {
      await t.db.dataSource.query(`DELETE FROM audit_log WHERE id = $1`, [qixianEntryId]);
    } catch (error) {
      failed = error;
    }
    expect(failed, 'DELETE should be refused').to.be.instanceOf(Error);
    const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM audit_log WHERE id IN ($1, $2) AND action = 'create'`, [lankaoEntryId, qixianEntryId]);
    expect(n).to.equal(2);
  });
});
