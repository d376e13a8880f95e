import type Joi from 'joi';
import { hasUnstorableCharacter } from '../../shared/http/api';
import { DomainError } from '../../shared/http/errors';
import { requiredColumns, type ImportSpec } from './import-kinds';
import type { SheetRow } from './sheet';

/** SPEC §9: a file is a normal day's work, not a data migration; bigger loads are several files. */
export const MAX_ROWS_PER_FILE = 50_000;
/** The error report lists this many problems at most (and counts them all). */
export const MAX_REPORTED_PROBLEMS = 1_000;

/** One problem, where the user will look for it: row as the spreadsheet numbers it, column by key. */
export interface RowProblem {
  row: number;
  column: string;
  rule: string;
  message: string;
}

/**
 * Every problem of every row, so that one upload tells the user everything to fix. Format problems
 * (what Joi refuses) make the report a 400, as they would for one record; otherwise broken register
 * rules and duplicates make it a 422.
 */
export class ProblemLog {
  private readonly problems: RowProblem[] = [];
  private readonly rows = new Set<number>();
  private formatProblems = 0;

  add(problem: RowProblem, kind: 'format' | 'rule' = 'rule'): void {
    this.problems.push(problem);
    this.rows.add(problem.row);
    if (kind === 'format') this.formatProblems += 1;
  }

  get isEmpty(): boolean {
    return this.problems.length === 0;
  }

  /** The problems logged so far, in the order they came. */
  list(): readonly RowProblem[] {
    return this.problems;
  }

  /** Throws the whole report when any row has a problem; nothing is written then. */
  throwIfAny(): void {
    if (this.problems.length === 0) return;
    const rows = this.rows.size;
    const listed = [...this.problems].sort((a, b) => a.row - b.row).slice(0, MAX_REPORTED_PROBLEMS);
    const more = this.problems.length > listed.length ? `; the first ${listed.length} of ${this.problems.length} problems are listed` : '';
    const message = `${rows} ${rows === 1 ? 'row has' : 'rows have'} errors; nothing was imported${more}`;
    throw new DomainError(this.formatProblems > 0 ? 'VALIDATION_FAILED' : 'RULE_VIOLATION', message, listed);
  }
}

/** A data row's non-empty cells by column key, trimmed. */
export interface RawRecord {
  row: number;
  values: Record<string, string>;
  /** Columns whose cell could not be read (already reported), so Joi's "required" would only repeat it. */
  unreadable: Set<string>;
}

/** A row as Joi converted it, without the fields Joi refused; rules check what is present. */
export interface CheckedRow<T> {
  row: number;
  value: Partial<T>;
  /** The fields Joi refused (and left out of `value`). */
  refused: ReadonlySet<string>;
}

const fileError = (message: string, details: unknown[]) => new DomainError('VALIDATION_FAILED', message, details);

/** Matches the header to the kind's columns and returns the data rows as records. */
export function toRecords(sheet: SheetRow[], spec: ImportSpec, problems: ProblemLog): RawRecord[] {
  const [header, ...data] = sheet;
  if (!header) throw fileError('the file is empty', [{ row: null, column: null, rule: 'FILE_EMPTY', message: 'the file has no rows' }]);
  const keys = resolveHeader(header, spec);
  if (data.length === 0) throw fileError('the file has a header but no data rows', [{ row: header.row, column: null, rule: 'FILE_NO_ROWS', message: 'no data rows' }]);
  if (data.length > MAX_ROWS_PER_FILE) {
    throw new DomainError('PAYLOAD_TOO_LARGE', `the file has ${data.length} data rows; at most ${MAX_ROWS_PER_FILE} are accepted per file, so split it`);
  }
  return data.map(({ row, cells }) => {
    const values: Record<string, string> = {};
    const unreadable = new Set<string>();
    cells.forEach((cell, index) => {
      const key = keys[index];
      if (typeof cell !== 'string') {
        problems.add({ row, column: key ?? `#${index + 1}`, rule: 'CELL_UNREADABLE', message: cell.unreadable }, 'format');
        if (key) unreadable.add(key);
        return;
      }
      const text = cell.trim();
      if (text === '') return;
      if (hasUnstorableCharacter(text)) {
        problems.add({ row, column: key ?? `#${index + 1}`, rule: 'CELL_UNREADABLE', message: 'the cell contains a NUL character, which cannot be stored' }, 'format');
        if (key) unreadable.add(key);
        return;
      }
      if (key) values[key] = text;
      else problems.add({ row, column: `#${index + 1}`, rule: 'COLUMN_WITHOUT_HEADER', message: `column ${index + 1} has a value but no header` }, 'format');
    });
    return { row, values, unreadable };
  });
}

/**
 * A header cell names its column by the English key, the Chinese header, or both as the template
 * writes them ("户编号 householdNumber"). Missing required, unknown and repeated columns are refused
 * together, before any row is read.
 */
function resolveHeader(header: SheetRow, spec: ImportSpec): Array<string | undefined> {
  const texts = header.cells.map((cell) => (typeof cell === 'string' ? cell.replace(/\s+/g, ' ').trim() : ''));
  const keys = texts.map((text) => (text === '' ? undefined : columnKeyOf(text, spec)));
  const issues: RowProblem[] = [];
  if (!keys.some((key) => key !== undefined)) {
    // Probably a data row where the header belongs: say so without repeating its cells (ID numbers).
    const message = `the first row must name the columns of the ${spec.kind} template (download it from /imports/${spec.kind}/template.xlsx)`;
    throw fileError(message, [{ row: header.row, column: null, rule: 'HEADER_MISSING', message }]);
  }
  const seen = new Set<string>();
  texts.forEach((text, index) => {
    const key = keys[index];
    if (text === '') return;
    if (key === undefined) {
      const shown = text.slice(0, 40).replace(/\d{6,}/g, '…');
      issues.push({ row: header.row, column: shown, rule: 'COLUMN_UNKNOWN', message: `the column "${shown}" is not in the ${spec.kind} template` });
    } else if (seen.has(key)) {
      issues.push({ row: header.row, column: key, rule: 'COLUMN_REPEATED', message: `the column ${key} appears twice` });
      keys[index] = undefined;
    } else {
      seen.add(key);
    }
  });
  for (const key of requiredColumns(spec)) {
    if (seen.has(key)) continue;
    const zh = spec.columns.find((c) => c.key === key)!.header;
    issues.push({ row: header.row, column: key, rule: 'COLUMN_MISSING', message: `the required column ${key} (${zh}) is missing` });
  }
  if (issues.length > 0) throw fileError(`the columns do not match the ${spec.kind} template: ${issues.map((i) => i.message).join('; ')}`, issues);
  return keys;
}

function columnKeyOf(text: string, spec: ImportSpec): string | undefined {
  const lower = text.toLowerCase();
  // The last word may be the key ("户编号 householdNumber", "户编号* householdNumber").
  const lastWord = lower.split(' ').pop()!.replace(/\*$/, '');
  const column = spec.columns.find((c) => {
    const key = c.key.toLowerCase();
    return lower === key || lastWord === key || text === c.header || text.replace(/\*$/, '') === c.header;
  });
  return column?.key;
}

const JOI_OPTIONS: Joi.ValidationOptions = { abortEarly: false, convert: true, allowUnknown: false, errors: { wrap: { label: false } } };

/** Validates every row with the kind's Joi schema, the same keys as the single-record API. */
export function validateRows<T>(records: RawRecord[], schema: Joi.ObjectSchema, problems: ProblemLog): Array<CheckedRow<T>> {
  return records.map(({ row, values, unreadable }) => {
    const { value, error } = schema.validate(values, JOI_OPTIONS);
    const refused = new Set<string>(unreadable);
    for (const detail of error?.details ?? []) {
      const column = String(detail.path[0] ?? '');
      if (unreadable.has(column)) continue;
      refused.add(column);
      problems.add({ row, column, rule: detail.type, message: withoutValue(detail.message, values[column]) }, 'format');
    }
    const kept = Object.entries((value ?? {}) as Record<string, unknown>).filter(([key]) => !refused.has(key));
    return { row, value: Object.fromEntries(kept) as Partial<T>, refused };
  });
}

/** Joi quotes the value in some messages; a resident ID number must never reach an error (SPEC §3). */
function withoutValue(message: string, value: string | undefined): string {
  return value && value.length >= 6 && message.includes(value) ? message.split(value).join('…') : message;
}

export function distinct<T>(values: Iterable<T | undefined>): T[] {
  const set = new Set<T>();
  for (const value of values) if (value !== undefined) set.add(value);
  return [...set];
}

/**
 * Reports the second and later rows holding the same key (a household number, an ID number's
 * hash), naming the first; `problem` words it without the value itself.
 */
export function refuseRepeats<R extends { row: number }>(
  rows: R[],
  keyOf: (row: R) => string | undefined,
  problem: (first: number) => Omit<RowProblem, 'row'>,
  problems: ProblemLog,
): void {
  const firstRow = new Map<string, number>();
  for (const row of rows) {
    const key = keyOf(row);
    if (key === undefined) continue;
    const first = firstRow.get(key);
    if (first === undefined) firstRow.set(key, row.row);
    else problems.add({ row: row.row, ...problem(first) });
  }
}
