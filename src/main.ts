import type { Server } from 'node:http';
import { createApp } from './app';
import { loadConfig } from './config';
import { IdNumberVault } from './shared/crypto/id-number-vault';
import { locateDatabase } from './shared/db/connect';
import { takeOverShutdownSignals } from './shared/db/embedded';
import { createDataSource } from './shared/db/data-source';
import { migrateDatabase } from './shared/db/migrate';
import { createLogger } from './shared/logging/logger';
import { startJobs } from './modules/jobs';
import { loadDemoData } from './seed/demo';

/**
 * Process entry: config → database → migrations → demo data → HTTP → scheduled jobs (when
 * JOBS_ENABLED); stops cleanly on SIGTERM/SIGINT.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const database = await locateDatabase(config, (line) => logger.debug({ postgres: line.trim() }, 'embedded postgres'));
  const dataSource = createDataSource({ url: database.url, poolSize: config.databasePoolSize, poolIdleSeconds: config.databasePoolIdleSeconds });
  await dataSource.initialize();
  const applied = await migrateDatabase(dataSource);
  logger.info({ applied: applied.map((m) => m.name) }, 'migrations applied');
  const demo = config.loadDemoData ? await loadDemoData(dataSource, new IdNumberVault(config.idEncryptionKey, config.idHashKey)) : undefined;

  const { app, services } = createApp({ dataSource, config, logger });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://${config.host}:${port}`;
  printBanner(base, database.embedded ? `embedded PostgreSQL, data in ${config.embeddedPgDir}` : 'DATABASE_URL', demo);
  // Every instance schedules the jobs; the runner's advisory lock lets one of them do each run.
  const jobs = config.jobsEnabled ? startJobs(services.jobs.runner, logger) : undefined;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Stop the job timers and take no requests; let the job run and the requests in flight finish;
    // then close the pool and the embedded server.
    const jobsStopped = jobs?.stop();
    server.close();
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), 10_000);
    await new Promise<void>((resolve) => server.once('close', () => resolve()));
    clearTimeout(force);
    await jobsStopped;
    await services.auth.close();
    await dataSource.destroy();
    await database.stop();
    logger.info('stopped');
  };
  // The embedded server is stopped by stop(), last; not by its package the moment the signal comes.
  takeOverShutdownSignals();
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

function printBanner(base: string, databaseNote: string, demo: Awaited<ReturnType<typeof loadDemoData>> | undefined): void {
  const lines = [
    '',
    'Fupin Finance is running.',
    `  API:      ${base}/api/v1`,
    `  Docs:     ${base}/api/docs  (OpenAPI: ${base}/api/openapi.json)`,
    `  Health:   ${base}/healthz, ${base}/readyz`,
    `  Database: ${databaseNote}`,
  ];
  if (demo) {
    lines.push(demo.loaded ? '  Demo data: loaded now.' : '  Demo data: already loaded.');
    lines.push(`  Demo logins (password for all: ${demo.password}):`);
    for (const login of demo.logins) lines.push(`    ${login.username.padEnd(16)} ${login.role.padEnd(16)} ${login.displayName}`);
    lines.push(`  Try: curl -s -X POST ${base}/api/v1/auth/login -H 'content-type: application/json' \\`);
    lines.push(`         -d '{"username":"admin","password":"${demo.password}"}'`);
  }
  lines.push('');
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`Fupin Finance failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
