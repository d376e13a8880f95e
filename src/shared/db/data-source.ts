import 'reflect-metadata';
import path from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities';
import { SnakeNamingStrategy } from './naming-strategy';

// DATE columns stay 'YYYY-MM-DD' strings: a JS Date would shift them by the local timezone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);

/** Compiled migrations: dist/migrations/*.js, next to dist/src. */
export const MIGRATIONS_DIR = path.resolve(__dirname, '../../../migrations');

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  /**
   * Seconds a pooled connection may stay idle before it is closed; 0 keeps it (default 300). pg's
   * own default, 10 s, let a pause in traffic close every connection, and each new one starts cold:
   * its prepared statements (shared/db/prepared.ts) are parsed and planned again, and its backend
   * maps the shared buffers it touches page by page (a fresh backend spent twice the CPU on a loan
   * read for its first seconds, docs/performance.md "Sixth session").
   */
  poolIdleSeconds?: number;
  logQueries?: boolean;
  /** How the connections name themselves in pg_stat_activity (default fupin-finance). */
  applicationName?: string;
}

/**
 * The pool's connections, each with an 'error' listener from birth. pg-pool removes its own listener
 * when it hands a client out, and TypeORM adds its listener only a promise turn later: PostgreSQL
 * ending the connection in between (a restart, a failover, pg_terminate_backend while the pool grows)
 * raised an 'error' event with no listener, and Node ended the process. The error needs no handling
 * here: the client is broken, its query fails with its own error (answered 503), and the pool
 * discards it when it is released.
 */
class ListenedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}

export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: ENTITIES,
    migrations: [path.join(MIGRATIONS_DIR, '*.js')],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    // gen_random_uuid() is built into PostgreSQL 13+; no extension needs installing.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    // Failures surface as errors to the caller and the error handler logs them; no console noise.
    logging: options.logQueries ? ['query', 'error'] : false,
    extra: {
      Client: ListenedClient,
      max: options.poolSize ?? 10,
      idleTimeoutMillis: (options.poolIdleSeconds ?? 300) * 1000,
      application_name: options.applicationName ?? 'fupin-finance',
      // The isolation level of inTransaction, fixed per connection whatever the server's default.
      options: '-c default_transaction_isolation=read\\ committed',
    },
  });
}
