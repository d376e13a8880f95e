import { expect } from 'chai';
import ExcelJS from 'exceljs';
import type supertest from 'supertest';
import { addDays, addMonthsClamped } from '../../src/core/dates';
import { IMPORT_SPECS } from '../../src/modules/imports/import-kinds';
import { todayInShanghai } from '../../src/shared/clock';
import { startTestApp, type TestApp } from '../support/app';
import { residentId, unique, uscc } from '../support/fixtures';

const CSV = 'text/csv';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const LOAN_COLUMNS = IMPORT_SPECS.loans.columns.map((c) => c.key);
const HOUSEHOLD_COLUMNS = ['householdNumber', 'headName', 'idNumber', 'villageCode', 'members', 'laborers', 'statusSince'];

type Row = Record<string, string>;

function csvOf(columns: string[], rows: Row[]): string {
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [columns.join(','), ...rows.map((r) => columns.map((c) => quote(r[c] ?? '')).join(','))].join('\r\n') + '\r\n';
}

function binary(res: supertest.Response, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

/**
 * Resident ID numbers no demo household has (area code outside Kaifeng), for borrowers aged 18–65:
 * born from 1980-01-01 on, one day later every thousand numbers.
 */
let idCounter = 0;
function nextResidentId(): string {
  const n = idCounter++;
  const birth = new Date(Date.UTC(1980, 0, 1) + Math.floor(n / 1000) * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  return residentId('419002', birth, n % 1000);
}

describe('bulk import of a bank loan ledger (SPEC §9, issue 4 item 8)', () => {
  let t: TestApp;
  let lankaoVillage: string;
  let branchUscc: string;
  let bankId: string;
  const run = unique();
  let householdCounter = 0;
  let contractCounter = 0;

  before(async () => {
    t = await startTestApp();
    [{ code: lankaoVillage }] = await t.db.dataSource.query(`SELECT code FROM regions WHERE level = 'village' AND path LIKE '410200/410225/%' ORDER BY code LIMIT 1`);
    [{ uscc: branchUscc, bank_id: bankId }] = await t.db.dataSource.query(
      `SELECT i.uscc, COALESCE(i.parent_id, i.id) AS bank_id FROM users u JOIN institutions i ON i.id = u.institution_id WHERE u.username = 'officer.abc'`,
    );
    await fundWithDeposit('410225', '10000000.00');
  });
  after(async () => {
    await t?.close();
  });

  /** The bank's microcredit fund in a county (created unless the seed has one), topped up by `amount`. */
  async function fundWithDeposit(countyCode: string, amount: string): Promise<string> {
    const finance = await t.as('finance');
    let [fund] = await t.db.dataSource.query(`SELECT id FROM risk_funds WHERE county_code = $1 AND bank_id = $2 AND model_code = 'household_microcredit'`, [countyCode, bankId]);
    if (!fund) {
      fund = (await finance.post('/api/v1/funds').send({ countyCode, bankId, modelCode: 'household_microcredit' })).body;
      expect(fund.id, JSON.stringify(fund)).to.be.a('string');
    }
    const deposit = await finance.post(`/api/v1/funds/${fund.id}/deposits`).set('Idempotency-Key', `li-${unique()}`).send({ kind: 'deposit', amount, occurredOn: '2026-01-05' });
    expect(deposit.status, JSON.stringify(deposit.body)).to.be.oneOf([200, 201]);
    return fund.id;
  }

  function householdRow(villageCode = lankaoVillage): Row {
    householdCounter += 1;
    return { householdNumber: `LI-${run}-${householdCounter}`, headName: '周九', idNumber: nextResidentId(), villageCode, members: '3', laborers: '2', statusSince: '2024-01-01' };
  }

  /** Registers households through the register import; returns their household numbers. */
  async function households(count: number, villageCode = lankaoVillage, user = 'poverty.lankao'): Promise<string[]> {
    const rows = Array.from({ length: count }, () => householdRow(villageCode));
    const res = await upload(user, 'households', CSV, csvOf(HOUSEHOLD_COLUMNS, rows));
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).to.equal(201);
    return rows.map((r) => r.householdNumber!);
  }

  function loanRow(householdNumber: string, overrides: Row = {}): Row {
    contractCounter += 1;
    return {
      contractNumber: `LD-${run}-${contractCounter}`,
      modelCode: 'household_microcredit',
      borrowerKind: 'household',
      householdNumber,
      principal: '30000.00',
      rateAnnual: '0.0435',
      contractDate: '2026-03-01',
      disbursementDate: '2026-03-01',
      maturityDate: '2027-03-01',
      purpose: '养牛',
      ...overrides,
    };
  }

  async function upload(user: string, kind: string, type: string, body: string | Buffer) {
    return (await t.as(user)).post(`/api/v1/imports/${kind}`).set('Content-Type', type).send(body);
  }

  const importLoans = (rows: Row[], user = 'officer.abc') => upload(user, 'loans', CSV, csvOf(LOAN_COLUMNS, rows));

  async function count(sql: string, params: unknown[] = []): Promise<number> {
    const [{ count }] = await t.db.dataSource.query(`SELECT count(*)::int AS count FROM ${sql}`, params);
    return count;
  }

  it('when the loan template is downloaded, then its header names every ledger column; only loan officers get it', async () => {
    const res = await (await t.as('officer.abc')).get('/api/v1/imports/loans/template.xlsx').buffer(true).parse(binary);
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.contain(XLSX);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.body);
    const headers = (workbook.worksheets[0]!.getRow(1).values as unknown[]).slice(1).map(String);
    expect(headers).to.deep.equal(IMPORT_SPECS.loans.columns.map((c) => `${c.header} ${c.key}`));
    expect(headers).to.include('借款农户户编号 householdNumber');
    expect((await (await t.as('poverty')).get('/api/v1/imports/loans/template.xlsx')).status).to.equal(403);
  });

  it('when a valid CSV of loans is imported, then they exist with schedules, events and guarantee applications exactly as registration writes them', async () => {
    const [a, b, c, twin] = await households(4);
    const [guarantor] = await t.db.dataSource.query(`SELECT uscc FROM institutions WHERE type = 'guarantee_company' ORDER BY name LIMIT 1`);
    const rows = [
      loanRow(a!),
      loanRow(b!, { branchUscc, repaymentMethod: 'equal_installment', principal: '50000.00', maturityDate: '2028-03-01' }),
      loanRow(c!, { disbursementDate: '' }),
      loanRow(a!, { modelCode: 'government_guarantee', principal: '100000.00', guarantorUscc: guarantor.uscc, guaranteeFeeRate: '0.01' }),
    ];
    const auditBefore = await count(`audit_log WHERE action = 'import' AND entity_type = 'loans'`);
    const res = await importLoans(rows);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body).to.deep.equal({ kind: 'loans', rowsImported: 4 });

    const officer = await t.as('officer.abc');
    const loans = await Promise.all(rows.map(async (r) => (await officer.get(`/api/v1/loans?contractNumber=${r.contractNumber}`)).body.items[0]));
    expect(loans.map((l) => l.status)).to.deep.equal(['active', 'active', 'registered', 'pending_guarantee']);
    expect(loans.map((l) => l.termMonths)).to.deep.equal([12, 24, 12, 12]);
    expect(loans[0].referenceRateAnnual).to.equal('0.0435');
    expect(loans[1].referenceRateAnnual, '1–5 years benchmark').to.equal('0.0475');
    expect(loans[0].riskFundId).to.be.a('string');
    expect(await count(`loan_schedule WHERE loan_id = $1`, [loans[2].id]), 'no schedule before disbursement').to.equal(0);
    expect(await count(`loan_schedule WHERE loan_id = $1`, [loans[1].id])).to.equal(24);
    expect(await count(`loan_events WHERE loan_id = ANY($1) AND kind = 'registered'`, [loans.map((l) => l.id)])).to.equal(4);
    expect(await count(`guarantees WHERE loan_id = $1 AND status = 'pending'`, [loans[3].id])).to.equal(1);

    // The same loan registered through the API gets the same row and the same schedule.
    const twinId = (await (await t.as('poverty.lankao')).get(`/api/v1/households?householdNumber=${twin}`)).body.items[0].id;
    const api = await officer.post('/api/v1/loans').set('Idempotency-Key', `li-${unique()}`).send({
      ...loanRow('', { repaymentMethod: 'equal_installment', principal: '50000.00', maturityDate: '2028-03-01' }), householdNumber: undefined, householdId: twinId,
    });
    expect(api.status, JSON.stringify(api.body)).to.equal(201);
    const omit = (l: Row) => { const { id, contractNumber, householdId, borrowerName, borrowerIdentifier, ...rest } = l; return rest; };
    expect(omit(api.body)).to.deep.equal(omit(loans[1]));
    const scheduleOf = async (id: string) => (await officer.get(`/api/v1/loans/${id}/schedule`)).body;
    expect(await scheduleOf(loans[1].id)).to.deep.equal(await scheduleOf(api.body.id));

    const [audit] = await t.db.dataSource.query(`SELECT after, institution_id FROM audit_log WHERE action = 'import' AND entity_type = 'loans' ORDER BY id DESC LIMIT 1`);
    expect(await count(`audit_log WHERE action = 'import' AND entity_type = 'loans'`)).to.equal(auditBefore + 1);
    expect(audit.institution_id).to.equal(bankId);
    expect(audit.after).to.deep.include({ rowsImported: 4, format: 'csv' });
    // Their kept detail (GET /loans/:id reads it) was written by the import, as the triggers write a registration's.
    const kept = await t.db.dataSource.query(
      `SELECT d.loan_id FROM loan_detail_arrays d WHERE d.loan_id = ANY ($1::uuid[]) AND json_array_length(d.events) = 1`,
      [loans.map((l: { id: string }) => l.id)],
    );
    expect(kept).to.have.length(loans.length);
  });

  it('when row 3 is over the principal cap and row 5 repeats a contract number, then both rows are named and nothing is written', async () => {
    const numbers = await households(4);
    const rows = numbers.map((n) => loanRow(n));
    // Spreadsheet rows 2–5 (the header is row 1): row 3 is over the cap, row 5 repeats row 2's contract number.
    rows[1]!.principal = '50000.01';
    rows[3]!.contractNumber = rows[0]!.contractNumber!;
    const loansBefore = await count('loans');
    const schedulesBefore = await count('loan_schedule');
    const res = await importLoans(rows);
    expect(res.status, JSON.stringify(res.body)).to.equal(422);
    expect(res.body.error.message).to.contain('2 rows have errors; nothing was imported');
    const details = res.body.error.details.map((d: Row) => [d.row, d.column, d.rule]);
    expect(details).to.deep.equal([
      [3, 'principal', 'PRINCIPAL_OVER_CAP'],
      [5, 'contractNumber', 'DUPLICATE_IN_FILE'],
    ]);
    expect(res.body.error.details[0]).to.include({ limit: '50000.00', actual: '50000.01' });
    expect(await count('loans')).to.equal(loansBefore);
    expect(await count('loan_schedule')).to.equal(schedulesBefore);
  });

  it('when a row has a principal beyond numeric(16,2) under a model without a principal cap, then 400 names that row and nothing is written', async () => {
    const numbers = await households(2);
    // Relending-supported household loans have no principal cap of their own, so only the column limits them.
    const rows = numbers.map((n) => loanRow(n, { modelCode: 'relending_supported' }));
    rows[1]!.principal = '100000000000000.00';
    const loansBefore = await count('loans');
    const res = await importLoans(rows);
    expect(res.status, JSON.stringify(res.body)).to.equal(400);
    expect(res.body.error.details).to.deep.equal([{ row: 3, column: 'principal', rule: 'money.max', message: 'principal must be at most 99999999999999.99' }]);
    expect(await count('loans')).to.equal(loansBefore);
  });

  it('when a row has a zero principal, then 400 names that row among the others and nothing is written', async () => {
    const numbers = await households(3);
    const rows = numbers.map((n) => loanRow(n));
    rows[0]!.principal = '0.00';
    rows[2]!.principal = '12.345';
    const loansBefore = await count('loans');
    const res = await importLoans(rows);
    expect(res.status, JSON.stringify(res.body)).to.equal(400);
    expect(res.body.error.details.map((d: Row) => [d.row, d.column, d.rule])).to.deep.equal([
      [2, 'principal', 'money.positive'],
      [4, 'principal', 'money.invalid'],
    ]);
    expect(await count('loans')).to.equal(loansBefore);
  });

  it('when one household has two microcredit rows, or one already registered, then those rows are refused by ONE_ACTIVE_LOAN_PER_HOUSEHOLD', async () => {
    const [twice, registered, other] = await households(3);
    expect((await importLoans([loanRow(registered!)])).status).to.equal(201);
    const res = await importLoans([loanRow(twice!), loanRow(other!), loanRow(twice!, { principal: '10000.00' }), loanRow(registered!)]);
    expect(res.status, JSON.stringify(res.body)).to.equal(422);
    expect(res.body.error.details.map((d: Row) => [d.row, d.column, d.rule])).to.deep.equal([
      [4, 'householdNumber', 'ONE_ACTIVE_LOAN_PER_HOUSEHOLD'],
      [5, 'householdNumber', 'ONE_ACTIVE_LOAN_PER_HOUSEHOLD'],
    ]);
    expect(res.body.error.details[0].message).to.contain('row 2 of this file');
    expect(await count(`loans l JOIN households h ON h.id = l.household_id WHERE h.household_number = ANY($1)`, [[twice, other]])).to.equal(0);
  });

  it('when the rows of a file together exceed the fund capacity, then the first row over it is named with the capacity', async () => {
    const [county] = await t.db.dataSource.query(
      `SELECT r.code FROM regions r WHERE r.level = 'county' AND r.path LIKE '410200/%'
          AND EXISTS (SELECT 1 FROM regions v WHERE v.level = 'village' AND v.path LIKE r.path || '%')
          AND NOT EXISTS (SELECT 1 FROM risk_funds f WHERE f.county_code = r.code AND f.bank_id = $1 AND f.model_code = 'household_microcredit')
        ORDER BY r.code LIMIT 1`,
      [bankId],
    );
    const [{ code: village }] = await t.db.dataSource.query(`SELECT code FROM regions WHERE level = 'village' AND path LIKE $1 ORDER BY code LIMIT 1`, [`410200/${county.code}/%`]);
    await fundWithDeposit(county.code, '10000.00'); // capacity 100,000.00
    const numbers = await households(3, village, 'poverty');
    const rows = numbers.map((n) => loanRow(n, { principal: '40000.00' }));
    const res = await importLoans(rows);
    expect(res.status, JSON.stringify(res.body)).to.equal(422);
    expect(res.body.error.details).to.have.length(1);
    expect(res.body.error.details[0]).to.include({ row: 4, column: 'principal', rule: 'FUND_CAPACITY_EXCEEDED', limit: '100000.00', actual: '120000.00' });
    expect(res.body.error.details[0].message).to.contain('2 earlier row(s) of this file');
    rows[2]!.principal = '20000.00';
    expect((await importLoans(rows)).status, 'exactly the capacity passes').to.equal(201);
  });

  it('when rows are disbursed after today or mature a stray day after whole months, then each row is refused as POST /loans refuses it', async () => {
    const [future, stray] = await households(2);
    const today = todayInShanghai();
    const tomorrow = addDays(today, 1);
    const res = await importLoans([
      loanRow(future!, { contractDate: today, disbursementDate: tomorrow, maturityDate: addMonthsClamped(tomorrow, 12) }),
      loanRow(stray!, { repaymentMethod: 'equal_installment', maturityDate: '2027-03-15' }),
    ]);
    expect(res.status, JSON.stringify(res.body)).to.equal(422);
    expect(res.body.error.details.map((d: Row) => [d.row, d.column, d.rule])).to.deep.equal([
      [2, 'disbursementDate', 'NOT_IN_FUTURE'],
      [3, 'maturityDate', 'INVALID_SCHEDULE'],
    ]);
  });

  it("when a household's status changed after a row's contract date, then the row is judged by the status on that date, as POST /loans judges it", async () => {
    const [liftedThen, poorThen] = await households(2);
    const poverty = await t.as('poverty.lankao');
    const changeStatus = async (householdNumber: string, changes: Array<[string, string]>) => {
      const id = (await poverty.get(`/api/v1/households?householdNumber=${householdNumber}`)).body.items[0].id;
      for (const [status, effectiveDate] of changes) {
        const res = await poverty.post(`/api/v1/households/${id}/status`).send({ status, effectiveDate });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
      }
    };
    await changeStatus(liftedThen!, [['lifted', '2025-06-01'], ['monitored', '2026-10-01']]);
    await changeStatus(poorThen!, [['lifted', '2026-10-01']]);
    const refused = await importLoans([loanRow(poorThen!), loanRow(liftedThen!)]);
    expect(refused.status, JSON.stringify(refused.body)).to.equal(422);
    expect(refused.body.error.details.map((d: Row) => [d.row, d.column, d.rule, d.actual])).to.deep.equal([[3, 'householdNumber', 'HOUSEHOLD_STATUS_NOT_ALLOWED', 'lifted']]);
    expect((await importLoans([loanRow(poorThen!)])).status).to.equal(201);
  });

  it('when rows name unknown borrowers, branches of another bank or break format rules, then each is reported by row and column', async () => {
    const [n] = await households(1);
    const [foreign] = await t.db.dataSource.query(`SELECT uscc FROM institutions WHERE type = 'bank_branch' AND parent_id <> $1 LIMIT 1`, [bankId]);
    const unknown = await importLoans([
      loanRow('NO-SUCH-HOUSEHOLD'),
      loanRow(n!, { branchUscc: foreign.uscc }),
      loanRow(n!, { borrowerKind: 'enterprise', enterpriseUscc: uscc('91410225MA9999999') }),
      loanRow(n!, { contractDate: '2026-03-01', modelCode: 'no_such_model' }),
    ]);
    expect(unknown.status, JSON.stringify(unknown.body)).to.equal(400);
    const rules = unknown.body.error.details.map((d: Row) => [d.row, d.column, d.rule]);
    expect(rules).to.deep.include.members([
      [2, 'householdNumber', 'HOUSEHOLD_EXISTS'],
      [3, 'branchUscc', 'BRANCH_OF_YOUR_BANK'],
      [4, 'householdNumber', 'any.unknown'],
      [5, 'modelCode', 'MODEL_VERSION_IN_FORCE'],
    ]);
    const format = await importLoans([loanRow(n!, { principal: '100.005', maturityDate: '2027-02-30' })]);
    expect(format.status).to.equal(400);
    expect(format.body.error.details.map((d: Row) => d.column).sort()).to.deep.equal(['maturityDate', 'principal']);
    // Dates that read are checked with the row's format errors, not on the next upload.
    const both = await importLoans([loanRow(n!, { principal: '100.005', contractDate: '2026-03-01', disbursementDate: '2026-02-01', maturityDate: '2026-01-01' })]);
    expect(both.status, JSON.stringify(both.body)).to.equal(400);
    expect(both.body.error.details.map((d: Row) => [d.row, d.column, d.rule])).to.deep.include.members([
      [2, 'principal', 'money.invalid'],
      [2, 'disbursementDate', 'DISBURSEMENT_BEFORE_CONTRACT'],
      [2, 'maturityDate', 'MATURITY_AFTER_START'],
    ]);
  });

  it('when a refused ledger judged household borrowers, then each is recorded as a search of it; past the searches left the rows are NOT_JUDGED', async () => {
    // A refused file tells, pass or fail, how each borrower was judged at a contract date of the file's choosing (the age rule: the birth date).
    const [a, b] = await households(2);
    const [{ id: officer }] = await t.db.dataSource.query(`SELECT id FROM users WHERE username = 'officer.abc'`);
    await t.db.dataSource.query(`DELETE FROM id_number_searches WHERE user_id = $1`, [officer]);
    await t.db.dataSource.query(`INSERT INTO id_number_searches (user_id, household_id) SELECT $1, NULL FROM generate_series(1, 59)`, [officer]);
    const refused = await importLoans([loanRow(a!, { principal: '99999999.00' }), loanRow(b!, { principal: '99999999.00' })]);
    expect(refused.status, JSON.stringify(refused.body)).to.equal(422);
    const problems = (refused.body.error.details as Array<{ row: number; rule: string }>).map((d) => `${d.row}:${d.rule}`);
    expect(problems).to.include('2:PRINCIPAL_OVER_CAP');
    expect(problems.filter((p) => p.startsWith('3:'))).to.deep.equal(['3:NOT_JUDGED']);
    const [{ ids }] = await t.db.dataSource.query(`SELECT array_agg(household_id::text) FILTER (WHERE household_id IS NOT NULL) AS ids, count(*)::int AS n FROM id_number_searches WHERE user_id = $1`, [officer]);
    const [{ id: first }] = await t.db.dataSource.query(`SELECT id FROM households WHERE household_number = $1`, [a]);
    expect(ids).to.deep.equal([first]);
    await t.db.dataSource.query(`DELETE FROM id_number_searches WHERE user_id = $1`, [officer]);
  });

  it('when someone other than a loan officer imports a ledger, then 403; a register kind stays closed to banks', async () => {
    const csv = csvOf(LOAN_COLUMNS, [loanRow('X')]);
    expect((await upload('poverty', 'loans', CSV, csv)).status).to.equal(403);
    expect((await upload('finance', 'loans', CSV, csv)).status).to.equal(403);
    expect((await upload('admin', 'loans', CSV, csv)).status).to.equal(403);
    expect((await upload('officer.abc', 'households', CSV, csv)).status).to.equal(403);
    const openApi = await t.request().get('/api/openapi.json');
    expect(Object.keys(openApi.body.paths['/api/v1/imports/loans'].post.requestBody.content)).to.deep.equal([CSV, XLSX]);
  });

  it('when loans are imported, then each has its audit entry as registration writes it: the loan as the API shows it, masked, the bank\'s', async () => {
    const [a, b] = await households(2);
    const [guarantor] = await t.db.dataSource.query(`SELECT uscc FROM institutions WHERE type = 'guarantee_company' ORDER BY name LIMIT 1`);
    const rows = [loanRow(a!), loanRow(b!, { modelCode: 'government_guarantee', principal: '100000.00', guarantorUscc: guarantor.uscc, guaranteeFeeRate: '0.01' })];
    const requestId = `li-${run}-audit`;
    const res = await (await t.as('officer.abc')).post('/api/v1/imports/loans').set('Content-Type', CSV).set('X-Request-Id', requestId).send(csvOf(LOAN_COLUMNS, rows));
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const officer = await t.as('officer.abc');
    for (const row of rows) {
      const loan = (await officer.get(`/api/v1/loans?contractNumber=${row.contractNumber}`)).body.items[0];
      const entries = await t.db.dataSource.query(`SELECT action, actor_role, after, request_id, region_path, institution_id FROM audit_log WHERE entity_type = 'loan' AND entity_id = $1`, [loan.id]);
      expect(entries).to.have.length(1);
      expect(entries[0]).to.deep.include({ action: 'register', actor_role: 'loan_officer', request_id: requestId, institution_id: bankId });
      expect(entries[0].region_path.startsWith('410200/410225/')).to.equal(true);
      expect(entries[0].after).to.deep.equal(loan);
      expect(loan.borrowerIdentifier).to.match(/^\d{6}\*{8}\d{3}[\dX]$/);
    }
    // The guaranteed loan's application keeps its own entry, as registration files it.
    expect(await count(`audit_log WHERE entity_type = 'guarantee' AND action = 'file' AND request_id = $1`, [requestId])).to.equal(1);
  });

  it('when a 10,000-row XLSX ledger is imported, then every loan is checked and written with its schedule in reasonable time', async function () {
    this.timeout(300_000);
    const numbers = await households(10_000);
    const rows = numbers.map((n, i) => {
      const contractDate = `2026-0${1 + (i % 6)}-1${i % 10}`;
      return loanRow(n, { principal: '5000.00', contractDate, disbursementDate: contractDate, maturityDate: '2027-09-01' });
    });
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('ledger');
    sheet.addRow(LOAN_COLUMNS);
    for (const r of rows) sheet.addRow(LOAN_COLUMNS.map((c) => r[c] ?? null));
    const file = Buffer.from(await workbook.xlsx.writeBuffer());
    const before = await count('loans');
    const started = Date.now();
    const res = await upload('officer.abc', 'loans', XLSX, file);
    const elapsedMs = Date.now() - started;
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).to.equal(201);
    expect(res.body.rowsImported).to.equal(10_000);
    expect(await count('loans')).to.equal(before + 10_000);
    expect(await count(`audit_log a JOIN loans l ON l.id::text = a.entity_id WHERE a.entity_type = 'loan' AND l.contract_number LIKE $1`, [`LD-${run}-%`]), 'one audit entry per loan').to.be.at.least(10_000);
    expect(await count(`loan_schedule s JOIN loans l ON l.id = s.loan_id WHERE l.contract_number LIKE $1`, [`LD-${run}-%`])).to.be.at.least(10_000 * 3);
    expect(elapsedMs, 'a 10,000-loan ledger imports within a minute').to.be.below(60_000);
    if (process.env.IMPORT_TIMING) console.log(`      10,000-loan XLSX (${file.length} bytes) imported in ${elapsedMs} ms`);
  });
});
