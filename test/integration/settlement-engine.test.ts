import { Writable } from 'node:stream';
import { expect } from 'chai';
import { addMonthsClamped, Decimal, formatCapitalNumerals, type IsoDate } from '../../src/core';
import { planStatement } from '../../src/modules/settlements/statement-layout';
import { unique } from '../support/fixtures';
import type { RepaymentMethod } from '../../src/modules/loans/loan.entity';
import { startTestApp, type TestApp } from '../support/app';
import { createHouseholds, createLinkedEnterprise, createTestBank, insertLoan, scheduleFor, userId, type TestBank, type TestLoan, type TestRepayment } from '../support/loan-builder';
import { oracleLine, type OracleModel } from '../support/subsidy-oracle';
import { extractPdfText } from '../unit/pdf-text';
import { parsePeriod } from '../../src/core';
import { CANONICAL_LINE_SQL, canonicalLine } from '../../src/modules/settlements/canonical';
import { readLines, regularRecord } from '../../src/modules/settlements/line-record';
import { computeLines } from '../../src/modules/settlements/settlement-engine';

/** Keeps a binary body as a Buffer (superagent hands the parser the response stream). */
function binary(res: unknown, done: (error: Error | null, body: Buffer) => void): void {
  const stream = res as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}

/**
 * The settlement engine on a real PostgreSQL (SPEC §6.1–§6.3, §7): the worked examples of SPEC
 * through a whole batch, and 200 seeded random loans compared to the fen with the independent
 * day-by-day computation of test/support/subsidy-oracle.ts.
 */
const MODELS: Record<string, OracleModel> = {
  household_microcredit: { rule: 'full_up_to_reference' },
  enterprise_driven: { rule: 'fixed_rate_on_linked_base', fixedRate: '0.02', quota: '100000.00' },
  government_guarantee: { rule: 'none', guarantee: { coverage: '0.8', household: '0.015', enterprise: '0.005' } },
  entrepreneurship_guarantee: { rule: 'reference_minus_spread', spread: '0.015', guarantee: { coverage: '1', household: '0', enterprise: '0' } },
  photovoltaic: { rule: 'full_up_to_reference' },
  inclusive_credit_line: { rule: 'full_up_to_reference' },
  relending_supported: { rule: 'none' },
};
const PERIODS = {
  '2026Q1': { first: '2025-12-21', last: '2026-03-20' },
  '2026Q2': { first: '2026-03-21', last: '2026-06-20' },
  '2026Q3': { first: '2026-06-21', last: '2026-09-20' },
} as const;

/** mulberry32: a small seeded PRNG, so that a failing loan can be reproduced. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('settlement engine on a real database (SPEC §6, §7)', function () {
  this.timeout(300_000);
  let t: TestApp;
  let creator: string;
  let guarantorId: string;
  before(async () => {
    t = await startTestApp();
    creator = await userId(t.db.dataSource, 'officer.abc');
    [{ id: guarantorId }] = await t.db.dataSource.query(`SELECT id FROM institutions WHERE type = 'guarantee_company' ORDER BY name LIMIT 1`);
  });
  after(async () => {
    await t?.close();
  });

  async function batchFor(bank: TestBank, period: string) {
    const res = await (await t.as('finance')).post('/api/v1/settlements').send({ bankId: bank.id, period });
    expect(res.status, JSON.stringify(res.body)).to.be.oneOf([200, 201]);
    const lines = await t.db.dataSource.query(
      `SELECT contract_number, kind, days, opening_balance::text AS opening, closing_balance::text AS closing, interest_subsidy::text AS interest,
              guarantee_fee_subsidy::text AS fee, total_amount::text AS total, reason, model_code
         FROM settlement_lines WHERE batch_id = $1 ORDER BY line_no`,
      [res.body.id],
    );
    return { batch: res.body, lines: lines as Array<Record<string, string | number | null>> };
  }

  it('when the worked examples of SPEC §6.2–§6.3 and a loan with several repayments are settled for 2026Q3, then each line and the totals are exact', async () => {
    const db = t.db.dataSource;
    const bank = await createTestBank(db, '示例银行');
    const [h1, h2, h3, h4, h5, h6] = await createHouseholds(db, 6);
    const enterprise = await createLinkedEnterprise(db, await createHouseholds(db, 12), '2025-06-01');
    const common = { bankId: bank.id, borrowerKind: 'household' as const, createdBy: creator, payInstalmentsUpTo: '2026-09-20' };
    const examples: Array<[TestLoan, string]> = [
      [{ ...common, contractNumber: 'EX-1', modelCode: 'household_microcredit', borrowerId: h1!, principal: '50000.00', rateAnnual: '0.0475', referenceRateAnnual: '0.0475', disbursementDate: '2026-03-01', maturityDate: '2027-09-01' }, '606.94'],
      [{ ...common, contractNumber: 'EX-2', modelCode: 'household_microcredit', borrowerId: h2!, principal: '50000.00', rateAnnual: '0.0475', referenceRateAnnual: '0.0475', disbursementDate: '2026-08-09', maturityDate: '2028-02-09' }, '283.68'],
      [{ ...common, contractNumber: 'EX-3', modelCode: 'household_microcredit', borrowerId: h3!, principal: '50000.00', rateAnnual: '0.0435', referenceRateAnnual: '0.0435', disbursementDate: '2026-03-01', maturityDate: '2027-03-01', repayments: [{ paidOn: '2026-08-01', principal: '20000.00' }] }, '432.58'],
      [{ ...common, contractNumber: 'EX-4', modelCode: 'enterprise_driven', borrowerKind: 'enterprise', borrowerId: enterprise, principal: '2000000.00', rateAnnual: '0.0470', referenceRateAnnual: '0.0435', disbursementDate: '2026-03-01', maturityDate: '2027-03-01' }, '6133.33'],
      [{ ...common, contractNumber: 'EX-5', modelCode: 'entrepreneurship_guarantee', borrowerId: h4!, principal: '200000.00', rateAnnual: '0.0350', referenceRateAnnual: '0.0300', disbursementDate: '2026-03-01', maturityDate: '2027-03-01', guarantorId }, '1022.22'],
      [{ ...common, contractNumber: 'EX-6', modelCode: 'government_guarantee', borrowerId: h5!, principal: '50000.00', rateAnnual: '0.0500', referenceRateAnnual: '0.0435', disbursementDate: '2026-03-01', maturityDate: '2027-03-01', guarantorId }, '153.33'],
      [{
        ...common, contractNumber: 'EX-7', modelCode: 'household_microcredit', borrowerId: h6!, principal: '100000.00', rateAnnual: '0.0435', referenceRateAnnual: '0.0435', disbursementDate: '2026-03-01', maturityDate: '2027-03-01',
        repayments: [{ paidOn: '2026-07-10', principal: '10000.00' }, { paidOn: '2026-08-15', principal: '20000.00' }, { paidOn: '2026-08-15', principal: '5000.00' }, { paidOn: '2026-09-01', principal: '3000.00', reversed: true }],
      }, '911.69'],
    ];
    for (const [loan] of examples) await insertLoan(db, loan);
    const { batch, lines } = await batchFor(bank, '2026Q3');
    expect(Object.fromEntries(lines.map((l) => [l.contract_number, l.total]))).to.deep.equal(Object.fromEntries(examples.map(([l, total]) => [l.contractNumber, total])));
    expect(lines.find((l) => l.contract_number === 'EX-6')).to.include({ interest: '0.00', fee: '153.33' });
    expect(lines.find((l) => l.contract_number === 'EX-3')).to.include({ opening: '50000.00', closing: '30000.00', days: 92 });
    // SPEC §6.5: 606.94 + 283.68 + 432.58 + 6133.33 + 1022.22 + 153.33 + 911.69
    expect(batch).to.include({ totalAmount: '9543.77', interestSubsidyTotal: '9390.44', guaranteeFeeSubsidyTotal: '153.33', loansCounted: 7, lineCount: 7 });
    const detail = await (await t.as('finance')).get(`/api/v1/settlements/${batch.id}`);
    const subtotalSum = detail.body.subtotals.reduce((sum: bigint, s: { totalAmount: string }) => sum + BigInt(s.totalAmount.replace('.', '')), 0n);
    expect(subtotalSum).to.equal(954377n);
    const [segments] = await db.query(`SELECT segments FROM settlement_lines WHERE batch_id = $1 AND contract_number = 'EX-3'`, [batch.id]);
    expect(segments.segments.map((s: { days: number; base: string; amount: string }) => [s.days, s.base, s.amount])).to.deep.equal([[41, '50000.00', '247.708'], [51, '30000.00', '184.875']]);
  });

  it('when 200 seeded random loans are settled for three periods, then every line equals the independent day-by-day computation to the fen', async () => {
    const db = t.db.dataSource;
    const random = prng(20260920);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
    const bank = await createTestBank(db, '随机银行');
    const households = await createHouseholds(db, 40);
    const drivers = [
      { id: await createLinkedEnterprise(db, await createHouseholds(db, 3), '2025-01-01'), driven: 3 },
      { id: await createLinkedEnterprise(db, await createHouseholds(db, 25), '2025-01-01'), driven: 25 },
    ];
    const loans: Array<{ spec: TestLoan; driven: number }> = [];
    for (let i = 0; i < 200; i += 1) {
      const modelCode = pick(['household_microcredit', 'household_microcredit', 'government_guarantee', 'government_guarantee', 'entrepreneurship_guarantee', 'enterprise_driven', 'enterprise_driven', 'photovoltaic', 'inclusive_credit_line', 'relending_supported']);
      const enterpriseBorrower = modelCode === 'enterprise_driven' || (modelCode === 'government_guarantee' && random() < 0.4);
      const driver = pick(drivers);
      const disbursementDate = dayAfter('2025-03-01', between(0, 575));
      const method = pick<RepaymentMethod>(['interest_quarterly_principal_at_maturity', 'interest_quarterly_principal_at_maturity', 'equal_installment', 'equal_principal']);
      const maturityDate = addMonthsClamped(disbursementDate as IsoDate, pick([3, 6, 9, 12, 18, 24, 36]));
      const principal = `${between(enterpriseBorrower ? 100_000 : 1_000, enterpriseBorrower ? 3_000_000 : 200_000)}.${String(between(0, 99)).padStart(2, '0')}`;
      const spec: TestLoan = {
        bankId: bank.id, contractNumber: `R-${String(i).padStart(3, '0')}`, modelCode, createdBy: creator,
        borrowerKind: enterpriseBorrower ? 'enterprise' : 'household', borrowerId: enterpriseBorrower ? driver.id : pick(households),
        principal, rateAnnual: `0.0${between(300, 620)}`, referenceRateAnnual: pick(['0.0435', '0.0475', '0.0490', `0.0${between(300, 500)}`]),
        disbursementDate, maturityDate, method, guarantorId: MODELS[modelCode]!.guarantee ? guarantorId : null,
      };
      // Extensions (quarterly loans, whose schedules can be planned to any date): before or after the maturity.
      if (method === 'interest_quarterly_principal_at_maturity' && random() < 0.2) {
        const termDays = (Date.parse(maturityDate) - Date.parse(disbursementDate)) / 86_400_000;
        spec.extendedOn = dayAfter(disbursementDate, between(1, Math.min(200, termDays - 1)));
        spec.currentMaturityDate = addMonthsClamped(maturityDate, pick([6, 12]));
      }
      spec.repayments = randomRepayments(spec, random);
      loans.push({ spec, driven: enterpriseBorrower ? driver.driven : 0 });
      await insertLoan(db, spec).catch((error) => { throw new Error(`${(error as Error).message}: ${JSON.stringify(spec)}`); });
    }
    let compared = 0;
    let nonZero = 0;
    // Lines charged past the loan's current maturity: it matured before the period, or inside it and still owes at its end.
    let pastMaturity = 0;
    const reasons = new Set<string>();
    for (const [name, period] of Object.entries(PERIODS)) {
      const { lines, batch: made } = await batchFor(bank, name);
      await expectSqlLinesEqualEngine(made.id, bank.id, name);
      const byContract = new Map(lines.map((l) => [l.contract_number, l]));
      for (const { spec, driven } of loans) {
        const expected = oracleLine(spec, MODELS[spec.modelCode]!, period, driven);
        const subsidised = MODELS[spec.modelCode]!.rule !== 'none' || MODELS[spec.modelCode]!.guarantee !== undefined;
        const actual = byContract.get(spec.contractNumber!);
        const label = `${name} ${spec.contractNumber} ${JSON.stringify(spec)}`;
        if (!expected || !subsidised) {
          expect(actual, label).to.equal(undefined);
          continue;
        }
        expect(actual, label).to.not.equal(undefined);
        expect({ days: actual!.days, opening: actual!.opening, closing: actual!.closing, interest: actual!.interest, fee: actual!.fee, total: actual!.total, reason: actual!.reason }, label).to.deep.equal({
          days: expected.days, opening: expected.openingBalance, closing: expected.closingBalance, interest: expected.interestSubsidy, fee: expected.guaranteeFeeSubsidy, total: expected.totalAmount, reason: expected.reason,
        });
        compared += 1;
        if (expected.totalAmount !== '0.00') nonZero += 1;
        const matures = spec.currentMaturityDate ?? spec.maturityDate;
        if (matures < period.first || (matures <= period.last && expected.closingBalance !== '0.00')) pastMaturity += 1;
        if (expected.reason) reasons.add(expected.reason);
      }
      const [sums] = await db.query(`SELECT sum(sl.total_amount)::text AS total FROM settlement_lines sl JOIN settlement_batches b ON b.id = sl.batch_id WHERE b.bank_id = $1 AND b.period = $2`, [bank.id, name]);
      const [batch] = await db.query(`SELECT total_amount::text AS total FROM settlement_batches WHERE bank_id = $1 AND period = $2`, [bank.id, name]);
      expect(batch.total).to.equal(sums.total ?? '0.00');
    }
    console.log(`      compared ${compared} lines, ${nonZero} earning, ${pastMaturity} charged past maturity, reasons ${[...reasons].join(", ")}`);
    // The random loans really exercise the rules: hundreds of lines, most earning, every reason seen,
    // and loans that still owe after their maturity (unpaid, partly paid, repaid late).
    expect(compared).to.be.greaterThan(250);
    expect(nonZero).to.be.greaterThan(150);
    expect(pastMaturity).to.be.greaterThan(20);
    expect([...reasons].sort()).to.deep.equal(['AFTER_MATURITY', 'EXTENDED', 'OVERDUE']);
  });

  it('when loans still owe after their maturity (unpaid, partly paid, repaid late in the period), then each stays on the statement with its days, balances, 0.00 and a reason (SPEC §6.2, §7)', async () => {
    const db = t.db.dataSource;
    const bank = await createTestBank(db, '逾期银行');
    const [h1, h2, h3, h4] = await createHouseholds(db, 4);
    // Matured 2026-06-01; interest paid up to 2026-03-20; the principal and the last interest not, or not all, or late.
    const matured = { bankId: bank.id, modelCode: 'household_microcredit', borrowerKind: 'household' as const, createdBy: creator, principal: '50000.00', rateAnnual: '0.0435', referenceRateAnnual: '0.0435', disbursementDate: '2025-06-01', maturityDate: '2026-06-01', payInstalmentsUpTo: '2026-03-20' };
    const unpaid = await insertLoan(db, { ...matured, contractNumber: 'PM-1', borrowerId: h1! });
    await db.query(`UPDATE loans SET status = 'defaulted' WHERE id = $1`, [unpaid.id]);
    await insertLoan(db, { ...matured, contractNumber: 'PM-2', borrowerId: h2!, repayments: [{ paidOn: '2026-06-01', principal: '30000.00' }] });
    await insertLoan(db, { ...matured, contractNumber: 'PM-3', borrowerId: h3!, repayments: [{ paidOn: '2026-07-15', principal: '50000.00' }] });
    // Repaid on its maturity inside the period: charged (and earning) up to the day before, as before.
    await insertLoan(db, { ...matured, contractNumber: 'PM-4', borrowerId: h4!, disbursementDate: '2025-08-01', maturityDate: '2026-08-01', payInstalmentsUpTo: '2026-09-20' });
    const { batch, lines } = await batchFor(bank, '2026Q3');
    await expectSqlLinesEqualEngine(batch.id, bank.id, '2026Q3');
    expect(lines.map((l) => [l.contract_number, l.days, l.opening, l.closing, l.total, l.reason])).to.deep.equal([
      ['PM-1', 92, '50000.00', '50000.00', '0.00', 'OVERDUE'],
      ['PM-2', 92, '20000.00', '20000.00', '0.00', 'OVERDUE'],
      ['PM-3', 24, '50000.00', '0.00', '0.00', 'OVERDUE'],
      ['PM-4', 41, '50000.00', '0.00', '247.71', null],
    ]);
    expect(batch).to.include({ loansCounted: 4, loansSubsidised: 1, openingBalanceTotal: '170000.00', closingBalanceTotal: '70000.00', totalAmount: '247.71' });
    // GET /loans/:id/subsidy answers from the reference engine by the same rule.
    const subsidy = await (await t.as('finance')).get(`/api/v1/loans/${unpaid.id}/subsidy?period=2026Q3`);
    expect(subsidy.status, JSON.stringify(subsidy.body)).to.equal(200);
    expect(subsidy.body).to.include({ days: 92, openingBalance: '50000.00', closingBalance: '50000.00', totalAmount: '0.00', reason: 'OVERDUE' });
  });

  /**
   * The batch's regular lines are written by one SQL statement (regular-lines.sql.ts); the JavaScript
   * engine (subsidy-line.ts) is the reference. Every stored line must be the engine's line exactly —
   * segments and canonical text included — and PostgreSQL's canonical text (used for the batch hash)
   * must be canonicalLine's, character for character.
   */
  async function expectSqlLinesEqualEngine(batchId: string, bankId: string, periodName: string): Promise<void> {
    const db = t.db.dataSource;
    const stored = (await readLines(db.manager, batchId, { limit: 100_000, offset: 0 })).filter((l) => l.kind === 'regular');
    const engine: string[] = [];
    for await (const chunk of computeLines(db.manager, { bankId }, parsePeriod(periodName))) {
      for (const { loan, line } of chunk) if (line) engine.push(canonicalLine(regularRecord(loan, line, engine.length + 1)));
    }
    expect(stored.map((l) => canonicalLine(l)), `${periodName}: SQL lines vs the engine's`).to.deep.equal(engine);
    const sqlText: Array<{ canonical: string }> = await db.query(
      `SELECT ${CANONICAL_LINE_SQL} AS canonical FROM settlement_lines sl WHERE sl.batch_id = $1 ORDER BY sl.line_no`,
      [batchId],
    );
    expect(sqlText.map((r) => r.canonical), `${periodName}: PostgreSQL's canonical text`).to.deep.equal(stored.map((l) => canonicalLine(l)));
  }

  it('when a stored segment does not have the usual shape, then PostgreSQL\'s canonical text still equals canonicalLine', async () => {
    const segments = [
      { kind: 'interest', from: '2026-06-21', to: '2026-07-31', days: 41, base: '50000.00', rate: '0.0435', amount: '247.708' },
      { kind: 'guarantee_fee', from: '2026-08-01', to: '2026-09-20', days: 51, base: '24000.000001', rate: '0.015', amount: '51.000', note: 'a "quoted" extra key' },
    ];
    const record = {
      lineNo: 7, kind: 'regular' as const, loanId: '00000000-0000-4000-8000-000000000001', contractNumber: 'C-"引号"\\-1', borrowerKind: 'household' as const,
      borrowerName: '张\t三', borrowerIdentifier: '410225********1234', modelCode: 'household_microcredit', principal: '50000.00', openingBalance: '50000.00',
      closingBalance: '30000.00', days: 92, interestRate: '0.0435', interestSubsidy: '247.71', feeSubsidyRate: null, guaranteeFeeSubsidy: '51.00',
      totalAmount: '298.71', reason: null, segments: segments as never, adjustsPeriod: null, adjustsLineId: null,
    };
    const [row] = await t.db.dataSource.query(
      `SELECT ${CANONICAL_LINE_SQL} AS canonical
         FROM (SELECT 7 AS line_no, 'regular'::varchar AS kind, $1::uuid AS loan_id, $2::varchar AS contract_number, 'household'::varchar AS borrower_kind,
                      $3::varchar AS borrower_name, '410225********1234'::varchar AS borrower_identifier, 'household_microcredit'::varchar AS model_code,
                      50000.00::numeric(16,2) AS principal, 50000.00::numeric(16,2) AS opening_balance, 30000.00::numeric(16,2) AS closing_balance, 92 AS days,
                      0.04350000::numeric(10,8) AS interest_rate, 247.71::numeric(16,2) AS interest_subsidy, NULL::numeric(10,8) AS fee_subsidy_rate,
                      51.00::numeric(16,2) AS guarantee_fee_subsidy, 298.71::numeric(16,2) AS total_amount, NULL::varchar AS reason,
                      $4::jsonb AS segments, NULL::varchar AS adjusts_period, NULL::bigint AS adjusts_line_id) sl`,
      [record.loanId, record.contractNumber, record.borrowerName, JSON.stringify(segments)],
    );
    expect(row.canonical).to.equal(canonicalLine(record));
  });

  it('when a bank has 10,000 subsidised loans, then the batch computes, its statement streams with "page x of y", its totals equal the sum of its lines, and the PDF verifies', async () => {
    const db = t.db.dataSource;
    const bank = await createTestBank(db, '大行');
    const [household] = await createHouseholds(db, 1);
    await db.query(
      `INSERT INTO loans (bank_id, branch_id, contract_number, model_code, model_version_id, borrower_kind, household_id, region_path, principal, outstanding_principal,
              rate_annual, reference_rate_annual, contract_date, disbursement_date, maturity_date, current_maturity_date, term_months, repayment_method, purpose, guarantor_id, status, created_by)
       SELECT $1, $1, 'BIG-' || lpad(i::text, 5, '0'), v.model_code, v.id, 'household', $2, h.region_path, p.amount, p.amount,
              0.0400 + (i % 50) / 10000.0, 0.0435, p.day, p.day, '2027-06-01', '2027-06-01', 12, 'interest_quarterly_principal_at_maturity', '批量',
              CASE WHEN v.model_code = 'household_microcredit' THEN NULL ELSE $3::uuid END, 'active', $4
         FROM generate_series(1, 10000) i
        CROSS JOIN LATERAL (SELECT CASE i % 10 WHEN 0 THEN 'government_guarantee' WHEN 1 THEN 'entrepreneurship_guarantee' ELSE 'household_microcredit' END AS code) m
         JOIN financing_model_versions v ON v.model_code = m.code AND v.version = 1
        CROSS JOIN LATERAL (SELECT (1000 + (i * 7919) % 49000 + (i % 100) / 100.0)::numeric(16,2) AS amount, '2026-01-01'::date + (i % 200) AS day) p
        CROSS JOIN (SELECT region_path FROM households WHERE id = $2) h`,
      [bank.id, household, guarantorId, creator],
    );
    // Every seventh loan repays a fifth of its principal on a day of 2026Q3.
    await db.query(
      `WITH paid AS (
         INSERT INTO repayments (loan_id, kind, paid_on, principal, interest, penalty, idempotency_key, created_by)
         SELECT id, 'repayment', '2026-06-21'::date + (substr(contract_number, 5)::int % 92), round(principal / 5, 2), 0, 0, 'bulk', $2
           FROM loans WHERE bank_id = $1 AND substr(contract_number, 5)::int % 7 = 0
         RETURNING loan_id, principal)
       UPDATE loans l SET outstanding_principal = l.outstanding_principal - paid.principal FROM paid WHERE paid.loan_id = l.id`,
      [bank.id, creator],
    );
    const finance = await t.as('finance');
    const computeStarted = Date.now();
    const created = await finance.post('/api/v1/settlements').send({ bankId: bank.id, period: '2026Q3' });
    const computeMs = Date.now() - computeStarted;
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const batch = created.body;
    expect(batch).to.include({ lineCount: 10_000, loansCounted: 10_000 });
    const [sums] = await db.query(
      `SELECT sum(total_amount)::text AS total, sum(interest_subsidy)::text AS interest, sum(guarantee_fee_subsidy)::text AS fee,
              sum(opening_balance)::text AS opening, sum(closing_balance)::text AS closing
         FROM settlement_lines WHERE batch_id = $1`,
      [batch.id],
    );
    expect({ total: batch.totalAmount, interest: batch.interestSubsidyTotal, fee: batch.guaranteeFeeSubsidyTotal, opening: batch.openingBalanceTotal, closing: batch.closingBalanceTotal }).to.deep.equal(sums);
    const detail = await finance.get(`/api/v1/settlements/${batch.id}`);
    const bySubtotals = detail.body.subtotals.reduce((sum: bigint, s: { totalAmount: string }) => sum + BigInt(s.totalAmount.replace('.', '')), 0n);
    expect(bySubtotals).to.equal(BigInt(batch.totalAmount.replace('.', '')));

    // The server side of the stream: the statement written to a sink that discards it, heap sampled meanwhile.
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 20);
    const renderStarted = Date.now();
    let bytes = 0;
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => { bytes += chunk.length; done(); } });
    const rendered = await t.services.settlements.statements.renderStatementToStream(batch.id, sink);
    const renderMs = Date.now() - renderStarted;
    clearInterval(sampler);
    expect(rendered.pages).to.equal(planStatement(10_000, detail.body.subtotals.length).totalPages);

    const res = await finance.get(`/api/v1/settlements/${batch.id}/statement.pdf`).buffer(true).parse(binary);
    expect(res.status).to.equal(200);
    const pages = extractPdfText(res.body as Buffer);
    expect(pages).to.have.length(rendered.pages);
    for (const i of [0, 1, Math.floor(pages.length / 2), pages.length - 1]) {
      expect(pages[i]).to.contain(`SHA-256: ${batch.contentSha256}`);
      expect(pages[i]).to.contain(`第 ${i + 1} 页 / 共 ${pages.length} 页 · Page ${i + 1} of ${pages.length}`);
    }
    expect(pages.at(-1)).to.contain(`合计 Grand total\n10000\n${batch.interestSubsidyTotal}\n${batch.guaranteeFeeSubsidyTotal}\n${batch.totalAmount}`);
    expect(pages.at(-1)).to.contain(formatCapitalNumerals(new Decimal(batch.totalAmount)));
    expect(pages.join('\n')).to.contain('\nBIG-10000\n');
    const verified = await finance.post('/api/v1/statements/verify').set('Content-Type', 'application/pdf').send(res.body);
    expect(verified.status, JSON.stringify(verified.body)).to.equal(200);
    expect(verified.body).to.deep.include({ matches: true, sha256: batch.contentSha256 });
    const heapGrowthMb = (heapPeak - heapBefore) / 2 ** 20;
    console.log(`      10,000 lines: computed in ${computeMs} ms; statement of ${rendered.pages} pages, ${(bytes / 2 ** 20).toFixed(1)} MiB, rendered in ${renderMs} ms; heap growth while rendering ${heapGrowthMb.toFixed(1)} MiB`);
    expect(heapGrowthMb).to.be.lessThan(200);
  });
});

function dayAfter(date: string, days: number): string {
  const ms = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) + days * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Instalments paid on time (mostly), late, or not at all; the last one (the maturity) also paid late
 * by up to 200 days, in part only, or never, so that loans still owe after their maturity; a few
 * prepayments, some reversed.
 */
function randomRepayments(loan: TestLoan, random: () => number): TestRepayment[] {
  const repayments: TestRepayment[] = [];
  const schedule = scheduleFor(loan);
  for (const row of schedule.filter((r) => r.dueDate <= '2026-09-20')) {
    const roll = random();
    if (row === schedule.at(-1)) {
      repayments.push(...maturityRepayments(row, random));
      continue;
    }
    if (roll < 0.8) repayments.push({ paidOn: row.dueDate, principal: row.principalDue.toFixed(2), interest: row.interestDue.toFixed(2) });
    else if (roll < 0.92) repayments.push({ paidOn: dayAfter(row.dueDate, 1 + Math.floor(random() * 40)), principal: row.principalDue.toFixed(2), interest: row.interestDue.toFixed(2) });
  }
  const prepayments = random() < 0.5 ? 1 + Math.floor(random() * 3) : 0;
  for (let i = 0; i < prepayments; i += 1) {
    const span = Math.max(1, Math.min(560, (Date.parse('2026-09-25') - Date.parse(loan.disbursementDate)) / 86_400_000));
    const paidOn = dayAfter(loan.disbursementDate, Math.floor(random() * span));
    const cents = BigInt(Math.floor(random() * 0.3 * Number(loan.principal.replace('.', ''))));
    if (cents === 0n) continue;
    repayments.push({ paidOn, principal: `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`, reversed: random() < 0.25 });
  }
  return repayments.filter((r) => r.paidOn <= '2026-11-20').sort((a, b) => a.paidOn.localeCompare(b.paidOn));
}

/** The maturity instalment: on the day (half), late by 1–200 days, partly on the day and the rest late or never, or never. */
function maturityRepayments(row: ReturnType<typeof scheduleFor>[number], random: () => number): TestRepayment[] {
  const roll = random();
  const late = () => dayAfter(row.dueDate, 1 + Math.floor(random() * 200));
  const principal = row.principalDue.toFixed(2);
  const interest = row.interestDue.toFixed(2);
  if (roll < 0.5) return [{ paidOn: row.dueDate, principal, interest }];
  if (roll < 0.7) return [{ paidOn: late(), principal, interest }];
  if (roll < 0.85) {
    const cents = BigInt(principal.replace('.', ''));
    const part = (cents * BigInt(10 + Math.floor(random() * 80))) / 100n;
    const rest = cents - part;
    const money = (n: bigint) => `${n / 100n}.${String(n % 100n).padStart(2, '0')}`;
    const first: TestRepayment = { paidOn: row.dueDate, principal: money(part), interest };
    return random() < 0.5 ? [first, { paidOn: late(), principal: money(rest) }] : [first];
  }
  return [];
}
