import { SettlementsService } from '../../src/modules/settlements/settlements.service';
import { createDataSource } from '../../src/shared/db/data-source';
import { peakRssMb, send } from '../lib/child';

/**
 * One run of the quarterly settlement, in a process of its own so that its peak memory is the
 * service's: the scheduled job's use case, every bank's draft batch for the period (every line,
 * total and content hash persisted).
 */
async function main(): Promise<void> {
  const [url, period] = process.argv.slice(2);
  if (!url || !period) throw new Error('usage: settlement-worker DATABASE_URL PERIOD');
  const dataSource = createDataSource({ url });
  await dataSource.initialize();
  try {
    const started = process.hrtime.bigint();
    const counts = await new SettlementsService(dataSource).draftBatchesForPeriod(period);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    send({ ms, counts, peakRssMb: peakRssMb() });
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`settlement-worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
