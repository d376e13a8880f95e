import type { DataSource } from 'typeorm';

/**
 * Indexes these benchmarks show are missing, proposed to the modules that own the tables (they
 * belong in those modules' entities and migrations: an index known only to a migration would be
 * dropped by TypeORM's schema diff). `npm run bench -- --proposed-indexes` creates them on the run's
 * throwaway copy, so their effect can be measured against the same data; the figures in
 * docs/performance.md say which run had them.
 */
export const PROPOSED_INDEXES: Array<{ name: string; sql: string; why: string }> = [
  {
    name: 'loans_fund_open_idx',
    sql: 'CREATE INDEX IF NOT EXISTS loans_fund_open_idx ON loans (risk_fund_id, status) INCLUDE (outstanding_principal)',
    why: "fund capacity (outstandingByFund) sums a fund's open loans while the fund row is locked: index-only instead of one heap fetch per loan",
  },
  {
    name: 'loans_model_region_idx',
    sql: 'CREATE INDEX IF NOT EXISTS loans_model_region_idx ON loans (model_code, region_path) INCLUDE (status, outstanding_principal)',
    why: "circuit breakers sum a township's and a village's loans under one model by region-path prefix: index-only",
  },
];

export async function createProposedIndexes(dataSource: DataSource, log: (line: string) => void): Promise<void> {
  for (const index of PROPOSED_INDEXES) {
    const started = Date.now();
    await dataSource.query(index.sql);
    log(`  proposed index ${index.name} (${((Date.now() - started) / 1000).toFixed(1)} s): ${index.why}`);
  }
  await dataSource.query('ANALYZE loans, linkages, loan_events');
}
