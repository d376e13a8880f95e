/** Medians and the results table every benchmark prints. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface ResultRow {
  benchmark: string;
  /** What the figure measures, with its unit: "ms (all banks)", "req/s". */
  figure: string;
  value: number | null;
  baseline: number | null;
  baselineLabel: string;
  /** value / baseline (or the inverse, as the goal is written), null when not measurable. */
  ratio: number | null;
  goal: string;
  met: boolean | null;
  /** Everything else worth printing: peak memory, p99, errors, counts, the runs' raw values. */
  notes: string;
}

export const fmt = (value: number | null, digits = 0): string => (value === null || Number.isNaN(value) ? '—' : value.toFixed(digits));

export function printRow(row: ResultRow): void {
  const lines = [
    `  figure:   ${fmt(row.value, 1)} ${row.figure}`,
    `  baseline: ${fmt(row.baseline, 1)} (${row.baselineLabel})`,
    `  ratio:    ${fmt(row.ratio, 3)}   goal: ${row.goal}   ${row.met === null ? 'NOT MEASURABLE' : row.met ? 'MET' : 'NOT MET'}`,
    `  ${row.notes}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function markdownTable(rows: readonly ResultRow[]): string {
  const header = '| benchmark | figure (median) | baseline (median) | ratio | goal | met? |\n|---|---|---|---|---|---|';
  const body = rows.map(
    (r) => `| ${r.benchmark} | ${fmt(r.value, 1)} ${r.figure} | ${fmt(r.baseline, 1)} ${r.baselineLabel} | ${fmt(r.ratio, 3)} | ${r.goal} | ${r.met === null ? 'not measurable' : r.met ? 'yes' : 'no'} |`,
  );
  return [header, ...body].join('\n');
}

export const elapsedMs = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e6;
