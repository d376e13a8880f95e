// A batch's lines as CSV and XLSX for the bank's own systems (issue 6 item 5). Both stream: the CSV
// row by row with backpressure, the XLSX through exceljs's streaming WorkbookWriter, committing each
// row as it is written, so a 10,000-line batch never sits in memory. Amounts stay exact decimal
// strings, the same as the API and the canonical content; the last row is the batch total.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { formatMoney } from '../../core';
import type { StoredLine } from './line-record';
import type { SettlementBatch } from './settlement-batch.entity';

interface ExportColumn {
  key: string;
  zh: string;
  /** Free text typed by people (names, contract numbers): guarded against spreadsheet formulas. */
  text?: boolean;
  value(line: StoredLine, batch: SettlementBatch): string | number | null;
}

export const EXPORT_COLUMNS: readonly ExportColumn[] = [
  { key: 'batch_number', zh: '批次号', value: (_l, b) => b.batchNumber },
  { key: 'period', zh: '结算期', value: (_l, b) => b.period },
  { key: 'line_no', zh: '序号', value: (l) => l.lineNo },
  { key: 'kind', zh: '类型', value: (l) => l.kind },
  { key: 'loan_id', zh: '贷款ID', value: (l) => l.loanId },
  { key: 'contract_number', zh: '合同编号', text: true, value: (l) => l.contractNumber },
  { key: 'borrower_kind', zh: '借款人类型', value: (l) => l.borrowerKind },
  { key: 'borrower_name', zh: '借款人', text: true, value: (l) => l.borrowerName },
  { key: 'borrower_identifier', zh: '证件号码/信用代码', value: (l) => l.borrowerIdentifier },
  { key: 'model_code', zh: '模式', value: (l) => l.modelCode },
  { key: 'principal', zh: '本金', value: (l) => l.principal },
  { key: 'opening_balance', zh: '期初余额', value: (l) => l.openingBalance },
  { key: 'closing_balance', zh: '期末余额', value: (l) => l.closingBalance },
  { key: 'days', zh: '天数', value: (l) => l.days },
  { key: 'interest_rate', zh: '贴息率', value: (l) => l.interestRate },
  { key: 'interest_subsidy', zh: '贴息', value: (l) => l.interestSubsidy },
  { key: 'fee_subsidy_rate', zh: '担保费补贴率', value: (l) => l.feeSubsidyRate },
  { key: 'guarantee_fee_subsidy', zh: '担保费补贴', value: (l) => l.guaranteeFeeSubsidy },
  { key: 'total_amount', zh: '合计', value: (l) => l.totalAmount },
  { key: 'reason', zh: '零补贴原因', value: (l) => l.reason },
  { key: 'adjusts_period', zh: '调整所属期', value: (l) => l.adjustsPeriod },
  { key: 'adjusts_line_id', zh: '原行ID', value: (l) => l.adjustsLineId },
];

/** A cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed with '. */
function neutralised(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function cellText(column: ExportColumn, line: StoredLine, batch: SettlementBatch): string {
  const value = column.value(line, batch);
  if (value === null) return '';
  const text = String(value);
  return column.text ? neutralised(text) : text;
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const totalRow = (batch: SettlementBatch): string[] =>
  EXPORT_COLUMNS.map((c) => {
    if (c.key === 'batch_number') return batch.batchNumber;
    if (c.key === 'kind') return 'total';
    if (c.key === 'interest_subsidy') return formatMoney(batch.interestSubsidyTotal);
    if (c.key === 'guarantee_fee_subsidy') return formatMoney(batch.guaranteeFeeSubsidyTotal);
    if (c.key === 'total_amount') return formatMoney(batch.totalAmount);
    return '';
  });

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text, 'utf8')) await once(out, 'drain');
}

/** UTF-8 with a byte-order mark (so that Excel reads the Chinese), CRLF rows, RFC 4180 quoting. */
export async function writeLinesCsv(out: Writable, batch: SettlementBatch, lines: AsyncIterable<StoredLine[]>): Promise<void> {
  await write(out, `\ufeff${EXPORT_COLUMNS.map((c) => csvField(`${c.key}`)).join(',')}\r\n`);
  for await (const chunk of lines) {
    const text = chunk.map((line) => EXPORT_COLUMNS.map((c) => csvField(cellText(c, line, batch))).join(',')).join('\r\n');
    await write(out, `${text}\r\n`);
  }
  await write(out, `${totalRow(batch).map(csvField).join(',')}\r\n`);
  out.end();
  await once(out, 'finish');
}

/** One sheet: a bilingual header row, a row per line (amounts as text, exact), the total row. */
export async function writeLinesXlsx(out: Writable, batch: SettlementBatch, lines: AsyncIterable<StoredLine[]>): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  workbook.creator = 'Fupin Finance';
  const sheet = workbook.addWorksheet(batch.batchNumber.slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = EXPORT_COLUMNS.map((c) => ({ header: `${c.zh} ${c.key}`, key: c.key, width: Math.max(12, c.key.length + 4) }));
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();
  for await (const chunk of lines) {
    for (const line of chunk) {
      sheet.addRow(EXPORT_COLUMNS.map((c) => (c.key === 'line_no' || c.key === 'days' ? Number(c.value(line, batch)) : cellText(c, line, batch)))).commit();
    }
  }
  const total = sheet.addRow(totalRow(batch));
  total.font = { bold: true };
  total.commit();
  sheet.commit();
  await workbook.commit();
}
