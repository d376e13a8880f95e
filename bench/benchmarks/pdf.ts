import { startChild } from '../lib/child';
import type { BenchContext } from '../lib/context';
import { median, type ResultRow } from '../lib/stats';
import { settlementAvailable } from './settlement';

/**
 * Statement PDF of 10,000 lines (issue 7): the settlement statement writer on the first 10,000
 * lines of the period's largest batch, against bare pdfkit writing the same lines as plain text
 * lines in the same font (servers/pdf-worker.ts). Each PDF is made in a child process, so the
 * memory figure is the PDF's. The shared table writer (src/shared/pdf) is measured too, for
 * comparison. The batch comes from the settlement benchmark; without one the period is drafted
 * first (not timed).
 */
const LINES = 10_000;
const GOAL_RATIO = 1.5;
const GOAL_MEMORY_MB = 300;
const TIMEOUT_MS = 10 * 60 * 1000;

export async function benchPdf(ctx: BenchContext): Promise<ResultRow> {
  const row: ResultRow = {
    benchmark: `Statement PDF, ${LINES} lines`,
    figure: 'ms',
    value: null,
    baseline: null,
    baselineLabel: 'ms, pdfkit plain text lines',
    ratio: null,
    goal: `≤ ${GOAL_RATIO}× baseline, peak RSS ≤ ${GOAL_MEMORY_MB} MB`,
    met: null,
    notes: '',
  };
  if (!settlementAvailable()) {
    row.notes = 'not measurable yet: no settlement statement';
    return row;
  }
  const batchId = await largestBatch(ctx);
  const run = async (mode: string) => {
    const worker = startChild('servers/pdf-worker.js', [ctx.url, mode, batchId, String(LINES)]);
    const result = await worker.next(TIMEOUT_MS);
    await worker.stop();
    return result;
  };
  await run('statement');
  await run('plain');
  const statement: Array<Record<string, unknown>> = [];
  const plain: Array<Record<string, unknown>> = [];
  const table: Array<Record<string, unknown>> = [];
  for (let i = 1; i <= ctx.runs; i += 1) {
    statement.push(await run('statement'));
    plain.push(await run('plain'));
    table.push(await run('table'));
    const [s, p, t] = [statement[i - 1]!, plain[i - 1]!, table[i - 1]!];
    ctx.log(`  run ${i}: statement ${Number(s.ms).toFixed(0)} ms (${s.pages} pages, ${s.peakRssMb} MB); plain ${Number(p.ms).toFixed(0)} ms (${p.pages} pages, ${p.peakRssMb} MB); table writer ${Number(t.ms).toFixed(0)} ms (${t.peakRssMb} MB)`);
  }
  const ms = (list: Array<Record<string, unknown>>) => median(list.map((r) => Number(r.ms)));
  const peak = Math.max(...statement.map((r) => Number(r.peakRssMb)));
  row.value = ms(statement);
  row.baseline = ms(plain);
  row.ratio = row.value / row.baseline;
  row.met = row.ratio <= GOAL_RATIO && peak <= GOAL_MEMORY_MB;
  const s = statement[0]!;
  const p = plain[0]!;
  // A city batch may have fewer lines than asked for: the row says how many were written.
  row.benchmark = `Statement PDF, ${s.lines} lines`;
  row.notes =
    `${s.lines} lines; statement ${s.pages} pages ${Math.round(Number(s.bytes) / 1024)} KB, peak RSS ${peak} MB; plain ${p.pages} pages ${Math.round(Number(p.bytes) / 1024)} KB, ` +
    `peak RSS ${Math.max(...plain.map((r) => Number(r.peakRssMb)))} MB; shared TableWriter ${ms(table).toFixed(0)} ms (${(ms(table) / row.baseline).toFixed(2)}×), peak RSS ${Math.max(...table.map((r) => Number(r.peakRssMb)))} MB`;
  return row;
}

async function largestBatch(ctx: BenchContext): Promise<string> {
  const find = async () =>
    (await ctx.dataSource.query(`SELECT id FROM settlement_batches WHERE period = $1 ORDER BY line_count DESC LIMIT 1`, [ctx.period]))[0]?.id as string | undefined;
  let id = await find();
  if (!id) {
    ctx.log(`  no batch for ${ctx.period} yet: drafting the period first (not timed)`);
    const worker = startChild('servers/settlement-worker.js', [ctx.url, ctx.period]);
    await worker.next(40 * 60 * 1000);
    await worker.stop();
    id = await find();
  }
  if (!id) throw new Error(`no settlement batch for ${ctx.period}`);
  return id;
}
