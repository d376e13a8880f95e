import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { todayInShanghai } from '../src/shared/clock';
import { createDataSource } from '../src/shared/db/data-source';
import { benchApi } from './benchmarks/api';
import { benchImport } from './benchmarks/import';
import { benchPdf } from './benchmarks/pdf';
import { benchProgress } from './benchmarks/progress';
import { benchSettlement } from './benchmarks/settlement';
import { intOption, parseArgs, scaleOption } from './lib/args';
import { BENCH_DIR, databaseExists, databaseOf, openBenchServer, serverVersion, withClient } from './lib/bench-db';
import { ensureScratch, type BenchContext } from './lib/context';
import { createProposedIndexes } from './lib/proposed-indexes';
import { markdownTable, printRow, type ResultRow } from './lib/stats';

/**
 * `npm run bench -- [settlement] [pdf] [progress] [register] [read] [import] [--scale city|province]
 * [--runs N] [--requests N] [--database-url URL] [--keep] [--proposed-indexes]`: runs the chosen benchmarks (all by
 * default) on the scale's generated data, each against its physical baseline measured in the same
 * run on the same database, and prints medians of N runs (default 5). The benchmarks write (drafts,
 * registrations, imports), so they run on a copy of the generated database made for this run
 * (CREATE DATABASE … TEMPLATE) and dropped afterwards: every run starts from the same data.
 * --proposed-indexes adds the indexes of lib/proposed-indexes.ts to that copy first.
 */
const BENCHMARKS = ['settlement', 'pdf', 'progress', 'register', 'read', 'import'] as const;
type Benchmark = (typeof BENCHMARKS)[number];
const PERIOD = '2026Q3';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ['scale', 'runs', 'requests', 'database-url'], ['keep', 'proposed-indexes']);
  const scale = scaleOption(args, 'province');
  const runs = intOption(args, 'runs', 5, 1, 50);
  const requests = intOption(args, 'requests', 2000, 200, 50_000);
  const unknown = args.words.filter((w) => !(BENCHMARKS as readonly string[]).includes(w));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; choose from ${BENCHMARKS.join(', ')}`);
  const chosen = new Set<Benchmark>(args.words.length > 0 ? (args.words as Benchmark[]) : BENCHMARKS);
  const started = Date.now();
  const log = (line: string) => process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}\n`);

  const server = await openBenchServer({ scale, databaseUrl: args.options.get('database-url'), loading: false });
  const source = databaseOf(server.url);
  const copy = `${source}_run`;
  const copyUrl = (() => {
    const url = new URL(server.url);
    url.pathname = `/${copy}`;
    return url.toString();
  })();
  try {
    if (!(await databaseExists(server.adminUrl, source))) throw new Error(`no database ${source}: run npm run bench:data -- --scale ${scale} first`);
    const copyStarted = Date.now();
    await withClient(server.adminUrl, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS "${copy}" WITH (FORCE)`);
      await client.query(`CREATE DATABASE "${copy}" TEMPLATE "${source}" STRATEGY FILE_COPY`);
    });
    log(`measuring on ${copy}, a copy of ${source} (made in ${((Date.now() - copyStarted) / 1000).toFixed(0)} s)`);
    const machine = await describeMachine(copyUrl);
    log(machine);
    const dataSource = createDataSource({ url: copyUrl, poolSize: 10 });
    await dataSource.initialize();
    const results: ResultRow[] = [];
    try {
      await ensureScratch(dataSource);
      if (args.options.has('proposed-indexes')) await createProposedIndexes(dataSource, log);
      await dataSource.query('VACUUM (ANALYZE)');
      const ctx: BenchContext = { scale, url: copyUrl, dataSource, runs, period: PERIOD, today: todayInShanghai(), log };
      const record = (row: ResultRow) => {
        results.push(row);
        log(`${row.benchmark}:`);
        printRow(row);
      };
      if (chosen.has('settlement')) {
        log(`settlement ${PERIOD}, ${runs} runs`);
        record(await benchSettlement(ctx));
      }
      if (chosen.has('pdf')) {
        log(`statement PDF, ${runs} runs`);
        record(await benchPdf(ctx));
      }
      if (chosen.has('progress')) {
        log(`百千万 progress, ${runs} runs`);
        record(await benchProgress(ctx));
      }
      if (chosen.has('register') || chosen.has('read')) {
        log(`loan API, ${runs} runs each`);
        const api = await benchApi(ctx, { register: chosen.has('register'), read: chosen.has('read') }, requests);
        if (chosen.has('register')) record(api.register);
        if (chosen.has('read')) record(api.read);
      }
      if (chosen.has('import')) {
        log(`loan ledger import, ${runs} runs`);
        record(await benchImport(ctx));
      }
    } finally {
      await dataSource.destroy();
    }
    const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
    const table = markdownTable(results);
    process.stdout.write(`\n${command}\n${machine}\n\n${table}\n`);
    fs.mkdirSync(BENCH_DIR, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    fs.writeFileSync(path.join(BENCH_DIR, `results-${scale}-${stamp}.json`), JSON.stringify({ command, machine, scale, runs, results }, null, 2));
    fs.writeFileSync(path.join(BENCH_DIR, `results-${scale}-${stamp}.md`), `${command}\n\n${machine}\n\n${table}\n`);
    if (results.some((r) => r.met === false)) process.exitCode = 2;
  } finally {
    if (!args.options.has('keep')) {
      await withClient(server.adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${copy}" WITH (FORCE)`)).catch(() => undefined);
    }
    await server.stop();
  }
}

async function describeMachine(url: string): Promise<string> {
  const memoryGb = (os.totalmem() / 1024 ** 3).toFixed(1);
  const [one, five] = os.loadavg();
  return `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${memoryGb} GB RAM, Node ${process.version}, PostgreSQL ${await serverVersion(url)}, load average at start ${one!.toFixed(2)} / ${five!.toFixed(2)}`;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
