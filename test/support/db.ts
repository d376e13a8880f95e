import crypto from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config';
import { IdNumberVault } from '../../src/shared/crypto/id-number-vault';
import { createDatabaseIfMissing } from '../../src/shared/db/connect';
import { createDataSource } from '../../src/shared/db/data-source';
import { startEmbeddedPostgres } from '../../src/shared/db/embedded';
import { migrateDatabase } from '../../src/shared/db/migrate';
import { LOAN_DETAIL_ARRAYS_DRIFT_SQL } from '../../src/modules/loans/loan-detail.query';
import { loadDemoData } from '../../src/seed/demo';

/**
 * The test suite's real PostgreSQL: TEST_DATABASE_URL's server when set, otherwise an embedded
 * server in a temporary directory, started on first use and stopped by the root hook.
 * The real migrations and the demo data are applied once, into a template database; every test
 * suite then gets its own copy (CREATE DATABASE … TEMPLATE), so suites never see each other's rows.
 */
interface TestServer {
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const RUN_ID = `${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
const TEMPLATE = `fupin_tmpl_${RUN_ID}`;
let serverPromise: Promise<TestServer> | undefined;
let templatePromise: Promise<void> | undefined;
let databaseCounter = 0;
const created: string[] = [];

/** A TCP port nobody listens on now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function startServer(): Promise<TestServer> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    const base = new URL(external);
    return {
      adminUrl: external,
      urlFor: (database) => {
        const url = new URL(base);
        url.pathname = `/${database}`;
        return url.toString();
      },
      stop: async () => undefined,
    };
  }
  const server = await startEmbeddedPostgres({
    dataDir: path.join(os.tmpdir(), `fupin-test-${RUN_ID}`),
    port: await freePort(),
    persistent: false,
    // A throwaway cluster: durability settings off make tests several times faster.
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'],
  });
  return { adminUrl: server.url('postgres'), urlFor: (database) => server.url(database), stop: () => server.stop() };
}

function testServer(): Promise<TestServer> {
  serverPromise ??= startServer();
  return serverPromise;
}

async function buildTemplate(): Promise<void> {
  const server = await testServer();
  await createDatabaseIfMissing(server.adminUrl, TEMPLATE);
  const dataSource = createDataSource({ url: server.urlFor(TEMPLATE), poolSize: 2 });
  await dataSource.initialize();
  try {
    await migrateDatabase(dataSource);
    await loadDemoData(dataSource, devIdNumberVault());
  } finally {
    await dataSource.destroy();
  }
}

/** The vault with the development keys, which the demo data in every test database is sealed with. */
export function devIdNumberVault(): IdNumberVault {
  const config = loadConfig({ NODE_ENV: 'test' });
  return new IdNumberVault(config.idEncryptionKey, config.idHashKey);
}

export interface TestDatabase {
  name: string;
  url: string;
  dataSource: DataSource;
  drop(): Promise<void>;
}

/** A fresh database, migrated and holding the demo data, for one test suite. */
export async function createTestDatabase(options: { seeded?: boolean } = {}): Promise<TestDatabase> {
  const server = await testServer();
  const seeded = options.seeded ?? true;
  if (seeded) {
    templatePromise ??= buildTemplate();
    await templatePromise;
  }
  databaseCounter += 1;
  const name = `fupin_t_${RUN_ID}_${databaseCounter}`;
  await createDatabaseIfMissing(server.adminUrl, name, seeded ? TEMPLATE : undefined);
  created.push(name);
  const url = server.urlFor(name);
  const dataSource = createDataSource({ url, poolSize: 20 });
  await dataSource.initialize();
  return {
    name,
    url,
    dataSource,
    drop: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      try {
        await assertLoanDetailArraysCurrent(url);
      } finally {
        await dropDatabase(server.adminUrl, name);
      }
    },
  };
}

/**
 * Every loan's arrays as GET /loans/:id reads them equal the arrays built from its rows (migration
 * LoanDetailArrays keeps them by triggers): checked on every test database once its suite is done,
 * so any write path a suite drives that escapes the triggers fails that suite.
 */
async function assertLoanDetailArraysCurrent(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const kept = await client.query<{ kept: string | null }>(`SELECT to_regclass('loan_detail_arrays')::text AS kept`);
    if (kept.rows[0]?.kept == null) return;
    const { rows } = await client.query<{ id: string }>(LOAN_DETAIL_ARRAYS_DRIFT_SQL);
    if (rows.length > 0) {
      throw new Error(`kept loan detail arrays differ from the loans' rows for ${rows.length} loan(s), e.g. ${rows.slice(0, 3).map((r) => r.id).join(', ')}`);
    }
  } finally {
    await client.end();
  }
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Called once by the root hook after all tests. */
export async function stopTestServer(): Promise<void> {
  if (!serverPromise) return;
  const server = await serverPromise;
  if (process.env.TEST_DATABASE_URL) {
    for (const name of [...created, TEMPLATE]) await dropDatabase(server.adminUrl, name).catch(() => undefined);
  }
  await server.stop();
}
