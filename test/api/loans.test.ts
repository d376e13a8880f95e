import { expect } from 'chai';
import { addDays, addMonthsClamped, type IsoDate } from '../../src/core/dates';
import { Decimal, formatMoney, sumMoney } from '../../src/core/money';
import { todayInShanghai } from '../../src/shared/clock';
import { expectError } from '../support/errors';
import { eventually } from '../support/eventually';
import { residentId, unique } from '../support/fixtures';
import { createLinkedEnterprise } from '../support/loan-builder';
import { startTestApp, type TestApp } from '../support/app';

const LANKAO_VILLAGE = '410225100201';

describe('loans: registration, repayments, reversals, extension, delinquency (SPEC §4–§5, issue 4)', () => {
  let t: TestApp;
  let banks: Record<string, string>;
  before(async () => {
    t = await startTestApp();
    const rows: Array<{ id: string; name: string }> = await t.db.dataSource.query(`SELECT id, name FROM institutions WHERE type = 'bank'`);
    banks = {
      abc: rows.find((r) => r.name.includes('农业银行'))!.id,
      rcb: rows.find((r) => r.name.includes('农村商业银行'))!.id,
    };
    // Risk funds for the microcredit model in Lankao at both banks: capacity 10 × 1,000,000.00.
    const finance = await t.as('finance');
    for (const bankId of Object.values(banks)) {
      const fund = await finance.post('/api/v1/funds').send({ countyCode: '410225', bankId, modelCode: 'household_microcredit' });
      expect(fund.status, JSON.stringify(fund.body)).to.equal(201);
      const deposit = await finance.post(`/api/v1/funds/${fund.body.id}/deposits`).set('Idempotency-Key', `seed-${unique()}`).send({ kind: 'deposit', amount: '1000000.00', occurredOn: '2026-01-05' });
      expect(deposit.status, JSON.stringify(deposit.body)).to.be.oneOf([200, 201]);
    }
  });
  after(async () => {
    await t?.close();
  });

  /** Pays, on `paidOn`, the interest the loan's schedule still asks: a loan whose principal is repaid settles then. */
  async function payInterestOwed(loanId: string, paidOn: string) {
    const officer = await t.as('officer.abc');
    const detail = (await officer.get(`/api/v1/loans/${loanId}?asOf=2099-12-31`)).body;
    const owed = sumMoney(detail.schedule.map((r: { interestDue: string }) => new Decimal(r.interestDue))).minus(new Decimal(detail.balances.interestPaid));
    const paid = await officer.post(`/api/v1/loans/${loanId}/repayments`).set('Idempotency-Key', `k-${unique()}`).send({ paidOn, interest: formatMoney(owed) });
    expect(paid.status, JSON.stringify(paid.body)).to.equal(201);
    return paid;
  }

  async function household(overrides: Record<string, unknown> = {}): Promise<string> {
    const n = unique();
    const res = await (await t.as('poverty.lankao')).post('/api/v1/households').send({
      householdNumber: `LN-${n}`,
      headName: '赵六',
      idNumber: residentId('410225', '19850301', Number(n.slice(-3))),
      villageCode: LANKAO_VILLAGE,
      members: 4,
      laborers: 2,
      statusSince: '2024-01-01',
      ...overrides,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id;
  }

  function microcredit(householdId: string, overrides: Record<string, unknown> = {}) {
    return {
      contractNumber: `HT-${unique()}`,
      modelCode: 'household_microcredit',
      borrowerKind: 'household',
      householdId,
      principal: '50000.00',
      rateAnnual: '0.0435',
      contractDate: '2026-03-01',
      disbursementDate: '2026-03-01',
      maturityDate: '2027-03-01',
      purpose: '养牛',
      ...overrides,
    };
  }

  async function register(user: string, body: object, key = `key-${unique()}`) {
    return (await t.as(user)).post('/api/v1/loans').set('Idempotency-Key', key).send(body);
  }

  it('when a loan is registered twice with the same Idempotency-Key, then one loan exists and both answers are the same', async () => {
    const body = microcredit(await household());
    const first = await register('officer.abc', body, 'retry-key-0001');
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(first.body).to.include({ status: 'active', principal: '50000.00', outstandingPrincipal: '50000.00', termMonths: 12, referenceRateAnnual: '0.0435' });
    const second = await register('officer.abc', body, 'retry-key-0001');
    expect(second.status).to.equal(201);
    expect(second.body).to.deep.equal(first.body);
    const [{ count }] = await t.db.dataSource.query('SELECT count(*)::int AS count FROM loans WHERE contract_number = $1', [body.contractNumber]);
    expect(count).to.equal(1);
    const reused = await register('officer.abc', { ...body, principal: '40000.00' }, 'retry-key-0001');
    expect(reused.status).to.equal(422);
    expect(reused.body.error.details[0].rule).to.equal('IDEMPOTENCY_KEY_REUSED');
  });

  it('when two banks register the same household at the same moment, then exactly one loan goes through', async () => {
    const householdId = await household();
    const results = await Promise.all([
      register('officer.abc', microcredit(householdId)),
      register('officer.rcb', microcredit(householdId)),
      register('officer.abc', microcredit(householdId)),
    ]);
    expect(results.filter((r) => r.status === 201)).to.have.length(1);
    for (const refused of results.filter((r) => r.status !== 201)) {
      expect(refused.status).to.equal(422);
      expect(refused.body.error.details.map((d: { code: string }) => d.code)).to.include('ONE_ACTIVE_LOAN_PER_HOUSEHOLD');
    }
    const [{ count }] = await t.db.dataSource.query(`SELECT count(*)::int AS count FROM loans WHERE household_id = $1`, [householdId]);
    expect(count).to.equal(1);
  });

  it('when a loan breaks several rules, then every failure is listed with its limit and nothing is written', async () => {
    const householdId = await household({ idNumber: residentId('410225', '19500101', Number(unique().slice(-3))) });
    await (await t.as('poverty.lankao')).post(`/api/v1/households/${householdId}/status`).send({ status: 'lifted', effectiveDate: '2025-01-01' });
    const before = await t.db.dataSource.query('SELECT count(*)::int AS count FROM loans');
    const res = await register('officer.abc', microcredit(householdId, { principal: '50000.01', rateAnnual: '0.0500', maturityDate: '2029-03-02' }));
    expect(res.status).to.equal(422);
    const byCode = Object.fromEntries(res.body.error.details.map((d: { code: string }) => [d.code, d]));
    expect(Object.keys(byCode)).to.include.members(['HOUSEHOLD_STATUS_NOT_ALLOWED', 'PRINCIPAL_OVER_CAP', 'TERM_OVER_CAP', 'AGE_OUT_OF_RANGE', 'RATE_OVER_CAP']);
    expect(byCode.PRINCIPAL_OVER_CAP.limit).to.equal('50000.00');
    expect(await t.db.dataSource.query('SELECT count(*)::int AS count FROM loans')).to.deep.equal(before);
  });

  it("when a household's status changed after the contract date, then eligibility takes its status on the contract date, both ways", async () => {
    const poverty = await t.as('poverty.lankao');
    const changeStatus = async (householdId: string, status: string, effectiveDate: string) => {
      const res = await poverty.post(`/api/v1/households/${householdId}/status`).send({ status, effectiveDate });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    };
    // Lifted on the contract date (2026-03-01), monitored since 2026-10-01: refused.
    const liftedThen = await household({ status: 'lifted', statusSince: '2024-01-01' });
    await changeStatus(liftedThen, 'monitored', '2026-10-01');
    const refused = await register('officer.abc', microcredit(liftedThen));
    expect(refused.status, JSON.stringify(refused.body)).to.equal(422);
    expect(refused.body.error.details).to.deep.equal([
      { code: 'HOUSEHOLD_STATUS_NOT_ALLOWED', field: 'householdId', message: "the household's status on the contract date must be poor or monitored; it was lifted", limit: 'poor,monitored', actual: 'lifted' },
    ]);
    // Poor on the contract date, lifted since 2026-10-01: eligible.
    const poorThen = await household();
    await changeStatus(poorThen, 'lifted', '2026-10-01');
    expect((await register('officer.abc', microcredit(poorThen))).status).to.equal(201);
    // Not in the register yet on the contract date: no status, refused.
    const registeredLater = await household({ statusSince: '2026-06-01' });
    const early = await register('officer.abc', microcredit(registeredLater));
    expect(early.status, JSON.stringify(early.body)).to.equal(422);
    expect(early.body.error.details[0]).to.include({ code: 'HOUSEHOLD_STATUS_NOT_ALLOWED', message: "the household's status on the contract date must be poor or monitored; it was not yet in the register" });
  });

  it('when a driven household was poor on the contract date and is lifted now, then the enterprise drove it on that date', async () => {
    const driven = await household();
    const enterpriseId = await createLinkedEnterprise(t.db.dataSource, [driven], '2025-01-01');
    const lifted = await (await t.as('poverty.lankao')).post(`/api/v1/households/${driven}/status`).send({ status: 'lifted', effectiveDate: '2026-10-01' });
    expect(lifted.status, JSON.stringify(lifted.body)).to.equal(200);
    const enterpriseLoan = (dates: object) =>
      register('officer.abc', {
        contractNumber: `HT-${unique()}`, modelCode: 'enterprise_driven', borrowerKind: 'enterprise', enterpriseId, agreementNumber: `XY-${unique()}`,
        principal: '500000.00', rateAnnual: '0.0470', purpose: '扩建大棚', ...dates,
      });
    const before = await enterpriseLoan({ contractDate: '2026-03-01', disbursementDate: '2026-03-01', maturityDate: '2027-03-01' });
    expect(before.status, JSON.stringify(before.body)).to.equal(201);
    expect(before.body.drivenHouseholds).to.equal(1);
    const after = await enterpriseLoan({ contractDate: '2026-11-01', disbursementDate: '2026-11-01', maturityDate: '2027-11-01' });
    expect(after.status, JSON.stringify(after.body)).to.equal(422);
    expect(after.body.error.details.map((d: { code: string }) => d.code)).to.deep.equal(['TOO_FEW_DRIVEN_HOUSEHOLDS']);
  });

  it('when a monthly loan matures a stray day after a whole number of months, then INVALID_SCHEDULE is listed with the other failed rules and nothing is written', async () => {
    const before = await t.db.dataSource.query('SELECT count(*)::int AS count FROM loans');
    const res = await register('officer.abc', microcredit(await household(), { repaymentMethod: 'equal_installment', principal: '50000.01', maturityDate: '2027-03-15' }));
    expect(res.status, JSON.stringify(res.body)).to.equal(422);
    expect(res.body.error.code).to.equal('RULE_VIOLATION');
    expect(res.body.error.details.map((d: { code: string; field: string }) => [d.code, d.field])).to.deep.equal([
      ['PRINCIPAL_OVER_CAP', 'principal'],
      ['INVALID_SCHEDULE', 'maturityDate'],
    ]);
    expect(res.body.error.details[1].message).to.contain('whole number of months');
    expect(await t.db.dataSource.query('SELECT count(*)::int AS count FROM loans')).to.deep.equal(before);
  });

  it('when a loan matures centuries away, then the model\'s term cap and the schedules\' 600-month limit refuse it (422, not 500)', async () => {
    const capped = await register('officer.abc', microcredit(await household(), { maturityDate: '2200-03-01' }));
    expect(capped.status, JSON.stringify(capped.body)).to.equal(422);
    expect(capped.body.error.details.map((d: { code: string }) => d.code)).to.deep.equal(['TERM_OVER_CAP', 'INVALID_SCHEDULE']);
    expect(capped.body.error.details[0]).to.include({ limit: 36, actual: 2088 });
    // Model 9 has no term cap of its own; a signed contract not yet disbursed is checked from its contract date.
    const uncapped = await register('officer.abc', microcredit(await household(), { modelCode: 'relending_supported', disbursementDate: undefined, maturityDate: '9999-12-31' }));
    expect(uncapped.status, JSON.stringify(uncapped.body)).to.equal(422);
    expect(uncapped.body.error.details.map((d: { code: string }) => d.code)).to.deep.equal(['INVALID_SCHEDULE']);
    expect(uncapped.body.error.details[0].message).to.contain('600 months');
  });

  it('when a loan disbursed at registration, or its contract, is dated after today, then NOT_IN_FUTURE (a disbursement with every other failed rule, a contract on its dates alone) as POST /disburse answers; a guaranteed loan may still request a later date', async () => {
    const today = todayInShanghai();
    const later = { contractDate: today, disbursementDate: addDays(today, 1), maturityDate: addMonthsClamped(addDays(today, 1), 12) };
    const before = await t.db.dataSource.query('SELECT count(*)::int AS count FROM loans');
    const refused = await register('officer.abc', microcredit(await household(), later));
    expect(refused.status, JSON.stringify(refused.body)).to.equal(422);
    expect(refused.body.error.details).to.deep.equal([
      { code: 'NOT_IN_FUTURE', field: 'disbursementDate', message: 'record a disbursement once it has happened: register the contract without a disbursement date until then' },
    ]);
    expect(await t.db.dataSource.query('SELECT count(*)::int AS count FROM loans')).to.deep.equal(before);
    // A disbursement dated ahead is listed with the model's other failed rules (SPEC §4).
    const early = await register('officer.abc', microcredit(await household(), { ...later, principal: '60000.00' }));
    expect(early.body.error.details.map((d: { code?: string; field: string }) => `${d.field}:${d.code}`)).to.have.members([
      'disbursementDate:NOT_IN_FUTURE',
      'principal:PRINCIPAL_OVER_CAP',
    ]);
    // A contract dated ahead is refused on its dates alone: its borrower is not judged at a date of the
    // caller's choosing (the age rule, stepped a day at a time, would tell the masked birth date).
    const old = await household({ idNumber: residentId('410225', '19610222', Number(unique().slice(-3))) });
    const ahead = await register('officer.abc', microcredit(old, { ...later, contractDate: '2027-02-22', disbursementDate: '2027-02-22', maturityDate: '2028-02-22', principal: '60000.00' }));
    expect(ahead.status, JSON.stringify(ahead.body)).to.equal(422);
    expect(ahead.body.error.details.map((d: { code?: string; field: string }) => `${d.field}:${d.code}`)).to.have.members([
      'contractDate:NOT_IN_FUTURE',
      'disbursementDate:NOT_IN_FUTURE',
    ]);
    expect(await t.db.dataSource.query('SELECT count(*)::int AS count FROM loans')).to.deep.equal(before);
    const onTheDay = await register('officer.abc', microcredit(await household(), { ...later, disbursementDate: today, maturityDate: addMonthsClamped(today, 12) }));
    expect(onTheDay.status, JSON.stringify(onTheDay.body)).to.equal(201);
    // Under a guarantee model the loan is disbursed when the guarantee is approved, on the requested date once it has come.
    const [guarantor] = await t.db.dataSource.query(`SELECT id FROM institutions WHERE type = 'guarantee_company' ORDER BY name LIMIT 1`);
    const guaranteed = await register('officer.abc', microcredit(await household(), { ...later, modelCode: 'government_guarantee', guarantorId: guarantor.id, guaranteeFeeRate: '0.01' }));
    expect(guaranteed.status, JSON.stringify(guaranteed.body)).to.equal(201);
    expect(guaranteed.body).to.include({ status: 'pending_guarantee', disbursementDate: null });
  });

  it('when an amount has 3 decimals or a date does not exist, then 400', async () => {
    const householdId = await household();
    expect((await register('officer.abc', microcredit(householdId, { principal: '100.005' }))).status).to.equal(400);
    expect((await register('officer.abc', microcredit(householdId, { contractDate: '2026-02-30' }))).status).to.equal(400);
    expect((await (await t.as('officer.abc')).post('/api/v1/loans').send(microcredit(householdId))).status, 'no Idempotency-Key').to.equal(400);
  });

  it('when the principal is zero, disbursed or not, then 400 names it (it was a 500 and a constraint name) and nothing is written', async () => {
    const householdId = await household();
    const loansBefore = await t.db.dataSource.query('SELECT count(*)::int AS count FROM loans');
    for (const [principal, disbursed] of [['0', true], ['0.00', true], ['0.00', false]] as const) {
      const body = microcredit(householdId, { principal });
      if (!disbursed) delete (body as { disbursementDate?: string }).disbursementDate;
      const res = await register('officer.abc', body);
      expect(res.status, `${principal} ${JSON.stringify(res.body)}`).to.equal(400);
      expect(res.body.error.details).to.deep.equal([{ in: 'body', path: 'principal', message: 'principal must be above zero', type: 'money.positive' }]);
    }
    expect(await t.db.dataSource.query('SELECT count(*)::int AS count FROM loans')).to.deep.equal(loansBefore);
  });

  it('when a principal or a repayment amount is beyond numeric(16,2), then 400 names the field and nothing is written', async () => {
    const householdId = await household();
    const loansBefore = await t.db.dataSource.query('SELECT count(*)::int AS count FROM loans');
    // Relending-supported loans have no principal cap of their own, so only the column limits them.
    const huge = await register('officer.abc', microcredit(householdId, { modelCode: 'relending_supported', principal: '100000000000000.00' }));
    expect(huge.status, JSON.stringify(huge.body)).to.equal(400);
    expect(huge.body.error.details).to.deep.equal([{ in: 'body', path: 'principal', message: 'principal must be at most 99999999999999.99', type: 'money.max' }]);
    expect(await t.db.dataSource.query('SELECT count(*)::int AS count FROM loans')).to.deep.equal(loansBefore);

    const loan = (await register('officer.abc', microcredit(householdId))).body;
    const penalty = await (await t.as('officer.abc')).post(`/api/v1/loans/${loan.id}/repayments`).set('Idempotency-Key', `k-${unique()}`).send({ paidOn: '2026-04-01', penalty: '100000000000000.00' });
    expect(penalty.status, JSON.stringify(penalty.body)).to.equal(400);
    expect(penalty.body.error.details[0]).to.include({ path: 'penalty', type: 'money.max' });
    expect(await t.db.dataSource.query('SELECT count(*)::int AS count FROM repayments WHERE loan_id = $1', [loan.id])).to.deep.equal([{ count: 0 }]);
  });

  it('when a penalty is paid on a loan never past due, or is above the principal, then 422 and nothing is written; a late instalment takes one', async () => {
    const loan = (await register('officer.abc', microcredit(await household(), { contractDate: '2026-01-05', disbursementDate: '2026-01-05', maturityDate: '2027-01-05' }))).body;
    const officer = await t.as('officer.abc');
    const repay = (body: Record<string, unknown>) => officer.post(`/api/v1/loans/${loan.id}/repayments`).set('Idempotency-Key', `k-${unique()}`).send(body);
    const rows: Array<{ dueDate: string; principalDue: string; interestDue: string }> = (await officer.get(`/api/v1/loans/${loan.id}/schedule`)).body;
    // The first instalment paid on its day: nothing was ever late, so no penalty.
    const onTime = await repay({ paidOn: rows[0]!.dueDate, principal: rows[0]!.principalDue, interest: rows[0]!.interestDue, penalty: '99999999.00' });
    expect(onTime.status, JSON.stringify(onTime.body)).to.equal(422);
    expect(onTime.body.error.details.map((d: { field: string; rule: string }) => [d.field, d.rule])).to.deep.equal([
      ['penalty', 'PENALTY_ONLY_WHEN_PAST_DUE'],
      ['penalty', 'PENALTY_WITHIN_PRINCIPAL'],
    ]);
    expect(await t.db.dataSource.query('SELECT count(*)::int AS count FROM repayments WHERE loan_id = $1', [loan.id])).to.deep.equal([{ count: 0 }]);
    expect((await repay({ paidOn: rows[0]!.dueDate, principal: rows[0]!.principalDue, interest: rows[0]!.interestDue })).status).to.equal(201);
    // The second paid five days late: a penalty is taken with it, up to the principal.
    const late = { paidOn: addDays(rows[1]!.dueDate as IsoDate, 5), principal: rows[1]!.principalDue, interest: rows[1]!.interestDue };
    expect((await repay({ ...late, penalty: '50000.01' })).body.error.details.map((d: { rule: string }) => d.rule)).to.deep.equal(['PENALTY_WITHIN_PRINCIPAL']);
    const taken = await repay({ ...late, penalty: '12.34' });
    expect(taken.status, JSON.stringify(taken.body)).to.equal(201);
    expect(taken.body).to.include({ penalty: '12.34' });
    // The bound is on the loan's penalties together: 12.34 + 49,987.67 is a fen above the principal.
    const more = (penalty: string) => repay({ paidOn: late.paidOn, principal: '0.00', interest: '0.00', penalty });
    const over = await more('49987.67');
    expect(over.status).to.equal(422);
    expect(over.body.error.details).to.deep.equal([
      { field: 'penalty', rule: 'PENALTY_WITHIN_PRINCIPAL', message: "the loan's penalties would come to more than its principal", limit: '49987.66', actual: '49987.67' },
    ]);
    expect((await more('49987.66')).status).to.equal(201);
  });

  it("when a loan officer of another bank asks for a bank's loan, then 404", async () => {
    const created = await register('officer.abc', microcredit(await household()));
    const other = await t.as('officer.rcb');
    expect((await other.get(`/api/v1/loans/${created.body.id}`)).status).to.equal(404);
    expect((await other.post(`/api/v1/loans/${created.body.id}/repayments`).set('Idempotency-Key', `k-${unique()}`).send({ paidOn: '2026-04-01', principal: '1.00' })).status).to.equal(404);
    const list = await other.get('/api/v1/loans?limit=200');
    expect(list.body.items.every((l: { bankId: string }) => l.bankId === banks.rcb)).to.equal(true);
    expect((await (await t.as('officer.abc')).get(`/api/v1/loans/${created.body.id}`)).status).to.equal(200);
  });

  it('when repayments are recorded, then never more than outstanding, never before disbursement, idempotent, and reversible once', async () => {
    const loan = (await register('officer.abc', microcredit(await household()))).body;
    const officer = await t.as('officer.abc');
    const pay = (key: string, body: object) => officer.post(`/api/v1/loans/${loan.id}/repayments`).set('Idempotency-Key', key).send(body);
    expect((await pay(`k-${unique()}`, { paidOn: '2026-02-28', principal: '100.00' })).status).to.equal(422);
    const over = await pay(`k-${unique()}`, { paidOn: '2026-04-01', principal: '50000.01' });
    expect(over.status).to.equal(422);
    expect(over.body.error.details[0]).to.include({ rule: 'NOT_MORE_THAN_OUTSTANDING', limit: '50000.00' });
    const key = `k-${unique()}`;
    const first = await pay(key, { paidOn: '2026-04-01', principal: '20000.00', interest: '114.79' });
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    const retry = await pay(key, { paidOn: '2026-04-01', principal: '20000.00', interest: '114.79' });
    expect(retry.status, 'a retry answers as the first attempt did').to.equal(201);
    expect(retry.body).to.deep.equal(first.body);
    const reused = await pay(key, { paidOn: '2026-04-01', principal: '20000.01', interest: '114.79' });
    expect(reused.status).to.equal(422);
    expect(reused.body.error.details[0].rule).to.equal('IDEMPOTENCY_KEY_REUSED');
    let detail = await officer.get(`/api/v1/loans/${loan.id}`);
    expect(detail.body.outstandingPrincipal).to.equal('30000.00');
    const reversal = await officer.post(`/api/v1/loans/${loan.id}/repayments/${first.body.id}/reverse`).send({ reason: '录入错误' });
    expect(reversal.status).to.equal(201);
    expect(reversal.body).to.include({ kind: 'reversal', principal: '-20000.00', reversesId: first.body.id });
    expect((await officer.post(`/api/v1/loans/${loan.id}/repayments/${first.body.id}/reverse`).send({ reason: 'again' })).status).to.equal(409);
    detail = await officer.get(`/api/v1/loans/${loan.id}?asOf=2026-04-01`);
    expect(detail.body.outstandingPrincipal).to.equal('50000.00');
    expect(detail.body.repayments).to.have.length(2);
    expect(detail.body.balances.principalPaid).to.equal('0.00');
    // The detail's amounts come formatted from PostgreSQL: the same as the repayment answers and the schedule endpoint's.
    expect(detail.body.repayments.map((r: { principal: string; interest: string; penalty: string }) => [r.principal, r.interest, r.penalty])).to.deep.equal([
      ['20000.00', '114.79', '0.00'],
      ['-20000.00', '-114.79', '0.00'],
    ]);
    const schedule = await officer.get(`/api/v1/loans/${loan.id}/schedule`);
    expect(schedule.body).to.have.length.greaterThan(1);
    expect(detail.body.schedule).to.deep.equal(schedule.body);
  });

  it('when repayments race on one loan, then together they never exceed what is outstanding', async () => {
    const loan = (await register('officer.abc', microcredit(await household()))).body;
    const officer = await t.as('officer.abc');
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map(() => officer.post(`/api/v1/loans/${loan.id}/repayments`).set('Idempotency-Key', `race-${unique()}`).send({ paidOn: '2026-05-01', principal: '20000.00' })),
    );
    expect(results.filter((r) => r.status === 201)).to.have.length(2);
    expect(results.filter((r) => r.status === 422)).to.have.length(3);
    const [{ outstanding }] = await t.db.dataSource.query('SELECT outstanding_principal::text AS outstanding FROM loans WHERE id = $1', [loan.id]);
    expect(outstanding).to.equal('10000.00');
  });

  it('when the last principal is repaid, then the loan is settled; an extension moves the maturity and is recorded', async () => {
    const officer = await t.as('officer.abc');
    const loan = (await register('officer.abc', microcredit(await household()))).body;
    const extended = await officer.post(`/api/v1/loans/${loan.id}/extend`).send({ newMaturityDate: '2027-09-01', extendedOn: '2026-11-01', reason: '受灾' });
    expect(extended.status, JSON.stringify(extended.body)).to.equal(200);
    expect(extended.body).to.include({ maturityDate: '2027-03-01', currentMaturityDate: '2027-09-01' });
    const detail = await officer.get(`/api/v1/loans/${loan.id}`);
    const event = detail.body.events.find((e: { kind: string }) => e.kind === 'extended');
    expect(event).to.deep.include({ effectiveDate: '2026-11-01' });
    expect(event.details).to.include({ fromMaturityDate: '2027-03-01', toMaturityDate: '2027-09-01' });
    expect(detail.body.schedule.at(-1)).to.include({ dueDate: '2027-09-01', principalDue: '50000.00' });
    const settled = await officer.post(`/api/v1/loans/${loan.id}/repayments`).set('Idempotency-Key', `k-${unique()}`).send({ paidOn: '2026-11-20', principal: '50000.00' });
    expect(settled.status).to.equal(201);
    expect((await officer.get(`/api/v1/loans/${loan.id}`)).body, 'its interest still owed').to.include({ status: 'active', closedOn: null, outstandingPrincipal: '0.00' });
    await payInterestOwed(loan.id, '2026-11-20');
    expect((await officer.get(`/api/v1/loans/${loan.id}`)).body).to.include({ status: 'settled', closedOn: '2026-11-20', outstandingPrincipal: '0.00' });
  });

  it('when the repayment that clears a loan is backdated before an earlier-recorded one, then the loan closes on the later date, the last day it owed', async () => {
    const officer = await t.as('officer.abc');
    const loan = (await register('officer.abc', microcredit(await household()))).body;
    const repay = (paidOn: string, principal: string) =>
      officer.post(`/api/v1/loans/${loan.id}/repayments`).set('Idempotency-Key', `k-${unique()}`).send({ paidOn, principal });
    expect((await repay('2026-07-05', '30000.00')).status).to.equal(201);
    expect((await repay('2026-06-10', '20000.00')).status).to.equal(201);
    await payInterestOwed(loan.id, '2026-06-10');
    const detail = (await officer.get(`/api/v1/loans/${loan.id}`)).body;
    expect(detail).to.include({ status: 'settled', closedOn: '2026-07-05', outstandingPrincipal: '0.00' });
    expect(detail.events.find((e: { toStatus: string }) => e.toStatus === 'settled')).to.include({ effectiveDate: '2026-07-05' });
    // The audit entry of each repayment carries it: the amounts are not on the loan's own fields.
    const audit = await (await t.as('auditor')).get('/api/v1/audit').query({ entityType: 'loan', entityId: loan.id });
    const repaid = audit.body.items.filter((e: { action: string }) => e.action === 'repay');
    expect(repaid.map((e: { after: { repayment: { paidOn: string; principal: string } } }) => [e.after.repayment.paidOn, e.after.repayment.principal]))
      .to.have.deep.members([['2026-07-05', '30000.00'], ['2026-06-10', '20000.00'], ['2026-06-10', '0.00']]);
    // Closed inside 2026Q3, so that period's batch takes it: the days it still owed 30,000.00 (06-21 … 07-04).
    const subsidy = await officer.get(`/api/v1/loans/${loan.id}/subsidy`).query({ period: '2026Q3' });
    expect(subsidy.status, JSON.stringify(subsidy.body)).to.equal(200);
    expect(subsidy.body).to.include({ days: 14 });
  });

  it('when a registered loan is cancelled, then it is closed, audited and the household may borrow again; only a registered loan is', async () => {
    const officer = await t.as('officer.abc');
    const householdId = await household();
    const { disbursementDate: _none, ...undisbursed } = microcredit(householdId);
    const registered = await register('officer.abc', undisbursed);
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    const loan = registered.body;
    expect(loan.status).to.equal('registered');
    // The household holds its one place under the model until the loan is cancelled.
    expectError(await register('officer.rcb', microcredit(householdId)), 422, 'RULE_VIOLATION');
    expectError(await officer.post(`/api/v1/loans/${loan.id}/cancel`).send({}), 400, 'VALIDATION_FAILED');
    expectError(await (await t.as('officer.rcb')).post(`/api/v1/loans/${loan.id}/cancel`).send({ reason: '客户放弃' }), 404, 'NOT_FOUND');
    const cancelled = await officer.post(`/api/v1/loans/${loan.id}/cancel`).send({ reason: '客户放弃' });
    expect(cancelled.status, JSON.stringify(cancelled.body)).to.equal(200);
    expect(cancelled.body).to.include({ status: 'cancelled', closedOn: null });
    expectError(await officer.post(`/api/v1/loans/${loan.id}/cancel`).send({ reason: '再次' }), 409, 'INVALID_STATE');
    const detail = (await officer.get(`/api/v1/loans/${loan.id}`)).body;
    expect(detail.events.at(-1)).to.deep.include({ kind: 'cancelled', fromStatus: 'registered', toStatus: 'cancelled', details: { reason: '客户放弃' } });
    const audit = await (await t.as('auditor')).get('/api/v1/audit').query({ entityType: 'loan', entityId: loan.id });
    const entry = audit.body.items.find((e: { action: string }) => e.action === 'cancel');
    // The entry says why, and its before names the same borrower as its after (it once read null there).
    expect(entry.after).to.deep.include({ status: 'cancelled', cancellation: { reason: '客户放弃' } });
    expect(entry.before).to.include({ status: 'registered', borrowerName: entry.after.borrowerName, borrowerIdentifier: entry.after.borrowerIdentifier });
    expect(entry.before.borrowerName).to.equal('赵六');
    expect((await register('officer.rcb', microcredit(householdId))).status).to.equal(201);
    const active = (await register('officer.abc', microcredit(await household()))).body;
    expectError(await officer.post(`/api/v1/loans/${active.id}/cancel`).send({ reason: '误登' }), 409, 'INVALID_STATE');
  });

  it('when a quarterly loan is extended, then no 20th is charged twice; extended on its maturity day, its principal falls due once, at the new maturity', async () => {
    const officer = await t.as('officer.abc');
    type Row = { dueDate: string; principalDue: string; interestDue: string };
    const scheduleOf = async (id: string): Promise<Row[]> => (await officer.get(`/api/v1/loans/${id}/schedule`)).body;
    const extend = (id: string, body: object) => officer.post(`/api/v1/loans/${id}/extend`).send({ reason: '受灾', ...body });
    const loan = (await register('officer.abc', microcredit(await household()))).body;
    const before = await scheduleOf(loan.id);
    const extended = await extend(loan.id, { newMaturityDate: '2027-09-01', extendedOn: '2026-10-01' });
    expect(extended.status, JSON.stringify(extended.body)).to.equal(200);
    const after = await scheduleOf(loan.id);
    // Three instalments kept, and the first planned one equal to the one it replaces: 50,000.00 × 4.35 % / 360
    // a day, 2026-09-21 … 2026-12-20 is 91 days → 549.79. Then 90 and 92 days, and 2027-06-21 … 2027-08-31 (72).
    expect(after.slice(0, 4)).to.deep.equal(before.slice(0, 4));
    expect(after[3]).to.include({ dueDate: '2026-12-20', interestDue: '549.79' });
    expect(after.slice(4).map((r) => [r.dueDate, r.principalDue, r.interestDue])).to.deep.equal([
      ['2027-03-20', '0.00', '543.75'],
      ['2027-06-20', '0.00', '555.83'],
      ['2027-09-01', '50000.00', '435.00'],
    ]);

    const onMaturity = (await register('officer.abc', microcredit(await household()))).body;
    expect((await extend(onMaturity.id, { newMaturityDate: '2027-06-01', extendedOn: '2027-03-01' })).status).to.equal(200);
    const moved = await scheduleOf(onMaturity.id);
    expect(moved.map((r) => r.dueDate)).to.deep.equal(['2026-03-20', '2026-06-20', '2026-09-20', '2026-12-20', '2027-03-20', '2027-06-01']);
    expect(moved.filter((r) => r.principalDue !== '0.00').map((r) => [r.dueDate, r.principalDue])).to.deep.equal([['2027-06-01', '50000.00']]);
    // 2026-12-21 … 2027-03-20 is 90 days → 543.75: the quarter the old maturity fell in is charged in full, once.
    expect(moved[4]!.interestDue).to.equal('543.75');
  });

  it('when an equal-instalment loan in arrears is extended, then its unpaid instalments stay due and the new schedule still repays exactly the principal', async () => {
    const officer = await t.as('officer.abc');
    type Row = { dueDate: string; principalDue: string; interestDue: string; totalDue: string };
    const scheduleOf = async (id: string): Promise<Row[]> => (await officer.get(`/api/v1/loans/${id}/schedule`)).body;
    const fenOf = (rows: Row[]) => rows.reduce((sum, r) => sum + BigInt(r.principalDue.replace('.', '')), 0n);
    const loan = (await register('officer.abc', microcredit(await household(), { principal: '12000.00', repaymentMethod: 'equal_installment', contractDate: '2026-01-15', disbursementDate: '2026-01-15', maturityDate: '2027-01-15' }))).body;
    const before = await scheduleOf(loan.id);
    // The first instalment is paid; those of 03-15 and 04-15 are not.
    const paid = await officer.post(`/api/v1/loans/${loan.id}/repayments`).set('Idempotency-Key', `k-${unique()}`).send({ paidOn: '2026-02-15', principal: before[0]!.principalDue, interest: before[0]!.interestDue });
    expect(paid.status, JSON.stringify(paid.body)).to.equal(201);
    const extended = await officer.post(`/api/v1/loans/${loan.id}/extend`).send({ newMaturityDate: '2027-07-15', extendedOn: '2026-05-01', reason: '受灾' });
    expect(extended.status, JSON.stringify(extended.body)).to.equal(200);
    const after = await scheduleOf(loan.id);
    expect(after.slice(0, 3), 'paid or not, the instalments due by the extension stay as they were').to.deep.equal(before.slice(0, 3));
    expect(after).to.have.length(3 + 15);
    expect(fenOf(after), 'principal parts of the current schedule').to.equal(1_200_000n);
    // What the kept instalments leave is planned: 12,000.00 − Σ of three principal parts, not the outstanding principal again.
    expect(fenOf(after.slice(3))).to.equal(1_200_000n - fenOf(before.slice(0, 3)));
    // The arrears are still arrears: overdue since 2026-03-15.
    const run = await (await t.as('admin')).post('/api/v1/jobs/delinquency?date=2026-05-02');
    expect(run.status, JSON.stringify(run.body)).to.equal(200);
    expect(await t.db.dataSource.query('SELECT status, days_past_due FROM loans WHERE id = $1', [loan.id])).to.deep.equal([{ status: 'overdue', days_past_due: 48 }]);
  });

  it('when a monthly loan disbursed on the 31st is extended, then its new instalments still fall on the 31st or the month end', async () => {
    const officer = await t.as('officer.abc');
    const loan = (await register('officer.abc', microcredit(await household(), { principal: '12000.00', repaymentMethod: 'equal_principal', contractDate: '2026-01-31', disbursementDate: '2026-01-31', maturityDate: '2027-01-31' }))).body;
    const extended = await officer.post(`/api/v1/loans/${loan.id}/extend`).send({ newMaturityDate: '2027-07-31', extendedOn: '2026-05-01' });
    expect(extended.status, JSON.stringify(extended.body)).to.equal(200);
    const dueDates = ((await officer.get(`/api/v1/loans/${loan.id}/schedule`)).body as Array<{ dueDate: string }>).map((r) => r.dueDate);
    expect(dueDates.slice(0, 6)).to.deep.equal(['2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31', '2026-06-30', '2026-07-31']);
    expect(dueDates).to.have.length(18);
    expect(dueDates.at(-1)).to.equal('2027-07-31');
  });

  it('when a repayment settles a loan while the delinquency run for a date waits on its row, then the run leaves it settled', async () => {
    const officer = await t.as('officer.abc');
    const admin = await t.as('admin');
    // A village of another township, so that this test's overdue loan weighs on no other test's circuit breaker.
    const loan = (await register('officer.abc', microcredit(await household({ villageCode: '410225100202' }), { contractDate: '2026-01-05', disbursementDate: '2026-01-05', maturityDate: '2027-01-05' }))).body;
    // Unpaid since 2026-03-20: overdue on 2026-04-01.
    expect((await admin.post('/api/v1/jobs/delinquency?date=2026-04-01')).status).to.equal(200);
    const waitingOnLocks = async (count: number) =>
      (await t.db.dataSource.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`))[0].n === count;
    // Hold the loan row, so that the repayment and then the run queue up behind it, in that order.
    const runner = t.db.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await runner.query('SELECT id FROM loans WHERE id = $1 FOR UPDATE', [loan.id]);
    const repayment = officer.post(`/api/v1/loans/${loan.id}/repayments`).set('Idempotency-Key', `k-${unique()}`).send({ paidOn: '2026-04-02', principal: '50000.00', interest: '525.63' }).then((r) => r);
    await eventually(() => waitingOnLocks(1), 'the repayment waits for the loan row');
    const delinquency = admin.post('/api/v1/jobs/delinquency?date=2026-04-02').then((r) => r);
    await eventually(() => waitingOnLocks(2), 'the delinquency run waits for the loan row too');
    await runner.commitTransaction();
    await runner.release();
    const [paid, run] = await Promise.all([repayment, delinquency]);
    expect(paid.status, JSON.stringify(paid.body)).to.equal(201);
    expect(run.status, JSON.stringify(run.body)).to.equal(200);
    const [row] = await t.db.dataSource.query('SELECT status, outstanding_principal::text AS outstanding, closed_on::text AS closed_on FROM loans WHERE id = $1', [loan.id]);
    expect(row).to.deep.equal({ status: 'settled', outstanding: '0.00', closed_on: '2026-04-02' });
    const events = await t.db.dataSource.query(`SELECT to_status FROM loan_events WHERE loan_id = $1 AND kind IN ('settled', 'status_changed') ORDER BY id`, [loan.id]);
    expect(events.map((e: { to_status: string }) => e.to_status)).to.deep.equal(['overdue', 'settled']);
    // Reopened by a reversal, the loan is judged again by the next run.
    expect((await officer.post(`/api/v1/loans/${loan.id}/repayments/${paid.body.id}/reverse`).send({ reason: '录入错误' })).status).to.equal(201);
    expect((await admin.post('/api/v1/jobs/delinquency?date=2026-04-03')).status).to.equal(200);
    expect(await t.db.dataSource.query('SELECT status, days_past_due FROM loans WHERE id = $1', [loan.id])).to.deep.equal([{ status: 'overdue', days_past_due: 14 }]);
  });

  it('when delinquency is run for a date earlier than the one a loan was last judged on, then the loan keeps its newer status, days and history', async () => {
    const loan = (await register('officer.abc', microcredit(await household({ villageCode: '410225100202' }), { contractDate: '2026-01-05', disbursementDate: '2026-01-05', maturityDate: '2027-01-05' }))).body;
    const admin = await t.as('admin');
    const state = async () =>
      (await t.db.dataSource.query('SELECT status, days_past_due, delinquency_as_of::text AS as_of FROM loans WHERE id = $1', [loan.id]))[0];
    const events = async () => (await t.db.dataSource.query('SELECT count(*)::int AS n FROM loan_events WHERE loan_id = $1', [loan.id]))[0].n;
    // Unpaid since 2026-03-20: overdue, 12 days, as of 2026-04-01.
    expect((await admin.post('/api/v1/jobs/delinquency?date=2026-04-01')).status).to.equal(200);
    expect(await state()).to.deep.equal({ status: 'overdue', days_past_due: 12, as_of: '2026-04-01' });
    const eventsBefore = await events();
    // An admin (re-)runs an older date, e.g. one that failed back then, or a catch-up fills a gap.
    const older = await admin.post('/api/v1/jobs/delinquency/runs').send({ date: '2026-03-10', force: true });
    expect(older.status, JSON.stringify(older.body)).to.equal(201);
    expect(older.body.status).to.equal('succeeded');
    expect(await state(), 'a run as of 2026-03-10 does not undo what is known as of 2026-04-01').to.deep.equal({ status: 'overdue', days_past_due: 12, as_of: '2026-04-01' });
    expect(await events(), 'no overdue → active event back-dated to 2026-03-10').to.equal(eventsBefore);
    // The next run for a later date judges the loan as usual.
    expect((await admin.post('/api/v1/jobs/delinquency?date=2026-04-02')).status).to.equal(200);
    expect(await state()).to.deep.equal({ status: 'overdue', days_past_due: 13, as_of: '2026-04-02' });
  });

  it('when delinquency runs, then unpaid instalments make loans overdue, at the trigger defaulted, and a second run for the date changes nothing', async () => {
    const loan = (await register('officer.abc', microcredit(await household(), { contractDate: '2026-01-05', disbursementDate: '2026-01-05', maturityDate: '2027-01-05' }))).body;
    const admin = await t.as('admin');
    const run = async (date: string) => {
      const res = await admin.post(`/api/v1/jobs/delinquency?date=${date}`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const [row] = await t.db.dataSource.query('SELECT status, days_past_due FROM loans WHERE id = $1', [loan.id]);
      return row;
    };
    // The first interest instalment is due on 2026-03-20 (SPEC §6.1 settlement date).
    expect(await run('2026-03-20')).to.deep.equal({ status: 'active', days_past_due: 0 });
    expect(await run('2026-03-21')).to.deep.equal({ status: 'overdue', days_past_due: 1 });
    expect(await run('2026-06-17')).to.deep.equal({ status: 'overdue', days_past_due: 89 });
    expect(await run('2026-06-18')).to.deep.equal({ status: 'defaulted', days_past_due: 90 });
    const eventsBefore = await t.db.dataSource.query('SELECT count(*)::int AS count FROM loan_events WHERE loan_id = $1', [loan.id]);
    const again = await admin.post('/api/v1/jobs/delinquency?date=2026-06-18');
    expect(again.body.statusChanges).to.equal(0);
    expect(await t.db.dataSource.query('SELECT count(*)::int AS count FROM loan_events WHERE loan_id = $1', [loan.id])).to.deep.equal(eventsBefore);
    expect((await (await t.as('officer.abc')).post('/api/v1/jobs/delinquency?date=2026-06-18')).status).to.equal(403);
    // Each status change is in the audit log, by the job (no user); the days counting up alone are not.
    const audit = await (await t.as('auditor')).get('/api/v1/audit').query({ entityType: 'loan', entityId: loan.id, limit: 200 });
    expect(audit.status, JSON.stringify(audit.body)).to.equal(200);
    const changes = audit.body.items.filter((e: { action: string }) => e.action === 'delinquency_status');
    expect(changes.map((e: { actorUserId: string | null; before: object; after: object; requestId: string }) => [e.actorUserId, e.before, e.after, e.requestId]))
      .to.have.deep.members([
        [null, { status: 'active', daysPastDue: 0 }, { status: 'overdue', daysPastDue: 1, asOf: '2026-03-21' }, 'job:delinquency:2026-03-21'],
        [null, { status: 'overdue', daysPastDue: 89 }, { status: 'defaulted', daysPastDue: 90, asOf: '2026-06-18' }, 'job:delinquency:2026-06-18'],
      ]);
  });

  it('when a fund has no room left, then registration is refused with the capacity numbers', async () => {
    const finance = await t.as('finance');
    const fund = await finance.post('/api/v1/funds').send({ countyCode: '410221', bankId: banks.abc, modelCode: 'household_microcredit' });
    await finance.post(`/api/v1/funds/${fund.body.id}/deposits`).set('Idempotency-Key', `k-${unique()}`).send({ kind: 'deposit', amount: '4000.00', occurredOn: '2026-01-05' });
    const n = unique();
    const qixian = await (await t.as('poverty')).post('/api/v1/households').send({
      householdNumber: `QX-${n}`, headName: '钱七', idNumber: residentId('410221', '19800101', Number(n.slice(-3))), villageCode: '410221100201', members: 2, laborers: 1, statusSince: '2024-01-01',
    });
    const res = await register('officer.abc', microcredit(qixian.body.id, { principal: '40000.01' }));
    expect(res.status).to.equal(422);
    expect(res.body.error.details.find((d: { code: string }) => d.code === 'FUND_CAPACITY_EXCEEDED')).to.include({ limit: '40000.00' });
    expect((await register('officer.abc', microcredit(qixian.body.id, { principal: '40000.00' }))).status).to.equal(201);
  });

  it('when an enterprise without driven households or agreement asks for an enterprise-driven loan, then both rules are listed', async () => {
    const [enterprise] = await t.db.dataSource.query(`SELECT id FROM enterprises WHERE name LIKE '%丰源%'`);
    const res = await register('officer.abc', {
      contractNumber: `HT-${unique()}`, modelCode: 'enterprise_driven', borrowerKind: 'enterprise', enterpriseId: enterprise.id,
      principal: '2000000.00', rateAnnual: '0.0470', contractDate: '2026-03-01', disbursementDate: '2026-03-01', maturityDate: '2027-03-01', purpose: '扩建大棚',
    });
    expect(res.status).to.equal(422);
    expect(res.body.error.details.map((d: { code: string }) => d.code)).to.include.members(['AGREEMENT_REQUIRED']);
  });

  it('when a linked household borrows from a bank, then that bank\'s 百千万 progress counts it from the disbursement date on', async () => {
    // Another township than the one whose loans the delinquency test defaulted (its circuit breaker is tripped).
    const [village] = await t.db.dataSource.query(
      `SELECT code FROM regions WHERE level = 'village' AND path LIKE '410200/410225/%' AND path NOT LIKE '410200/410225/410225100/%' ORDER BY code LIMIT 1`,
    );
    const householdId = await household({ villageCode: village.code });
    const [enterprise] = await t.db.dataSource.query(`SELECT id FROM enterprises WHERE name LIKE '%丰源%'`);
    const linked = await (await t.as('poverty.lankao')).post('/api/v1/linkages').send({
      sourceKind: 'enterprise', sourceId: enterprise.id, householdId, type: 'employment', startDate: '2026-01-01', agreedAnnualBenefit: '3000.00',
    });
    expect(linked.status, JSON.stringify(linked.body)).to.equal(201);
    const linkedFor = async (date: string) => {
      const res = await (await t.as('finance')).get(`/api/v1/progress?by=bank&date=${date}`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return res.body.lines.find((l: { bankId: string }) => l.bankId === banks.rcb).linkedHouseholds.actual as number;
    };
    const before = await linkedFor('2026-07-01');
    const loan = await register('officer.rcb', microcredit(householdId, { contractDate: '2026-06-01', disbursementDate: '2026-06-15', maturityDate: '2027-06-15' }));
    expect(loan.status, JSON.stringify(loan.body)).to.equal(201);
    expect(await linkedFor('2026-07-01')).to.equal(before + 1);
    expect(await linkedFor('2026-06-14'), 'not yet disbursed on 2026-06-14').to.equal(before);
    const [{ independent }] = await t.db.dataSource.query(
      `SELECT count(DISTINCT l.household_id)::int AS independent FROM loans l
         JOIN linkages k ON k.household_id = l.household_id AND k.start_date <= '2026-07-01' AND k.ended_on IS NULL
        WHERE l.bank_id = $1 AND l.disbursement_date <= '2026-07-01' AND l.status IN ('active', 'overdue', 'defaulted')`,
      [banks.rcb],
    );
    expect(await linkedFor('2026-07-01')).to.be.at.least(independent);
  });

  it('when the detail is written as JSON by PostgreSQL (GET /loans/:id), then it equals the one JavaScript builds, for every loan and date', async function () {
    // Every loan of the demo data at about ten dates, twice each: ≈ 25 s on a quiet machine, more on a shared one.
    this.timeout(180_000);
    // Run last: by now the data holds repayments, reversals, extensions, closed and delinquent loans;
    // and one loan paid on time twice, then only the interest (with a penalty) late.
    const officer = await t.as('officer.rcb');
    // In another township: the delinquency test above tripped the circuit breakers of LANKAO_VILLAGE's.
    const paid = await register('officer.rcb', microcredit(await household({ villageCode: '410225101201' }), { contractDate: '2026-01-10', disbursementDate: '2026-01-10', maturityDate: '2027-01-10' }));
    expect(paid.status, JSON.stringify(paid.body)).to.equal(201);
    const rows: Array<{ dueDate: string; principalDue: string; interestDue: string }> = (await officer.get(`/api/v1/loans/${paid.body.id}/schedule`)).body;
    const payments = [
      ...rows.slice(0, 2).map((r) => ({ paidOn: r.dueDate, principal: r.principalDue, interest: r.interestDue })),
      { paidOn: addDays(rows[2]!.dueDate as IsoDate, 9), principal: '0.00', interest: rows[2]!.interestDue, penalty: '3.21' },
    ];
    for (const payment of payments) {
      const res = await officer.post(`/api/v1/loans/${paid.body.id}/repayments`).set('Idempotency-Key', `k-${unique()}`).send(payment);
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    }
    const admin = await t.services.auth.authenticate(`Bearer ${await t.tokenFor('admin')}`);
    const context = { requestId: 'equality', user: admin, ip: '127.0.0.1' };
    const loans: Array<{ id: string; dates: string[] }> = await t.db.dataSource.query(
      `SELECT l.id, array_remove(ARRAY[l.contract_date::text, l.disbursement_date::text, (l.disbursement_date - 1)::text], NULL)
              || ARRAY(SELECT DISTINCT paid_on::text FROM repayments r WHERE r.loan_id = l.id)
              || ARRAY(SELECT due_date::text FROM loan_schedule s WHERE s.loan_id = l.id AND s.version = l.schedule_version ORDER BY seq LIMIT 4) AS dates
         FROM loans l ORDER BY l.id`,
    );
    expect(loans.length).to.be.greaterThan(50);
    const kinds = new Set<string>();
    for (const loan of loans) {
      for (const asOf of [...loan.dates, '2020-01-01', '2026-09-20', '2040-12-31']) {
        const document = JSON.parse((await t.services.loansQuery.detailDocument(context, loan.id, asOf)).text);
        const built = await t.services.loansQuery.detail(context, loan.id, asOf);
        expect(document, `${loan.id} as of ${asOf}`).to.deep.equal(JSON.parse(JSON.stringify(built)));
        for (const r of built.repayments) kinds.add(r.kind);
      }
    }
    expect([...kinds].sort(), 'the data has repayments and reversals').to.include.members(['reversal']);
    const late = JSON.parse((await t.services.loansQuery.detailDocument(context, paid.body.id, payments[2]!.paidOn)).text).balances;
    expect(late.penaltyPaid).to.equal('3.21');
    expect(late.arrears, 'the third instalment’s principal is still owed').to.equal(rows[2]!.principalDue);
    const [{ id: otherBanks }] = await t.db.dataSource.query(`SELECT id FROM loans WHERE bank_id <> $1 LIMIT 1`, [banks.rcb]);
    expect((await officer.get(`/api/v1/loans/${otherBanks}`)).status, 'outside scope').to.equal(404);
    const sample = await officer.get(`/api/v1/loans/${(await t.db.dataSource.query(`SELECT id FROM loans WHERE bank_id = $1 LIMIT 1`, [banks.rcb]))[0].id}`);
    expect(sample.status).to.equal(200);
    expect(sample.headers['content-type']).to.equal('application/json; charset=utf-8');
  });

  it('when a defaulted loan is written off, then it is closed on that day, takes no repayment or claim, and a claim in progress or a bad date refuses it', async () => {
    const officer = await t.as('officer.abc');
    // A township of its own: earlier tests' defaults have tripped the circuit breakers in theirs.
    const [village] = await t.db.dataSource.query(
      `SELECT code FROM regions WHERE level = 'village' AND code LIKE '410225%' AND left(code, 9) NOT IN ('410225100', '410225101') ORDER BY code LIMIT 1`,
    );
    const registered = await register('officer.abc', microcredit(await household({ villageCode: village.code }), { contractDate: '2026-01-06', disbursementDate: '2026-01-06', maturityDate: '2027-01-06' }));
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    const loan = registered.body;
    const writeOff = (body: object) => officer.post(`/api/v1/loans/${loan.id}/write-off`).send(body);
    expectError(await writeOff({ writtenOffOn: '2026-07-01', reason: '无法收回' }), 409, 'INVALID_STATE');
    const admin = await t.as('admin');
    for (const date of ['2026-03-21', '2026-06-18']) expect((await admin.post(`/api/v1/jobs/delinquency?date=${date}`)).status).to.equal(200);
    expect((await officer.get(`/api/v1/loans/${loan.id}`)).body.status).to.equal('defaulted');
    const early = await writeOff({ writtenOffOn: '2026-06-01', reason: '无法收回' });
    expect(expectError(early, 422, 'RULE_VIOLATION').details).to.have.deep.nested.property('[0].rule', 'NOT_BEFORE_DEFAULT');
    const ahead = await writeOff({ writtenOffOn: addDays(todayInShanghai(), 1), reason: '无法收回' });
    expect(expectError(ahead, 422, 'RULE_VIOLATION').details).to.have.deep.nested.property('[0].rule', 'NOT_IN_FUTURE');
    const claim = await officer.post('/api/v1/claims').send({ loanId: loan.id, claimDate: '2026-07-01' });
    expect(claim.status, JSON.stringify(claim.body)).to.equal(201);
    expect(expectError(await writeOff({ writtenOffOn: '2026-07-01', reason: '无法收回' }), 409, 'INVALID_STATE').details)
      .to.have.deep.nested.property('[0].rule', 'NO_CLAIM_IN_PROGRESS');
    expect((await (await t.as('finance')).post(`/api/v1/claims/${claim.body.id}/reject`).send({ reason: '材料不全' })).status).to.equal(200);
    // Money taken on 06-19: the loan cannot have been closed the day before.
    const partly = await officer.post(`/api/v1/loans/${loan.id}/repayments`).set('Idempotency-Key', `k-${unique()}`).send({ paidOn: '2026-06-19', interest: '10.00' });
    expect(partly.status, JSON.stringify(partly.body)).to.equal(201);
    const beforePayment = await writeOff({ writtenOffOn: '2026-06-18', reason: '无法收回' });
    expect(expectError(beforePayment, 422, 'RULE_VIOLATION').details).to.deep.equal([
      { field: 'writtenOffOn', rule: 'NOT_BEFORE_LAST_REPAYMENT', message: 'the loan took a repayment on 2026-06-19' },
    ]);
    // A payment that bounced (reversed) is money that never came: it does not hold the write-off back.
    const bounced = await officer.post(`/api/v1/loans/${loan.id}/repayments`).set('Idempotency-Key', `k-${unique()}`).send({ paidOn: '2026-06-30', interest: '5.00' });
    expect(bounced.status, JSON.stringify(bounced.body)).to.equal(201);
    expect((await officer.post(`/api/v1/loans/${loan.id}/repayments/${bounced.body.id}/reverse`).send({ reason: '退票' })).status).to.equal(201);
    const written = await writeOff({ writtenOffOn: '2026-06-19', reason: '无法收回' });
    expect(written.status, JSON.stringify(written.body)).to.equal(200);
    expect(written.body).to.include({ status: 'written_off', closedOn: '2026-06-19', outstandingPrincipal: '50000.00' });
    const repay = await officer.post(`/api/v1/loans/${loan.id}/repayments`).set('Idempotency-Key', `k-${unique()}`).send({ paidOn: '2026-07-02', principal: '100.00' });
    expectError(repay, 409, 'INVALID_STATE');
    expectError(await officer.post('/api/v1/claims').send({ loanId: loan.id, claimDate: '2026-07-02' }), 409, 'INVALID_STATE');
    expectError(await writeOff({ writtenOffOn: '2026-07-01', reason: '再次' }), 409, 'INVALID_STATE');
    // Its period of write-off still has its line (OVERDUE); a later one has none, as the batches have none.
    expect((await officer.get(`/api/v1/loans/${loan.id}/subsidy?period=2026Q2`)).body).to.include({ reason: 'OVERDUE', days: 92 });
    expect((await officer.get(`/api/v1/loans/${loan.id}/subsidy?period=2026Q3`)).body).to.include({ reason: null, days: 0, totalAmount: '0.00', closingBalance: '0.00' });
  });
  it('when a payoff also pays interest, then the interest is capped by the schedule as the payoff re-plans it; interest paid ahead of a payoff is refused until corrected', async () => {
    // Found in review: the cap was the schedule before the payoff, so a payoff could pay a year's interest.
    const officer = await t.as('officer.abc');
    const [village] = await t.db.dataSource.query(
      `SELECT code FROM regions WHERE level = 'village' AND code LIKE '410225%' AND left(code, 9) NOT IN ('410225100', '410225101') ORDER BY code DESC LIMIT 1 OFFSET 1`,
    );
    const pay = (loanId: string, paidOn: string, amounts: { principal?: string; interest?: string }) =>
      officer.post(`/api/v1/loans/${loanId}/repayments`).set('Idempotency-Key', `k-${unique()}`).send({ paidOn, ...amounts });
    const first = (await register('officer.abc', microcredit(await household({ villageCode: village.code })))).body;
    expect((await pay(first.id, '2026-03-20', { interest: '120.83' })).status).to.equal(201);
    // Repaid in full on 2026-04-01: 11 days since 03-20 on 50,000.00 at 4.35 % = 66.46, not the 2,084.37 the plan still asked.
    const whole = await pay(first.id, '2026-04-01', { principal: '50000.00', interest: '2084.37' });
    expect(expectError(whole, 422, 'RULE_VIOLATION').details).to.deep.include({
      field: 'interest', rule: 'NOT_MORE_THAN_OUTSTANDING', message: 'more interest than the schedule still asks for', limit: '66.46', actual: '2084.37',
    });
    expect((await pay(first.id, '2026-04-01', { principal: '50000.00', interest: '66.46' })).status).to.equal(201);
    expect((await officer.get(`/api/v1/loans/${first.id}`)).body).to.include({ status: 'settled', closedOn: '2026-04-01' });

    // The June instalment's interest paid early, then the principal: the re-plan asks 120.83 + 151.04 (25 days), less than the 676.66 paid.
    const second = (await register('officer.abc', microcredit(await household({ villageCode: village.code })))).body;
    expect((await pay(second.id, '2026-03-20', { interest: '120.83' })).status).to.equal(201);
    const early = await pay(second.id, '2026-04-10', { interest: '555.83' });
    expect(early.status).to.equal(201);
    const ahead = await pay(second.id, '2026-04-15', { principal: '50000.00' });
    expect(expectError(ahead, 422, 'RULE_VIOLATION').details).to.deep.include({
      field: 'principal',
      rule: 'INTEREST_PAID_AHEAD',
      message: '676.66 of interest is recorded, more than the 271.87 the schedule asks once this principal is repaid: reverse the interest paid ahead, then record what is owed',
      limit: '271.87',
      actual: '676.66',
    });
    expect((await officer.post(`/api/v1/loans/${second.id}/repayments/${early.body.id}/reverse`).send({ reason: '提前收息退回' })).status).to.equal(201);
    expect((await pay(second.id, '2026-04-15', { principal: '50000.00', interest: '151.04' })).status).to.equal(201);
    const balances = (await officer.get(`/api/v1/loans/${second.id}?asOf=2026-06-20`)).body.balances;
    expect(balances).to.include({ interestPaid: '271.87', dueToDate: '271.87', principalPaid: '50000.00', arrears: '0.00' });
  });

  it('when principal is repaid ahead and no interest, then the interest instalments are still unpaid: OVERDUE, overdue, on interest re-planned on the balance', async () => {
    // SPEC §5, §6.2: an instalment is paid in full part by part; principal paid ahead once covered the interest.
    const officer = await t.as('officer.abc');
    const [village] = await t.db.dataSource.query(
      `SELECT code FROM regions WHERE level = 'village' AND code LIKE '410225%' AND left(code, 9) NOT IN ('410225100', '410225101') ORDER BY code DESC LIMIT 1`,
    );
    const registered = await register('officer.abc', microcredit(await household({ villageCode: village.code })));
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    const loan = registered.body;
    const pay = (paidOn: string, amounts: { principal?: string; interest?: string }) =>
      officer.post(`/api/v1/loans/${loan.id}/repayments`).set('Idempotency-Key', `k-${unique()}`).send({ paidOn, ...amounts });
    const interestDue = async () =>
      Object.fromEntries(((await officer.get(`/api/v1/loans/${loan.id}/schedule`)).body as Array<{ dueDate: string; interestDue: string }>).map((r) => [r.dueDate, r.interestDue]));
    expect(await interestDue()).to.deep.equal({ '2026-03-20': '120.83', '2026-06-20': '555.83', '2026-09-20': '555.83', '2026-12-20': '549.79', '2027-03-01': '422.92' });
    expect((await pay('2026-03-20', { interest: '120.83' })).status).to.equal(201);
    expect((await pay('2026-06-20', { interest: '555.83' })).status).to.equal(201);
    const prepaid = await pay('2026-08-01', { principal: '20000.00' });
    expect(prepaid.status, JSON.stringify(prepaid.body)).to.equal(201);
    // The interest after it is on the balance outstanding: 41 days on 50,000.00 and 51 on 30,000.00 for 2026-09-20 (= §6.2's 432.58).
    expect(await interestDue()).to.deep.equal({ '2026-03-20': '120.83', '2026-06-20': '555.83', '2026-09-20': '432.58', '2026-12-20': '329.88', '2027-03-01': '253.75' });
    const q3 = await officer.get(`/api/v1/loans/${loan.id}/subsidy?period=2026Q3`);
    expect(q3.body).to.include({ reason: 'OVERDUE', totalAmount: '0.00' });
    // The detail's arrears are judged part by part too: the 432.58 of interest, not 0.00 (20,000.00 of principal paid ahead).
    const balancesOn = async (asOf: string) => (await officer.get(`/api/v1/loans/${loan.id}?asOf=${asOf}`)).body.balances;
    expect(await balancesOn('2026-09-20')).to.include({ dueToDate: '1109.24', principalPaid: '20000.00', interestPaid: '676.66', arrears: '432.58' });
    const context = { requestId: 'arrears', user: await t.services.auth.authenticate(`Bearer ${await t.tokenFor('admin')}`), ip: '127.0.0.1' };
    expect((await t.services.loansQuery.detail(context, loan.id, '2026-09-20')).balances, 'the loan statement’s balances').to.include({ arrears: '432.58' });
    const admin = await t.as('admin');
    expect((await admin.post('/api/v1/jobs/delinquency?date=2026-09-21')).status).to.equal(200);
    expect((await t.db.dataSource.query('SELECT status, days_past_due FROM loans WHERE id = $1', [loan.id]))[0]).to.deep.equal({ status: 'overdue', days_past_due: 1 });
    // Paying the interest that accrued, on its day, pays the instalment in full.
    expect((await pay('2026-09-20', { interest: '432.58' })).status).to.equal(201);
    expect((await officer.get(`/api/v1/loans/${loan.id}/subsidy?period=2026Q3`)).body).to.include({ reason: null, interestSubsidy: '432.58' });
    expect((await admin.post('/api/v1/jobs/delinquency?date=2026-09-22')).status).to.equal(200);
    expect((await t.db.dataSource.query('SELECT status, days_past_due FROM loans WHERE id = $1', [loan.id]))[0]).to.deep.equal({ status: 'active', days_past_due: 0 });
    // Reversing the prepayment puts the planned interest back.
    const repayments = (await officer.get(`/api/v1/loans/${loan.id}`)).body.repayments as Array<{ id: string; principal: string }>;
    const principalOne = repayments.find((r) => r.principal === '20000.00')!;
    expect((await officer.post(`/api/v1/loans/${loan.id}/repayments/${principalOne.id}/reverse`).send({ reason: '录入错误' })).status).to.equal(201);
    expect((await interestDue())['2026-09-20']).to.equal('555.83');
    // Repaid in full on 2026-10-01 with no interest: the principal is repaid, the 10 days' interest
    // since 2026-09-20 (60.42, due 2026-12-20) is still owed, so the loan stays open until it is paid.
    expect((await pay('2026-09-20', { interest: '123.25' })).status, 'the rest of the restored 555.83').to.equal(201);
    expect((await pay('2026-10-01', { principal: '50000.00' })).status).to.equal(201);
    expect(await interestDue()).to.deep.include({ '2026-12-20': '60.42', '2027-03-01': '0.00' });
    expect((await officer.get(`/api/v1/loans/${loan.id}`)).body).to.include({ status: 'active', closedOn: null, outstandingPrincipal: '0.00' });
    expect(expectError(await pay('2026-10-01', { principal: '0.01' }), 422, 'RULE_VIOLATION').details).to.have.deep.nested.property('[0].rule', 'NOT_MORE_THAN_OUTSTANDING');
    expectError(await pay('2026-10-01', { interest: '60.43' }), 422, 'RULE_VIOLATION');
    expect((await pay('2026-10-05', { interest: '60.42' })).status).to.equal(201);
    expect((await officer.get(`/api/v1/loans/${loan.id}`)).body, 'closed on the day it paid the last it owed').to.include({ status: 'settled', closedOn: '2026-10-05' });
  });

  it('when a loan is paid in full, then it closes on the latest payment that stands, whatever the order; no extension once its principal is repaid; a bounced interest payment is reversed even after the household borrowed again', async () => {
    // Found in review of the settle-once-interest-is-paid rule.
    const officer = await t.as('officer.abc');
    const [village] = await t.db.dataSource.query(
      `SELECT code FROM regions WHERE level = 'village' AND code LIKE '410225%' AND left(code, 9) NOT IN ('410225100', '410225101') ORDER BY code DESC LIMIT 1 OFFSET 4`,
    );
    const householdId = await household({ villageCode: village.code });
    const loan = (await register('officer.abc', microcredit(householdId))).body;
    const pay = (paidOn: string, amounts: { principal?: string; interest?: string }) =>
      officer.post(`/api/v1/loans/${loan.id}/repayments`).set('Idempotency-Key', `k-${unique()}`).send({ paidOn, ...amounts });
    expect((await pay('2026-03-20', { interest: '120.83' })).status).to.equal(201);
    expect((await pay('2026-06-20', { interest: '555.83' })).status).to.equal(201);
    // The interest due on 09-20 recorded first, the payoff of 08-01 after it: closed on 09-20, the last day it paid.
    expect((await pay('2026-09-20', { interest: '247.71' })).status).to.equal(201);
    const payoff = await pay('2026-08-01', { principal: '50000.00' });
    expect(payoff.status, JSON.stringify(payoff.body)).to.equal(201);
    expect((await officer.get(`/api/v1/loans/${loan.id}`)).body).to.include({ status: 'settled', closedOn: '2026-09-20' });
    // The household borrows again; the 09-20 interest then bounces: the reversal stands, the old loan stays settled, owing 247.71, which it takes.
    const again = await register('officer.abc', microcredit(householdId, { contractDate: '2026-10-10', disbursementDate: '2026-10-10', maturityDate: '2027-10-10' }));
    expect(again.status, JSON.stringify(again.body)).to.equal(201);
    const lastInterest = (await officer.get(`/api/v1/loans/${loan.id}`)).body.repayments.find((r: { paidOn: string }) => r.paidOn === '2026-09-20');
    const bounced = await officer.post(`/api/v1/loans/${loan.id}/repayments/${lastInterest.id}/reverse`).send({ reason: '退票' });
    expect(bounced.status, JSON.stringify(bounced.body)).to.equal(201);
    expect((await officer.get(`/api/v1/loans/${loan.id}`)).body).to.include({ status: 'settled' });
    expect((await pay('2026-10-20', { interest: '247.71' })).status).to.equal(201);

    // Principal repaid, interest owed: open, but nothing to extend.
    const other = (await register('officer.abc', microcredit(await household({ villageCode: village.code })))).body;
    expect((await officer.post(`/api/v1/loans/${other.id}/repayments`).set('Idempotency-Key', `k-${unique()}`).send({ paidOn: '2026-04-01', principal: '50000.00' })).status).to.equal(201);
    expect((await officer.get(`/api/v1/loans/${other.id}`)).body).to.include({ status: 'active', outstandingPrincipal: '0.00' });
    expectError(await officer.post(`/api/v1/loans/${other.id}/extend`).send({ newMaturityDate: '2028-03-01', extendedOn: '2026-05-01', reason: '受灾' }), 409, 'INVALID_STATE');
  });

  it("when a client's Idempotency-Key looks like a reversal's, then the repayment can still be reversed, once", async () => {
    // Found in review: a client key 'reversal:<id>' took the reversal's key, and the repayment could never be corrected.
    const officer = await t.as('officer.abc');
    const [village] = await t.db.dataSource.query(
      `SELECT code FROM regions WHERE level = 'village' AND code LIKE '410225%' AND left(code, 9) NOT IN ('410225100', '410225101') ORDER BY code DESC LIMIT 1 OFFSET 3`,
    );
    const registered = await register('officer.abc', microcredit(await household({ villageCode: village.code })));
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    const loan = registered.body;
    const paid = await officer.post(`/api/v1/loans/${loan.id}/repayments`).set('Idempotency-Key', `k-${unique()}`).send({ paidOn: '2026-03-20', interest: '120.83' });
    expect(paid.status).to.equal(201);
    const squatter = await officer.post(`/api/v1/loans/${loan.id}/repayments`).set('Idempotency-Key', `reversal:${paid.body.id}`).send({ paidOn: '2026-03-21', principal: '1.00' });
    expect(squatter.status, JSON.stringify(squatter.body)).to.equal(201);
    expect((await officer.post(`/api/v1/loans/${loan.id}/repayments/${paid.body.id}/reverse`).send({ reason: '录入错误' })).status).to.equal(201);
    expect((await officer.post(`/api/v1/loans/${loan.id}/repayments/${paid.body.id}/reverse`).send({ reason: '再次' })).status, 'still once').to.equal(409);
  });

  it('when the principal is repaid and the interest still owed is not, then the loan stays open and the delinquency run makes it overdue (it once settled and was never judged)', async () => {
    // Found in review: settled on principal alone, the loan left the delinquency run, its guarantee and slot were freed.
    const officer = await t.as('officer.abc');
    const [village] = await t.db.dataSource.query(
      `SELECT code FROM regions WHERE level = 'village' AND code LIKE '410225%' AND left(code, 9) NOT IN ('410225100', '410225101') ORDER BY code DESC LIMIT 1 OFFSET 2`,
    );
    const loan = (await register('officer.abc', microcredit(await household({ villageCode: village.code })))).body;
    const pay = (paidOn: string, amounts: { principal?: string; interest?: string }) =>
      officer.post(`/api/v1/loans/${loan.id}/repayments`).set('Idempotency-Key', `k-${unique()}`).send({ paidOn, ...amounts });
    expect((await pay('2026-03-20', { interest: '120.83' })).status).to.equal(201);
    expect((await pay('2026-06-20', { interest: '555.83' })).status).to.equal(201);
    const payoff = await pay('2026-08-01', { principal: '50000.00' });
    expect(payoff.status, JSON.stringify(payoff.body)).to.equal(201);
    // 41 days on 50,000.00 at 4.35 %, due 2026-09-20 and not paid.
    const schedule = (await officer.get(`/api/v1/loans/${loan.id}/schedule`)).body as Array<{ dueDate: string; interestDue: string }>;
    expect(schedule.find((r) => r.dueDate === '2026-09-20')!.interestDue).to.equal('247.71');
    expect((await (await t.as('admin')).post('/api/v1/jobs/delinquency?date=2026-11-30')).status).to.equal(200);
    const judged = (await officer.get(`/api/v1/loans/${loan.id}`)).body;
    expect(judged).to.include({ status: 'overdue', daysPastDue: 71, closedOn: null, outstandingPrincipal: '0.00' });
    expect(judged.balances.arrears).to.equal('247.71');
    // Reversing the interest that settled a loan reopens it, as reversing principal does.
    const last = await pay('2026-11-30', { interest: '247.71' });
    expect((await officer.get(`/api/v1/loans/${loan.id}`)).body).to.include({ status: 'settled', closedOn: '2026-11-30' });
    expect((await officer.post(`/api/v1/loans/${loan.id}/repayments/${last.body.id}/reverse`).send({ reason: '退票' })).status).to.equal(201);
    expect((await officer.get(`/api/v1/loans/${loan.id}`)).body).to.include({ status: 'active', closedOn: null });
  });
});
