import type { IsoDate } from '../../src/core/dates';
import { createTargetServices } from '../../src/modules/targets';
import type { AuthenticatedContext } from '../../src/shared/auth/context';
import type { BenchContext } from '../lib/context';
import { elapsedMs, median, type ResultRow } from '../lib/stats';

/**
 * 百千万 progress for the whole scale by county and by bank (issue 7, goal ≤ 500 ms): the targets
 * module's ProgressService, as GET /progress?by=region and ?by=bank answer it, for every city of
 * the scale (a programme is a city: the province is its ten cities), with a city-level admin of
 * each. The request path runs as production runs it: the nightly job's summary step
 * (`progress_summaries`, ProgressService.summarise) first, timed and printed as its own figure, then
 * the 20 calls, which read the summaries — that is the figure compared with the goal. Each run starts
 * with no summary (they are deleted), so each run builds them again.
 * The baseline is the physical floor of the same counts: one pass over the active linkages
 * counting distinct linked households by county, and one over the active loans by bank.
 */
const GOAL_MS = 500;

export async function benchProgress(ctx: BenchContext): Promise<ResultRow> {
  const { progress } = createTargetServices(ctx.dataSource);
  const cities: Array<{ code: string; name: string; path: string }> = await ctx.dataSource.query(`SELECT code, name, path FROM regions WHERE level = 'city' ORDER BY code`);
  const date = ctx.today;
  const contexts: AuthenticatedContext[] = cities.map((city) => ({
    requestId: 'bench-progress',
    ip: '127.0.0.1',
    user: {
      id: '00000000-0000-4000-8000-000000000000',
      username: 'bench.admin',
      displayName: 'bench',
      role: 'admin',
      regionCode: city.code,
      regionPath: city.path,
      regionLevel: 'city',
      institutionId: null,
      bankId: null,
      enterpriseId: null,
    },
  }));
  const summaryBuild = async () => {
    await ctx.dataSource.query('DELETE FROM progress_summaries');
    const started = process.hrtime.bigint();
    const counts = await progress.summarise(date as IsoDate);
    return { ms: elapsedMs(started), stored: counts.stored };
  };
  const figure = async () => {
    const started = process.hrtime.bigint();
    let lines = 0;
    for (const context of contexts) {
      lines += (await progress.progress(context, { date, by: 'region' })).lines.length;
      lines += (await progress.progress(context, { date, by: 'bank' })).lines.length;
    }
    return { ms: elapsedMs(started), lines };
  };
  const baseline = async () => {
    const started = process.hrtime.bigint();
    await ctx.dataSource.query(
      `SELECT split_part(h.region_path, '/', 2) AS county, count(DISTINCT l.household_id)::int AS linked
         FROM linkages l JOIN households h ON h.id = l.household_id
        WHERE l.start_date <= $1::date AND (l.end_date IS NULL OR l.end_date >= $1::date) AND (l.ended_on IS NULL OR l.ended_on > $1::date)
        GROUP BY 1`,
      [date],
    );
    await ctx.dataSource.query(
      `SELECT bank_id, count(DISTINCT coalesce(household_id, enterprise_id))::int AS borrowers
         FROM loans WHERE disbursement_date <= $1::date AND (status IN ('active', 'overdue', 'defaulted') OR (status = 'settled' AND closed_on > $1::date))
        GROUP BY bank_id`,
      [date],
    );
    return elapsedMs(started);
  };
  const builds: number[] = [];
  const figures: number[] = [];
  const baselines: number[] = [];
  let lines = 0;
  for (let i = 1; i <= ctx.runs; i += 1) {
    const build = await summaryBuild();
    builds.push(build.ms);
    const f = await figure();
    figures.push(f.ms);
    lines = f.lines;
    baselines.push(await baseline());
    ctx.log(
      `  run ${i}: summary build ${build.ms.toFixed(0)} ms (${build.stored} summaries, nightly job step), ` +
        `${contexts.length * 2}-call figure served from summaries ${f.ms.toFixed(0)} ms (${cities.length} cities × 2 reports, ${f.lines} lines), baseline ${baselines[i - 1]!.toFixed(0)} ms`,
    );
  }
  const value = median(figures);
  const base = median(baselines);
  const buildMs = median(builds);
  ctx.log(`  summary build (nightly job step, all cities, both reports): median ${buildMs.toFixed(0)} ms, runs ${builds.map((b) => b.toFixed(0)).join('/')} ms`);
  return {
    benchmark: `百千万 progress by county and by bank (${cities.length} ${cities.length === 1 ? 'city' : 'cities'}), served from summaries`,
    figure: `ms, ${contexts.length * 2} calls served from summaries`,
    value,
    baseline: base,
    baselineLabel: 'ms, distinct counts by county and bank',
    ratio: value / base,
    goal: `≤ ${GOAL_MS} ms`,
    met: value <= GOAL_MS,
    notes: `served from progress_summaries built by the nightly step first (summary build median ${buildMs.toFixed(0)} ms, runs ${builds.map((b) => b.toFixed(0)).join('/')} ms, not in the figure); ${lines} report lines; per city ${(value / cities.length).toFixed(0)} ms for both reports; runs ${figures.map((f) => f.toFixed(0)).join('/')} vs ${baselines.map((b) => b.toFixed(0)).join('/')} ms`,
  };
}
