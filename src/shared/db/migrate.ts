import type { DataSource, Migration } from 'typeorm';

/** Advisory-lock keys, one per kind of start-up work that must run once across instances. */
export const LOCK_KEYS = { migrations: 7_310_001, demoSeed: 7_310_002 } as const;

/**
 * Applies pending migrations while holding a session advisory lock, so instances starting together
 * against one database migrate once, one after the other.
 */
export async function migrateDatabase(dataSource: DataSource): Promise<Migration[]> {
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query('SELECT pg_advisory_lock($1)', [LOCK_KEYS.migrations]);
    return await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lockRunner.query('SELECT pg_advisory_unlock($1)', [LOCK_KEYS.migrations]).catch(() => undefined);
    await lockRunner.release();
  }
}
