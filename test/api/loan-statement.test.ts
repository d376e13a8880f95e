import { expect } from 'chai';
import type supertest from 'supertest';
import { formatCapitalNumerals } from '../../src/core/capital-numerals';
import { Decimal } from '../../src/core/money';
import { startTestApp, type TestApp } from '../support/app';
import { residentId, unique } from '../support/fixtures';
import { extractPdfText } from '../unit/pdf-text';

const LANKAO = '410225';
const LANKAO_VILLAGE = '410225100201';

/** Collects a binary response body (supertest only buffers text and JSON by itself). */
function binary(res: supertest.Response, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

describe('loan statement PDF (SPEC §7 "Other PDFs", issue 4 item 7)', () => {
  let t: TestApp;
  let loan: { id: string; contractNumber: string };
  let idNumber: string;

  before(async () => {
    t = await startTestApp();
    const [abc] = await t.db.dataSource.query(`SELECT id FROM institutions WHERE type = 'bank' AND name LIKE '%农业银行%'`);
    // A fund of our own for the microcredit model at the bank in Lankao (or more money in the one the seed has).
    const finance = await t.as('finance');
    let [fund] = await t.db.dataSource.query(`SELECT id FROM risk_funds WHERE county_code = $1 AND bank_id = $2 AND model_code = 'household_microcredit'`, [LANKAO, abc.id]);
    if (!fund) fund = (await finance.post('/api/v1/funds').send({ countyCode: LANKAO, bankId: abc.id, modelCode: 'household_microcredit' })).body;
    const deposit = await finance.post(`/api/v1/funds/${fund.id}/deposits`).set('Idempotency-Key', `st-${unique()}`).send({ kind: 'deposit', amount: '1000000.00', occurredOn: '2026-01-05' });
    expect(deposit.status, JSON.stringify(deposit.body)).to.be.oneOf([200, 201]);

    const n = unique();
    idNumber = residentId(LANKAO, '19800315', Number(n.slice(-3)));
    const household = await (await t.as('poverty.lankao')).post('/api/v1/households').send({
      householdNumber: `ST-${n}`, headName: '孙八', idNumber, villageCode: LANKAO_VILLAGE, members: 3, laborers: 2, statusSince: '2024-01-01',
    });
    expect(household.status, JSON.stringify(household.body)).to.equal(201);
    const officer = await t.as('officer.abc');
    const registered = await officer.post('/api/v1/loans').set('Idempotency-Key', `st-${unique()}`).send({
      contractNumber: `HT-ST-${n}`, modelCode: 'household_microcredit', borrowerKind: 'household', householdId: household.body.id,
      principal: '50000.00', rateAnnual: '0.0435', contractDate: '2026-03-01', disbursementDate: '2026-03-01', maturityDate: '2027-03-01', purpose: '养羊',
    });
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    loan = registered.body;
    const pay = (body: object) => officer.post(`/api/v1/loans/${loan.id}/repayments`).set('Idempotency-Key', `st-${unique()}`).send(body);
    const wrong = await pay({ paidOn: '2026-03-21', principal: '1000.00', interest: '120.83' });
    expect(wrong.status, JSON.stringify(wrong.body)).to.equal(201);
    const reversal = await officer.post(`/api/v1/loans/${loan.id}/repayments/${wrong.body.id}/reverse`).send({ reason: '金额录入错误' });
    expect(reversal.status, JSON.stringify(reversal.body)).to.equal(201);
    expect((await pay({ paidOn: '2026-03-21', principal: '0.00', interest: '120.83' })).status).to.equal(201);
    expect((await pay({ paidOn: '2026-09-01', principal: '5000.00' })).status, 'after the as-of date below').to.equal(201);
  });
  after(async () => {
    await t?.close();
  });

  const statement = async (user: string, query = '?asOf=2026-06-30') =>
    (await t.as(user)).get(`/api/v1/loans/${loan.id}/statement.pdf${query}`).buffer(true).parse(binary);

  it('when the bank downloads a statement, then it is a PDF with the CJK font embedded, the contract, the masked ID and the totals in 大写', async () => {
    const res = await statement('officer.abc');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('application/pdf');
    expect(res.headers['content-disposition']).to.contain(`loan-statement-${loan.contractNumber}-2026-06-30.pdf`);
    const pdf = res.body as Buffer;
    expect(pdf.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
    const raw = pdf.toString('latin1');
    expect(raw).to.contain('/FontFile2');
    expect(raw).to.contain('NotoSansSC');

    const text = extractPdfText(pdf).join('\n');
    expect(text).to.contain('贷款对账单');
    expect(text).to.contain('Loan Statement');
    expect(text).to.contain(loan.contractNumber);
    expect(text).to.contain('农业银行');
    expect(text).to.contain(`${idNumber.slice(0, 6)}********${idNumber.slice(14)}`);
    expect(text, 'the full ID number is never printed for a bank').not.to.contain(idNumber);
    expect(text).to.contain('扶贫小额信贷');
    expect(text).to.contain('4.35%');
    expect(text).to.match(/第 1 页 \/ 共 \d+ 页 · Page 1 of \d+/);
    expect(text).to.contain('生成时间 Generated at');

    const schedule = (await (await t.as('officer.abc')).get(`/api/v1/loans/${loan.id}/schedule`)).body as Array<{ totalDue: string }>;
    const scheduled = schedule.reduce((sum, row) => sum.plus(row.totalDue), new Decimal(0));
    expect(text).to.contain(scheduled.toFixed(2));
    expect(text).to.contain(formatCapitalNumerals(scheduled));
    // Repaid to 2026-06-30: 1,120.83 − 1,120.83 (reversed) + 120.83; the September payment is after the date.
    expect(text).to.contain('冲正 Reversal');
    expect(text).to.contain('-1000.00');
    expect(text).to.contain(formatCapitalNumerals(new Decimal('120.83')));
    expect(text).to.contain('伍万元整');
    expect(text).not.to.contain('2026-09-01');
  });

  it('when no date is given, then the statement is as of today and includes every repayment up to it', async () => {
    const res = await statement('finance', '');
    expect(res.status).to.equal(200);
    const text = extractPdfText(res.body as Buffer).join('\n');
    expect(text).to.contain(loan.contractNumber);
    expect(text).to.match(/截至日期 As of: \d{4}-\d{2}-\d{2}/);
  });

  it("when another bank's officer asks for the statement, then 404; a bad date is 400", async () => {
    const other = await statement('officer.rcb');
    expect(other.status).to.equal(404);
    expect((await statement('officer.abc', '?asOf=2026-02-30')).status).to.equal(400);
  });

  it('when the OpenAPI document is read, then the statement is documented as application/pdf', async () => {
    const res = await t.request().get('/api/openapi.json');
    expect(res.body.paths['/api/v1/loans/{id}/statement.pdf'].get.responses['200'].content).to.have.key('application/pdf');
  });
});
