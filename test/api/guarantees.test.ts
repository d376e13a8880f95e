import { expect } from 'chai';
import type supertest from 'supertest';
import { Decimal, formatMoney, sumMoney } from '../../src/core/money';
import { residentId, unique, uscc } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/app';
import { extractPdfText } from '../unit/pdf-text';

const LANKAO_VILLAGE = '410225100201';
const QIXIAN_VILLAGE = '410221100201';

function binary(res: supertest.Response, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

describe('guarantees: applications, maker-checker, limits, letters, fees (SPEC §5, §6.3, issue 5)', () => {
  let t: TestApp;
  let kfGuarantor: string;
  let users: Record<string, string>;
  before(async () => {
    t = await startTestApp();
    [{ id: kfGuarantor }] = await t.db.dataSource.query(`SELECT id FROM institutions WHERE type = 'guarantee_company' AND name LIKE '开封市%'`);
    const rows: Array<{ id: string; username: string }> = await t.db.dataSource.query(`SELECT id, username FROM users`);
    users = Object.fromEntries(rows.map((r) => [r.username, r.id]));
  });
  after(async () => {
    await t?.close();
  });

  async function household(county: '410225' | '410221' = '410225'): Promise<string> {
    const n = unique();
    const res = await (await t.as(county === '410225' ? 'poverty.lankao' : 'poverty')).post('/api/v1/households').send({
      householdNumber: `GH-${n}`, headName: '孙八', idNumber: residentId(county, '19800101', Number(n.slice(-3))),
      villageCode: county === '410225' ? LANKAO_VILLAGE : QIXIAN_VILLAGE, members: 3, laborers: 2, statusSince: '2024-01-01',
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id;
  }

  /** A government-guarantee loan (model 3): coverage 0.8, fee cap 1 % up to 5,000,000.00 guaranteed. */
  async function registerGuaranteed(overrides: Record<string, unknown> = {}, householdId?: string) {
    const res = await (await t.as('officer.abc')).post('/api/v1/loans').set('Idempotency-Key', `g-${unique()}`).send({
      contractNumber: `DB-${unique()}`, modelCode: 'government_guarantee', borrowerKind: 'household', householdId: householdId ?? (await household()),
      principal: '50000.00', rateAnnual: '0.0435', contractDate: '2026-03-01', disbursementDate: '2026-03-01', maturityDate: '2027-03-01',
      purpose: '种植大棚', guarantorId: kfGuarantor, guaranteeFeeRate: '0.01', ...overrides,
    });
    return res;
  }

  async function applicationOf(loanId: string) {
    const res = await (await t.as('finance')).get(`/api/v1/guarantees?loanId=${loanId}`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.items).to.have.length(1);
    return res.body.items[0];
  }

  async function newGuarantor(netAssets: string, singleClientLimitRatio: string): Promise<string> {
    const res = await (await t.as('admin')).post('/api/v1/institutions').send({
      type: 'guarantee_company', name: `测试融资担保有限公司${unique()}`, uscc: uscc(`91410200MA${unique().slice(-7).padStart(7, '0')}`), regionCode: '410200',
      netAssets, leverageLimit: '10', singleClientLimitRatio,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id;
  }

  const loanRow = async (id: string) => (await t.db.dataSource.query(`SELECT status, disbursement_date, guarantor_id FROM loans WHERE id = $1`, [id]))[0];
  const counts = async () =>
    (await t.db.dataSource.query(`SELECT (SELECT count(*) FROM guarantees WHERE status <> 'pending')::int AS decided, (SELECT count(*) FROM audit_log WHERE entity_type = 'guarantee')::int AS audits, (SELECT count(*) FROM loan_events)::int AS events`))[0];

  it('when a loan under a guarantee model is registered, then its application is filed (guarantor, principal × coverage, fee rate, term) and the loan waits', async () => {
    const loan = await registerGuaranteed();
    expect(loan.status, JSON.stringify(loan.body)).to.equal(201);
    expect(loan.body).to.include({ status: 'pending_guarantee', disbursementDate: null, guarantorId: kfGuarantor });
    const application = await applicationOf(loan.body.id);
    expect(application).to.include({
      status: 'pending', guarantorId: kfGuarantor, principal: '50000.00', guaranteedAmount: '40000.00', coverageRatio: '0.8',
      feeRateAnnual: '0.0100', feeSubsidyRateAnnual: '0.0150', termMonths: 12, requestedDisbursementDate: '2026-03-01',
      filedBy: users['officer.abc'], decidedBy: null, letterNumber: null, outstandingGuaranteed: '0.00',
    });
    // Scope (SPEC §9): the bank sees its own; another bank does not; the county of the borrower does.
    expect((await (await t.as('officer.abc')).get(`/api/v1/guarantees/${application.id}`)).status).to.equal(200);
    expect((await (await t.as('officer.rcb')).get(`/api/v1/guarantees/${application.id}`)).status).to.equal(404);
    expect((await (await t.as('officer.rcb')).get(`/api/v1/guarantees?loanId=${loan.body.id}`)).body.total).to.equal(0);
    expect((await (await t.as('finance.lankao')).get(`/api/v1/guarantees/${application.id}`)).status).to.equal(200);
    expect((await (await t.as('enterprise')).get('/api/v1/guarantees')).status).to.equal(403);
  });

  it('when the guarantor is not a guarantee company, then registration is refused and nothing is written', async () => {
    const [bank] = await t.db.dataSource.query(`SELECT id FROM institutions WHERE type = 'bank' LIMIT 1`);
    const before = await t.db.dataSource.query('SELECT count(*)::int AS n FROM loans');
    const res = await registerGuaranteed({ guarantorId: bank.id });
    expect(res.status).to.equal(422);
    expect(res.body.error.details[0]).to.include({ code: 'GUARANTOR_NOT_A_GUARANTEE_COMPANY', field: 'guarantorId' });
    expect(await t.db.dataSource.query('SELECT count(*)::int AS n FROM loans')).to.deep.equal(before);
  });

  it('when a finance officer approves, then the loan is active from its registered disbursement date, the decision is recorded, and a second approval is 409', async () => {
    const loan = (await registerGuaranteed()).body;
    const application = await applicationOf(loan.id);
    expect((await (await t.as('officer.abc')).post(`/api/v1/guarantees/${application.id}/approve`)).status, 'a loan officer').to.equal(403);
    const approved = await (await t.as('finance')).post(`/api/v1/guarantees/${application.id}/approve`);
    expect(approved.status, JSON.stringify(approved.body)).to.equal(200);
    expect(approved.body).to.include({ status: 'approved', loanStatus: 'active', filedBy: users['officer.abc'], decidedBy: users.finance, outstandingGuaranteed: '40000.00' });
    expect(approved.body.letterNumber).to.match(/^DBH\d{8}-[0-9A-F]{8}$/);
    expect(await loanRow(loan.id)).to.deep.include({ status: 'active', disbursement_date: '2026-03-01' });
    const detail = await (await t.as('officer.abc')).get(`/api/v1/loans/${loan.id}`);
    expect(detail.body.schedule.at(-1)).to.include({ dueDate: '2027-03-01', principalDue: '50000.00' });
    expect(detail.body.events.map((e: { kind: string }) => e.kind)).to.deep.equal(['registered', 'guarantee_approved']);
    // The loan's audit entry names its borrower before and after (both once read null).
    const audit = await (await t.as('auditor')).get('/api/v1/audit').query({ entityType: 'loan', entityId: loan.id });
    const entry = audit.body.items.find((e: { action: string }) => e.action === 'guarantee_approved');
    expect(entry.before).to.include({ status: 'pending_guarantee', borrowerName: detail.body.borrowerName });
    expect(entry.after).to.include({ status: 'active', borrowerName: detail.body.borrowerName });
    const filed = await (await t.as('auditor')).get('/api/v1/audit').query({ entityType: 'guarantee', entityId: application.id });
    const filing = filed.body.items.find((e: { action: string }) => e.action === 'file');
    expect(filing.after, 'the rates the application was filed at').to.include({ feeRateAnnual: application.feeRateAnnual, feeSubsidyRateAnnual: application.feeSubsidyRateAnnual });
    expect(detail.body.borrowerName).to.be.a('string').that.is.not.empty;

    const before = await counts();
    for (const [who, verb] of [['finance2', 'approve'], ['finance', 'approve'], ['finance2', 'reject']] as const) {
      const again = await (await t.as(who)).post(`/api/v1/guarantees/${application.id}/${verb}`).send(verb === 'reject' ? { reason: '重复' } : undefined);
      expect(again.status, `${who} ${verb}`).to.equal(409);
      expect(again.body.error.details[0]).to.include({ code: 'ALREADY_DECIDED' });
    }
    expect(await counts()).to.deep.equal(before);
  });

  it('when a loan was registered without a disbursement date, then approval leaves it registered until the bank disburses it', async () => {
    const loan = (await registerGuaranteed({ disbursementDate: undefined })).body;
    const application = await applicationOf(loan.id);
    expect((await (await t.as('finance')).post(`/api/v1/guarantees/${application.id}/approve`)).body).to.include({ status: 'approved', loanStatus: 'registered' });
    const disbursed = await (await t.as('officer.abc')).post(`/api/v1/loans/${loan.id}/disburse`).send({ disbursementDate: '2026-03-10' });
    expect(disbursed.status, JSON.stringify(disbursed.body)).to.equal(200);
    expect(disbursed.body.status).to.equal('active');
  });

  it('when the approver filed the application or acted on its loan, then approval is refused (maker-checker) and nothing is written', async () => {
    const loan = (await registerGuaranteed()).body;
    const application = await applicationOf(loan.id);
    // Only loan officers file through the API; a filer who is also a finance officer is simulated here.
    await t.db.dataSource.query(`UPDATE guarantees SET filed_by = $1 WHERE id = $2`, [users.finance, application.id]);
    const before = await counts();
    const own = await (await t.as('finance')).post(`/api/v1/guarantees/${application.id}/approve`);
    expect(own.status).to.equal(422);
    expect(own.body.error.details[0]).to.include({ code: 'MAKER_CHECKER' });
    expect((await (await t.as('finance')).post(`/api/v1/guarantees/${application.id}/reject`).send({ reason: '自审' })).status).to.equal(422);
    expect(await counts()).to.deep.equal(before);
    expect(await loanRow(loan.id)).to.include({ status: 'pending_guarantee' });
    // Someone who acted on the loan (here: wrote one of its events) may not decide either.
    await t.db.dataSource.query(`UPDATE guarantees SET filed_by = $1 WHERE id = $2`, [users['officer.abc'], application.id]);
    await t.db.dataSource.query(`INSERT INTO loan_events (loan_id, kind, effective_date, created_by) VALUES ($1, 'note', '2026-03-02', $2)`, [loan.id, users.finance2]);
    expect((await (await t.as('finance2')).post(`/api/v1/guarantees/${application.id}/approve`)).body.error.details[0]).to.include({ code: 'MAKER_CHECKER' });
    expect((await (await t.as('finance')).post(`/api/v1/guarantees/${application.id}/approve`)).status).to.equal(200);
  });

  it('when an application is rejected with a reason, then the loan is cancelled, the household slot is free and there is no letter', async () => {
    const loan = (await registerGuaranteed()).body;
    const application = await applicationOf(loan.id);
    expect((await (await t.as('finance2')).post(`/api/v1/guarantees/${application.id}/reject`).send({})).status, 'no reason').to.equal(400);
    const rejected = await (await t.as('finance2')).post(`/api/v1/guarantees/${application.id}/reject`).send({ reason: '反担保措施不足' });
    expect(rejected.status, JSON.stringify(rejected.body)).to.equal(200);
    expect(rejected.body).to.include({ status: 'rejected', loanStatus: 'cancelled', decisionReason: '反担保措施不足', decidedBy: users.finance2, letterNumber: null });
    expect(await loanRow(loan.id)).to.include({ status: 'cancelled' });
    expect((await (await t.as('finance')).get(`/api/v1/guarantees/${application.id}/letter.pdf`)).status).to.equal(409);
  });

  it('when 20 approvals race for a guarantor with room for 5, then exactly 5 pass and the rest are refused over its leverage limit', async function () {
    this.timeout(120_000);
    // Net assets 10,000.00 × leverage 10 = 100,000.00; each loan guarantees 12,500.00 × 0.8 = 10,000.00.
    const guarantorId = await newGuarantor('10000.00', '1');
    const ids: string[] = [];
    for (let i = 0; i < 25; i += 1) {
      const loan = await registerGuaranteed({ principal: '12500.00', guarantorId });
      expect(loan.status, JSON.stringify(loan.body)).to.equal(201);
      ids.push((await applicationOf(loan.body.id)).id);
    }
    const finance = await t.as('finance');
    for (const id of ids.slice(0, 5)) expect((await finance.post(`/api/v1/guarantees/${id}/approve`)).status).to.equal(200);
    const results = await Promise.all(ids.slice(5).map(async (id) => (await t.as('finance')).post(`/api/v1/guarantees/${id}/approve`)));
    expect(results.filter((r) => r.status === 200)).to.have.length(5);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused).to.have.length(15);
    for (const r of refused) {
      expect(r.status).to.equal(422);
      expect(r.body.error.details[0]).to.include({ code: 'GUARANTOR_LEVERAGE_EXCEEDED', limit: '100000.00', actual: '110000.00' });
    }
    const [{ approved }] = await t.db.dataSource.query(`SELECT count(*)::int AS approved FROM guarantees WHERE guarantor_id = $1 AND status = 'approved'`, [guarantorId]);
    expect(approved).to.equal(10);
    const exposure = await finance.get(`/api/v1/guarantors/${guarantorId}/exposure`);
    expect(exposure.body).to.include({ capacity: '100000.00', outstandingGuaranteed: '100000.00', capacityLeft: '0.00', guaranteesInForce: 10 });
    expect(exposure.body.pending).to.deep.equal({ count: 15, outstandingGuaranteed: '150000.00' });
  });

  it("when one client's guarantees would pass 10 % of the guarantor's net assets, then the approval is refused; another client still fits", async () => {
    // Net assets 1,000,000.00: one client may hold 100,000.00; each loan guarantees 75,000.00 × 0.8 = 60,000.00.
    const guarantorId = await newGuarantor('1000000.00', '0.10');
    const client = await household();
    const first = await applicationOf((await registerGuaranteed({ principal: '75000.00', guarantorId }, client)).body.id);
    const second = await applicationOf((await registerGuaranteed({ principal: '75000.00', guarantorId }, client)).body.id);
    const other = await applicationOf((await registerGuaranteed({ principal: '75000.00', guarantorId })).body.id);
    const finance = await t.as('finance');
    expect((await finance.post(`/api/v1/guarantees/${first.id}/approve`)).status).to.equal(200);
    const refused = await finance.post(`/api/v1/guarantees/${second.id}/approve`);
    expect(refused.status).to.equal(422);
    expect(refused.body.error.details).to.deep.equal([
      { code: 'GUARANTOR_SINGLE_CLIENT_EXCEEDED', field: 'guaranteedAmount', limit: '100000.00', actual: '120000.00', message: refused.body.error.details[0].message },
    ]);
    expect((await finance.get(`/api/v1/guarantees/${second.id}`)).body.status).to.equal('pending');
    expect((await finance.post(`/api/v1/guarantees/${other.id}/approve`)).status).to.equal(200);
  });

  it('when the guarantee letter is downloaded, then it is a PDF with the embedded CJK font naming the parties, the amount in figures and in 大写, coverage, fee and term', async () => {
    const loan = (await registerGuaranteed({ principal: '50000.01' })).body;
    const application = await applicationOf(loan.id);
    const approved = (await (await t.as('finance2')).post(`/api/v1/guarantees/${application.id}/approve`)).body;
    const res = await (await t.as('officer.abc')).get(`/api/v1/guarantees/${application.id}/letter.pdf`).buffer(true).parse(binary);
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('application/pdf');
    expect(res.headers['content-disposition']).to.contain(`guarantee-letter-${approved.letterNumber}.pdf`);
    const pdf = res.body as Buffer;
    const raw = pdf.toString('latin1');
    expect(raw).to.contain('/FontFile2');
    expect(raw).to.contain('NotoSansSC');
    const text = extractPdfText(pdf).join('\n').replace(/\n/g, '');
    for (const expected of [
      '担保函', 'Letter of Guarantee', approved.letterNumber, '开封市中小企业融资担保有限公司', '中国农业银行股份有限公司开封分行', '孙八', loan.contractNumber,
      // 50,000.01 × 0.8 = 40,000.008 → 40,000.01 (half-up to the fen)
      '¥40000.01', '人民币肆万元零壹分', '80%', '1%', '2026-03-01 至 2027-03-01', '12 个月', '赵磊',
    ]) {
      expect(text, expected).to.contain(expected);
    }
    expect((await (await t.as('officer.rcb')).get(`/api/v1/guarantees/${application.id}/letter.pdf`)).status).to.equal(404);
  });

  it('when the fee of a period is asked for, then §6.3 prices the guaranteed balance (worked example 153.33); recording it is idempotent and corrections are new records', async () => {
    const loan = (await registerGuaranteed()).body;
    const application = await applicationOf(loan.id);
    await (await t.as('finance')).post(`/api/v1/guarantees/${application.id}/approve`);
    const finance = await t.as('finance');
    const payInterest = async (paidOn: string, interest: string) =>
      (await t.as('officer.abc')).post(`/api/v1/loans/${loan.id}/repayments`).set('Idempotency-Key', `r-${unique()}`).send({ paidOn, interest });
    // Unpaid instalments make Q3 OVERDUE: the guarantor's fee runs, the programme's subsidy does not (§6.2 eligibility, as the batch line).
    const overdue = await finance.get(`/api/v1/guarantees/${application.id}/fees?period=2026Q3`);
    expect(overdue.body.fee.amount).to.equal('102.22');
    expect(overdue.body.feeSubsidy).to.deep.equal({ segments: [], amount: '0.00', recorded: '0.00' });
    expect((await (await t.as('officer.abc')).get(`/api/v1/loans/${loan.id}/subsidy?period=2026Q3`)).body).to.include({ reason: 'OVERDUE', guaranteeFeeSubsidy: '0.00' });
    for (const [paidOn, interest] of [['2026-03-20', '120.83'], ['2026-06-20', '555.83'], ['2026-09-20', '555.83']]) {
      expect((await payInterest(paidOn!, interest!)).status).to.equal(201);
    }
    const fees = await finance.get(`/api/v1/guarantees/${application.id}/fees?period=2026Q3`);
    expect(fees.status, JSON.stringify(fees.body)).to.equal(200);
    expect(fees.body.feeSubsidy).to.deep.include({ amount: '153.33', recorded: '0.00' });
    expect(fees.body.feeSubsidy.segments).to.deep.equal([{ from: '2026-06-21', to: '2026-09-20', days: 92, guaranteedBalance: '40000', rateAnnual: '0.0150', amount: '153.333' }]);
    expect(fees.body.fee.amount).to.equal('102.22');
    expect((await finance.get(`/api/v1/guarantees/${application.id}/fees?period=2026Q5`)).status).to.equal(400);

    const recorded = await finance.post(`/api/v1/guarantees/${application.id}/fees`).send({ period: '2026Q3' });
    expect(recorded.status, JSON.stringify(recorded.body)).to.equal(200);
    expect(recorded.body.written.map((e: { kind: string; amount: string; occurredOn: string }) => [e.kind, e.amount, e.occurredOn])).to.deep.equal([
      ['guarantee_fee', '102.22', '2026-09-20'],
      ['fee_subsidy', '153.33', '2026-09-20'],
    ]);
    expect((await finance.post(`/api/v1/guarantees/${application.id}/fees`).send({ period: '2026Q3' })).body.written).to.deep.equal([]);
    expect((await finance.post(`/api/v1/guarantees/${application.id}/fees`).send({ period: '2027Q1' })).status, 'a period not yet ended').to.equal(422);

    // A repayment recorded late changes Q3: the correction is a new record of the difference.
    const paid = await (await t.as('officer.abc')).post(`/api/v1/loans/${loan.id}/repayments`).set('Idempotency-Key', `r-${unique()}`).send({ paidOn: '2026-08-01', principal: '20000.00' });
    expect(paid.status, JSON.stringify(paid.body)).to.equal(201);
    const corrected = await finance.post(`/api/v1/guarantees/${application.id}/fees`).send({ period: '2026Q3' });
    // Subsidy 68.333 + 51.000 → 119.33 (−34.00); fee 45.556 + 34.000 → 79.56 (−22.66).
    expect(corrected.body.written.map((e: { kind: string; amount: string }) => [e.kind, e.amount])).to.deep.equal([
      ['guarantee_fee', '-22.66'],
      ['fee_subsidy', '-34.00'],
    ]);
    expect(corrected.body.feeSubsidy).to.include({ amount: '119.33', recorded: '119.33' });
    const ledger = await finance.get(`/api/v1/risk-ledger?guaranteeId=${application.id}&kind=fee_subsidy`);
    expect(ledger.body).to.include({ total: 2, balance: '119.33' });
    const asReported = await finance.get(`/api/v1/risk-ledger?guaranteeId=${application.id}&kind=fee_subsidy&asOf=2026-09-30`);
    expect(asReported.body.balance, 'balances already reported do not change').to.equal('153.33');
    let refusal = '';
    await t.db.dataSource.query(`UPDATE risk_ledger_entries SET amount = 1 WHERE guarantee_id = $1`, [application.id]).catch((e: Error) => (refusal = e.message));
    expect(refusal).to.match(/append-only/);
  });

  it('when a guaranteed loan is settled, then its guarantee is released and leaves the exposure; a loan past maturity but unsettled keeps its guarantee', async () => {
    const guarantorId = await newGuarantor('5000000.00', '0.10');
    const settledLoan = (await registerGuaranteed({ guarantorId })).body;
    const maturedLoan = (await registerGuaranteed({ guarantorId, contractDate: '2026-01-05', disbursementDate: '2026-01-05', maturityDate: '2026-04-05' })).body;
    const finance = await t.as('finance');
    for (const loan of [settledLoan, maturedLoan]) expect((await finance.post(`/api/v1/guarantees/${(await applicationOf(loan.id)).id}/approve`)).status).to.equal(200);
    let exposure = (await finance.get(`/api/v1/guarantors/${guarantorId}/exposure`)).body;
    expect(exposure).to.include({ outstandingGuaranteed: '80000.00', guaranteesInForce: 2, capacity: '50000000.00', capacityLeft: '49920000.00', singleClientLimit: '500000.00' });
    expect(exposure.byModel).to.deep.equal([{ modelCode: 'government_guarantee', modelName: '政府性融资担保贷款', count: 2, outstandingGuaranteed: '80000.00' }]);
    expect(exposure.byCounty).to.deep.equal([{ countyCode: '410225', countyName: '兰考县', count: 2, outstandingGuaranteed: '80000.00' }]);

    const officer = await t.as('officer.abc');
    const settle = await officer.post(`/api/v1/loans/${settledLoan.id}/repayments`).set('Idempotency-Key', `s-${unique()}`).send({ paidOn: '2026-11-02', principal: '50000.00' });
    expect(settle.status, JSON.stringify(settle.body)).to.equal(201);
    // Settled, and its guarantee released, once the interest it still owes is paid too.
    expect((await applicationOf(settledLoan.id))).to.include({ status: 'approved', loanStatus: 'active' });
    const schedule = (await officer.get(`/api/v1/loans/${settledLoan.id}/schedule`)).body as Array<{ interestDue: string }>;
    const owed = formatMoney(sumMoney(schedule.map((r) => new Decimal(r.interestDue))));
    const rest = await officer.post(`/api/v1/loans/${settledLoan.id}/repayments`).set('Idempotency-Key', `s-${unique()}`).send({ paidOn: '2026-11-02', interest: owed });
    expect(rest.status, JSON.stringify(rest.body)).to.equal(201);
    const released = (await applicationOf(settledLoan.id));
    expect(released).to.include({ status: 'released', loanStatus: 'settled', releasedOn: '2026-11-02', outstandingGuaranteed: '0.00' });
    const matured = await applicationOf(maturedLoan.id);
    expect(matured).to.include({ status: 'approved', outstandingGuaranteed: '40000.00' });
    exposure = (await finance.get(`/api/v1/guarantors/${guarantorId}/exposure`)).body;
    expect(exposure).to.include({ outstandingGuaranteed: '40000.00', guaranteesInForce: 1 });
    expect((await finance.get(`/api/v1/guarantees?guarantorId=${guarantorId}&status=released`)).body.total).to.equal(1);
    expect((await (await t.as('officer.abc')).get(`/api/v1/guarantors/${guarantorId}/exposure`)).status).to.equal(403);
    expect((await finance.get(`/api/v1/guarantors/${settledLoan.id}/exposure`)).status, 'not a guarantor').to.equal(404);
  });

  it("when Lankao staff read a guarantor's exposure, then its guarantees cover Lankao loans only, while capacity left stays the guarantor's", async () => {
    const guarantorId = await newGuarantor('5000000.00', '0.10');
    const finance = await t.as('finance');
    for (const county of ['410225', '410221', '410221'] as const) {
      const loan = await registerGuaranteed({ guarantorId }, await household(county));
      expect(loan.status, JSON.stringify(loan.body)).to.equal(201);
    }
    // The Lankao loan and one Qixian loan approved; the other Qixian application waits.
    const applications = (await finance.get(`/api/v1/guarantees?guarantorId=${guarantorId}&limit=200`)).body.items;
    const [{ id: lankao }] = await t.db.dataSource.query(
      `SELECT g.id FROM guarantees g JOIN loans l ON l.id = g.loan_id WHERE g.guarantor_id = $1 AND l.region_path LIKE '410200/410225/%'`, [guarantorId]);
    const [{ id: qixian }] = await t.db.dataSource.query(
      `SELECT g.id FROM guarantees g JOIN loans l ON l.id = g.loan_id WHERE g.guarantor_id = $1 AND l.region_path LIKE '410200/410221/%' ORDER BY g.id LIMIT 1`, [guarantorId]);
    expect(applications).to.have.length(3);
    for (const id of [lankao, qixian]) expect((await finance.post(`/api/v1/guarantees/${id}/approve`)).status).to.equal(200);

    const whole = (await finance.get(`/api/v1/guarantors/${guarantorId}/exposure`)).body;
    expect(whole).to.include({ regionPath: null, guaranteesInForce: 2, outstandingGuaranteed: '80000.00', capacity: '50000000.00', capacityLeft: '49920000.00' });
    expect(whole.pending).to.deep.equal({ count: 1, outstandingGuaranteed: '40000.00' });
    expect(whole.byCounty.map((c: { countyCode: string }) => c.countyCode)).to.deep.equal(['410221', '410225']);

    for (const username of ['auditor.lankao', 'finance.lankao']) {
      const res = await (await t.as(username)).get(`/api/v1/guarantors/${guarantorId}/exposure`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body, username).to.include({ regionPath: '410200/410225/', guaranteesInForce: 1, outstandingGuaranteed: '40000.00', capacity: '50000000.00', capacityLeft: '49920000.00' });
      expect(res.body.pending, username).to.deep.equal({ count: 0, outstandingGuaranteed: '0.00' });
      expect(res.body.byCounty, username).to.deep.equal([{ countyCode: '410225', countyName: '兰考县', count: 1, outstandingGuaranteed: '40000.00' }]);
      expect(res.body.byModel, username).to.deep.equal([{ modelCode: 'government_guarantee', modelName: '政府性融资担保贷款', count: 1, outstandingGuaranteed: '40000.00' }]);
    }
    const doc = (await t.request().get('/api/openapi.json')).body;
    expect(doc.paths['/api/v1/guarantors/{id}/exposure'].get.description).to.match(/County staff see only the guarantees of loans in their county/);
  });

  it('when the OpenAPI document is read, then the guarantee endpoints are in it, the letter as application/pdf', async () => {
    const res = await t.request().get('/api/openapi.json');
    for (const path of ['/api/v1/guarantees', '/api/v1/guarantees/{id}/approve', '/api/v1/guarantees/{id}/reject', '/api/v1/guarantees/{id}/fees', '/api/v1/guarantors/{id}/exposure', '/api/v1/risk-ledger']) {
      expect(res.body.paths, path).to.have.property(path);
    }
    expect(res.body.paths['/api/v1/guarantees/{id}/letter.pdf'].get.responses['200'].content).to.have.key('application/pdf');
  });
});
