// The bank's statement (SPEC §7): bilingual headings, bank, period, batch number, one row per line,
// subtotals by model, the grand total in figures and in 大写, "page x of y", signature blocks, and
// the SHA-256 of the batch's canonical content on every page. Rows are written as the lines stream
// from the database and pages go out as they fill (src/shared/pdf streaming mode); the fixed
// geometry of statement-layout.ts gives the page count before the first page is written.
import { Decimal, formatCapitalNumerals, formatMoney } from '../../core';
import { CJK_BOLD_FONT, CJK_FONT, layoutColumns, waitForReader } from '../../shared/pdf';
import type { StoredLine } from './line-record';
import type { SettlementBatch } from './settlement-batch.entity';
import type { ModelSubtotal } from './settlement-draft';
import * as L from './statement-layout';

export interface StatementData {
  batch: SettlementBatch;
  bank: { name: string; uscc: string };
  subtotals: ModelSubtotal[];
  /** Model code → "1 扶贫小额信贷" (number and Chinese name). */
  modelLabels: ReadonlyMap<string, string>;
  lines: AsyncIterable<StoredLine[]>;
}

export const STATEMENT_TITLE = { zh: '财政贴息及担保费补贴结算单', en: 'Interest and Guarantee-fee Subsidy Settlement Statement' };

const STATUS_LABEL: Record<SettlementBatch['status'], string> = {
  draft: '草稿 Draft（未提交 not submitted）',
  submitted: '已提交 Submitted（待审核 awaiting approval）',
  approved: '已审核 Approved',
  paid: '已拨付 Paid',
};

const REASON_LABEL: Record<string, string> = {
  OVERDUE: '逾期 OVERDUE',
  EXTENDED: '展期 EXTENDED',
  AFTER_MATURITY: '超原到期日 AFTER_MATURITY',
};

/** "0.0475" → "4.75%": the exact decimal times 100 (a rate, not money). */
const percent = (rate: string | null) => (rate === null ? '—' : `${new Decimal(rate).times(100).toFixed()}%`);

interface Column {
  zh: string;
  en: string;
  width: number;
  align?: 'left' | 'right' | 'center';
  value(line: StoredLine, labels: ReadonlyMap<string, string>): string;
}

const LINE_COLUMNS: Column[] = [
  { zh: '序号', en: 'No.', width: 3.2, align: 'right', value: (l) => String(l.lineNo) },
  { zh: '合同编号', en: 'Contract No.', width: 11.6, value: (l) => l.contractNumber },
  { zh: '借款人', en: 'Borrower', width: 7.5, value: (l) => l.borrowerName },
  { zh: '证件号码/信用代码', en: 'ID No. / USCC', width: 11.5, value: (l) => l.borrowerIdentifier },
  { zh: '模式', en: 'Model', width: 9.6, value: (l, labels) => labels.get(l.modelCode) ?? l.modelCode },
  { zh: '本金', en: 'Principal', width: 6, align: 'right', value: (l) => l.principal },
  { zh: '期初余额', en: 'Opening bal.', width: 6, align: 'right', value: (l) => l.openingBalance ?? '—' },
  { zh: '期末余额', en: 'Closing bal.', width: 6, align: 'right', value: (l) => l.closingBalance ?? '—' },
  { zh: '天数', en: 'Days', width: 3, align: 'right', value: (l) => String(l.days) },
  { zh: '贴息率', en: 'Subsidy rate', width: 4.8, align: 'right', value: (l) => percent(l.interestRate) },
  { zh: '贴息', en: 'Interest subsidy', width: 5.5, align: 'right', value: (l) => l.interestSubsidy },
  { zh: '担保费补贴率', en: 'Fee subsidy rate', width: 4.8, align: 'right', value: (l) => percent(l.feeSubsidyRate) },
  { zh: '担保费补贴', en: 'Fee subsidy', width: 5.5, align: 'right', value: (l) => l.guaranteeFeeSubsidy },
  { zh: '合计', en: 'Total', width: 5.5, align: 'right', value: (l) => l.totalAmount },
  { zh: '说明', en: 'Note', width: 9.5, value: noteOf },
];

function noteOf(line: StoredLine): string {
  const reason = line.reason ? REASON_LABEL[line.reason] ?? line.reason : '';
  if (line.kind === 'adjustment') return [`调整 Adj. ${line.adjustsPeriod}`, reason].filter(Boolean).join(' ');
  return reason;
}

interface Box {
  x: number;
  width: number;
}

/** Writes the whole statement into a document whose first page was just started. */
export async function writeStatement(doc: PDFKit.PDFDocument, data: StatementData): Promise<number> {
  const plan = L.planStatement(data.batch.lineCount, data.subtotals.length);
  const boxes = layoutColumns(LINE_COLUMNS.map((c) => c.width), L.CONTENT_LEFT_PT, L.CONTENT_WIDTH_PT);
  const lineHeight = doc.font(CJK_FONT).fontSize(L.ROW_FONT_PT).currentLineHeight(true);
  if (lineHeight > L.ROW_PT - 2 * L.CELL_PADDING_PT) throw new Error('a statement row is too low for its font');
  let page = 1;
  drawBand(doc, data.batch, page, plan.totalPages);
  drawTitle(doc, data);
  drawHeader(doc, LINE_COLUMNS, boxes, L.FIRST_PAGE_TABLE_TOP_PT);
  let index = 0;
  for await (const chunk of data.lines) {
    for (const line of chunk) {
      const place = L.placeOfLine(plan, index);
      if (place.page !== page) {
        page = place.page;
        doc.addPage();
        drawBand(doc, data.batch, page, plan.totalPages);
        drawHeader(doc, LINE_COLUMNS, boxes, L.CONTENT_TOP_PT);
      }
      const tableTop = page === 1 ? L.FIRST_PAGE_TABLE_TOP_PT : L.CONTENT_TOP_PT;
      drawRow(doc, LINE_COLUMNS.map((c) => c.value(line, data.modelLabels)), LINE_COLUMNS, boxes, tableTop + L.TABLE_HEADER_PT + place.row * L.ROW_PT);
      index += 1;
    }
    await waitForReader(doc);
  }
  if (index !== data.batch.lineCount) throw new Error(`the batch has ${data.batch.lineCount} lines but ${index} were read`);
  if (plan.summaryOnOwnPage) {
    page += 1;
    doc.addPage();
    drawBand(doc, data.batch, page, plan.totalPages);
  }
  drawSummary(doc, data, plan.summaryTopPt);
  if (page !== plan.totalPages) throw new Error(`the statement has ${page} pages, planned ${plan.totalPages}`);
  return plan.totalPages;
}

/** The top band of every page: what the statement is, its hash, and page x of y. */
function drawBand(doc: PDFKit.PDFDocument, batch: SettlementBatch, page: number, totalPages: number): void {
  doc.font(CJK_FONT).fontSize(7.5).fillColor('#333333');
  const label = `第 ${page} 页 / 共 ${totalPages} 页 · Page ${page} of ${totalPages}`;
  const right = L.CONTENT_LEFT_PT + L.CONTENT_WIDTH_PT;
  doc.text(`批次号 Batch No. ${batch.batchNumber}`, L.CONTENT_LEFT_PT, L.BAND_Y_PT, { lineBreak: false });
  doc.text(`SHA-256: ${batch.contentSha256}`, L.CONTENT_LEFT_PT + 170, L.BAND_Y_PT, { lineBreak: false });
  doc.text(label, right - doc.widthOfString(label), L.BAND_Y_PT, { lineBreak: false });
  doc.fillColor('black');
}

function drawTitle(doc: PDFKit.PDFDocument, data: StatementData): void {
  const { batch, bank } = data;
  const width = L.CONTENT_WIDTH_PT;
  const left = L.CONTENT_LEFT_PT;
  let y = L.CONTENT_TOP_PT;
  doc.font(CJK_BOLD_FONT).fontSize(15).text(STATEMENT_TITLE.zh, left, y, { width, align: 'center', lineBreak: false });
  y += 22;
  doc.font(CJK_FONT).fontSize(10).text(STATEMENT_TITLE.en, left, y, { width, align: 'center', lineBreak: false });
  y += 20;
  // The claim fields finance bureaus ask for (SPEC §7: loans counted, balances at period start and
  // end, subsidy requested) print in full: a line too long for the width is set smaller, never cut.
  const info = [
    `贷款银行 Bank: ${bank.name}（${bank.uscc}）    结算期间 Period: ${batch.period}（${batch.periodStart} 至 to ${batch.periodEnd}）`,
    `批次号 Batch No.: ${batch.batchNumber}    状态 Status: ${STATUS_LABEL[batch.status]}    计算版本 Revision: ${batch.revision}    金额单位 Unit: 元 yuan`,
    `贷款笔数 Loans counted: ${batch.loansCounted}（获补贴 subsidised ${batch.loansSubsidised}，调整行 adjustment lines ${batch.adjustmentCount}）    ` +
      `申请补贴 Amount requested: ${formatMoney(batch.totalAmount)}`,
    `期初余额 Opening balances: ${formatMoney(batch.openingBalanceTotal)}    期末余额 Closing balances: ${formatMoney(batch.closingBalanceTotal)}`,
  ];
  for (const text of info) {
    drawCellText(doc.font(CJK_FONT).fontSize(INFO_FONT_PT), text, left, y, { width, height: INFO_LINE_PT, align: 'left' }, INFO_FONT_PT, MIN_INFO_FONT_PT);
    y += INFO_LINE_PT;
  }
  if (y > L.FIRST_PAGE_TABLE_TOP_PT) throw new Error('the statement title block is taller than its place');
}

const INFO_FONT_PT = 8.5;
const MIN_INFO_FONT_PT = 5;
const INFO_LINE_PT = 13;

const HEADER_ZH_PT = 7;
const HEADER_EN_PT = 6;

function drawHeader(doc: PDFKit.PDFDocument, columns: readonly Pick<Column, 'zh' | 'en' | 'align'>[], boxes: readonly Box[], top: number): void {
  doc.save().rect(L.CONTENT_LEFT_PT, top, L.CONTENT_WIDTH_PT, L.TABLE_HEADER_PT).fill('#ececec').restore();
  doc.fillColor('black');
  columns.forEach((column, i) => {
    const box = boxes[i]!;
    const cell = { width: box.width - 2 * L.CELL_PADDING_PT, height: 11, align: column.align ?? 'left' } as const;
    doc.font(CJK_BOLD_FONT).fontSize(HEADER_ZH_PT);
    drawCellText(doc, column.zh, box.x + L.CELL_PADDING_PT, top + 1.5, cell, HEADER_ZH_PT);
    doc.font(CJK_FONT).fontSize(HEADER_EN_PT);
    drawCellText(doc, column.en, box.x + L.CELL_PADDING_PT, top + 12.5, { ...cell, height: 10 }, HEADER_EN_PT);
  });
  rule(doc, top + L.TABLE_HEADER_PT);
}

function drawRow(doc: PDFKit.PDFDocument, cells: readonly string[], columns: readonly Pick<Column, 'align'>[], boxes: readonly Box[], top: number, bold = false): void {
  doc.font(bold ? CJK_BOLD_FONT : CJK_FONT).fontSize(L.ROW_FONT_PT).fillColor('black');
  cells.forEach((text, i) => {
    const box = boxes[i]!;
    drawCellText(doc, text, box.x + L.CELL_PADDING_PT, top + L.CELL_PADDING_PT, {
      width: box.width - 2 * L.CELL_PADDING_PT,
      height: L.ROW_PT - 2 * L.CELL_PADDING_PT,
      align: columns[i]!.align ?? 'left',
    }, L.ROW_FONT_PT);
  });
  rule(doc, top + L.ROW_PT);
}

/** Cell text wider than its column is printed smaller, down to this size, rather than cut. */
const MIN_CELL_FONT_PT = 4.5;

/**
 * One line of text in a cell, aligned, in the current font at `fontPt`. Text wider than the cell is
 * set in a smaller size (down to MIN_CELL_FONT_PT) so that contract numbers, names and identifiers
 * print in full; only text too long even then is cut with an ellipsis, at `fontPt`. Text that fits is placed directly at its aligned position, as
 * pdfkit's line wrapper would place it: the wrapper splits every cell into words and measures each
 * (Unicode line breaking), which was 60 % of the time of a 10,000-line statement.
 */
function drawCellText(
  doc: PDFKit.PDFDocument,
  text: string,
  x: number,
  y: number,
  cell: { width: number; height: number; align: 'left' | 'right' | 'center' },
  fontPt: number,
  minFontPt = MIN_CELL_FONT_PT,
): void {
  const oneLine = !text.includes('\n');
  let textWidth = doc.widthOfString(text);
  let size: number | null = null;
  if (textWidth > cell.width && oneLine) {
    const fitted = Math.floor((fontPt * cell.width * 10) / textWidth) / 10;
    if (fitted >= minFontPt) {
      size = fitted;
      doc.fontSize(size);
      textWidth = doc.widthOfString(text);
    }
  }
  if (textWidth > cell.width || !oneLine) {
    doc.fontSize(fontPt).text(text, x, y, { ...cell, ellipsis: true });
    return;
  }
  const offset = cell.align === 'right' ? cell.width - textWidth : cell.align === 'center' ? (cell.width - textWidth) / 2 : 0;
  // A smaller size sits on the same baseline band, centred in the row's height.
  doc.text(text, x + offset, size === null ? y : y + (fontPt - size) / 2, { lineBreak: false });
  if (size !== null) doc.fontSize(fontPt);
}

function rule(doc: PDFKit.PDFDocument, y: number): void {
  doc.save().moveTo(L.CONTENT_LEFT_PT, y).lineTo(L.CONTENT_LEFT_PT + L.CONTENT_WIDTH_PT, y).lineWidth(0.4).strokeColor('#b0b0b0').stroke().restore();
}

const SUBTOTAL_COLUMNS: Array<Pick<Column, 'zh' | 'en' | 'width' | 'align'>> = [
  { zh: '模式', en: 'Model', width: 30 },
  { zh: '笔数', en: 'Lines', width: 8, align: 'right' },
  { zh: '贴息', en: 'Interest subsidy', width: 14, align: 'right' },
  { zh: '担保费补贴', en: 'Guarantee-fee subsidy', width: 14, align: 'right' },
  { zh: '合计', en: 'Total', width: 14, align: 'right' },
];

/** Subtotals by model and the grand total (SPEC §6.5: sums of the rounded lines), in words, signatures. */
function drawSummary(doc: PDFKit.PDFDocument, data: StatementData, top: number): void {
  const { batch, subtotals } = data;
  const boxes = layoutColumns(SUBTOTAL_COLUMNS.map((c) => c.width), L.CONTENT_LEFT_PT, L.CONTENT_WIDTH_PT * 0.75);
  let y = top;
  doc.font(CJK_BOLD_FONT).fontSize(9).text('分模式小计 Subtotals by model', L.CONTENT_LEFT_PT, y, { lineBreak: false });
  y += L.SUMMARY_HEADING_PT;
  drawHeader(doc, SUBTOTAL_COLUMNS, boxes, y);
  y += L.TABLE_HEADER_PT;
  for (const s of subtotals) {
    const cells = [`${s.modelNumber} ${s.modelNameZh} ${s.modelNameEn}`, String(s.lineCount), formatMoney(s.interestSubsidy), formatMoney(s.guaranteeFeeSubsidy), formatMoney(s.totalAmount)];
    drawRow(doc, cells, SUBTOTAL_COLUMNS, boxes, y);
    y += L.ROW_PT;
  }
  const grand = ['合计 Grand total', String(batch.lineCount), formatMoney(batch.interestSubsidyTotal), formatMoney(batch.guaranteeFeeSubsidyTotal), formatMoney(batch.totalAmount)];
  drawRow(doc, grand, SUBTOTAL_COLUMNS, boxes, y, true);
  y += L.ROW_PT + 4;
  doc.font(CJK_BOLD_FONT).fontSize(9).text(`合计金额（大写）Total in words: 人民币 ${formatCapitalNumerals(batch.totalAmount)}（¥${formatMoney(batch.totalAmount)}）`, L.CONTENT_LEFT_PT, y, { lineBreak: false });
  y += L.CAPITALS_LINE_PT - 4;
  doc.font(CJK_FONT).fontSize(6.5).fillColor('#444444').text(
    '计算规则 Rule (SPEC §6): 每段 本金×利率×天数÷360 四舍五入至厘，每笔四舍五入至分，合计为各笔之和 / each segment base × rate × days ÷ 360 rounded half-up to 0.001, each line to 0.01; totals are sums of lines.',
    L.CONTENT_LEFT_PT, y, { width: L.CONTENT_WIDTH_PT, height: 10, ellipsis: true },
  );
  doc.fillColor('black');
  y += L.NOTE_LINE_PT + L.GAP_PT;
  drawSignatureBlocks(doc, y);
}

function drawSignatureBlocks(doc: PDFKit.PDFDocument, top: number): void {
  const gap = 24;
  const width = (L.CONTENT_WIDTH_PT - gap) / 2;
  const blocks = [
    { title: '贷款银行（盖章） Lending bank (seal)', lines: ['经办人 Prepared by: ______________', '负责人 Authorised by: ______________', '日期 Date: ________ 年 ____ 月 ____ 日'] },
    { title: '财政部门（盖章） Finance bureau (seal)', lines: ['审核人 Reviewed by: ______________', '负责人 Approved by: ______________', '日期 Date: ________ 年 ____ 月 ____ 日'] },
  ];
  blocks.forEach((block, i) => {
    const x = L.CONTENT_LEFT_PT + i * (width + gap);
    doc.save().rect(x, top, width, L.SIGNATURE_BLOCK_PT - 6).lineWidth(0.6).strokeColor('#888888').stroke().restore();
    doc.font(CJK_BOLD_FONT).fontSize(8.5).text(block.title, x + 8, top + 6, { lineBreak: false });
    block.lines.forEach((text, j) => doc.font(CJK_FONT).fontSize(8).text(text, x + 8, top + 28 + j * 19, { lineBreak: false }));
  });
}
