import { expect } from 'chai';
import type supertest from 'supertest';
import { Decimal, formatMoney } from '../../src/core/money';
import { residentId, unique } from '../support/fixtures';
import { expectError } from '../support/errors';
import { startTestApp, type TestApp } from '../support/app';
import { extractPdfText } from '../unit/pdf-text';

const LANKAO_VILLAGE = '410225100201';

function binary(res: supertest.Response, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

type Share = { party: string; amount: string; ratio: string; institutionId: string | null; fundId: string | null; paid: string; recovered: string };

/**
 * The loans are all registered first and defaulted by one delinquency run on 2026-06-18: after it the
 * township's microcredit circuit breaker is tripped (SPEC §5), so no microcredit loan could follow.
 */
describe('claims: default claims, risk sharing, payments and recoveries (SPEC §5, §6.4, issue 5)', () => {
  let t: TestApp;
  let abc: string;
  let kfGuarantor: string;
  let fundId: string;
  let users: Record<string, string>;
  const loans: Record<'eightTwo' | 'interest' | 'fourThreeTwoOne' | 'notDefaulted' | 'badRatios' | 'rejected' | 'paidOutOfOrder' | 'repaidAfterApproval' | 'partlyRepaid' | 'interestPaidLater' | 'paidThenRepaid', string> = {} as never;

  /** Guaranteed loans, defaulted by the run below, whose claim is filed while their guarantee's fees are recorded. */
  const claimedWhileFeesRecorded: Array<{ loanId: string; guaranteeId: string }> = [];

  before(async function () {
    this.timeout(120_000);
    t = await startTestApp();
    [{ id: abc }] = await t.db.dataSource.query(`SELECT id FROM institutions WHERE type = 'bank' AND name LIKE '%农业银行%'`);
    [{ id: kfGuarantor }] = await t.db.dataSource.query(`SELECT id FROM institutions WHERE type = 'guarantee_company' AND name LIKE '开封市%'`);
    users = Object.fromEntries((await t.db.dataSource.query(`SELECT id, username FROM users`)).map((r: { id: string; username: string }) => [r.username, r.id]));
    const finance = await t.as('finance');
    const fund = await finance.post('/api/v1/funds').send({ countyCode: '410225', bankId: abc, modelCode: 'household_microcredit' });
    expect(fund.status, JSON.stringify(fund.body)).to.equal(201);
    fundId = fund.body.id;
    const deposit = await finance.post(`/api/v1/funds/${fundId}/deposits`).set('Idempotency-Key', `dep-${unique()}`).send({ kind: 'deposit', amount: '1000000.00', occurredOn: '2026-01-05' });
    expect(deposit.status, JSON.stringify(deposit.body)).to.be.oneOf([200, 201]);
    // A version of model 6 whose ratios sum to 0.95, written past the API's validation as a broken import would.
    const [v1] = await t.db.dataSource.query(`SELECT parameters FROM financing_model_versions WHERE model_code = 'insurance_backed' AND version = 1`);
    const broken = { ...v1.parameters, riskSharing: [{ party: 'insurer', ratio: '0.8' }, { party: 'bank', ratio: '0.1' }, { party: 'government', ratio: '0.05' }] };
    await t.db.dataSource.query(`INSERT INTO financing_model_versions (model_code, version, effective_from, parameters) VALUES ('insurance_backed', 2, '2025-12-01', $1)`, [JSON.stringify(broken)]);

    const short = { contractDate: '2026-01-05', disbursementDate: '2026-01-05', maturityDate: '2026-02-05', rateAnnual: '0' };
    loans.eightTwo = await register({ modelCode: 'household_microcredit', principal: '1234.57', ...short });
    loans.interest = await register({ modelCode: 'household_microcredit', principal: '50000.00', rateAnnual: '0.0435', contractDate: '2026-01-05', disbursementDate: '2026-01-05', maturityDate: '2027-01-05' });
    loans.notDefaulted = await register({ modelCode: 'household_microcredit', principal: '30000.00', rateAnnual: '0.0435', contractDate: '2026-11-01', disbursementDate: '2026-11-01', maturityDate: '2027-11-01' });
    loans.badRatios = await register({ modelCode: 'insurance_backed', principal: '5000.00', ...short });
    loans.rejected = await register({ modelCode: 'household_microcredit', principal: '2000.00', ...short });
    loans.paidOutOfOrder = await register({ modelCode: 'household_microcredit', principal: '1000.00', ...short });
    loans.repaidAfterApproval = await register({ modelCode: 'household_microcredit', principal: '2000.00', ...short });
    loans.partlyRepaid = await register({ modelCode: 'household_microcredit', principal: '3000.00', ...short });
    loans.paidThenRepaid = await register({ modelCode: 'household_microcredit', principal: '2000.00', ...short });
    loans.interestPaidLater = await register({ modelCode: 'household_microcredit', principal: '10000.00', rateAnnual: '0.0435', contractDate: '2026-01-05', disbursementDate: '2026-01-05', maturityDate: '2027-01-05' });
    loans.fourThreeTwoOne = await register({ modelCode: 'government_guarantee', principal: '10000.01', ...short, guarantorId: kfGuarantor, guaranteeFeeRate: '0.01' });
    const [application] = (await finance.get(`/api/v1/guarantees?loanId=${loans.fourThreeTwoOne}`)).body.items;
    expect((await finance.post(`/api/v1/guarantees/${application.id}/approve`)).body.loanStatus).to.equal('active');
    for (let i = 0; i < 3; i += 1) {
      const loanId = await register({ modelCode: 'government_guarantee', principal: '8000.00', ...short, guarantorId: kfGuarantor, guaranteeFeeRate: '0.01' });
      const [pending] = (await finance.get(`/api/v1/guarantees?loanId=${loanId}`)).body.items;
      expect((await finance.post(`/api/v1/guarantees/${pending.id}/approve`)).body.loanStatus).to.equal('active');
      claimedWhileFeesRecorded.push({ loanId, guaranteeId: pending.id });
    }

    const run = await (await t.as('admin')).post('/api/v1/jobs/delinquency?date=2026-06-18');
    expect(run.status, JSON.stringify(run.body)).to.equal(200);
  });
  after(async () => {
    await t?.close();
  });

  async function register(overrides: Record<string, unknown>): Promise<string> {
    const n = unique();
    const household = await (await t.as('poverty.lankao')).post('/api/v1/households').send({
      householdNumber: `CL-${n}`, headName: '周九', idNumber: residentId('410225', '19790505', Number(n.slice(-3))), villageCode: LANKAO_VILLAGE, members: 3, laborers: 2, statusSince: '2024-01-01',
    });
    expect(household.status, JSON.stringify(household.body)).to.equal(201);
    const res = await (await t.as('officer.abc')).post('/api/v1/loans').set('Idempotency-Key', `c-${unique()}`).send({
      contractNumber: `DC-${unique()}`, borrowerKind: 'household', householdId: household.body.id, purpose: '养殖', ...overrides,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id;
  }

  const file = async (loanId: string, claimDate: string, who = 'officer.abc') => (await t.as(who)).post('/api/v1/claims').send({ loanId, claimDate });
  const pay = async (claimId: string, body: Record<string, unknown>, key = `p-${unique()}`) => (await t.as('finance')).post(`/api/v1/claims/${claimId}/payments`).set('Idempotency-Key', key).send(body);
  const recover = async (claimId: string, body: Record<string, unknown>, who = 'finance', key = `r-${unique()}`) =>
    (await t.as(who)).post(`/api/v1/claims/${claimId}/recoveries`).set('Idempotency-Key', key).send(body);
  const repay = async (loanId: string, body: Record<string, unknown>) => (await t.as('officer.abc')).post(`/api/v1/loans/${loanId}/repayments`).set('Idempotency-Key', `rp-${unique()}`).send(body);
  const fileAndApprove = async (loanId: string, claimDate: string) => {
    const filed = await file(loanId, claimDate);
    expect(filed.status, JSON.stringify(filed.body)).to.equal(201);
    const approved = await (await t.as('finance')).post(`/api/v1/claims/${filed.body.id}/approve`);
    expect(approved.status, JSON.stringify(approved.body)).to.equal(200);
    return filed.body as { id: string; lossAmount: string; shares: Share[] };
  };
  const snapshot = async () =>
    (await t.db.dataSource.query(
      `SELECT (SELECT count(*) FROM claims)::int AS claims, (SELECT count(*) FROM claim_shares)::int AS shares,
              (SELECT count(*) FROM risk_ledger_entries)::int AS ledger, (SELECT count(*) FROM fund_movements)::int AS movements,
              (SELECT balance::text FROM risk_funds WHERE id = $1) AS balance`,
      [fundId],
    ))[0];
  const fundBalances = async () =>
    (await t.db.dataSource.query(
      `SELECT f.balance::text AS balance,
              (SELECT sum(amount)::text FROM fund_movements WHERE fund_id = f.id AND kind IN ('deposit', 'top_up')) AS deposits,
              (SELECT coalesce(sum(-amount), 0)::text FROM fund_movements WHERE fund_id = f.id AND kind = 'payout') AS payouts,
              (SELECT coalesce(sum(amount), 0)::text FROM fund_movements WHERE fund_id = f.id AND kind = 'recovery') AS recoveries
         FROM risk_funds f WHERE f.id = $1`,
      [fundId],
    ))[0];

  it('when a loan is not defaulted, then no claim can be filed on it and nothing is written', async () => {
    const before = await snapshot();
    const res = await file(loans.notDefaulted, '2026-11-20');
    expect(res.status).to.equal(409);
    expect(res.body.error.details[0]).to.include({ code: 'LOAN_NOT_DEFAULTED', actual: 'active' });
    expect(await snapshot()).to.deep.equal(before);
  });

  it("when the model version's ratios do not sum to 1, then the claim is refused with the reason and nothing is written", async () => {
    const before = await snapshot();
    const res = await file(loans.badRatios, '2026-06-18');
    expect(res.status).to.equal(422);
    expect(res.body.error.details[0]).to.include({ code: 'RATIOS_NOT_ONE', field: 'riskSharing', sum: '0.95' });
    expect(await snapshot()).to.deep.equal(before);
  });

  it('when the claim date is before the default or in the future, or another bank or a finance officer files, then it is refused', async () => {
    expect((await file(loans.interest, '2026-06-17')).body.error.details[0]).to.include({ code: 'CLAIM_DATE_OUT_OF_RANGE' });
    expect((await file(loans.interest, '2099-01-01')).status).to.equal(422);
    expect((await file(loans.interest, '2026-07-01', 'officer.rcb')).status).to.equal(404);
    expect((await file(loans.interest, '2026-07-01', 'finance')).status).to.equal(403);
  });

  it('when a defaulted loan with interest is claimed (twice at once), then one claim is filed: principal + interest accrued and unpaid, split 8:2 exactly', async () => {
    const results = await Promise.all([file(loans.interest, '2026-07-01'), file(loans.interest, '2026-07-01')]);
    const filed = results.find((r) => r.status === 201)!;
    expect(filed, JSON.stringify(results.map((r) => r.body))).to.not.equal(undefined);
    expect(results.filter((r) => r.status === 409)).to.have.length(1);
    // The one refused names the claim the other filed, so a caller that lost its answer can read it.
    expect(results.find((r) => r.status === 409)!.body.error.details[0]).to.include({ code: 'ALREADY_CLAIMED', claimId: filed.body.id, claimNumber: filed.body.claimNumber });
    // Due 2026-03-20: 453.13 and 2026-06-20: 555.83; accrued 2026-06-21…06-30 on 50,000.00 at 4.35 %: 60.42.
    expect(filed.body).to.include({ status: 'filed', claimDate: '2026-07-01', principalOutstanding: '50000.00', interestUnpaid: '1069.38', lossAmount: '51069.38', filedBy: users['officer.abc'] });
    expect(filed.body.calculation).to.deep.include({ interestDue: '1008.96', interestAccrued: '60.42', accrual: { from: '2026-06-21', to: '2026-06-30', days: 10 } });
    expect(filed.body.shares.map((s: Share) => [s.party, s.ratio, s.amount])).to.deep.equal([
      ['risk_fund', '0.8', '40855.50'],
      ['bank', '0.2', '10213.88'],
    ]);
    const again = await file(loans.interest, '2026-07-02');
    expect(again.status).to.equal(409);
    expect(again.body.error.details[0]).to.include({ code: 'ALREADY_CLAIMED', claimId: filed.body.id });
  });

  it('when the 1,234.57 claim of SPEC §6.4 is filed, approved and paid, then 987.66 / 246.91, the fund pays its share, and the loan is compensated', async () => {
    const filed = await file(loans.eightTwo, '2026-06-18');
    expect(filed.status, JSON.stringify(filed.body)).to.equal(201);
    expect(filed.body.lossAmount).to.equal('1234.57');
    const [fundShare, bankShare] = filed.body.shares as Share[];
    expect(fundShare).to.include({ party: 'risk_fund', amount: '987.66', fundId, institutionId: null, paid: '0.00' });
    expect(bankShare).to.include({ party: 'bank', amount: '246.91', institutionId: abc, fundId: null });
    const id = filed.body.id;
    expect((await (await t.as('officer.rcb')).get(`/api/v1/claims/${id}`)).status).to.equal(404);
    expect((await pay(id, { party: 'risk_fund', paidOn: '2026-07-01' })).status, 'not approved yet').to.equal(409);
    expect((await (await t.as('officer.abc')).post(`/api/v1/claims/${id}/approve`)).status).to.equal(403);
    const approved = await (await t.as('finance')).post(`/api/v1/claims/${id}/approve`);
    expect(approved.body).to.include({ status: 'approved', decidedBy: users.finance });
    expect((await (await t.as('finance2')).post(`/api/v1/claims/${id}/approve`)).status, 'approving twice').to.equal(409);

    const key = `pay-${unique()}`;
    const fundPaid = await pay(id, { party: 'risk_fund', paidOn: '2026-07-01', reference: 'CZ-2026-0701' }, key);
    expect(fundPaid.status, JSON.stringify(fundPaid.body)).to.equal(201);
    expect(fundPaid.body.shares[0]).to.include({ paid: '987.66', unpaid: '0.00' });
    const retry = await pay(id, { party: 'risk_fund', paidOn: '2026-07-01', reference: 'CZ-2026-0701' }, key);
    expect(retry.body).to.deep.equal(fundPaid.body);
    // The fund's balance after the claim is deposits − payouts, to the fen.
    expect(await fundBalances()).to.deep.include({ balance: '999012.34', deposits: '1000000.00', payouts: '987.66' });
    const fund = await (await t.as('finance')).get(`/api/v1/funds/${fundId}?asOf=2026-06-30`);
    expect(fund.body).to.include({ balance: '999012.34', balanceAsOf: '1000000.00' });
    const [movement] = await t.db.dataSource.query(`SELECT id, amount::text, claim_id FROM fund_movements WHERE fund_id = $1 AND kind = 'payout'`, [fundId]);
    expect(movement).to.deep.include({ amount: '-987.66', claim_id: id });
    // The payout is on the fund's own audit trail, as a deposit is, once (the retry wrote nothing).
    const trail = await (await t.as('auditor')).get('/api/v1/audit').query({ entityType: 'fund_movement', entityId: movement.id });
    expect(trail.body.items.map((e: { action: string; before: object; after: { amount: string } }) => [e.action, e.before, e.after.amount])).to.deep.equal([
      ['payout', { fundId, balance: '1000000.00' }, '-987.66'],
    ]);

    expect((await pay(id, { party: 'bank', amount: '246.92', paidOn: '2026-07-01' })).body.error.details[0]).to.include({ code: 'PAYMENT_ABOVE_SHARE', limit: '246.91' });
    expect((await pay(id, { party: 'risk_fund', paidOn: '2026-07-01' })).status, 'the fund share is paid').to.equal(422);
    expect((await pay(id, { party: 'insurer', paidOn: '2026-07-01' })).body.error.details[0]).to.include({ code: 'PARTY_NOT_IN_CLAIM' });
    expect((await pay(id, { party: 'bank', amount: '200.00', paidOn: '2026-07-02' })).body.status).to.equal('approved');
    expect((await t.db.dataSource.query(`SELECT status FROM loans WHERE id = $1`, [loans.eightTwo]))[0].status).to.equal('defaulted');
    const done = await pay(id, { party: 'bank', paidOn: '2026-07-03' });
    expect(done.body).to.include({ status: 'paid', paidOn: '2026-07-03', loanStatus: 'compensated', totalPaid: '1234.57' });
    expect(done.body.shares[1]).to.include({ paid: '246.91', unpaid: '0.00' });
    expect((await pay(id, { party: 'bank', paidOn: '2026-07-03' })).status, 'every share is paid').to.equal(409);
    const ledger = await (await t.as('finance')).get(`/api/v1/risk-ledger?claimId=${id}&kind=claim_payment`);
    expect(ledger.body).to.include({ total: 3, balance: '-1234.57' });
    expect((await (await t.as('finance')).get(`/api/v1/risk-ledger?fundId=${fundId}`)).body.balance).to.equal('-987.66');
    expect((await (await t.as('finance')).get(`/api/v1/risk-ledger?institutionId=${abc}&claimId=${id}&asOf=2026-07-02`)).body.balance).to.equal('-200.00');
  });

  it('when money is recovered after payment, then it is split back 8:2, the fund gets its part, and never more than was paid', async () => {
    const [claim] = (await (await t.as('finance')).get(`/api/v1/claims?loanId=${loans.eightTwo}`)).body.items;
    expect((await recover(claim.id, { amount: '100.00', recoveredOn: '2026-07-01' })).body.error.details[0], 'before the claim was paid').to.include({ code: 'DATE_OUT_OF_RANGE' });
    const first = await recover(claim.id, { amount: '500.00', recoveredOn: '2026-08-01', reference: '追偿-1' });
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(first.body.shares.map((s: Share) => s.recovered)).to.deep.equal(['400.00', '100.00']);
    expect(first.body.totalRecovered).to.equal('500.00');
    expect(await fundBalances()).to.deep.include({ balance: '999412.34', payouts: '987.66', recoveries: '400.00' });

    const before = await snapshot();
    const over = await recover(claim.id, { amount: '734.58', recoveredOn: '2026-08-02' });
    expect(over.status).to.equal(422);
    expect(over.body.error.details[0]).to.include({ code: 'RECOVERY_ABOVE_PAID', limit: '734.57', actual: '734.58' });
    expect((await recover(claim.id, { amount: '1.00', recoveredOn: '2026-08-02' }, 'officer.rcb')).status, 'a bank records no recovery').to.equal(403);
    expect(await snapshot()).to.deep.equal(before);

    const rest = await recover(claim.id, { amount: '734.57', recoveredOn: '2026-08-02' }, 'finance');
    expect(rest.body.shares.map((s: Share) => [s.paid, s.recovered])).to.deep.equal([
      ['987.66', '987.66'],
      ['246.91', '246.91'],
    ]);
    expect(await fundBalances()).to.deep.include({ balance: '1000000.00' });
  });

  it('when the "4321" claim of SPEC §6.4 is paid by every party, then 4,000.01 / 3,000.00 / 2,000.00 / 1,000.00 and the guarantee is compensated', async () => {
    const filed = await file(loans.fourThreeTwoOne, '2026-06-18');
    expect(filed.status, JSON.stringify(filed.body)).to.equal(201);
    expect(filed.body.shares.map((s: Share) => [s.party, s.ratio, s.amount, s.institutionId])).to.deep.equal([
      ['guarantor', '0.4', '4000.01', kfGuarantor],
      ['reguarantor', '0.3', '3000.00', null],
      ['bank', '0.2', '2000.00', abc],
      ['government', '0.1', '1000.00', null],
    ]);
    expect(filed.body.guaranteeId).to.be.a('string');
    await (await t.as('finance2')).post(`/api/v1/claims/${filed.body.id}/approve`);
    for (const party of ['guarantor', 'reguarantor', 'bank', 'government']) {
      expect((await pay(filed.body.id, { party, paidOn: '2026-07-10' })).status).to.equal(201);
    }
    const paid = await (await t.as('officer.abc')).get(`/api/v1/claims/${filed.body.id}`);
    expect(paid.body).to.include({ status: 'paid', loanStatus: 'compensated', totalPaid: '10000.01' });
    const guarantee = await (await t.as('finance')).get(`/api/v1/guarantees/${filed.body.guaranteeId}`);
    expect(guarantee.body).to.include({ status: 'compensated', outstandingGuaranteed: '0.00' });
    expect((await (await t.as('finance')).get(`/api/v1/risk-ledger?institutionId=${kfGuarantor}&kind=claim_payment`)).body.balance).to.equal('-4000.01');
  });

  it("when a claim is filed while the guarantee's fees are recorded, then both succeed (they once deadlocked, one of them refused 409)", async () => {
    const finance = await t.as('finance');
    for (const { loanId, guaranteeId } of claimedWhileFeesRecorded) {
      const [claim, fees] = await Promise.all([file(loanId, '2026-06-18'), finance.post(`/api/v1/guarantees/${guaranteeId}/fees`).send({ period: '2026Q1' })]);
      expect(claim.status, JSON.stringify(claim.body)).to.equal(201);
      expect(fees.status, JSON.stringify(fees.body)).to.equal(200);
      // The loan is defaulted, its 2026Q1 instalment unpaid: the guarantor's fee accrues, the programme's subsidy does not (§6.2).
      expect(fees.body.written.map((e: { kind: string }) => e.kind)).to.deep.equal(['guarantee_fee']);
      expect(fees.body.feeSubsidy.amount).to.equal('0.00');
    }
  });

  it('when the filer would approve, or a claim is rejected, then maker-checker holds and a rejected claim can be filed again', async () => {
    const filed = await file(loans.rejected, '2026-06-18');
    const id = filed.body.id;
    await t.db.dataSource.query(`UPDATE claims SET filed_by = $1 WHERE id = $2`, [users.finance, id]);
    const own = await (await t.as('finance')).post(`/api/v1/claims/${id}/approve`);
    expect(own.status).to.equal(422);
    expect(own.body.error.details[0]).to.include({ code: 'MAKER_CHECKER' });
    const rejected = await (await t.as('finance2')).post(`/api/v1/claims/${id}/reject`).send({ reason: '材料不全' });
    expect(rejected.body).to.include({ status: 'rejected', decisionReason: '材料不全' });
    expect((await (await t.as('finance')).get(`/api/v1/claims/${id}/notice.pdf`)).status, 'no notice for a rejected claim').to.equal(409);
    const refiled = await file(loans.rejected, '2026-06-19');
    expect(refiled.status, JSON.stringify(refiled.body)).to.equal(201);
    expect(refiled.body.shares.map((s: Share) => s.amount)).to.deep.equal(['1600.00', '400.00']);
  });

  it('when the claim split notice is downloaded, then the bank gets a PDF with the loss in figures and 大写 and every share', async () => {
    const [claim] = (await (await t.as('officer.abc')).get(`/api/v1/claims?loanId=${loans.eightTwo}`)).body.items;
    const res = await (await t.as('officer.abc')).get(`/api/v1/claims/${claim.id}/notice.pdf`).buffer(true).parse(binary);
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('application/pdf');
    const pdf = res.body as Buffer;
    expect(pdf.toString('latin1')).to.contain('/FontFile2');
    const text = extractPdfText(pdf).join('\n').replace(/\n/g, '');
    for (const expected of ['代偿分担通知书', claim.claimNumber, '人民币壹仟贰佰叁拾肆元伍角柒分', '¥1234.57', '风险补偿金', '987.66', '246.91', '80%', '20%', '合计 Total', '1234.57']) {
      expect(text, expected).to.contain(expected);
    }
    expect((await (await t.as('officer.rcb')).get(`/api/v1/claims/${claim.id}/notice.pdf`)).status).to.equal(404);
  });

  it('when the shares are paid on different dates and recorded out of order, then the claim is paid on the latest payment date and no recovery is dated before it', async () => {
    const filed = await file(loans.paidOutOfOrder, '2026-06-18');
    expect(filed.status, JSON.stringify(filed.body)).to.equal(201);
    expect((await (await t.as('finance2')).post(`/api/v1/claims/${filed.body.id}/approve`)).status).to.equal(200);
    expect((await pay(filed.body.id, { party: 'risk_fund', paidOn: '2026-11-20' })).status).to.equal(201);
    const done = await pay(filed.body.id, { party: 'bank', paidOn: '2026-07-01' });
    expect(done.body).to.include({ status: 'paid', paidOn: '2026-11-20', loanStatus: 'compensated' });
    const [event] = await t.db.dataSource.query(`SELECT effective_date::text AS on FROM loan_events WHERE loan_id = $1 AND to_status = 'compensated'`, [loans.paidOutOfOrder]);
    expect(event.on).to.equal('2026-11-20');
    const early = await recover(filed.body.id, { amount: '100.00', recoveredOn: '2026-07-02' });
    expect(early.status, 'a recovery dated before the fund paid its 800.00').to.equal(422);
    expect(early.body.error.details[0]).to.include({ code: 'DATE_OUT_OF_RANGE', field: 'recoveredOn' });
  });

  it('when the borrower repays the whole loan after the claim was approved, then no share is paid, the fund keeps its money and the claim is rejected', async () => {
    const claim = await fileAndApprove(loans.repaidAfterApproval, '2026-06-18');
    expect((await repay(loans.repaidAfterApproval, { paidOn: '2026-11-01', principal: '2000.00' })).status).to.equal(201);
    const before = await snapshot();
    const fundPaid = await pay(claim.id, { party: 'risk_fund', paidOn: '2026-11-02' });
    expect(fundPaid.status, JSON.stringify(fundPaid.body)).to.equal(409);
    expect(fundPaid.body.error.details).to.deep.include.members([
      { code: 'LOAN_NOT_DEFAULTED', field: 'loanId', message: 'the loan is settled now, no longer defaulted', actual: 'settled' },
      { code: 'PRINCIPAL_REPAID_SINCE_CLAIM', field: 'principalOutstanding', message: 'the claim is for 2000.00 of principal; the loan owes 0.00 now', limit: '0.00', actual: '2000.00' },
    ]);
    expect((await pay(claim.id, { party: 'bank', paidOn: '2026-11-02' })).status).to.equal(409);
    expect(await snapshot(), 'no payment, payout or fund movement').to.deep.equal(before);
    expect((await (await t.as('finance')).get(`/api/v1/claims/${claim.id}`)).body).to.include({ status: 'approved', totalPaid: '0.00', loanStatus: 'settled' });

    const rejected = await (await t.as('finance2')).post(`/api/v1/claims/${claim.id}/reject`).send({ reason: '借款人已结清' });
    expect(rejected.body).to.include({ status: 'rejected', decidedBy: users.finance2, decisionReason: '借款人已结清', totalPaid: '0.00' });
    const [audit] = await t.db.dataSource.query(`SELECT before, after FROM audit_log WHERE entity_id = $1 AND action = 'reject'`, [claim.id]);
    expect(audit.before, 'the approval it replaces').to.include({ status: 'approved', decidedBy: users.finance });
    expect(audit.after, 'who decided, as the row says').to.include({ status: 'rejected', decidedBy: users.finance2 });
    expect((await pay(claim.id, { party: 'risk_fund', paidOn: '2026-11-02' })).status).to.equal(409);
  });

  it('when the borrower repays part of the principal after approval, then no share is paid for it; the claim is rejected and a new one pays what is owed', async () => {
    const claim = await fileAndApprove(loans.partlyRepaid, '2026-06-18');
    expect(claim.lossAmount).to.equal('3000.00');
    expect((await repay(loans.partlyRepaid, { paidOn: '2026-11-01', principal: '2500.00' })).status).to.equal(201);
    const before = await snapshot();
    for (const party of ['risk_fund', 'bank']) {
      const res = await pay(claim.id, { party, paidOn: '2026-11-02' });
      expect(res.status, party).to.equal(409);
      expect(res.body.error.details).to.deep.equal([
        { code: 'PRINCIPAL_REPAID_SINCE_CLAIM', field: 'principalOutstanding', message: 'the claim is for 3000.00 of principal; the loan owes 500.00 now', limit: '500.00', actual: '3000.00' },
      ]);
    }
    expect(await snapshot()).to.deep.equal(before);
    expect((await t.db.dataSource.query(`SELECT status FROM loans WHERE id = $1`, [loans.partlyRepaid]))[0].status, 'not compensated').to.equal('defaulted');

    expect((await (await t.as('finance')).post(`/api/v1/claims/${claim.id}/reject`).send({ reason: '借款人已部分还款' })).body.status).to.equal('rejected');
    const again = await fileAndApprove(loans.partlyRepaid, '2026-11-02');
    expect(again.lossAmount).to.equal('500.00');
    const payouts = (await fundBalances()).payouts;
    expect((await pay(again.id, { party: 'risk_fund', paidOn: '2026-11-03' })).status).to.equal(201);
    const done = await pay(again.id, { party: 'bank', paidOn: '2026-11-03' });
    expect(done.body).to.include({ status: 'paid', totalPaid: '500.00', loanStatus: 'compensated' });
    expect((await fundBalances()).payouts).to.equal(formatMoney(new Decimal(payouts).plus('400.00')));
  });

  it('when a share was paid before the borrower repaid, then nothing more is paid, the claim is not rejected until the money is recovered, and then it is', async () => {
    const claim = await fileAndApprove(loans.paidThenRepaid, '2026-06-18');
    expect((await pay(claim.id, { party: 'risk_fund', paidOn: '2026-07-10' })).status).to.equal(201);
    const stillOwed = await (await t.as('finance2')).post(`/api/v1/claims/${claim.id}/reject`).send({ reason: '撤回' });
    expect(stillOwed.status, 'an approved claim its loan still owes').to.equal(409);
    expect(stillOwed.body.error.details[0]).to.include({ code: 'ALREADY_DECIDED' });
    expect((await recover(claim.id, { amount: '100.00', recoveredOn: '2026-07-11' })).status, 'no recovery before the claim is paid').to.equal(409);

    const repaid = await repay(loans.paidThenRepaid, { paidOn: '2026-11-01', principal: '500.00' });
    expect((await pay(claim.id, { party: 'bank', paidOn: '2026-11-02' })).body.error.details[0]).to.include({ code: 'PRINCIPAL_REPAID_SINCE_CLAIM', limit: '1500.00' });
    const notBack = await (await t.as('finance2')).post(`/api/v1/claims/${claim.id}/reject`).send({ reason: '撤回' });
    expect(notBack.status).to.equal(409);
    expect(notBack.body.error.details[0]).to.include({ code: 'PAID_NOT_RECOVERED', limit: '0.00', actual: '1600.00' });
    expect((await recover(claim.id, { amount: '100.00', recoveredOn: '2026-07-09' })).body.error.details[0], 'before the fund paid').to.include({ code: 'DATE_OUT_OF_RANGE' });
    const part = await recover(claim.id, { amount: '100.00', recoveredOn: '2026-11-05' });
    expect(part.status, JSON.stringify(part.body)).to.equal(201);
    expect(part.body.shares.map((s: Share) => [s.party, s.paid, s.recovered])).to.deep.equal([['risk_fund', '1600.00', '100.00'], ['bank', '0.00', '0.00']]);

    // The repayment bounces: the loan owes the claim again, but money already came back, so nothing more
    // is paid on it; the rest is still recovered and the claim rejected (nothing stranded), and the bank
    // files a new claim for what the loan owes now.
    expect((await (await t.as('officer.abc')).post(`/api/v1/loans/${loans.paidThenRepaid}/repayments/${repaid.body.id}/reverse`).send({ reason: '退票' })).status).to.be.oneOf([200, 201]);
    expect((await pay(claim.id, { party: 'bank', paidOn: '2026-11-06' })).body.error.details[0]).to.include({ code: 'RECOVERY_STARTED', actual: '100.00' });
    const before = await fundBalances();
    const rest = await recover(claim.id, { amount: '1500.00', recoveredOn: '2026-11-06' });
    expect(rest.status, JSON.stringify(rest.body)).to.equal(201);
    expect(rest.body.shares.map((s: Share) => [s.paid, s.recovered])).to.deep.equal([['1600.00', '1600.00'], ['0.00', '0.00']]);
    expect((await fundBalances()).balance).to.equal(formatMoney(new Decimal(before.balance).plus('1500.00')));
    const rejected = await (await t.as('finance2')).post(`/api/v1/claims/${claim.id}/reject`).send({ reason: '还款退票，代偿款已退回，重新申请' });
    expect(rejected.status, JSON.stringify(rejected.body)).to.equal(200);
    expect(rejected.body).to.include({ status: 'rejected', totalPaid: '1600.00', totalRecovered: '1600.00', loanStatus: 'defaulted' });
    const refiled = await file(loans.paidThenRepaid, '2026-11-07');
    expect(refiled.status, JSON.stringify(refiled.body)).to.equal(201);
    expect(refiled.body).to.include({ principalOutstanding: '2000.00' });
  });

  it('when the borrower pays interest after the claim date, then the claim is not approved for interest already paid', async () => {
    const filed = await file(loans.interestPaidLater, '2026-07-01');
    expect(filed.body).to.include({ principalOutstanding: '10000.00', interestUnpaid: '213.88' });
    expect((await repay(loans.interestPaidLater, { paidOn: '2026-11-01', interest: '100.00' })).status).to.equal(201);
    const approved = await (await t.as('finance')).post(`/api/v1/claims/${filed.body.id}/approve`);
    expect(approved.status).to.equal(409);
    expect(approved.body.error.details).to.deep.equal([
      { code: 'INTEREST_PAID_SINCE_CLAIM', field: 'interestUnpaid', message: 'the claim is for 213.88 of unpaid interest; 113.88 of it is still unpaid', limit: '113.88', actual: '213.88' },
    ]);
    expect((await (await t.as('finance')).get(`/api/v1/claims/${filed.body.id}`)).body.status).to.equal('filed');
  });

  it('when a compensated loan is repaid, then 409: what the borrower pays back is a recovery of its claim, split back among the parties (it once paid the bank twice)', async () => {
    const officer = await t.as('officer.abc');
    const [loan] = await t.db.dataSource.query(`SELECT status, outstanding_principal::text AS outstanding FROM loans WHERE id = $1`, [loans.eightTwo]);
    expect(loan.status).to.equal('compensated');
    const before = await snapshot();
    const refused = await repay(loans.eightTwo, { paidOn: '2026-09-01', principal: loan.outstanding, interest: '0.00', penalty: '0.00' });
    expect(expectError(refused, 409, 'INVALID_STATE').message).to.match(/POST \/claims\/\{id\}\/recoveries/);
    expect(await snapshot(), 'nothing written').to.deep.equal(before);
    expect((await officer.get(`/api/v1/loans/${loans.eightTwo}`)).body).to.include({ status: 'compensated', outstandingPrincipal: loan.outstanding });
    // Recoveries move the fund's money: the finance bureau records them (SPEC §1), not the bank.
    const [claim] = (await (await t.as('finance')).get(`/api/v1/claims?loanId=${loans.eightTwo}`)).body.items;
    expectError(await recover(claim.id, { amount: '1.00', recoveredOn: '2026-09-01' }, 'officer.abc'), 403, 'FORBIDDEN');
  });

  it('when claim records are tampered with in the database, then PostgreSQL refuses (append-only money history)', async () => {
    for (const statement of [`UPDATE claim_shares SET amount = 0`, `DELETE FROM risk_ledger_entries`, `UPDATE risk_ledger_entries SET amount = -1`]) {
      let message = '';
      await t.db.dataSource.query(statement).catch((error: Error) => (message = error.message));
      expect(message, statement).to.match(/append-only/);
    }
  });
});
