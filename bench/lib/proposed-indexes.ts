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
    name: 'linkages_source_enterprise_idx',
    sql: 'CREATE INDEX IF NOT EXISTS linkages_source_enterprise_idx ON linkages (source_enterprise_id)',
    why: 'driven households by source_enterprise_id (settlement-source loadDrivenHouseholds, registration of enterprise loans, loan ledger import) scan every linkage without it',
  },
  {
    name: 'loan_events_extended_idx',
    sql: "CREATE INDEX IF NOT EXISTS loan_events_extended_idx ON loan_events (loan_id, effective_date) WHERE kind = 'extended'",
    why: 'the settlement reads extensions in the period for every chunk of 1,000 loans; extensions are rare, so a partial index is tiny',
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
