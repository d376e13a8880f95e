import { expect } from 'chai';
import { expectError } from '../support/errors';
import { residentId, unique, uscc } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/app';

const LANKAO_VILLAGE = '410225100201';
const QIXIAN_VILLAGE = '410221100201';

describe('linkages, benefits and the enterprise view (SPEC §3, issue 3)', () => {
  let t: TestApp;
  let fengyuanId: string;
  let otherEnterpriseId: string;
  before(async () => {
    t = await startTestApp();
    const [fengyuan] = await t.db.dataSource.query(`SELECT e.id FROM enterprises e JOIN users u ON u.enterprise_id = e.id WHERE u.username = 'enterprise'`);
    fengyuanId = fengyuan.id;
    const created = await (await t.as('poverty')).post('/api/v1/enterprises').send({
      name: '杞县测试合作社',
      uscc: uscc(`93410221MA5${unique().slice(-6)}`),
      kind: 'cooperative',
      regionCode: '410221',
      industry: '种植业',
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    otherEnterpriseId = created.body.id;
  });
  after(async () => {
    await t?.close();
  });

  async function household(user: string, village: string, county: string, demonstration = false) {
    const n = unique();
    const res = await (await t.as(user)).post('/api/v1/households').send({
      householdNumber: `L-${n}`,
      headName: '李四',
      idNumber: residentId(county, '19751020', Number(n.slice(-3))),
      villageCode: village,
      members: 3,
      laborers: 1,
      statusSince: '2024-01-01',
      isDemonstration: demonstration,
      demonstrationSince: demonstration ? '2024-06-01' : undefined,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body as { id: string; householdNumber: string };
  }

  function linkage(sourceKind: string, sourceId: string, householdId: string, overrides: Record<string, unknown> = {}) {
    return { sourceKind, sourceId, householdId, type: 'employment', agreementNumber: 'DPXY-T-1', startDate: '2025-01-01', agreedAnnualBenefit: '6000.00', ...overrides };
  }

  it('when an enterprise links a household, then a second active linkage of the same type is 409 and another type is fine', async () => {
    const poverty = await t.as('poverty.lankao');
    const h = await household('poverty.lankao', LANKAO_VILLAGE, '410225');
    const first = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id));
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(first.body).to.include({ agreedAnnualBenefit: '6000.00', active: true });
    const again = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id));
    expect(again.status).to.equal(409);
    expect(again.body.error.details[0].rule).to.equal('ONE_ACTIVE_LINKAGE');
    const dividend = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'dividend' }));
    expect(dividend.status).to.equal(201);
    const ended = await poverty.post(`/api/v1/linkages/${first.body.id}/end`).send({ endedOn: '2025-12-31', reason: '合同到期' });
    expect(ended.body).to.include({ endedOn: '2025-12-31', active: false });
    expect((await poverty.post(`/api/v1/linkages/${first.body.id}/end`).send({ endedOn: '2026-01-31' })).status).to.equal(409);
    const renewed = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { startDate: '2026-01-01' }));
    expect(renewed.status).to.equal(201);
  });

  describe('correcting a linkage (PATCH /linkages/:id)', () => {
    it('when the office corrects the agreement, benefit and dates, then the linkage shows them, the audit keeps before and after, and progress counts them', async () => {
      const poverty = await t.as('poverty.lankao');
      const h = await household('poverty.lankao', LANKAO_VILLAGE, '410225');
      const created = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'order_purchase', startDate: '2025-03-01' }));
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      // Lankao's linked households on 2025-02-01, as the (summarised) progress report counts them.
      const linkedInLankao = async () => {
        const res = await (await t.as('poverty')).get('/api/v1/progress?date=2025-02-01&by=region');
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        return res.body.lines.find((l: { regionCode: string | null }) => l.regionCode === '410225').linkedHouseholds.actual as number;
      };
      const before = await linkedInLankao();

      const corrected = await poverty.patch(`/api/v1/linkages/${created.body.id}`).send({ agreementNumber: 'DPXY-T-9', agreedAnnualBenefit: '7200.50', startDate: '2025-01-15', endDate: '2027-12-31' });
      expect(corrected.status, JSON.stringify(corrected.body)).to.equal(200);
      expect(corrected.body).to.include({ agreementNumber: 'DPXY-T-9', agreedAnnualBenefit: '7200.50', startDate: '2025-01-15', endDate: '2027-12-31', endedOn: null });
      expect(await linkedInLankao(), 'the household is linked from the corrected start').to.equal(before + 1);
      const [entry] = await t.db.dataSource.query(`SELECT action, before, after FROM audit_log WHERE entity_id = $1 ORDER BY id DESC LIMIT 1`, [created.body.id]);
      expect(entry.action).to.equal('update');
      expect(entry.before).to.include({ startDate: '2025-03-01', agreedAnnualBenefit: '6000.00' });
      expect(entry.after).to.include({ startDate: '2025-01-15', agreedAnnualBenefit: '7200.50' });

      // Clearing the agreed end and the agreement number.
      const cleared = await poverty.patch(`/api/v1/linkages/${created.body.id}`).send({ endDate: null, agreementNumber: null });
      expect(cleared.body).to.include({ endDate: null, agreementNumber: null });
    });

    it('when an ended linkage was ended on the wrong day, then the day and reason are corrected; a linkage not ended cannot be given one (409)', async () => {
      const poverty = await t.as('poverty.lankao');
      const h = await household('poverty.lankao', LANKAO_VILLAGE, '410225');
      const created = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'equity' }));
      expect((await poverty.patch(`/api/v1/linkages/${created.body.id}`).send({ endedOn: '2025-06-30' })).status).to.equal(409);
      expect((await poverty.post(`/api/v1/linkages/${created.body.id}/end`).send({ endedOn: '2025-06-03', reason: '误录' })).status).to.equal(200);
      const fixed = await poverty.patch(`/api/v1/linkages/${created.body.id}`).send({ endedOn: '2025-06-30', endReason: '合同提前终止' });
      expect(fixed.status, JSON.stringify(fixed.body)).to.equal(200);
      expect(fixed.body).to.include({ endedOn: '2025-06-30', endReason: '合同提前终止', active: false });
      const early = await poverty.patch(`/api/v1/linkages/${created.body.id}`).send({ endedOn: '2024-12-31' });
      expect(early.status).to.equal(422);
      expect(early.body.error.details.map((d: { rule: string }) => d.rule)).to.deep.equal(['NOT_BEFORE_START']);
    });

    it('when the corrected days would overlap another linkage of the triple, or leave out a reported benefit, then it is refused and nothing changes', async () => {
      const poverty = await t.as('poverty.lankao');
      const h = await household('poverty.lankao', LANKAO_VILLAGE, '410225');
      const first = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'facility_lease', startDate: '2024-01-01', endDate: '2024-12-31' }));
      const second = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'facility_lease', startDate: '2025-01-01' }));
      expect([first.status, second.status]).to.deep.equal([201, 201]);
      const overlap = await poverty.patch(`/api/v1/linkages/${first.body.id}`).send({ endDate: '2025-01-01' });
      expect(overlap.status).to.equal(409);
      expect(overlap.body.error.details[0]).to.include({ rule: 'ONE_ACTIVE_LINKAGE' });
      expect((await poverty.patch(`/api/v1/linkages/${second.body.id}`).send({ startDate: '2024-12-31' })).status).to.equal(409);
      // Its own days never count against it.
      expect((await poverty.patch(`/api/v1/linkages/${second.body.id}`).send({ startDate: '2025-01-02' })).status).to.equal(200);

      const benefit = await (await t.as('enterprise')).post('/api/v1/benefits').set('Idempotency-Key', `b-${unique()}`).send({ linkageId: second.body.id, paidOn: '2025-03-31', amount: '500.00', kind: 'rent' });
      expect(benefit.status, JSON.stringify(benefit.body)).to.equal(201);
      const late = await poverty.patch(`/api/v1/linkages/${second.body.id}`).send({ startDate: '2025-04-01', endDate: '2024-12-31' });
      expect(late.status).to.equal(422);
      expect(late.body.error.details.map((d: { field: string; rule: string }) => [d.field, d.rule])).to.deep.equal([
        ['endDate', 'END_AFTER_START'],
        ['startDate', 'BENEFITS_WITHIN_LINKAGE'],
        ['endDate', 'BENEFITS_WITHIN_LINKAGE'],
      ]);
      expect((await poverty.post(`/api/v1/linkages/${second.body.id}/end`).send({ endedOn: '2025-12-31' })).status).to.equal(200);
      const cut = await poverty.patch(`/api/v1/linkages/${second.body.id}`).send({ endedOn: '2025-03-01' });
      expect(cut.body.error.details.map((d: { field: string; rule: string }) => [d.field, d.rule])).to.deep.equal([['endedOn', 'BENEFITS_WITHIN_LINKAGE']]);
      const [row] = await t.db.dataSource.query(`SELECT start_date::text, end_date::text, ended_on::text FROM linkages WHERE id = $1`, [second.body.id]);
      expect(row).to.deep.equal({ start_date: '2025-01-02', end_date: null, ended_on: '2025-12-31' });
    });

    it('when an ended linkage is corrected, then only its days before the end count against its successor', async () => {
      const poverty = await t.as('poverty.lankao');
      const h = await household('poverty.lankao', LANKAO_VILLAGE, '410225');
      const first = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'dividend', startDate: '2024-01-01' }));
      expect((await poverty.post(`/api/v1/linkages/${first.body.id}/end`).send({ endedOn: '2024-07-01' })).status).to.equal(200);
      const next = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'dividend', startDate: '2024-07-01' }));
      expect(next.status, JSON.stringify(next.body)).to.equal(201);
      // An agreed end written in afterwards lies past the day it ended: its active days still stop on 2024-06-30.
      const agreed = await poverty.patch(`/api/v1/linkages/${first.body.id}`).send({ endDate: '2024-12-31' });
      expect(agreed.status, JSON.stringify(agreed.body)).to.equal(200);
      expect((await poverty.patch(`/api/v1/linkages/${first.body.id}`).send({ endedOn: '2024-07-02' })).status, 'one day into its successor').to.equal(409);
    });

    it("when county staff would correct or end a linkage whose source is another county's demonstration household, then 422 SOURCE_IN_YOUR_REGION", async () => {
      const qixianDemo = await household('poverty', QIXIAN_VILLAGE, '410221', true);
      const target = await household('poverty.lankao', LANKAO_VILLAGE, '410225');
      const byCity = await (await t.as('poverty')).post('/api/v1/linkages').send(linkage('household', qixianDemo.id, target.id, { type: 'equity' }));
      expect(byCity.status, JSON.stringify(byCity.body)).to.equal(201);
      const lankao = await t.as('poverty.lankao');
      for (const res of [await lankao.patch(`/api/v1/linkages/${byCity.body.id}`).send({ startDate: '2025-06-01' }), await lankao.post(`/api/v1/linkages/${byCity.body.id}/end`).send({ endedOn: '2025-12-31' })]) {
        expect(res.status, JSON.stringify(res.body)).to.equal(422);
        expect(res.body.error.details[0]).to.include({ field: 'sourceId', rule: 'SOURCE_IN_YOUR_REGION' });
      }
      expect((await (await t.as('poverty')).patch(`/api/v1/linkages/${byCity.body.id}`).send({ startDate: '2025-06-01' })).status).to.equal(200);
    });

    it('when someone outside the county, an enterprise or a bank tries to correct it, then 404 or 403; an empty or identity-changing body is 400', async () => {
      const poverty = await t.as('poverty');
      const h = await household('poverty', QIXIAN_VILLAGE, '410221');
      const created = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'joint_operation' }));
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      expect((await (await t.as('poverty.lankao')).patch(`/api/v1/linkages/${created.body.id}`).send({ agreedAnnualBenefit: '1.00' })).status).to.equal(404);
      expect((await (await t.as('officer.abc')).patch(`/api/v1/linkages/${created.body.id}`).send({ agreedAnnualBenefit: '1.00' })).status).to.equal(403);
      expect((await (await t.as('enterprise')).patch(`/api/v1/linkages/${created.body.id}`).send({ agreedAnnualBenefit: '1.00' })).status).to.equal(403);
      expect((await poverty.patch(`/api/v1/linkages/${created.body.id}`).send({})).status).to.equal(400);
      expect((await poverty.patch(`/api/v1/linkages/${created.body.id}`).send({ householdId: h.id })).status).to.equal(400);
      expect((await poverty.patch(`/api/v1/linkages/${created.body.id}`).send({ agreedAnnualBenefit: '-5.00' })).status).to.equal(400);
      const [row] = await t.db.dataSource.query(`SELECT agreed_annual_benefit::text AS benefit FROM linkages WHERE id = $1`, [created.body.id]);
      expect(row.benefit).to.equal('6000.00');
    });
  });

  it('when two identical linkages are created at the same moment, then exactly one is stored', async () => {
    const poverty = await t.as('poverty.lankao');
    const h = await household('poverty.lankao', LANKAO_VILLAGE, '410225');
    const results = await Promise.all([1, 2, 3].map(() => poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'land_lease' }))));
    expect(results.map((r) => r.status).sort()).to.deep.equal([201, 409, 409]);
    const [{ count }] = await t.db.dataSource.query(`SELECT count(*)::int AS count FROM linkages WHERE household_id = $1`, [h.id]);
    expect(count).to.equal(1);
  });

  it('when a linkage was ended on a future date, then a new one of the same triple starting before that date is 409; one starting on it is fine', async () => {
    const poverty = await t.as('poverty.lankao');
    const h = await household('poverty.lankao', LANKAO_VILLAGE, '410225');
    const lease = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'land_lease', startDate: '2025-01-01' }));
    expect(lease.status, JSON.stringify(lease.body)).to.equal(201);
    // Notice given: the lease is active until the end of 2099-12-30.
    const ended = await poverty.post(`/api/v1/linkages/${lease.body.id}/end`).send({ endedOn: '2099-12-31' });
    expect(ended.body).to.include({ endedOn: '2099-12-31', active: true });
    const overlapping = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'land_lease', startDate: '2026-01-01' }));
    expect(overlapping.status, JSON.stringify(overlapping.body)).to.equal(409);
    expect(overlapping.body.error.details).to.deep.equal([{ field: 'type', rule: 'ONE_ACTIVE_LINKAGE', message: `linkage ${lease.body.id} is active from 2025-01-01 to 2099-12-30` }]);
    const next = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'land_lease', startDate: '2099-12-31' }));
    expect(next.status, JSON.stringify(next.body)).to.equal(201);
  });

  it('when a linkage ended on 2025-12-31, then a new one starting 2025-06-01 is 409, and one ending before the old one starts is fine', async () => {
    const poverty = await t.as('poverty.lankao');
    const h = await household('poverty.lankao', LANKAO_VILLAGE, '410225');
    const first = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'equity', startDate: '2025-01-01' }));
    expect((await poverty.post(`/api/v1/linkages/${first.body.id}/end`).send({ endedOn: '2025-12-31' })).status).to.equal(200);
    const overlapping = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'equity', startDate: '2025-06-01' }));
    expect(overlapping.status, JSON.stringify(overlapping.body)).to.equal(409);
    const endsOnItsFirstDay = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'equity', startDate: '2024-01-01', endDate: '2025-01-01' }));
    expect(endsOnItsFirstDay.status, 'its end date is a day it is active').to.equal(409);
    const before = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'equity', startDate: '2024-01-01', endDate: '2024-12-31' }));
    expect(before.status, JSON.stringify(before.body)).to.equal(201);
  });

  it("when an agreement's end date has passed without it being ended, then a renewal from the next day is 201 and one from the end date is 409", async () => {
    const poverty = await t.as('poverty.lankao');
    const h = await household('poverty.lankao', LANKAO_VILLAGE, '410225');
    const expired = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'facility_lease', startDate: '2024-01-01', endDate: '2024-12-31' }));
    expect(expired.body).to.include({ endedOn: null, active: false });
    const onTheEndDate = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'facility_lease', startDate: '2024-12-31' }));
    expect(onTheEndDate.status, JSON.stringify(onTheEndDate.body)).to.equal(409);
    const renewal = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'facility_lease', startDate: '2025-01-01' }));
    expect(renewal.status, JSON.stringify(renewal.body)).to.equal(201);
    const active = await poverty.get(`/api/v1/linkages?householdId=${h.id}&type=facility_lease&active=true`);
    expect(active.body.items.map((l: { id: string }) => l.id)).to.deep.equal([renewal.body.id]);
  });

  it('when the household is in another county than the caller, then 422 names householdId and nothing is written', async () => {
    const qixian = await household('poverty', QIXIAN_VILLAGE, '410221');
    const before = await t.db.dataSource.query('SELECT count(*)::int AS count FROM linkages');
    const res = await (await t.as('poverty.lankao')).post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, qixian.id));
    expect(res.status).to.equal(422);
    expect(res.body.error.details).to.deep.include({ field: 'householdId', rule: 'HOUSEHOLD_IN_YOUR_REGION', message: 'the household is registered outside your region' });
    expect(await t.db.dataSource.query('SELECT count(*)::int AS count FROM linkages')).to.deep.equal(before);
  });

  it("when county staff name another county's demonstration household as the source, then 422 SOURCE_IN_YOUR_REGION; city staff may", async () => {
    const qixianDemo = await household('poverty', QIXIAN_VILLAGE, '410221', true);
    const target = await household('poverty.lankao', LANKAO_VILLAGE, '410225');
    const before = await t.db.dataSource.query('SELECT count(*)::int AS count FROM linkages');
    const refused = await (await t.as('poverty.lankao')).post('/api/v1/linkages').send(linkage('household', qixianDemo.id, target.id, { type: 'joint_operation' }));
    expect(refused.status).to.equal(422);
    expect(refused.body.error.details).to.deep.include({ field: 'sourceId', rule: 'SOURCE_IN_YOUR_REGION', message: 'the source household is registered outside your region' });
    expect(await t.db.dataSource.query('SELECT count(*)::int AS count FROM linkages')).to.deep.equal(before);
    const byCity = await (await t.as('poverty')).post('/api/v1/linkages').send(linkage('household', qixianDemo.id, target.id, { type: 'joint_operation' }));
    expect(byCity.status, JSON.stringify(byCity.body)).to.equal(201);
  });

  it('when the source household is not a demonstration household, or is the household itself, then 422', async () => {
    const poverty = await t.as('poverty.lankao');
    const plain = await household('poverty.lankao', LANKAO_VILLAGE, '410225');
    const target = await household('poverty.lankao', LANKAO_VILLAGE, '410225');
    const notDemo = await poverty.post('/api/v1/linkages').send(linkage('household', plain.id, target.id));
    expect(notDemo.body.error.details.map((d: { rule: string }) => d.rule)).to.include('SOURCE_IS_DEMONSTRATION');
    const demo = await household('poverty.lankao', LANKAO_VILLAGE, '410225', true);
    const self = await poverty.post('/api/v1/linkages').send(linkage('household', demo.id, demo.id));
    expect(self.body.error.details.map((d: { rule: string }) => d.rule)).to.include('NOT_SELF');
    const ok = await poverty.post('/api/v1/linkages').send(linkage('household', demo.id, target.id, { type: 'self_employment_support' }));
    expect(ok.status).to.equal(201);
    // Designated on 2024-06-01: a linkage from it cannot start before, nor be corrected to.
    const early = await poverty.post('/api/v1/linkages').send(linkage('household', demo.id, target.id, { type: 'dividend', startDate: '2024-05-31' }));
    expect(early.status, JSON.stringify(early.body)).to.equal(422);
    expect(early.body.error.details).to.deep.include({
      field: 'sourceId',
      rule: 'SOURCE_IS_DEMONSTRATION',
      message: 'the source household is a demonstration household since 2024-06-01; the linkage cannot start before',
    });
    const moved = await poverty.patch(`/api/v1/linkages/${ok.body.id}`).send({ startDate: '2024-05-01' });
    expect(moved.status, JSON.stringify(moved.body)).to.equal(422);
    expect(moved.body.error.details.map((d: { field: string; rule: string }) => `${d.field}:${d.rule}`)).to.include('startDate:SOURCE_IS_DEMONSTRATION');
    expect((await poverty.patch(`/api/v1/linkages/${ok.body.id}`).send({ startDate: '2024-06-01' })).status).to.equal(200);
    // De-designated since: a correction is judged on its day by the dated designations, and an unchanged day is not judged again.
    const undesignated = await poverty.post(`/api/v1/households/${demo.id}/demonstration`).send({ isDemonstration: false, effectiveDate: '2025-06-01' });
    expect(undesignated.status, JSON.stringify(undesignated.body)).to.equal(200);
    expect((await poverty.patch(`/api/v1/linkages/${ok.body.id}`).send({ startDate: '2024-06-02' })).status, 'designated on that day').to.equal(200);
    expect((await poverty.patch(`/api/v1/linkages/${ok.body.id}`).send({ startDate: '2024-06-02', agreementNumber: 'XY-1' })).status, 'the same day').to.equal(200);
    const after = await poverty.patch(`/api/v1/linkages/${ok.body.id}`).send({ startDate: '2025-06-02' });
    expect(expectError(after, 422, 'RULE_VIOLATION').details).to.deep.include({ field: 'startDate', rule: 'SOURCE_IS_DEMONSTRATION', message: 'the source household was not a demonstration household on 2025-06-02' });
  });

  it("when the poverty office reports a benefit, then only under a demonstration household's linkage, and another user confirms it", async () => {
    const poverty = await t.as('poverty.lankao');
    const demonstration = await household('poverty.lankao', LANKAO_VILLAGE, '410225', true);
    const h = await household('poverty.lankao', LANKAO_VILLAGE, '410225');
    const led = await poverty.post('/api/v1/linkages').send(linkage('household', demonstration.id, h.id, { type: 'employment' }));
    expect(led.status, JSON.stringify(led.body)).to.equal(201);
    const byEnterprise = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'order_purchase' }));
    expect(byEnterprise.status, JSON.stringify(byEnterprise.body)).to.equal(201);
    const report = (linkageId: string) => poverty.post('/api/v1/benefits').set('Idempotency-Key', `b-${unique()}`).send({ linkageId, paidOn: '2025-06-30', amount: '300.00', kind: 'wage' });

    const forEnterprise = await report(byEnterprise.body.id);
    expect(forEnterprise.status, JSON.stringify(forEnterprise.body)).to.equal(403);
    const recorded = await report(led.body.id);
    expect(recorded.status, JSON.stringify(recorded.body)).to.equal(201);
    const ownConfirm = await poverty.post(`/api/v1/benefits/${recorded.body.id}/confirm`);
    expect(ownConfirm.status, JSON.stringify(ownConfirm.body)).to.equal(403);
    const ownReject = await poverty.post(`/api/v1/benefits/${recorded.body.id}/reject`).send({ reason: '自己报的' });
    expect(ownReject.status).to.equal(403);
    const confirmed = await (await t.as('poverty')).post(`/api/v1/benefits/${recorded.body.id}/confirm`);
    expect(confirmed.status, JSON.stringify(confirmed.body)).to.equal(200);
    expect(confirmed.body).to.include({ status: 'confirmed' });
    const stored = await t.db.dataSource.query('SELECT count(*)::int AS n FROM benefit_records WHERE linkage_id = $1', [byEnterprise.body.id]);
    expect(stored[0].n).to.equal(0);
  });

  it('when the enterprise reports benefits, then only its own linkages accept them and the poverty office confirms once', async () => {
    const poverty = await t.as('poverty.lankao');
    const enterprise = await t.as('enterprise');
    const h = await household('poverty.lankao', LANKAO_VILLAGE, '410225');
    const own = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'order_purchase' }));
    const qixianHousehold = await household('poverty', QIXIAN_VILLAGE, '410221');
    const others = await (await t.as('poverty')).post('/api/v1/linkages').send(linkage('enterprise', otherEnterpriseId, qixianHousehold.id));
    expect(others.status).to.equal(201);

    const reported = await enterprise.post('/api/v1/benefits').set('Idempotency-Key', `b-${unique()}`).send({ linkageId: own.body.id, paidOn: '2025-06-30', amount: '1250.50', kind: 'purchase' });
    expect(reported.status, JSON.stringify(reported.body)).to.equal(201);
    expect(reported.body).to.include({ status: 'reported', amount: '1250.50' });
    const foreign = await enterprise.post('/api/v1/benefits').set('Idempotency-Key', `b-${unique()}`).send({ linkageId: others.body.id, paidOn: '2025-06-30', amount: '100.00', kind: 'wage' });
    expect(foreign.status).to.equal(404);
    const early = await enterprise.post('/api/v1/benefits').set('Idempotency-Key', `b-${unique()}`).send({ linkageId: own.body.id, paidOn: '2024-12-31', amount: '100.00', kind: 'wage' });
    expect(early.status).to.equal(422);
    for (const amount of ['0.00', '0']) {
      const nothing = await enterprise.post('/api/v1/benefits').set('Idempotency-Key', `b-${unique()}`).send({ linkageId: own.body.id, paidOn: '2025-07-01', amount, kind: 'wage' });
      expect(nothing.status, JSON.stringify(nothing.body)).to.equal(400);
      expect(nothing.body.error.details[0]).to.include({ path: 'amount', type: 'money.positive' });
    }
    const threeDecimals = await enterprise.post('/api/v1/benefits').set('Idempotency-Key', `b-${unique()}`).send({ linkageId: own.body.id, paidOn: '2025-07-01', amount: '100.005', kind: 'wage' });
    expect(threeDecimals.status).to.equal(400);

    expect((await enterprise.post(`/api/v1/benefits/${reported.body.id}/confirm`)).status).to.equal(403);
    expect((await (await t.as('poverty.lankao')).post(`/api/v1/benefits/${reported.body.id}/confirm`)).body.status).to.equal('confirmed');
    expect((await poverty.post(`/api/v1/benefits/${reported.body.id}/reject`).send({ reason: 'late' })).status).to.equal(409);

    const view = await enterprise.get(`/api/v1/enterprises/${fengyuanId}/households?limit=200`);
    expect(view.status).to.equal(200);
    const row = view.body.items.find((i: { householdId: string }) => i.householdId === h.id);
    expect(row).to.include({ benefitsTotal: '1250.50', activeLinkage: true, householdNumber: h.householdNumber });
    expect(row.idNumberMasked).to.match(/^410225\*{8}\d{3}[\dX]$/);
    expect(row.linkageTypes).to.deep.equal(['order_purchase']);
    const filtered = await enterprise.get(`/api/v1/enterprises/${fengyuanId}/households?type=dividend&limit=200`);
    expect(filtered.body.items.every((i: { linkageTypes: string[] }) => i.linkageTypes.includes('dividend'))).to.equal(true);
  });

  it('when a linkage has delivered a benefit, then it cannot end before it, nor its agreed end be set before it, and no benefit is reported past the agreed end', async () => {
    // Found in probing: POST /end took a day before benefits already paid (PATCH refused it); the agreed end bound nothing.
    const poverty = await t.as('poverty.lankao');
    const enterprise = await t.as('enterprise');
    const h = await household('poverty.lankao', LANKAO_VILLAGE, '410225');
    const own = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'order_purchase' }));
    expect(own.status, JSON.stringify(own.body)).to.equal(201);
    const report = (paidOn: string) =>
      enterprise.post('/api/v1/benefits').set('Idempotency-Key', `b-${unique()}`).send({ linkageId: own.body.id, paidOn, amount: '100.00', kind: 'purchase' });
    expect((await report('2025-08-01')).status).to.equal(201);
    const early = await poverty.post(`/api/v1/linkages/${own.body.id}/end`).send({ endedOn: '2025-07-01' });
    expect(expectError(early, 422, 'RULE_VIOLATION').details).to.deep.equal([
      { field: 'endedOn', rule: 'BENEFITS_WITHIN_LINKAGE', message: 'a benefit under this linkage was paid on 2025-08-01' },
    ]);
    const agreed = await poverty.patch(`/api/v1/linkages/${own.body.id}`).send({ endDate: '2025-07-31' });
    expect(expectError(agreed, 422, 'RULE_VIOLATION').details).to.deep.include({ field: 'endDate', rule: 'BENEFITS_WITHIN_LINKAGE', message: 'a benefit under this linkage was paid on 2025-08-01' });
    expect((await poverty.patch(`/api/v1/linkages/${own.body.id}`).send({ endDate: '2025-12-31' })).status).to.equal(200);
    expect(expectError(await report('2026-01-05'), 422, 'RULE_VIOLATION').details).to.deep.include({
      field: 'paidOn', rule: 'NOT_AFTER_LINKAGE_END', message: "the linkage's agreed end is 2025-12-31",
    });
    expect((await poverty.post(`/api/v1/linkages/${own.body.id}/end`).send({ endedOn: '2025-08-01' })).status).to.equal(200);
  });

  it('when the enterprise retries a benefit report with the same Idempotency-Key, then the first answer comes back and one record is stored', async () => {
    const h = await household('poverty.lankao', LANKAO_VILLAGE, '410225');
    const l = await (await t.as('poverty.lankao')).post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'joint_operation' }));
    expect(l.status, JSON.stringify(l.body)).to.equal(201);
    const enterprise = await t.as('enterprise');
    const report = { linkageId: l.body.id, paidOn: '2025-06-30', amount: '800.00', kind: 'wage' };
    const send = (key: string, body: object) => enterprise.post('/api/v1/benefits').set('Idempotency-Key', key).send(body);
    const stored = async () => (await t.db.dataSource.query('SELECT count(*)::int AS count FROM benefit_records WHERE linkage_id = $1', [l.body.id]))[0].count;

    const key = `b-${unique()}`;
    const first = await send(key, report);
    const retry = await send(key, report);
    expect([first.status, retry.status]).to.deep.equal([201, 201]);
    expect(retry.body).to.deep.equal(first.body);
    expect(await stored()).to.equal(1);
    const reused = await send(key, { ...report, amount: '900.00' });
    expect(reused.status, JSON.stringify(reused.body)).to.equal(422);
    expect(reused.body.error.details[0]).to.include({ field: 'Idempotency-Key', rule: 'IDEMPOTENCY_KEY_REUSED' });
    expect((await enterprise.post('/api/v1/benefits').send(report)).status, 'no Idempotency-Key').to.equal(400);
    expect(await stored()).to.equal(1);

    const racingKey = `b-${unique()}`;
    const racing = await Promise.all([1, 2, 3].map(() => send(racingKey, { ...report, paidOn: '2025-07-31' })));
    expect(racing.map((r) => r.status)).to.deep.equal([201, 201, 201]);
    expect(new Set(racing.map((r) => r.body.id)).size).to.equal(1);
    expect(await stored()).to.equal(2);
  });

  it('when an agreed annual benefit or a benefit amount is beyond numeric(14,2), then 400 names the field and the rule; the largest amount it holds is stored', async () => {
    const poverty = await t.as('poverty.lankao');
    const enterprise = await t.as('enterprise');
    const h = await household('poverty.lankao', LANKAO_VILLAGE, '410225');
    const tooLarge = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'equity', agreedAnnualBenefit: '1000000000000.00' }));
    expect(tooLarge.status, JSON.stringify(tooLarge.body)).to.equal(400);
    expect(tooLarge.body.error.details).to.deep.equal([
      { in: 'body', path: 'agreedAnnualBenefit', message: 'agreedAnnualBenefit must be at most 999999999999.99', type: 'money.max' },
    ]);
    const largest = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, h.id, { type: 'equity', agreedAnnualBenefit: '999999999999.99' }));
    expect(largest.status, JSON.stringify(largest.body)).to.equal(201);
    expect(largest.body.agreedAnnualBenefit).to.equal('999999999999.99');

    const report = (amount: string) => enterprise.post('/api/v1/benefits').set('Idempotency-Key', `b-${unique()}`).send({ linkageId: largest.body.id, paidOn: '2025-06-30', amount, kind: 'dividend' });
    const tooMuch = await report('1000000000000.00');
    expect(tooMuch.status, JSON.stringify(tooMuch.body)).to.equal(400);
    expect(tooMuch.body.error.details[0]).to.include({ path: 'amount', type: 'money.max' });
    expect((await report('999999999999.99')).body.amount).to.equal('999999999999.99');
    const stored = await t.db.dataSource.query('SELECT amount::text FROM benefit_records WHERE linkage_id = $1', [largest.body.id]);
    expect(stored).to.deep.equal([{ amount: '999999999999.99' }]);
  });

  it('when a linkage is past its agreed end date, not yet started or ended on a future date, then the enterprise view calls it active as isActiveOn does', async () => {
    const poverty = await t.as('poverty.lankao');
    const households = await Promise.all([1, 2, 3].map(() => household('poverty.lankao', LANKAO_VILLAGE, '410225')));
    const [expired, notStarted, endingLater] = households.map((h) => h.id);
    expect((await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, expired!, { type: 'facility_lease', startDate: '2024-01-01', endDate: '2024-12-31' }))).body.active).to.equal(false);
    expect((await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, notStarted!, { type: 'facility_lease', startDate: '2099-01-01' }))).body.active).to.equal(false);
    const lease = await poverty.post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, endingLater!, { type: 'facility_lease', startDate: '2025-01-01' }));
    expect((await poverty.post(`/api/v1/linkages/${lease.body.id}/end`).send({ endedOn: '2099-12-31' })).body.active).to.equal(true);
    const view = await (await t.as('enterprise')).get(`/api/v1/enterprises/${fengyuanId}/households?type=facility_lease&limit=200`);
    const activeOf = (id: string) => view.body.items.find((i: { householdId: string }) => i.householdId === id)?.activeLinkage;
    expect([activeOf(expired!), activeOf(notStarted!), activeOf(endingLater!)]).to.deep.equal([false, false, true]);
  });

  it('when the enterprise view is asked for a page past its end, or a village with none of its households, then 200 with the total', async () => {
    const enterprise = await t.as('enterprise');
    const all = await enterprise.get(`/api/v1/enterprises/${fengyuanId}/households?limit=1`);
    expect(all.status, JSON.stringify(all.body)).to.equal(200);
    const beyond = await enterprise.get(`/api/v1/enterprises/${fengyuanId}/households?limit=1&offset=100000`);
    expect(beyond.status, JSON.stringify(beyond.body)).to.equal(200);
    expect(beyond.body).to.deep.equal({ items: [], total: all.body.total, limit: 1, offset: 100000 });
    const elsewhere = await enterprise.get(`/api/v1/enterprises/${fengyuanId}/households?villageCode=410221999999&type=equity`);
    expect(elsewhere.status, JSON.stringify(elsewhere.body)).to.equal(200);
    expect(elsewhere.body).to.include({ total: 0 });
  });

  it("when an enterprise user asks for another enterprise, its households, linkages or benefits, then 404 or nothing", async () => {
    const enterprise = await t.as('enterprise');
    expect((await enterprise.get(`/api/v1/enterprises/${otherEnterpriseId}`)).status).to.equal(404);
    expect((await enterprise.get(`/api/v1/enterprises/${otherEnterpriseId}/households`)).status).to.equal(404);
    const list = await enterprise.get('/api/v1/enterprises');
    expect(list.body.items.map((e: { id: string }) => e.id)).to.deep.equal([fengyuanId]);
    const linkages = await enterprise.get('/api/v1/linkages?limit=200');
    expect(linkages.body.items.every((l: { sourceId: string }) => l.sourceId === fengyuanId)).to.equal(true);
    const benefits = await enterprise.get('/api/v1/benefits?limit=200');
    expect(benefits.body.items.every((b: { enterpriseId: string }) => b.enterpriseId === fengyuanId)).to.equal(true);
    expect((await enterprise.get('/api/v1/households?limit=1')).body.items.length).to.be.at.most(1);
  });

  it("when Lankao staff read a Lankao enterprise's households, then those it supports in another county are neither listed nor counted", async () => {
    const qixian = await household('poverty', QIXIAN_VILLAGE, '410221');
    const link = await (await t.as('poverty')).post('/api/v1/linkages').send(linkage('enterprise', fengyuanId, qixian.id, { type: 'employment' }));
    expect(link.status, JSON.stringify(link.body)).to.equal(201);
    const inQixian = `/api/v1/enterprises/${fengyuanId}/households?limit=200&villageCode=${QIXIAN_VILLAGE}`;
    for (const username of ['enterprise', 'poverty']) {
      const res = await (await t.as(username)).get(inQixian);
      expect(res.body.items.map((h: { householdId: string }) => h.householdId), username).to.include(qixian.id);
    }
    const [{ lankao }] = await t.db.dataSource.query(
      `SELECT count(DISTINCT household_id)::int AS lankao FROM linkages WHERE source_enterprise_id = $1 AND region_path LIKE '410200/410225/%'`,
      [fengyuanId],
    );
    for (const username of ['poverty.lankao', 'auditor.lankao', 'finance.lankao']) {
      const agent = await t.as(username);
      // No row on the page: the total comes from the count query, which is scoped too.
      const none = await agent.get(inQixian);
      expect(none.status, JSON.stringify(none.body)).to.equal(200);
      expect(none.body, username).to.include({ total: 0 });
      expect(none.body.items, username).to.deep.equal([]);
      const all = await agent.get(`/api/v1/enterprises/${fengyuanId}/households?limit=200`);
      expect(all.body.total, username).to.equal(lankao);
      expect(all.body.items.every((h: { villageCode: string }) => h.villageCode.startsWith('410225')), username).to.equal(true);
      const beyond = await agent.get(`/api/v1/enterprises/${fengyuanId}/households?limit=1&offset=100000`);
      expect(beyond.body.total, username).to.equal(lankao);
    }
  });

  it('when an enterprise is registered with a bad USCC or twice, then 422 or 409', async () => {
    const poverty = await t.as('poverty');
    const good = uscc(`91410225MA6${unique().slice(-6)}`);
    const bad = good.slice(0, 17) + (good.endsWith('1') ? '2' : '1');
    const invalid = await poverty.post('/api/v1/enterprises').send({ name: '坏码公司', uscc: bad, kind: 'company', regionCode: '410225' });
    expect(invalid.status).to.equal(422);
    expect(invalid.body.error.details[0]).to.include({ field: 'uscc', rule: 'USCC_INVALID' });
    expect((await poverty.post('/api/v1/enterprises').send({ name: '好码公司', uscc: good, kind: 'company', regionCode: '410225' })).status).to.equal(201);
    expect((await poverty.post('/api/v1/enterprises').send({ name: '重复公司', uscc: good, kind: 'company', regionCode: '410225' })).status).to.equal(409);
    const lankaoElsewhere = await (await t.as('poverty.lankao')).post('/api/v1/enterprises').send({ name: '外县公司', uscc: uscc(`91410221MA7${unique().slice(-6)}`), kind: 'company', regionCode: '410221' });
    expect(lankaoElsewhere.status).to.equal(422);
  });
});
