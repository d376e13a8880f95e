import { expect } from 'chai';
import ExcelJS from 'exceljs';
import { formatCapitalNumerals, Decimal, periodContaining } from '../../src/core';
import { todayInShanghai } from '../../src/shared/clock';
import { startTestApp, type TestApp } from '../support/app';
import { residentId, unique } from '../support/fixtures';
import { expectError } from '../support/errors';
import { extractPdfText } from '../unit/pdf-text';

const LANKAO_VILLAGE = '410225100201';

/** Keeps a binary body as a Buffer (superagent hands the parser the response stream). */
function binary(res: unknown, done: (error: Error | null, body: Buffer) => void): void {
  const stream = res as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}

const fen = (amount: string) => BigInt(amount.replace('-', '').replace('.', '')) * (amount.startsWith('-') ? -1n : 1n);

describe('settlement batches, statements and exports (SPEC §6.2–§6.5, §7, issue 6)', function () {
  this.timeout(120_000);
  let t: TestApp;
  let abc: string;
  const loans: Record<string, string> = {};
  let q2: { id: string; contentSha256: string };
  let q3: { id: string; contentSha256: string; totalAmount: string; lineCount: number };

  before(async () => {
    t = await startTestApp();
    [{ id: abc }] = await t.db.dataSource.query(`SELECT id FROM institutions WHERE type = 'bank' AND name LIKE '%农业银行%'`);
    const finance = await t.as('finance');
    const fund = await finance.post('/api/v1/funds').send({ countyCode: '410225', bankId: abc, modelCode: 'household_microcredit' });
    await finance.post(`/api/v1/funds/${fund.body.id}/deposits`).set('Idempotency-Key', `seed-${unique()}`).send({ kind: 'deposit', amount: '1000000.00', occurredOn: '2026-01-05' });
    const officer = await t.as('officer.abc');
    const register = async (key: string, body: Record<string, string>, principalRepaid: Array<[string, string]> = []) => {
      const n = unique();
      const household = await (await t.as('poverty.lankao')).post('/api/v1/households').send({
        householdNumber: `ST-${n}`, headName: '王五', idNumber: residentId('410225', '19850301', Number(n.slice(-3))), villageCode: LANKAO_VILLAGE, members: 4, laborers: 2, statusSince: '2024-01-01',
      });
      const loan = await officer.post('/api/v1/loans').set('Idempotency-Key', `k-${unique()}`).send({
        // As long as banks' own numbers run, so that the statement must print them in full (below).
        contractNumber: `ABC-410225-2026-ST-${key}-${n}`, modelCode: 'household_microcredit', borrowerKind: 'household', householdId: household.body.id, principal: '50000.00', purpose: '养殖', ...body,
      });
      expect(loan.status, JSON.stringify(loan.body)).to.equal(201);
      loans[key] = loan.body.id;
      // Every instalment due by 2026-09-20 is paid on its due date, so no line is OVERDUE.
      const schedule = await officer.get(`/api/v1/loans/${loan.body.id}/schedule`);
      const payments = [
        ...schedule.body.filter((row: { dueDate: string }) => row.dueDate <= '2026-09-20').map((row: { dueDate: string; principalDue: string; interestDue: string }) => ({ paidOn: row.dueDate, principal: row.principalDue, interest: row.interestDue })),
        ...principalRepaid.map(([paidOn, principal]) => ({ paidOn, principal, interest: '0.00' })),
      ];
      for (const payment of payments) {
        const paid = await officer.post(`/api/v1/loans/${loan.body.id}/repayments`).set('Idempotency-Key', `k-${unique()}`).send(payment);
        expect(paid.status, JSON.stringify(paid.body)).to.equal(201);
        if (payment.principal !== '0.00' && payment.interest === '0.00') loans[`${key}:repayment`] = paid.body.id;
      }
    };
    // SPEC §6.2 worked examples: 4.75 % for more than a year (reference 4.75 %), 4.35 % for one year.
    await register('A', { rateAnnual: '0.0475', contractDate: '2026-03-01', disbursementDate: '2026-03-01', maturityDate: '2027-09-01' });
    await register('B', { rateAnnual: '0.0475', contractDate: '2026-08-09', disbursementDate: '2026-08-09', maturityDate: '2028-02-09' });
    await register('C', { rateAnnual: '0.0435', contractDate: '2026-03-01', disbursementDate: '2026-03-01', maturityDate: '2027-03-01' }, [['2026-08-01', '20000.00']]);
    // For the adjustment: 10,000.00 repaid on 2026-05-01, reversed after 2026Q2 is approved.
    await register('D', { rateAnnual: '0.0435', contractDate: '2026-03-01', disbursementDate: '2026-03-01', maturityDate: '2027-03-01' }, [['2026-05-01', '10000.00']]);
  });
  after(async () => {
    await t?.close();
  });

  it('when a loan\'s subsidy for 2026Q3 is asked for, then the worked examples of SPEC §6.2 come out of the same engine, with their segments', async () => {
    const officer = await t.as('officer.abc');
    const a = await officer.get(`/api/v1/loans/${loans.A}/subsidy?period=2026Q3`);
    expect(a.status, JSON.stringify(a.body)).to.equal(200);
    expect(a.body).to.deep.include({ period: '2026Q3', interestSubsidy: '606.94', guaranteeFeeSubsidy: '0.00', reason: null });
    expect(a.body.segments).to.deep.equal([{ from: '2026-06-21', to: '2026-09-20', days: 92, base: '50000.00', rate: '0.0475', amount: '606.944' }]);
    expect((await officer.get(`/api/v1/loans/${loans.B}/subsidy?period=2026Q3`)).body).to.include({ interestSubsidy: '283.68', days: 43 });
    const c = await officer.get(`/api/v1/loans/${loans.C}/subsidy?period=2026Q3`);
    expect(c.body.segments).to.deep.equal([
      { from: '2026-06-21', to: '2026-07-31', days: 41, base: '50000.00', rate: '0.0435', amount: '247.708' },
      { from: '2026-08-01', to: '2026-09-20', days: 51, base: '30000.00', rate: '0.0435', amount: '184.875' },
    ]);
    expect(c.body.interestSubsidy).to.equal('432.58');
    expect((await officer.get(`/api/v1/loans/${loans.A}/subsidy?period=2026Q5`)).status).to.equal(400);
    // The period under way: an instalment due later in it is not late yet, so no line is computed (as for a batch).
    const current = periodContaining(todayInShanghai()).name;
    const early = await officer.get(`/api/v1/loans/${loans.A}/subsidy?period=${current}`);
    expect(expectError(early, 422, 'RULE_VIOLATION').details).to.have.deep.nested.property('[0].rule', 'PERIOD_ENDED');
    expect((await (await t.as('officer.rcb')).get(`/api/v1/loans/${loans.A}/subsidy?period=2026Q3`)).status).to.equal(404);
  });

  it('when a batch is asked for with a bad period, for another bank or by a role that does not settle, then 4xx with the reason and nothing is written', async () => {
    const count = async () => (await t.db.dataSource.query('SELECT count(*)::int AS n FROM settlement_batches'))[0].n;
    const before = await count();
    const officer = await t.as('officer.abc');
    for (const period of ['2026Q5', '2026-09', '26Q3']) {
      const res = await officer.post('/api/v1/settlements').send({ bankId: abc, period });
      expect(res.status, period).to.equal(400);
      expect(res.body.error.details[0]).to.include({ path: 'period' });
    }
    const open = await officer.post('/api/v1/settlements').send({ bankId: abc, period: '2099Q4' });
    expect(open.status).to.equal(422);
    expect(open.body.error.details[0].rule).to.equal('PERIOD_ENDED');
    // Long before the programme: nothing to settle, so no empty batch is made (nor its audit entry).
    const audits = (await t.db.dataSource.query(`SELECT count(*)::int AS n FROM audit_log WHERE entity_type = 'settlement_batch'`))[0].n;
    const empty = await officer.post('/api/v1/settlements').send({ bankId: abc, period: '2015Q4' });
    expect(empty.status, JSON.stringify(empty.body)).to.equal(422);
    expect(empty.body.error.details[0]).to.include({ field: 'period', rule: 'SOMETHING_TO_SETTLE' });
    expect((await t.db.dataSource.query(`SELECT count(*)::int AS n FROM audit_log WHERE entity_type = 'settlement_batch'`))[0].n).to.equal(audits);
    expect((await (await t.as('officer.rcb')).post('/api/v1/settlements').send({ bankId: abc, period: '2026Q3' })).status).to.equal(404);
    expect((await (await t.as('enterprise')).post('/api/v1/settlements').send({ bankId: abc, period: '2026Q3' })).status).to.equal(403);
    expect(await count()).to.equal(before);
  });

  it('when 2026Q2 goes draft → submitted → rejected → submitted → approved → paid, then each step is checked: whose batch, which officer, which state', async () => {
    const finance = await t.as('finance');
    const finance2 = await t.as('finance2');
    const officer = await t.as('officer.abc');
    const created = await finance.post('/api/v1/settlements').send({ bankId: abc, period: '2026Q2' });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect(created.body).to.include({ status: 'draft', period: '2026Q2', periodStart: '2026-03-21', periodEnd: '2026-06-20', revision: 1 });
    const again = await finance.post('/api/v1/settlements').send({ bankId: abc, period: '2026Q2' });
    expect(again.status).to.equal(200);
    expect(again.body).to.include({ id: created.body.id, revision: 2, contentSha256: created.body.contentSha256 });
    const id = created.body.id;
    const lines = await finance.get(`/api/v1/settlements/${id}/lines?limit=200`);
    const d = lines.body.items.find((l: { loanId: string }) => l.loanId === loans.D);
    // 41 days on 50,000.00 (247.708) and 51 days on 40,000.00 (246.500): 494.21.
    expect(d).to.include({ totalAmount: '494.21', openingBalance: '50000.00', closingBalance: '40000.00', kind: 'regular' });

    expect((await (await t.as('officer.rcb')).post(`/api/v1/settlements/${id}/submit`)).status, "someone else's batch").to.equal(404);
    expect((await finance.post(`/api/v1/settlements/${id}/submit`)).status, 'a finance officer does not submit').to.equal(403);
    const stale = await officer.post(`/api/v1/settlements/${id}/submit`).send({ sha256: '0'.repeat(64) });
    expect(stale.status).to.equal(409);
    expect((await officer.post(`/api/v1/settlements/${id}/submit`).send({ sha256: created.body.contentSha256 })).body.status).to.equal('submitted');
    const recompute = await finance.post('/api/v1/settlements').send({ bankId: abc, period: '2026Q2' });
    expect(recompute.status).to.equal(409);
    expect((await officer.post(`/api/v1/settlements/${id}/approve`)).status, 'a loan officer does not approve').to.equal(403);
    const own = await finance.post(`/api/v1/settlements/${id}/approve`);
    expect(own.status, 'the finance officer who prepared it').to.equal(403);
    expect(own.body.error.message).to.match(/other than the one who prepared or submitted/);
    expect((await finance2.post(`/api/v1/settlements/${id}/reject`).send({})).status, 'a rejection needs a reason').to.equal(400);
    const rejected = await finance2.post(`/api/v1/settlements/${id}/reject`).send({ reason: '请核对贷款D的还款记录' });
    expect(rejected.body).to.include({ status: 'draft', rejectionReason: '请核对贷款D的还款记录', submittedBy: null });
    await officer.post(`/api/v1/settlements/${id}/submit`);
    const approved = await finance2.post(`/api/v1/settlements/${id}/approve`);
    expect(approved.status, JSON.stringify(approved.body)).to.equal(200);
    expect(approved.body.status).to.equal('approved');

    expect((await finance.post('/api/v1/settlements').send({ bankId: abc, period: '2026Q2' })).status, 'an approved batch is not recomputed').to.equal(409);
    expect((await officer.post(`/api/v1/settlements/${id}/submit`)).status).to.equal(409);
    expect((await finance2.post(`/api/v1/settlements/${id}/reject`).send({ reason: 'late' })).status).to.equal(409);
    const early = await finance.post(`/api/v1/settlements/${id}/pay`).send({ paidOn: '2026-01-02', paymentReference: 'CZ-2026-001' });
    expect(early.status).to.equal(422);
    expect(early.body.error.details[0].rule).to.equal('NOT_BEFORE_APPROVAL');
    const paid = await finance.post(`/api/v1/settlements/${id}/pay`).send({ paidOn: todayInShanghai(), paymentReference: 'CZ-2026-001' });
    expect(paid.status, JSON.stringify(paid.body)).to.equal(200);
    expect(paid.body).to.include({ status: 'paid', paymentReference: 'CZ-2026-001', contentSha256: created.body.contentSha256 });
    expect((await finance.post(`/api/v1/settlements/${id}/pay`).send({ paidOn: todayInShanghai(), paymentReference: 'again' })).status).to.equal(409);
    const audit = await (await t.as('admin')).get(`/api/v1/audit?entityType=settlement_batch&entityId=${id}&limit=50`);
    expect(audit.body.items.map((e: { action: string }) => e.action).reverse()).to.deep.equal(['create', 'recompute', 'submit', 'reject', 'submit', 'approve', 'pay']);
    q2 = paid.body;
  });

  it('when the database is asked directly to change a paid batch or its lines, then PostgreSQL refuses', async () => {
    for (const statement of [
      `UPDATE settlement_batches SET total_amount = total_amount + 1, interest_subsidy_total = interest_subsidy_total + 1 WHERE id = $1`,
      `UPDATE settlement_batches SET status = 'draft' WHERE id = $1`,
      `DELETE FROM settlement_batches WHERE id = $1`,
      `UPDATE settlement_lines SET borrower_name = '篡改' WHERE batch_id = $1`,
      `DELETE FROM settlement_lines WHERE batch_id = $1`,
      `INSERT INTO settlement_lines (batch_id, line_no, kind, loan_id, contract_number, borrower_kind, borrower_name, borrower_identifier, model_code, principal, opening_balance, closing_balance, days, interest_subsidy, guarantee_fee_subsidy, total_amount, segments)
       SELECT $1, 999, 'regular', l.id, 'X', l.borrower_kind, 'X', 'X', l.model_code, 1, 1, 1, 1, 0, 0, 0, '[]' FROM loans l
        WHERE l.id NOT IN (SELECT loan_id FROM settlement_lines WHERE batch_id = $1) LIMIT 1`,
    ]) {
      let message = '';
      await t.db.dataSource.query(statement, [q2.id]).catch((error: Error) => (message = error.message));
      expect(message, statement).to.match(/can no longer change/);
    }
    const [row] = await t.db.dataSource.query(`SELECT status, total_amount::text AS total FROM settlement_batches WHERE id = $1`, [q2.id]);
    expect(row.status).to.equal('paid');
  });

  it('when a 2026Q2 repayment is reversed after 2026Q2 was approved, then the 2026Q3 draft carries an adjustment line referring to the original line', async () => {
    const officer = await t.as('officer.abc');
    const reversal = await officer.post(`/api/v1/loans/${loans.D}/repayments/${loans['D:repayment']}/reverse`).send({ reason: '银行冲正' });
    expect(reversal.status, JSON.stringify(reversal.body)).to.equal(201);
    const created = await officer.post('/api/v1/settlements').send({ bankId: abc, period: '2026Q3' });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    q3 = created.body;
    const lines = (await officer.get(`/api/v1/settlements/${q3.id}/lines?limit=200`)).body.items;
    const adjustments = lines.filter((l: { kind: string }) => l.kind === 'adjustment');
    const [original] = await t.db.dataSource.query(`SELECT id::text FROM settlement_lines WHERE batch_id = $1 AND loan_id = $2`, [q2.id, loans.D]);
    // 2026Q2 afresh: 92 days on 50,000.00 = 555.833 → 555.83, booked 494.21: +61.62.
    expect(adjustments).to.have.length(1);
    expect(adjustments[0]).to.deep.include({ loanId: loans.D, adjustsPeriod: '2026Q2', adjustsLineId: original.id, interestSubsidy: '61.62', totalAmount: '61.62', openingBalance: null });
    expect(created.body).to.include({ adjustmentCount: 1, loansCounted: 4 });
    const byLoan = Object.fromEntries(lines.filter((l: { kind: string }) => l.kind === 'regular').map((l: { loanId: string; totalAmount: string }) => [l.loanId, l.totalAmount]));
    expect(byLoan).to.deep.equal({ [loans.A!]: '606.94', [loans.B!]: '283.68', [loans.C!]: '432.58', [loans.D!]: '555.83' });
    const sum = lines.reduce((total: bigint, l: { totalAmount: string }) => total + fen(l.totalAmount), 0n);
    expect(sum).to.equal(fen(q3.totalAmount));
    expect(q3.totalAmount).to.equal('1940.65');
    const detail = await officer.get(`/api/v1/settlements/${q3.id}`);
    expect(detail.body.subtotals).to.deep.equal([{ modelCode: 'household_microcredit', modelName: '扶贫小额信贷', lineCount: 5, interestSubsidy: '1940.65', guaranteeFeeSubsidy: '0.00', totalAmount: '1940.65' }]);
    // The approved quarter itself did not move.
    const [paidQ2] = await t.db.dataSource.query(`SELECT content_sha256 FROM settlement_batches WHERE id = $1`, [q2.id]);
    expect(paidQ2.content_sha256).to.equal(q2.contentSha256);
  });

  it('when the statement PDF is downloaded, then every page prints the batch number, its SHA-256 and "page x of y", and it ends with totals, 大写 and signatures', async () => {
    const res = await (await t.as('officer.abc')).get(`/api/v1/settlements/${q3.id}/statement.pdf`).buffer(true).parse(binary);
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('application/pdf');
    const pages = extractPdfText(res.body as Buffer);
    pages.forEach((text, i) => {
      expect(text).to.contain(`SHA-256: ${q3.contentSha256}`);
      expect(text).to.contain(`第 ${i + 1} 页 / 共 ${pages.length} 页 · Page ${i + 1} of ${pages.length}`);
    });
    const all = pages.join('\n');
    expect(all).to.contain('财政贴息及担保费补贴结算单');
    expect(all).to.contain('Interest and Guarantee-fee Subsidy Settlement Statement');
    expect(all).to.contain('合计 Grand total\n5\n1940.65\n0.00\n1940.65');
    expect(all).to.contain(`人民币 ${formatCapitalNumerals(new Decimal('1940.65'))}`);
    expect(all).to.contain('壹仟玖佰肆拾元陆角伍分');
    expect(all).to.contain('贷款银行（盖章） Lending bank (seal)');
    expect(all).to.contain('财政部门（盖章） Finance bureau (seal)');
    expect(all).to.contain('调整 Adj. 2026Q2');
    expect(all).to.match(/410225\*{8}\d{3}[\dX]/);
    // Every contract number prints whole (a cell set smaller rather than cut with an ellipsis).
    const lines = await (await t.as('officer.abc')).get(`/api/v1/settlements/${q3.id}/lines`);
    expect(lines.status).to.equal(200);
    const contracts = (lines.body.items as Array<{ contractNumber: string }>).map((l) => l.contractNumber);
    expect(contracts).to.have.length.greaterThan(4);
    for (const contract of contracts) expect(all).to.contain(contract);
  });

  it('when a statement is verified by its hash or by the PDF itself, then it names the batch and says whether the content still matches', async () => {
    const finance = await t.as('finance');
    const byHash = await finance.post('/api/v1/statements/verify').send({ sha256: q3.contentSha256 });
    expect(byHash.status, JSON.stringify(byHash.body)).to.equal(200);
    expect(byHash.body).to.deep.include({ matches: true, recomputedSha256: q3.contentSha256 });
    expect(byHash.body.batch).to.include({ id: q3.id, period: '2026Q3', status: 'draft', totalAmount: '1940.65' });
    const pdf = (await finance.get(`/api/v1/settlements/${q2.id}/statement.pdf`).buffer(true).parse(binary)).body as Buffer;
    const byPdf = await finance.post('/api/v1/statements/verify').set('Content-Type', 'application/pdf').send(pdf);
    expect(byPdf.status, JSON.stringify(byPdf.body)).to.equal(200);
    expect(byPdf.body).to.deep.include({ sha256: q2.contentSha256, matches: true });
    expect(byPdf.body.batch).to.include({ id: q2.id, status: 'paid' });

    const wrong = await finance.post('/api/v1/statements/verify').send({ sha256: 'f'.repeat(64) });
    expect(wrong.status).to.equal(404);
    expect(wrong.body.error.message).to.match(/no settlement batch has this SHA-256/);
    expect((await finance.post('/api/v1/statements/verify').send({ sha256: 'xyz' })).status).to.equal(400);
    const report = (await finance.get('/api/v1/progress/report.pdf?date=2026-06-30&by=region').buffer(true).parse(binary)).body as Buffer;
    expect((await finance.post('/api/v1/statements/verify').set('Content-Type', 'application/pdf').send(report)).status, 'a PDF without a hash').to.equal(422);
    expect((await (await t.as('officer.rcb')).post('/api/v1/statements/verify').send({ sha256: q3.contentSha256 })).status, "another bank's statement").to.equal(404);

    // A draft's line changed behind the system's back no longer matches its printed hash.
    await t.db.dataSource.query(`UPDATE settlement_lines SET borrower_name = '篡改' WHERE batch_id = $1 AND line_no = 1`, [q3.id]);
    const tampered = await finance.post('/api/v1/statements/verify').send({ sha256: q3.contentSha256 });
    expect(tampered.body.matches).to.equal(false);
    expect(tampered.body.recomputedSha256).to.not.equal(q3.contentSha256);
    const recomputed = await finance.post('/api/v1/settlements').send({ bankId: abc, period: '2026Q3' });
    expect(recomputed.body.contentSha256).to.equal(q3.contentSha256);
  });

  it('when the lines are exported as CSV and XLSX, then every line is there with exact amounts and the total row agrees with the lines', async () => {
    const officer = await t.as('officer.abc');
    const csv = await officer.get(`/api/v1/settlements/${q3.id}/lines.csv`).buffer(true).parse(binary);
    expect(csv.status).to.equal(200);
    expect(csv.headers['content-type']).to.match(/^text\/csv/);
    const text = (csv.body as Buffer).toString('utf8');
    expect(text.startsWith('\ufeffbatch_number,period,line_no')).to.equal(true);
    const rows = text.trim().split('\r\n').map((r) => r.split(','));
    const header = rows[0]!;
    const column = header.indexOf('total_amount');
    const data = rows.slice(1, -1);
    expect(data).to.have.length(q3.lineCount);
    expect(data.reduce((sum, r) => sum + fen(r[column]!), 0n)).to.equal(fen(rows.at(-1)![column]!));
    expect(rows.at(-1)![column]).to.equal('1940.65');

    const xlsx = await officer.get(`/api/v1/settlements/${q3.id}/lines.xlsx`).buffer(true).parse(binary);
    expect(xlsx.status).to.equal(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.body as never);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.rowCount).to.equal(q3.lineCount + 2);
    expect(String(sheet.getRow(1).getCell(1).value)).to.equal('批次号 batch_number');
    expect(sheet.getRow(q3.lineCount + 2).getCell(column + 1).value).to.equal('1940.65');
    expect((await (await t.as('officer.rcb')).get(`/api/v1/settlements/${q3.id}/lines.csv`)).status).to.equal(404);
  });

  it('when batches are listed, then each caller sees its scope, lists are paginated, and other roles are refused', async () => {
    const finance = await t.as('finance');
    const all = await finance.get(`/api/v1/settlements?bankId=${abc}`);
    expect(all.body.items.map((b: { period: string }) => b.period)).to.deep.equal(['2026Q3', '2026Q2']);
    expect((await finance.get(`/api/v1/settlements?period=2026Q2`)).body.items.map((b: { status: string }) => b.status)).to.deep.equal(['paid']);
    expect((await (await t.as('officer.rcb')).get('/api/v1/settlements')).body.total).to.equal(0);
    expect((await (await t.as('auditor')).get(`/api/v1/settlements/${q2.id}`)).status).to.equal(200);
    expect((await (await t.as('enterprise')).get('/api/v1/settlements')).status).to.equal(403);
    expect((await finance.get('/api/v1/settlements?period=2026-09')).status).to.equal(400);
    const page = await finance.get(`/api/v1/settlements/${q3.id}/lines?limit=2&offset=1`);
    expect(page.body).to.include({ total: q3.lineCount, limit: 2, offset: 1 });
    expect(page.body.items.map((l: { lineNo: number }) => l.lineNo)).to.deep.equal([2, 3]);
    expect((await finance.get(`/api/v1/settlements/${q3.id}/lines?limit=201`)).status).to.equal(400);
  });

  it('when the scheduled job drafts a period, then every bank with subsidised loans gets its draft and batches that left draft are left alone', async () => {
    const counts = await t.services.settlements.workflow.draftBatchesForPeriod('2026Q2');
    expect(counts).to.deep.include({ period: '2026Q2', skipped: 1 });
    const again = await t.services.settlements.workflow.draftBatchesForPeriod('2026Q3');
    expect(again).to.deep.include({ period: '2026Q3', recomputed: 1 });
    const [row] = await t.db.dataSource.query(`SELECT revision, computed_by FROM settlement_batches WHERE id = $1`, [q3.id]);
    expect(row).to.deep.equal({ revision: 3, computed_by: null });
  });

  it('when a draft is still unsubmitted after 3 working days, then the daily job reminds its bank, and whoever oversees the batch can list the reminder', async () => {
    const run = await (await t.as('admin')).post('/api/v1/jobs/submission_reminders/runs').send({ date: '2026-09-28', force: true });
    expect(run.status, JSON.stringify(run.body)).to.be.oneOf([200, 201]);
    const [stored] = await t.db.dataSource.query(
      `SELECT id::text, due_on::text, working_days_since_period_end AS days FROM submission_reminders WHERE batch_id = $1 AND business_date = '2026-09-28'`,
      [q3.id],
    );
    expect(stored, 'the job reminded the draft 2026Q3 batch').to.exist;

    const officer = await t.as('officer.abc');
    const mine = await officer.get('/api/v1/settlements/reminders');
    expect(mine.status, JSON.stringify(mine.body)).to.equal(200);
    const [{ batch_number: batchNumber }] = await t.db.dataSource.query(`SELECT batch_number FROM settlement_batches WHERE id = $1`, [q3.id]);
    expect(mine.body.items.find((r: { id: string }) => r.id === stored.id)).to.deep.include({
      batchId: q3.id, batchNumber, batchStatus: 'draft', bankId: abc, period: '2026Q3', businessDate: '2026-09-28', dueOn: stored.due_on, workingDaysSincePeriodEnd: stored.days,
    });
    const total = (await t.db.dataSource.query(`SELECT count(*)::int AS n FROM submission_reminders WHERE bank_id = $1`, [abc]))[0].n;
    expect(mine.body.total).to.equal(total);

    const ids = async (user: string, query = '') => ((await (await t.as(user)).get(`/api/v1/settlements/reminders${query}`)).body.items as Array<{ id: string }>).map((r) => r.id);
    expect(await ids('officer.rcb'), 'another bank sees none of it').not.to.include(stored.id);
    expect(await ids('finance', `?bankId=${abc}&period=2026Q3&date=2026-09-28`)).to.include(stored.id);
    expect(await ids('auditor', '?period=2026Q2')).not.to.include(stored.id);
    expect(await ids('finance', '?date=2026-09-29')).not.to.include(stored.id);
    const page = await (await t.as('finance')).get('/api/v1/settlements/reminders?limit=1');
    expect(page.body).to.include({ limit: 1, offset: 0 });
    expect(page.body.items).to.have.length(1);
    expect((await (await t.as('enterprise')).get('/api/v1/settlements/reminders')).status).to.equal(403);
    expect((await officer.get('/api/v1/settlements/reminders?period=2026-09')).status).to.equal(400);
  });
});
