import type { DataSource } from 'typeorm';
import type { Scale } from './args';

/** What every benchmark gets: the database of the run, the parent's data source, how many runs. */
export interface BenchContext {
  scale: Scale;
  /** The throwaway copy of the scale's database that this run measures on. */
  url: string;
  dataSource: DataSource;
  runs: number;
  /** The settlement period measured (SPEC §11 name). */
  period: string;
  /** The business date the API requests use (today in Asia/Shanghai). */
  today: string;
  log(line: string): void;
}

/** The scratch schema for the baselines: outside `public`, so the service's schema is untouched. */
export const SCRATCH_SCHEMA = 'bench_scratch';

export async function ensureScratch(dataSource: DataSource): Promise<void> {
  await dataSource.query(`CREATE SCHEMA IF NOT EXISTS ${SCRATCH_SCHEMA}`);
  await dataSource.query(`CREATE TABLE IF NOT EXISTS ${SCRATCH_SCHEMA}.settlement_baseline (loan_id uuid NOT NULL, bank_id uuid NOT NULL, amount numeric(16,2) NOT NULL)`);
  await dataSource.query(
    `CREATE TABLE IF NOT EXISTS ${SCRATCH_SCHEMA}.api_baseline (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), contract_number text NOT NULL, body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
  );
  await dataSource.query(`CREATE TABLE IF NOT EXISTS ${SCRATCH_SCHEMA}.import_baseline (row_no int NOT NULL, cells text[] NOT NULL)`);
}

/**
 * Writes the previous benchmark's dirty pages out (CHECKPOINT) before the next one starts, so that
 * the background writing of, say, three settlement runs (gigabytes of WAL) does not land in the
 * middle of the read benchmark's runs. The figure and its baseline both start from a settled database.
 */
export async function settle(ctx: BenchContext, before: string): Promise<void> {
  const started = Date.now();
  await ctx.dataSource.query('CHECKPOINT');
  ctx.log(`checkpoint before ${before} (${Date.now() - started} ms)`);
}
