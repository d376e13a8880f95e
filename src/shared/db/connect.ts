import type { Config } from '../../config';
import { startEmbeddedPostgres, type EmbeddedServer } from './embedded';
import pg from 'pg';

export interface DatabaseLocation {
  url: string;
  embedded: boolean;
  /** Stops the embedded server; a no-op for an external one. */
  stop(): Promise<void>;
}

const EMBEDDED_DATABASE = 'fupin';

/**
 * DATABASE_URL when set; otherwise an embedded PostgreSQL whose data lives under
 * EMBEDDED_PG_DIR and survives restarts (SPEC §10).
 */
export async function locateDatabase(config: Config, log: (line: string) => void): Promise<DatabaseLocation> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: async () => undefined };
  const server: EmbeddedServer = await startEmbeddedPostgres({
    dataDir: config.embeddedPgDir,
    port: config.embeddedPgPort,
    persistent: true,
    log,
  });
  await createDatabaseIfMissing(server.url('postgres'), EMBEDDED_DATABASE);
  return { url: server.url(EMBEDDED_DATABASE), embedded: true, stop: () => server.stop() };
}

export async function createDatabaseIfMissing(adminUrl: string, name: string, template?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      const ident = client.escapeIdentifier(name);
      const from = template ? ` TEMPLATE ${client.escapeIdentifier(template)}` : '';
      await client.query(`CREATE DATABASE ${ident}${from} ENCODING 'UTF8'`);
    }
  } finally {
    await client.end();
  }
}
