import fs from 'node:fs';
import path from 'node:path';
import { parsePeriod } from '../../src/core';
import { loadModelVersions, subsidisedVersionIds } from '../../src/modules/settlements/settlement-source';
import { startChild } from '../lib/child';
import { SCRATCH_SCHEMA, type BenchContext } from '../lib/context';
import { elapsedMs, median, type ResultRow } from '../lib/stats';

/**
 * Quarterly settlement, all batches of one period (issue 7): the figure is the settlement
 * service's own use case for the scheduled job, SettlementsService.draftBatchesForPeriod, run in a
 * child process (its peak memory is measured there); the baseline is one INSERT … SELECT writing
 * round(principal × rate × days / 360, 2) for every loan of the period into a scratch table.
 * Both select the loans the same way (subsidised model versions, disbursed by the period's end,
 * not closed before its start). Each run starts from no draft for the period.
 */
const GOAL_RATIO = 2;
const GOAL_MEMORY_MB = 512;
const WORKER_TIMEOUT_MS = 40 * 60 * 1000;

export function settlementAvailable(): boolean {
  return fs.existsSync(path.resolve(__dirname, '../../src/modules/settlements/settlements.service.js'));
}

export async function benchSettlement(ctx: BenchContext): Promise<ResultRow> {
  const row: ResultRow = {
    benchmark: 'Quarterly settlement, all banks',
    figure: 'ms',
    value: null,
    baseline: null,
    baselineLabel: 'ms, INSERT … SELECT',
    ratio: null,
    goal: `≤ ${GOAL_RATIO}× baseline, peak RSS ≤ ${GOAL_MEMORY_MB} MB`,
    met: null,
    notes: '',
  };
  if (!settlementAvailable()) {
    row.notes = 'not measurable yet: src/modules/settlements has no service';
    return row;
  }
  const period = parsePeriod(ctx.period);
  const versionIds = subsidisedVersionIds(await loadModelVersions(ctx.dataSource.manager));
  const figures: number[] = [];
  const baselines: number[] = [];
  const memory: number[] = [];
  let counts: unknown = null;
  let baselineRows = 0;
  for (let run = 1; run <= ctx.runs; run += 1) {
    await clearDrafts(ctx);
    const worker = startChild('servers/settlement-worker.js', [ctx.url, ctx.period]);
    const result = await worker.next(WORKER_TIMEOUT_MS);
    await worker.stop();
    figures.push(Number(result.ms));
    memory.push(Number(result.peakRssMb));
    counts = result.counts;
    await ctx.dataSource.query(`TRUNCATE ${SCRATCH_SCHEMA}.settlement_baseline`);
    const started = process.hrtime.bigint();
    await ctx.dataSource.query(
      `INSERT INTO ${SCRATCH_SCHEMA}.settlement_baseline (loan_id, bank_id, amount)
       SELECT l.id, l.bank_id,
              round(l.principal * l.rate_annual
                    * greatest(0, least(coalesce(l.closed_on, l.current_maturity_date), $2::date + 1) - greatest(l.disbursement_date, $1::date)) / 360, 2)
         FROM loans l
        WHERE l.disbursement_date IS NOT NULL AND l.disbursement_date <= $2::date
          AND l.model_version_id = ANY($3::uuid[]) AND (l.closed_on IS NULL OR l.closed_on >= $1::date)`,
      [period.firstDay, period.lastDay, versionIds],
    );
    baselines.push(elapsedMs(started));
    baselineRows = Number((await ctx.dataSource.query(`SELECT count(*) AS n FROM ${SCRATCH_SCHEMA}.settlement_baseline`))[0].n);
    ctx.log(`  run ${run}: service ${figures[run - 1]!.toFixed(0)} ms (peak RSS ${memory[run - 1]} MB), baseline ${baselines[run - 1]!.toFixed(0)} ms`);
  }
  row.value = median(figures);
  row.baseline = median(baselines);
  row.ratio = row.value / row.baseline;
  const peak = Math.max(...memory);
  row.met = row.ratio <= GOAL_RATIO && peak <= GOAL_MEMORY_MB;
  row.notes = `peak RSS ${peak} MB (max of runs); ${JSON.stringify(counts)}; baseline rows ${baselineRows}; runs ${figures.map((f) => f.toFixed(0)).join('/')} vs ${baselines.map((b) => b.toFixed(0)).join('/')} ms`;
  return row;
}

/** Drafts of the period are recomputable by definition: each run starts without them (not timed). */
async function clearDrafts(ctx: BenchContext): Promise<void> {
  const drafts = `SELECT id FROM settlement_batches WHERE period = $1 AND status = 'draft'`;
  const reminders = await ctx.dataSource.query(`SELECT to_regclass('public.submission_reminders') IS NOT NULL AS present`);
  if (reminders[0].present) await ctx.dataSource.query(`DELETE FROM submission_reminders WHERE batch_id IN (${drafts})`, [ctx.period]);
  await ctx.dataSource.query(`DELETE FROM settlement_lines WHERE batch_id IN (${drafts})`, [ctx.period]);
  await ctx.dataSource.query(`DELETE FROM settlement_batches WHERE period = $1 AND status = 'draft'`, [ctx.period]);
  await ctx.dataSource.query('VACUUM (ANALYZE) settlement_lines, settlement_batches');
}
