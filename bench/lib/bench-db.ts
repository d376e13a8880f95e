import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/shared/db/embedded';
import type { Scale } from './args';

/**
 * Where the benchmark data lives: by default an embedded PostgreSQL of its own under `.bench/`
 * (never the demo's `.data/`), on its own port, with one database per scale; or the server named by
 * `--database-url`. The data directory survives runs, so `npm run bench` finds what
 * `npm run bench:data` loaded.
 */
export const BENCH_DIR = path.resolve(__dirname, '../../../.bench');
export const BENCH_PG_DIR = path.join(BENCH_DIR, 'postgres');
/** BENCH_PG_PORT overrides it, e.g. to keep a second checkout's bench server apart. */
export const BENCH_PG_PORT = Number(process.env.BENCH_PG_PORT ?? 54339);

export const databaseNameFor = (scale: Scale): string => `fupin_bench_${scale}`;

/**
 * Server settings for a machine of 2 cores and 24 GB. Loading uses no fsync (the data can be
 * generated again; a clean stop still writes everything); benchmarks run durable, as production would.
 */
const COMMON_FLAGS = [
  'shared_buffers=4GB',
  'effective_cache_size=16GB',
  'work_mem=64MB',
  'maintenance_work_mem=1GB',
  'max_wal_size=16GB',
  'checkpoint_timeout=30min',
  'max_connections=200',
  'max_parallel_workers_per_gather=2',
  'max_parallel_maintenance_workers=2',
  'random_page_cost=1.1',
];
const LOAD_FLAGS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'autovacuum=off'];

export interface BenchDatabase {
  /** The scale's database. */
  url: string;
  /** The server's maintenance database, to create or drop the scale's. */
  adminUrl: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function openBenchServer(options: { scale: Scale; databaseUrl?: string; loading: boolean }): Promise<BenchDatabase> {
  if (options.databaseUrl) {
    const admin = new URL(options.databaseUrl);
    admin.pathname = '/postgres';
    return { url: options.databaseUrl, adminUrl: admin.toString(), embedded: false, stop: async () => undefined };
  }
  const flags = [...COMMON_FLAGS, ...(options.loading ? LOAD_FLAGS : [])].flatMap((f) => ['-c', f]);
  const server = await startEmbeddedPostgres({ dataDir: BENCH_PG_DIR, port: BENCH_PG_PORT, persistent: true, postgresFlags: flags });
  return { url: server.url(databaseNameFor(options.scale)), adminUrl: server.url('postgres'), embedded: true, stop: () => server.stop() };
}

export function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'fupin-bench' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function databaseExists(adminUrl: string, name: string): Promise<boolean> {
  return withClient(adminUrl, async (client) => (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
}

/** Drops (if present) and creates the scale's database: a load always starts from an empty one. */
export async function recreateDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, async (client) => {
    const ident = client.escapeIdentifier(name);
    await client.query(`DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${ident} ENCODING 'UTF8' TEMPLATE template0`);
  });
}

export async function serverVersion(url: string): Promise<string> {
  return withClient(url, async (client) => (await client.query('SHOW server_version')).rows[0].server_version as string);
}
