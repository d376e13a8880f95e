import { expect } from 'chai';
import { Decimal } from '../../src/core';
import type { SettlementBatch } from '../../src/modules/settlements/settlement-batch.entity';
import { placeOfLine, planStatement } from '../../src/modules/settlements/statement-layout';
import { printedSha256 } from '../../src/modules/settlements/statement-hash';
import { writeStatement } from '../../src/modules/settlements/statement.pdf';
import { createPdfDocument, renderToBuffer } from '../../src/shared/pdf';
import { extractPdfText } from './pdf-text';

describe('statement layout: the page count is known before the first page is written (SPEC §7 "page x of y")', () => {
  it('when a batch has no lines or a few, then the table and the summary share the first page', () => {
    expect(planStatement(0, 0)).to.include({ linePages: 1, summaryOnOwnPage: false, totalPages: 1 });
    expect(planStatement(5, 2)).to.include({ linePages: 1, summaryOnOwnPage: false, totalPages: 1 });
  });

  it('when the first page is full of lines, then the summary starts a page of its own', () => {
    const plan = planStatement(28, 1);
    expect(plan).to.include({ firstPageRows: 28, rowsPerPage: 36, linePages: 1, summaryOnOwnPage: true, totalPages: 2 });
  });

  it('when a batch has 10,000 lines, then 1 + ⌈9,972 / 36⌉ pages of lines and one for the summary', () => {
    expect(planStatement(10_000, 4)).to.include({ linePages: 278, summaryOnOwnPage: true, totalPages: 279 });
    expect(placeOfLine(planStatement(10_000, 4), 0)).to.deep.equal({ page: 1, row: 0 });
    expect(placeOfLine(planStatement(10_000, 4), 28)).to.deep.equal({ page: 2, row: 0 });
    expect(placeOfLine(planStatement(10_000, 4), 9_999)).to.deep.equal({ page: 278, row: 35 });
  });

  it('when the last page of lines has room, then the summary goes below the table', () => {
    const plan = planStatement(28 + 36 + 5, 3);
    expect(plan).to.include({ linePages: 3, summaryOnOwnPage: false, totalPages: 3 });
  });

  it('when the input is not a PDF or carries no hash, then no hash is found', () => {
    expect(printedSha256(Buffer.from('hello'))).to.equal(null);
    expect(printedSha256(Buffer.from('%PDF-1.3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n'))).to.equal(null);
  });

  it('when a large bank\'s batch is printed, then the claim fields (loans counted, balances, amount requested) print in full, never cut', async () => {
    const batch = {
      batchNumber: 'JS-2026Q3-MA4000001', contentSha256: 'a'.repeat(64), period: '2026Q3', periodStart: '2026-06-21', periodEnd: '2026-09-20',
      status: 'submitted', revision: 12, lineCount: 0, loansCounted: 123_456, loansSubsidised: 120_001, adjustmentCount: 3_455,
      openingBalanceTotal: new Decimal('123456789012.34'), closingBalanceTotal: new Decimal('123456700000.00'),
      interestSubsidyTotal: new Decimal('98765432.10'), guaranteeFeeSubsidyTotal: new Decimal('0.00'), totalAmount: new Decimal('98765432.10'),
    } as unknown as SettlementBatch;
    const doc = createPdfDocument({ title: 'statement', layout: 'landscape', pagination: 'streaming', generatedAt: new Date('2026-09-21T02:00:00Z') });
    const bank = { name: '中国邮政储蓄银行股份有限公司开封市分行', uscc: '91410200MA4000001X' };
    await writeStatement(doc, { batch, bank, subtotals: [], modelLabels: new Map(), lines: (async function* () {})() });
    const [first] = extractPdfText(await renderToBuffer(doc));
    expect(first).to.contain('申请补贴 Amount requested: 98765432.10');
    expect(first).to.contain('期初余额 Opening balances: 123456789012.34');
    expect(first).to.contain('期末余额 Closing balances: 123456700000.00');
    expect(first).to.contain('贷款笔数 Loans counted: 123456（获补贴 subsidised 120001，调整行 adjustment lines 3455）');
    expect(first).to.contain(`贷款银行 Bank: ${bank.name}（${bank.uscc}）`);
    expect(first).not.to.contain('…');
  });
});

