import type { Server } from 'node:http';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createDataSource } from '../../src/shared/db/data-source';
import { createLogger } from '../../src/shared/logging/logger';
import { peakRssMb, send, stopWhenParentGoes } from '../lib/child';
import { SERVICE_APPLICATION_NAME } from '../lib/cpu';

/**
 * The service as `npm start` serves it, for the API benchmarks: createApp() on the benchmark
 * database, LOG_LEVEL silent, listening on 127.0.0.1 on a free port. Prints {ready, port}; stops
 * when the parent closes stdin (or after an hour) and prints its peak memory.
 */
const LIMIT_MS = 60 * 60 * 1000;

async function main(): Promise<void> {
  const url = process.argv[2];
  if (!url) throw new Error('usage: app-server DATABASE_URL');
  const config = loadConfig({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: '0' });
  const dataSource = createDataSource({ url, applicationName: SERVICE_APPLICATION_NAME, poolSize: config.databasePoolSize, poolIdleSeconds: config.databasePoolIdleSeconds });
  await dataSource.initialize();
  const { app, services } = createApp({ dataSource, config, logger: createLogger('silent') });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  stopWhenParentGoes(LIMIT_MS, async () => {
    server.close();
    server.closeAllConnections();
    await services.auth.close();
    await dataSource.destroy();
    send({ stopped: true, peakRssMb: peakRssMb() });
  });
  send({ ready: true, port: typeof address === 'object' && address ? address.port : 0 });
}

main().catch((error: unknown) => {
  process.stderr.write(`app-server failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
