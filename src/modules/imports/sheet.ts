import ExcelJS from 'exceljs';
import { DomainError } from '../../shared/http/errors';

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

/** A 20 MB workbook could be a zip bomb; refuse one that would unpack to more than this. */
const MAX_UNPACKED_XLSX_BYTES = 128 * 1024 * 1024;

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

/** The first worksheet of an XLSX workbook, cell values turned into the text a person typed. */
export async function readXlsx(bytes: Buffer): Promise<SheetRow[]> {
  const unpacked = unpackedZipBytes(bytes);
  if (unpacked === undefined) throw fileProblem('the file is not an XLSX workbook', 'XLSX_UNREADABLE');
  if (unpacked > MAX_UNPACKED_XLSX_BYTES) throw new DomainError('PAYLOAD_TOO_LARGE', 'the workbook unpacks to more than 128 MB; split it into several files');
  const workbook = new ExcelJS.Workbook();
  try {
    // exceljs's own Buffer type predates Node's generic Buffer<ArrayBufferLike>. Drop-down lists
    // are skipped: exceljs would expand the template's 50,000-row ranges into one entry per cell.
    await workbook.xlsx.load(bytes as unknown as ExcelJS.Buffer, { ignoreNodes: ['dataValidations', 'conditionalFormatting'] });
  } catch {
    throw fileProblem('the file is not a readable XLSX workbook', 'XLSX_UNREADABLE');
  }
  const sheet = workbook.worksheets[0];
  const rows: SheetRow[] = [];
  sheet?.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const values = row.values as ExcelJS.CellValue[];
    const cells: CellValue[] = [];
    for (let column = 1; column < values.length; column += 1) cells.push(cellText(values[column]));
    if (cells.some((cell) => typeof cell !== 'string' || cell.trim() !== '')) rows.push({ row: rowNumber, cells });
  });
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
    return String(value);
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

/**
 * The total unpacked size of a zip archive from its central directory, or undefined when the bytes
 * are not a zip. A ZIP64 archive reports 0xFFFFFFFF sizes and so counts as too large.
 */
function unpackedZipBytes(zip: Buffer): number | undefined {
  const END_OF_DIRECTORY = 0x06054b50;
  const DIRECTORY_ENTRY = 0x02014b50;
  const lowest = Math.max(0, zip.length - 22 - 0xffff);
  for (let at = zip.length - 22; at >= lowest; at -= 1) {
    if (zip.readUInt32LE(at) !== END_OF_DIRECTORY) continue;
    const entries = zip.readUInt16LE(at + 10);
    let offset = zip.readUInt32LE(at + 16);
    let total = 0;
    for (let n = 0; n < entries; n += 1) {
      if (offset + 46 > zip.length || zip.readUInt32LE(offset) !== DIRECTORY_ENTRY) return undefined;
      total += zip.readUInt32LE(offset + 24);
      offset += 46 + zip.readUInt16LE(offset + 28) + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
    }
    return total;
  }
  return undefined;
}
