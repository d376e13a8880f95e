// `npm run bench:server`: keeps the benchmark PostgreSQL (.bench/postgres, port BENCH_PG_PORT) running
// until Ctrl-C, so that several `npm run bench -- --database-url …` invocations (or other checkouts)
// share it without starting and stopping it each time. Binds to 127.0.0.1 only.
import { databaseNameFor, openBenchServer } from './lib/bench-db';

async function main(): Promise<void> {
  const server = await openBenchServer({ scale: 'province', loading: false });
  const url = new URL(server.url);
  url.pathname = '/';
  process.stdout.write(
    `bench PostgreSQL is up: ${url.toString()}{${databaseNameFor('city')}|${databaseNameFor('province')}}\n` +
      `use: npm run bench -- --database-url ${server.url}\nCtrl-C stops it.\n`,
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  setInterval(() => undefined, 1 << 30);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
