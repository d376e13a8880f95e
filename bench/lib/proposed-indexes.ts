import type { DataSource } from 'typeorm';

/**
 * Indexes these benchmarks show are missing, proposed to the modules that own the tables (they
 * belong in those modules' entities and migrations: an index known only to a migration would be
 * dropped by TypeORM's schema diff). `npm run bench -- --proposed-indexes` creates them on the run's
 * throwaway copy, so their effect can be measured against the same data; the figures in
 * docs/performance.md say which run had them.
 */
// None at the moment: the four this file proposed are in the schema now (migrations SettlementSpeed:
// linkages by source enterprise, extensions by loan and date; LoanIndexes: fund capacity and circuit
// breakers, index-only).
export const PROPOSED_INDEXES: Array<{ name: string; sql: string; why: string }> = [];

export async function createProposedIndexes(dataSource: DataSource, log: (line: string) => void): Promise<void> {
  for (const index of PROPOSED_INDEXES) {
    const started = Date.now();
    await dataSource.query(index.sql);
    log(`  proposed index ${index.name} (${((Date.now() - started) / 1000).toFixed(1)} s): ${index.why}`);
  }
  await dataSource.query('ANALYZE loans, linkages, loan_events');
}
