import ExcelJS from 'exceljs';
import { requiredColumns, type ImportSpec } from './import-kinds';
import { MAX_ROWS_PER_FILE } from './rows';

/** exceljs writes range data validations but its typings only know the per-cell form. */
interface RangeValidations {
  add(range: string, validation: ExcelJS.DataValidation): void;
}

const REQUIRED_FILL = 'FFFCE4D6';
const OPTIONAL_FILL = 'FFDDEBF7';

/**
 * The template for one kind (SPEC §9): a header row naming each column in Chinese and by its key,
 * a note on each header cell with whether it is required, what it holds and an example, column
 * widths, identifier columns formatted as text, and drop-down lists for the enumerations. It holds
 * no example data row, so a template filled in from row 2 imports as it stands.
 */
export async function buildTemplate(spec: ImportSpec): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Fupin Finance';
  const sheet = workbook.addWorksheet(spec.sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
  const required = new Set(requiredColumns(spec));
  sheet.columns = spec.columns.map((column) => ({
    header: `${column.header} ${column.key}`,
    key: column.key,
    width: column.widthChars,
    style: column.text ? { numFmt: '@' } : {},
  }));
  const validations = (sheet as unknown as { dataValidations: RangeValidations }).dataValidations;
  spec.columns.forEach((column, index) => {
    const cell = sheet.getRow(1).getCell(index + 1);
    const isRequired = required.has(column.key);
    cell.font = { bold: true };
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: isRequired ? REQUIRED_FILL : OPTIONAL_FILL } };
    cell.note = [isRequired ? '必填 required' : '选填 optional', column.hint, `例 e.g. ${column.example}`].filter(Boolean).join('\n');
    if (column.choices) {
      const letter = sheet.getColumn(index + 1).letter;
      validations.add(`${letter}2:${letter}${MAX_ROWS_PER_FILE + 1}`, {
        type: 'list',
        allowBlank: true,
        formulae: [`"${column.choices.join(',')}"`],
        showErrorMessage: true,
        errorTitle: column.header,
        error: `请选择 choose one of: ${column.choices.join(', ')}`,
      });
    }
  });
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
