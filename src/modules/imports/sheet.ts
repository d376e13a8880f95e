import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { DomainError } from '../../shared/http/errors';
import { MAX_ROWS_PER_FILE } from './rows';
import { checkXlsxLimits } from './xlsx-limits';

/**
 * Reading an uploaded file into rows of text, whatever its format (SPEC §9 bulk import). Nothing
 * here knows what the columns mean; rows.ts matches them to a kind of record.
 */

/** A cell as read from the file: its text, or why it could not be read. */
export type CellValue = string | { unreadable: string };

export interface SheetRow {
  /** The row number the user sees in the spreadsheet (the header is normally row 1). */
  row: number;
  cells: CellValue[];
}

export const CSV_MEDIA_TYPE = 'text/csv';
export const XLSX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const fileProblem = (message: string, rule: string, row: number | null = null) =>
  new DomainError('VALIDATION_FAILED', message, [{ row, column: null, rule, message }]);

/** The non-empty rows of the file, in order; the first is taken as the header. */
export async function readSheet(mediaType: string | undefined, bytes: Buffer | undefined): Promise<SheetRow[]> {
  if (!bytes || bytes.length === 0) throw fileProblem('the file is empty: send the CSV or XLSX file as the request body', 'FILE_EMPTY');
  return mediaType === XLSX_MEDIA_TYPE ? readXlsx(bytes) : parseCsv(decodeText(bytes));
}

/**
 * UTF-8, with or without a byte-order mark. Excel on Chinese Windows saves "CSV (逗号分隔)" in GBK,
 * so a file that is not valid UTF-8 is read as GB18030 (a superset of GBK) rather than refused.
 */
export function decodeText(bytes: Buffer): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('gb18030').decode(bytes);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * RFC 4180: comma-separated, fields optionally in double quotes ("" for a quote inside), rows ended
 * by CRLF, LF or CR; a quoted field may span lines. Row numbers count records, as a spreadsheet
 * opening the file would show them. Blank rows are skipped but keep their number.
 */
export function parseCsv(text: string): SheetRow[] {
  const rows: SheetRow[] = [];
  let cells: string[] = [];
  let field = '';
  let quoted = false;
  let rowNumber = 1;
  const endRow = () => {
    cells.push(field);
    if (cells.some((cell) => cell.trim() !== '')) rows.push({ row: rowNumber, cells });
    cells = [];
    field = '';
    rowNumber += 1;
  };
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch !== '"') {
        field += ch;
      } else if (text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else {
        quoted = false;
      }
    } else if (ch === '"' && field === '') {
      quoted = true;
    } else if (ch === ',') {
      cells.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
      endRow();
    } else {
      field += ch;
    }
  }
  if (quoted) throw fileProblem(`row ${rowNumber}: a quoted value is not closed`, 'CSV_UNCLOSED_QUOTE', rowNumber);
  if (field !== '' || cells.length > 0) endRow();
  return rows;
}

/**
 * The first worksheet of an XLSX workbook, cell values turned into the text a person typed. The
 * archive is first inflated once, counting (xlsx-limits.ts): a workbook that unpacks to more than
 * 128 MB, whatever its directory claims, or with a sheet row wider than an import reads, is refused
 * before it is parsed. The sheet is then read row by row (exceljs's streaming reader, which also
 * leaves the template's drop-down lists alone), so memory follows the rows kept, not a workbook
 * model of every cell, and a file with too many rows is refused at the first row too many.
 */
export async function readXlsx(bytes: Buffer): Promise<SheetRow[]> {
  await checkXlsxLimits(bytes);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([bytes]), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    // Styles tell a date cell from a number; hyperlinks and the rest are not needed.
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  const rows: SheetRow[] = [];
  let read = false;
  try {
    for await (const worksheet of reader) {
      // The first sheet in the workbook's own order (its tabs), as a person opening the file sees it.
      // (exceljs's types leave out the parsed workbook model and the sheet's id.)
      const first = (reader as unknown as { model?: { sheets?: Array<{ id: number }> } }).model?.sheets?.[0]?.id;
      const id = (worksheet as unknown as { id: number | string }).id;
      if (read || (first !== undefined && Number(id) !== Number(first))) continue;
      read = true;
      for await (const row of worksheet) {
        const values = row.values as ExcelJS.CellValue[];
        const cells: CellValue[] = [];
        for (let column = 1; column < values.length; column += 1) cells.push(cellText(values[column]));
        if (cells.some((cell) => typeof cell !== 'string' || cell.trim() !== '')) rows.push({ row: row.number, cells });
        // The header and one row too many: refused now, not after reading the rest (rows.ts says the same).
        if (rows.length > MAX_ROWS_PER_FILE + 1) {
          throw new DomainError('PAYLOAD_TOO_LARGE', `the file has more than ${MAX_ROWS_PER_FILE} data rows; at most ${MAX_ROWS_PER_FILE} are accepted per file, so split it`);
        }
      }
    }
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw fileProblem('the file is not a readable XLSX workbook', 'XLSX_UNREADABLE');
  }
  return rows;
}

function cellText(value: ExcelJS.CellValue | undefined): CellValue {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    // Excel keeps 15 significant digits: an 18-digit ID number typed into a number cell has lost its end.
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
      return { unreadable: 'Excel stored this long number as a number and lost its last digits; format the column as text and type the value again' };
    }
    // A formula's or a sum's binary noise (=1000*1.1 is 1100.0000000000002) is not what Excel shows.
    return String(Number.isInteger(value) ? value : Number(value.toPrecision(15)));
  }
  // Date cells arrive as midnight UTC of the calendar day shown.
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? { unreadable: 'the date cannot be read' } : value.toISOString().slice(0, 10);
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('error' in value) return { unreadable: `the cell shows the error ${value.error}` };
  if ('formula' in value || 'sharedFormula' in value) {
    return value.result === undefined ? { unreadable: 'the formula has no computed value; open and save the file in Excel' } : cellText(value.result as ExcelJS.CellValue);
  }
  if ('text' in value) return String(value.text);
  return { unreadable: 'the cell value cannot be read' };
}
