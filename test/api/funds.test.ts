import { expect } from 'chai';
import { addDays } from '../../src/core/dates';
import { Decimal } from '../../src/core/money';
import { todayInShanghai } from '../../src/shared/clock';
import { startTestApp, type TestApp } from '../support/app';

/** Risk-compensation funds over HTTP (SPEC §5 风险补偿金, §9 scope, §11 idempotency). */
describe('risk-compensation funds (SPEC §5, §9)', () => {
  let t: TestApp;
  const banks: Record<'abc' | 'rcb' | 'psbc', string> = { abc: '', rcb: '', psbc: '' };
  let abcBranchId: string;
  let lankaoAbcFundId: string;
  const today = todayInShanghai();
  let keyCounter = 0;
  const newKey = () => `fund-test-${process.pid}-${(keyCounter += 1)}`;

  before(async () => {
    t = await startTestApp();
    const rows: Array<{ id: string; name: string; type: string }> = await t.db.dataSource.query(
      `SELECT id, name, type FROM institutions WHERE type IN ('bank', 'bank_branch')`,
    );
    banks.abc = rows.find((r) => r.type === 'bank' && r.name.includes('农业银行'))!.id;
    banks.rcb = rows.find((r) => r.type === 'bank' && r.name.includes('农村商业银行'))!.id;
    banks.psbc = rows.find((r) => r.type === 'bank' && r.name.includes('邮政储蓄'))!.id;
    abcBranchId = rows.find((r) => r.type === 'bank_branch' && r.name.includes('农业银行') && r.name.includes('兰考'))!.id;
  });
  after(async () => {
    await t?.close();
  });

  async function createFund(user: string, body: Record<string, unknown>) {
    return (await t.as(user)).post('/api/v1/funds').send(body);
  }
  async function move(user: string, fundId: string, key: string, body: Record<string, unknown>) {
    return (await t.as(user)).post(`/api/v1/funds/${fundId}/deposits`).set('Idempotency-Key', key).send(body);
  }
  async function movementRows(fundId: string): Promise<number> {
    const [{ count }] = await t.db.dataSource.query('SELECT count(*)::int AS count FROM fund_movements WHERE fund_id = $1', [fundId]);
    return count;
  }
  async function openFund(user: string, countyCode: string, bank: keyof typeof banks, modelCode: string): Promise<string> {
    const res = await createFund(user, { countyCode, bankId: banks[bank], modelCode });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id;
  }

  describe('opening a fund', () => {
    it('when the city finance officer opens Lankao/ABC/household microcredit, then it starts empty with the model multiple', async () => {
      const res = await createFund('finance', { countyCode: '410225', bankId: banks.abc, modelCode: 'household_microcredit' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.include({
        countyCode: '410225',
        bankId: banks.abc,
        modelCode: 'household_microcredit',
        multiple: '10',
        balance: '0.00',
        capacity: '0.00',
        outstandingPrincipal: '0.00',
        capacityLeft: '0.00',
      });
      lankaoAbcFundId = res.body.id;
      const [audit] = await t.db.dataSource.query(`SELECT action, region_path FROM audit_log WHERE entity_type = 'risk_fund' AND entity_id = $1`, [lankaoAbcFundId]);
      expect(audit).to.deep.equal({ action: 'create', region_path: '410200/410225/' });
    });

    it('when the same county, bank and model are opened again, then 409', async () => {
      const res = await createFund('finance2', { countyCode: '410225', bankId: banks.abc, modelCode: 'household_microcredit' });
      expect(res.status).to.equal(409);
      expect(res.body.error.code).to.equal('DUPLICATE');
    });

    it('when the model does not draw capacity from a risk fund, then 422 naming the rule', async () => {
      const res = await createFund('finance', { countyCode: '410225', bankId: banks.abc, modelCode: 'enterprise_driven' });
      expect(res.status).to.equal(422);
      expect(res.body.error.details.map((d: { rule: string }) => d.rule)).to.deep.equal(['MODEL_WITHOUT_RISK_FUND']);
    });

    it('when the bank is a branch, the county a township and the model unknown, then 422 lists all three', async () => {
      const res = await createFund('finance', { countyCode: '410225100', bankId: abcBranchId, modelCode: 'no_such_model' });
      expect(res.status).to.equal(422);
      expect(res.body.error.details.map((d: { rule: string }) => d.rule)).to.deep.equal(['COUNTY_EXISTS', 'HEAD_OFFICE_BANK', 'MODEL_IN_FORCE']);
    });

    it('when a multiple is given, then it replaces the default; above 50 it is refused', async () => {
      const res = await createFund('finance', { countyCode: '410225', bankId: banks.psbc, modelCode: 'risk_fund_enterprise', multiple: '12.5' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.multiple).to.equal('12.5');
      const tooHigh = await createFund('finance', { countyCode: '410221', bankId: banks.psbc, modelCode: 'risk_fund_enterprise', multiple: '50.01' });
      expect(tooHigh.status).to.equal(422);
      expect(tooHigh.body.error.details[0].rule).to.equal('MULTIPLE_RANGE');
    });

    it('when the Lankao finance officer opens a fund for Qixian (410221), then 403; for Lankao, 201', async () => {
      const other = await createFund('finance.lankao', { countyCode: '410221', bankId: banks.abc, modelCode: 'household_microcredit' });
      expect(other.status).to.equal(403);
      const own = await createFund('finance.lankao', { countyCode: '410225', bankId: banks.rcb, modelCode: 'household_microcredit' });
      expect(own.status, JSON.stringify(own.body)).to.equal(201);
    });

    it('when a loan officer or an auditor tries to open a fund, then 403', async () => {
      for (const user of ['officer.abc', 'auditor']) {
        const res = await createFund(user, { countyCode: '410225', bankId: banks.abc, modelCode: 'risk_fund_enterprise' });
        expect(res.status, user).to.equal(403);
      }
    });
  });

  describe('money in and out', () => {
    it('when 100000.00 is deposited and 50000.55 topped up, then the balance is 150000.55 and the capacity 1500005.50', async () => {
      const first = await move('finance', lankaoAbcFundId, newKey(), { kind: 'deposit', amount: '100000.00', occurredOn: today, reference: 'LK-2026-001' });
      expect(first.status, JSON.stringify(first.body)).to.equal(201);
      expect(first.body).to.include({ kind: 'deposit', amount: '100000.00', balanceAfter: '100000.00', reference: 'LK-2026-001' });
      const second = await move('finance.lankao', lankaoAbcFundId, newKey(), { kind: 'top_up', amount: '50000.55', occurredOn: today });
      expect(second.status).to.equal(201);
      expect(second.body).to.include({ kind: 'top_up', amount: '50000.55', balanceAfter: '150000.55', reference: null });

      const fund = await (await t.as('finance')).get(`/api/v1/funds/${lankaoAbcFundId}`);
      expect(fund.body).to.include({ balance: '150000.55', capacity: '1500005.50', outstandingPrincipal: '0.00', capacityLeft: '1500005.50' });
      const [row] = await t.db.dataSource.query('SELECT balance::text FROM risk_funds WHERE id = $1', [lankaoAbcFundId]);
      expect(row.balance).to.equal('150000.55');
    });

    it('when the movements are listed, then the newest comes first with its balance after', async () => {
      const res = await (await t.as('auditor')).get(`/api/v1/funds/${lankaoAbcFundId}/movements`);
      expect(res.status).to.equal(200);
      expect(res.body.total).to.equal(2);
      expect(res.body.items.map((m: { kind: string; amount: string; balanceAfter: string }) => [m.kind, m.amount, m.balanceAfter])).to.deep.equal([
        ['top_up', '50000.55', '150000.55'],
        ['deposit', '100000.00', '100000.00'],
      ]);
      const page = await (await t.as('auditor')).get(`/api/v1/funds/${lankaoAbcFundId}/movements?limit=1&offset=1`);
      expect(page.body.items.map((m: { kind: string }) => m.kind)).to.deep.equal(['deposit']);
    });

    it('when a deposit is retried with the same key, then the same movement comes back and one row exists', async () => {
      const key = newKey();
      const body = { kind: 'deposit', amount: '10.00', occurredOn: today };
      const first = await move('finance', lankaoAbcFundId, key, body);
      const retry = await move('finance', lankaoAbcFundId, key, body);
      expect(first.status).to.equal(201);
      expect(retry.status).to.equal(201);
      expect(retry.body).to.deep.equal(first.body);
      const rows = await t.db.dataSource.query('SELECT count(*)::int AS count FROM fund_movements WHERE idempotency_key = $1', [key]);
      expect(rows[0].count).to.equal(1);
      const audits = await t.db.dataSource.query(`SELECT count(*)::int AS count FROM audit_log WHERE entity_type = 'fund_movement' AND entity_id = $1`, [first.body.id]);
      expect(audits[0].count).to.equal(1);
      const fund = await (await t.as('finance')).get(`/api/v1/funds/${lankaoAbcFundId}`);
      expect(fund.body.balance).to.equal('150010.55');
    });

    it('when two requests with the same key race, then both get one movement', async () => {
      const key = newKey();
      const body = { kind: 'top_up', amount: '0.45', occurredOn: today };
      const [a, b] = await Promise.all([move('finance', lankaoAbcFundId, key, body), move('finance', lankaoAbcFundId, key, body)]);
      expect([a.status, b.status]).to.deep.equal([201, 201]);
      expect(a.body.id).to.equal(b.body.id);
      const fund = await (await t.as('finance')).get(`/api/v1/funds/${lankaoAbcFundId}`);
      expect(fund.body.balance).to.equal('150011.00');
    });

    it('when a key is reused for a different body, then 422 IDEMPOTENCY_KEY_REUSED and nothing is written', async () => {
      const key = newKey();
      await move('finance', lankaoAbcFundId, key, { kind: 'deposit', amount: '1.00', occurredOn: today });
      const before = await movementRows(lankaoAbcFundId);
      const res = await move('finance', lankaoAbcFundId, key, { kind: 'deposit', amount: '2.00', occurredOn: today });
      expect(res.status).to.equal(422);
      expect(res.body.error.details[0].rule).to.equal('IDEMPOTENCY_KEY_REUSED');
      expect(await movementRows(lankaoAbcFundId)).to.equal(before);
    });

    it('when a withdrawal would take the balance below zero, then 422 with the numbers and nothing changes', async () => {
      const before = await movementRows(lankaoAbcFundId);
      const res = await move('finance', lankaoAbcFundId, newKey(), { kind: 'withdrawal', amount: '150012.01', occurredOn: today });
      expect(res.status).to.equal(422);
      expect(res.body.error.details[0]).to.include({ rule: 'FUND_BALANCE_NEGATIVE', limit: '150012.00', actual: '150012.01' });
      expect(await movementRows(lankaoAbcFundId)).to.equal(before);
    });

    it('when money is taken on a past date the fund did not hold it then, then 422 naming that day, though today’s balance covers it', async () => {
      const opened = await createFund('finance', { countyCode: '410221', bankId: banks.psbc, modelCode: 'risk_fund_enterprise' });
      expect(opened.status, JSON.stringify(opened.body)).to.equal(201);
      const fundId = opened.body.id as string;
      const daysAgo = (n: number) => addDays(today, -n);
      const deposited = await move('finance', fundId, newKey(), { kind: 'deposit', amount: '1000.00', occurredOn: daysAgo(20) });
      expect(deposited.status).to.equal(201);
      expect((await move('finance', fundId, newKey(), { kind: 'withdrawal', amount: '400.00', occurredOn: daysAgo(10) })).status).to.equal(201);
      expect((await move('finance', fundId, newKey(), { kind: 'deposit', amount: '5000.00', occurredOn: daysAgo(5) })).status).to.equal(201);
      // End-of-day balances: 1000.00 (20 days ago), 600.00 (10 days ago), 5600.00 (5 days ago and today).
      const before = await movementRows(fundId);

      const refused = await move('finance', fundId, newKey(), { kind: 'withdrawal', amount: '700.00', occurredOn: daysAgo(15) });
      expect(refused.status, JSON.stringify(refused.body)).to.equal(422);
      expect(refused.body.error.details[0]).to.include({ rule: 'FUND_BALANCE_NEGATIVE', limit: '600.00', actual: '700.00' });
      expect(refused.body.error.details[0].message).to.include(daysAgo(10));
      const beforeAnyMoney = await move('finance', fundId, newKey(), { kind: 'withdrawal', amount: '0.01', occurredOn: daysAgo(30) });
      expect(beforeAnyMoney.body.error.details[0]).to.include({ rule: 'FUND_BALANCE_NEGATIVE', limit: '0.00', actual: '0.01' });
      expect(beforeAnyMoney.body.error.details[0].message).to.include(daysAgo(30));
      expect(await movementRows(fundId)).to.equal(before);

      const allowed = await move('finance', fundId, newKey(), { kind: 'withdrawal', amount: '600.00', occurredOn: daysAgo(15) });
      expect(allowed.status, JSON.stringify(allowed.body)).to.equal(201);
      expect(allowed.body).to.include({ amount: '-600.00', balanceAfter: '5000.00' });
      const asOf = await (await t.as('finance')).get(`/api/v1/funds/${fundId}?asOf=${daysAgo(10)}`);
      expect(asOf.body.balanceAsOf).to.equal('0.00');
    });

    it('when a withdrawal is allowed, then it is stored negative', async () => {
      const res = await move('finance', lankaoAbcFundId, newKey(), { kind: 'withdrawal', amount: '12.00', occurredOn: today });
      expect(res.status).to.equal(201);
      expect(res.body).to.include({ kind: 'withdrawal', amount: '-12.00', balanceAfter: '150000.00' });
    });

    it('when the input is malformed, then 400 for each problem', async () => {
      const cases: Array<[Record<string, unknown>, string | undefined]> = [
        [{ kind: 'deposit', amount: '0.00', occurredOn: today }, newKey()],
        [{ kind: 'deposit', amount: '1.001', occurredOn: today }, newKey()],
        [{ kind: 'deposit', amount: '-5.00', occurredOn: today }, newKey()],
        // numeric(16,2) holds 14 integer digits.
        [{ kind: 'deposit', amount: '100000000000000.00', occurredOn: today }, newKey()],
        [{ kind: 'payout', amount: '5.00', occurredOn: today }, newKey()],
        [{ kind: 'deposit', amount: '5.00', occurredOn: '2026-02-30' }, newKey()],
        [{ kind: 'deposit', amount: '5.00', occurredOn: today }, undefined],
        [{ kind: 'deposit', amount: '5.00', occurredOn: today }, 'x'.repeat(101)],
      ];
      for (const [body, key] of cases) {
        const request = (await t.as('finance')).post(`/api/v1/funds/${lankaoAbcFundId}/deposits`);
        const res = await (key === undefined ? request : request.set('Idempotency-Key', key)).send(body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
      }
    });

    it('when a deposit would take the balance beyond numeric(16,2), then 422 and nothing changes', async () => {
      const fundId = await openFund('finance', '410222', 'psbc', 'risk_fund_enterprise');
      const full = await move('finance', fundId, newKey(), { kind: 'deposit', amount: '99999999999999.99', occurredOn: today });
      expect(full.status, JSON.stringify(full.body)).to.equal(201);
      const over = await move('finance', fundId, newKey(), { kind: 'top_up', amount: '0.01', occurredOn: today });
      expect(over.status, JSON.stringify(over.body)).to.equal(422);
      expect(over.body.error.code).to.equal('RULE_VIOLATION');
      expect(await movementRows(fundId)).to.equal(1);
      const [row] = await t.db.dataSource.query('SELECT balance::text FROM risk_funds WHERE id = $1', [fundId]);
      expect(row.balance).to.equal('99999999999999.99');
    });

    it('when the date is after today, then 422', async () => {
      const res = await move('finance', lankaoAbcFundId, newKey(), { kind: 'deposit', amount: '5.00', occurredOn: '2999-01-01' });
      expect(res.status).to.equal(422);
      expect(res.body.error.details[0].rule).to.equal('OCCURRED_ON_IN_FUTURE');
    });

    it('when a loan officer tries to deposit, then 403; an officer of another county gets 404', async () => {
      const officer = await move('officer.abc', lankaoAbcFundId, newKey(), { kind: 'deposit', amount: '5.00', occurredOn: today });
      expect(officer.status).to.equal(403);
      const qixianFund = await openFund('finance', '410221', 'abc', 'household_microcredit');
      const county = await move('finance.lankao', qixianFund, newKey(), { kind: 'deposit', amount: '5.00', occurredOn: today });
      expect(county.status).to.equal(404);
    });
  });

  describe('reading within scope', () => {
    let weishiRcbFundId: string;
    before(async () => {
      weishiRcbFundId = await openFund('finance', '410223', 'rcb', 'household_microcredit');
    });

    it("when RCB's loan officer reads ABC's fund, then 404; the list holds only RCB's funds", async () => {
      const officer = await t.as('officer.rcb');
      expect((await officer.get(`/api/v1/funds/${lankaoAbcFundId}`)).status).to.equal(404);
      expect((await officer.get(`/api/v1/funds/${lankaoAbcFundId}/movements`)).status).to.equal(404);
      const list = await officer.get('/api/v1/funds');
      expect(list.status).to.equal(200);
      expect(list.body.items.length).to.be.greaterThan(0);
      expect(list.body.items.every((f: { bankId: string }) => f.bankId === banks.rcb)).to.equal(true);
      expect(list.body.items.map((f: { id: string }) => f.id)).to.include(weishiRcbFundId);
      expect((await officer.get(`/api/v1/funds/${weishiRcbFundId}`)).status).to.equal(200);
    });

    it("when ABC's loan officer lists, then ABC's funds only, Lankao's among them", async () => {
      const list = await (await t.as('officer.abc')).get('/api/v1/funds');
      expect(list.body.items.every((f: { bankId: string }) => f.bankId === banks.abc)).to.equal(true);
      expect(list.body.items.map((f: { id: string }) => f.id)).to.include(lankaoAbcFundId);
    });

    it("when Lankao's auditor lists, then only Lankao's funds; Weishi's fund is 404", async () => {
      const auditor = await t.as('auditor.lankao');
      const list = await auditor.get('/api/v1/funds');
      expect(list.body.items.length).to.be.greaterThan(0);
      expect(list.body.items.every((f: { countyCode: string }) => f.countyCode === '410225')).to.equal(true);
      expect((await auditor.get(`/api/v1/funds/${weishiRcbFundId}`)).status).to.equal(404);
    });

    it('when the list is filtered by county, bank and model, then only matching funds come', async () => {
      const res = await (await t.as('admin')).get(`/api/v1/funds?countyCode=410225&bankId=${banks.abc}&modelCode=household_microcredit`);
      expect(res.status).to.equal(200);
      expect(res.body.items.map((f: { id: string }) => f.id)).to.deep.equal([lankaoAbcFundId]);
      expect(res.body.total).to.equal(1);
    });

    it('when the poverty office or an enterprise asks, then 403', async () => {
      for (const user of ['poverty', 'enterprise']) {
        expect((await (await t.as(user)).get('/api/v1/funds')).status, user).to.equal(403);
      }
    });
  });

  describe('balances over time', () => {
    it('when asked asOf a date, then the balance is the sum of the movements up to that date', async () => {
      const fundId = await openFund('finance', '410221', 'abc', 'risk_fund_enterprise');
      const movements: Array<[string, string, string]> = [
        ['deposit', '1000.00', '2025-01-10'],
        ['top_up', '2000.50', '2025-02-10'],
        ['withdrawal', '500.25', '2025-03-10'],
        ['top_up', '0.01', '2025-03-10'],
      ];
      for (const [kind, amount, occurredOn] of movements) {
        expect((await move('finance', fundId, newKey(), { kind, amount, occurredOn })).status).to.equal(201);
      }
      const expected: Array<[string, string]> = [
        ['2025-01-09', '0.00'],
        ['2025-01-10', '1000.00'],
        ['2025-02-28', '3000.50'],
        ['2025-03-10', '2500.26'],
        [today, '2500.26'],
      ];
      const finance = await t.as('finance');
      for (const [asOf, balance] of expected) {
        const res = await finance.get(`/api/v1/funds/${fundId}?asOf=${asOf}`);
        expect(res.status).to.equal(200);
        expect(res.body, asOf).to.include({ asOf, balanceAsOf: balance, balance: '2500.26' });
      }
      expect((await finance.get(`/api/v1/funds/${fundId}?asOf=2025-02-30`)).status).to.equal(400);
    });

    it('when many random deposits and withdrawals are made, then the balance is deposits − withdrawals to the fen', async () => {
      const fundId = await openFund('finance', '410222', 'rcb', 'household_microcredit');
      // Park–Miller: deterministic, and every product stays below 2^53.
      let seed = 20260920;
      const random = (below: number) => {
        seed = (seed * 48271) % 2147483647;
        return seed % below;
      };
      const toYuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
      let expected = new Decimal(0);
      let refused = 0;
      for (let i = 0; i < 40; i += 1) {
        const kind = random(10) < 6 ? (random(2) === 0 ? 'deposit' : 'top_up') : 'withdrawal';
        // Withdrawals reach further than deposits, so that some must be refused.
        const amount = toYuan(1 + random(kind === 'withdrawal' ? 20_000_000 : 5_000_000));
        const res = await move('finance', fundId, newKey(), { kind, amount, occurredOn: today });
        const next = kind === 'withdrawal' ? expected.minus(amount) : expected.plus(amount);
        if (next.lt(0)) {
          expect(res.status).to.equal(422);
          refused += 1;
          continue;
        }
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expected = next;
        expect(res.body.balanceAfter).to.equal(expected.toFixed(2));
      }
      expect(refused, 'the sequence should exercise refusals too').to.be.greaterThan(0);
      const fund = await (await t.as('finance')).get(`/api/v1/funds/${fundId}`);
      expect(fund.body.balance).to.equal(expected.toFixed(2));
      const [sum] = await t.db.dataSource.query('SELECT sum(amount)::text AS total FROM fund_movements WHERE fund_id = $1', [fundId]);
      expect(new Decimal(sum.total).toFixed(2)).to.equal(expected.toFixed(2));
    });
  });

  it('when the OpenAPI document is read, then the fund endpoints are in it', async () => {
    const res = await t.request().get('/api/openapi.json');
    expect(Object.keys(res.body.paths)).to.include.members(['/api/v1/funds', '/api/v1/funds/{id}', '/api/v1/funds/{id}/movements', '/api/v1/funds/{id}/deposits']);
  });
});
