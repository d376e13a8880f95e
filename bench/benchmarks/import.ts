import crypto from 'node:crypto';
import ExcelJS from 'exceljs';
import { addMonthsClamped, type IsoDate } from '../../src/core/dates';
import { IMPORT_KINDS } from '../../src/modules/imports/import-kinds';
import { BENCH_PASSWORD } from '../data/institutions';
import { startChild } from '../lib/child';
import { SCRATCH_SCHEMA, type BenchContext } from '../lib/context';
import { elapsedMs, median, type ResultRow } from '../lib/stats';

/**
 * Bulk import of a 10,000-row loan ledger XLSX (issue 7, goal ≤ 10 s including validation):
 * POST /api/v1/imports/loans to the service (child process, as in the API benchmarks) by a bank's
 * loan officer; every row a loan the officer's bank could register today (普惠授信, 政银保 and
 * 再贷款 loans to households of the register, disbursed today), each file with new contract numbers.
 * The baseline is the physical floor of the same work: reading the same XLSX with exceljs and
 * COPYing its cells into a scratch table.
 */
const ROWS = 10_000;
const GOAL_MS = 10_000;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const MODELS = ['inclusive_credit_line', 'inclusive_credit_line', 'inclusive_credit_line', 'insurance_backed', 'relending_supported'] as const;
const PRINCIPALS: Record<string, string> = { inclusive_credit_line: '20000.00', insurance_backed: '50000.00', relending_supported: '30000.00' };

export async function benchImport(ctx: BenchContext): Promise<ResultRow> {
  const row: ResultRow = {
    benchmark: `Bulk import, ${ROWS}-row loan ledger XLSX`,
    figure: 'ms',
    value: null,
    baseline: null,
    baselineLabel: 'ms, exceljs read + COPY',
    ratio: null,
    goal: `≤ ${GOAL_MS} ms`,
    met: null,
    notes: '',
  };
  if (!(IMPORT_KINDS as readonly string[]).includes('loans')) {
    row.notes = "not measurable yet: no 'loans' import kind";
    return row;
  }
  const households: Array<{ household_number: string }> = await ctx.dataSource.query(`SELECT household_number FROM households ORDER BY md5(id::text) LIMIT $1`, [ROWS]);
  const app = startChild('servers/app-server.js', [ctx.url]);
  try {
    const port = Number((await app.next(60_000)).port);
    const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench.officer.abc', password: BENCH_PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const upload = async (file: Buffer) => {
      const started = process.hrtime.bigint();
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/imports/loans`, {
        method: 'POST',
        headers: { 'content-type': XLSX, authorization: `Bearer ${token}` },
        body: file,
      });
      const ms = elapsedMs(started);
      const text = await response.text();
      if (response.status !== 201) throw new Error(`import failed: ${response.status} ${text.slice(0, 2000)}`);
      return ms;
    };
    await upload(await ledger(ctx, households.map((h) => h.household_number)));
    const figures: number[] = [];
    const baselines: number[] = [];
    for (let i = 1; i <= ctx.runs; i += 1) {
      const file = await ledger(ctx, households.map((h) => h.household_number));
      figures.push(await upload(file));
      baselines.push(await baseline(ctx, file));
      ctx.log(`  run ${i}: import ${figures[i - 1]!.toFixed(0)} ms (${Math.round(file.length / 1024)} KB), baseline ${baselines[i - 1]!.toFixed(0)} ms`);
    }
    row.value = median(figures);
    row.baseline = median(baselines);
    row.ratio = row.value / row.baseline;
    row.met = row.value <= GOAL_MS;
    row.notes = `${ROWS} rows per file (models ${[...new Set(MODELS)].join(', ')}), disbursed today; runs ${figures.map((f) => f.toFixed(0)).join('/')} vs ${baselines.map((b) => b.toFixed(0)).join('/')} ms`;
  } finally {
    const end = await app.stop();
    row.notes += `; server peak RSS ${end?.peakRssMb ?? '?'} MB`;
  }
  return row;
}

const COLUMNS = ['contractNumber', 'modelCode', 'borrowerKind', 'householdNumber', 'principal', 'rateAnnual', 'contractDate', 'disbursementDate', 'maturityDate', 'repaymentMethod', 'purpose'];

/** A ledger file whose header row names the columns by their keys, one new loan per household. */
async function ledger(ctx: BenchContext, householdNumbers: readonly string[]): Promise<Buffer> {
  const token = crypto.randomBytes(3).toString('hex').toUpperCase();
  const maturity = addMonthsClamped(ctx.today as IsoDate, 12);
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('loans');
  sheet.addRow(COLUMNS);
  householdNumbers.forEach((householdNumber, i) => {
    const model = MODELS[i % MODELS.length]!;
    sheet.addRow([`IMP-${token}-${String(i + 1).padStart(5, '0')}`, model, 'household', householdNumber, PRINCIPALS[model], '0.0435', ctx.today, ctx.today, maturity, 'interest_quarterly_principal_at_maturity', '生产经营周转']);
  });
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** The same file read with exceljs and its cells COPYed (as arrays) into a scratch table. */
async function baseline(ctx: BenchContext, file: Buffer): Promise<number> {
  const { default: pg } = await import('pg');
  const { from: copyFrom } = await import('pg-copy-streams');
  const { pipeline } = await import('node:stream/promises');
  const { Readable } = await import('node:stream');
  const client = new pg.Client({ connectionString: ctx.url });
  await client.connect();
  try {
    await client.query(`TRUNCATE ${SCRATCH_SCHEMA}.import_baseline`);
    const started = process.hrtime.bigint();
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file as never);
    const lines: string[] = [];
    workbook.worksheets[0]!.eachRow((r, number) => {
      if (number === 1) return;
      const cells = (r.values as unknown[]).slice(1).map((v) => `"${String(v ?? '').replace(/["\\]/g, '\\\\$&')}"`);
      lines.push(`${number}\t{${cells.join(',')}}\n`);
    });
    await pipeline(Readable.from(lines), client.query(copyFrom(`COPY ${SCRATCH_SCHEMA}.import_baseline (row_no, cells) FROM STDIN`)));
    return elapsedMs(started);
  } finally {
    await client.end();
  }
}
