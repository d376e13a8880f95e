import type { Server } from 'node:http';
import express from 'express';
import pg from 'pg';
import { peakRssMb, send, stopWhenParentGoes } from '../lib/child';
import { BASELINE_APPLICATION_NAME } from '../lib/cpu';

/**
 * The physical baseline of the API benchmarks: bare Express 5 and pg, nothing else (no auth, no
 * validation, no ORM, no transaction), on the same database, started the same way as the service:
 * - POST /baseline/loans inserts the request as one row and answers it (201);
 * - GET /baseline/loans/:id reads one loan row and answers it.
 * A pool of 10 connections kept 300 s when idle, as the service's data source has (pg's default,
 * 10 s, would close them during the other server's runs and start each run on cold connections).
 */
const LIMIT_MS = 60 * 60 * 1000;
export const BASELINE_TABLE = 'bench_scratch.api_baseline';

async function main(): Promise<void> {
  const url = process.argv[2];
  if (!url) throw new Error('usage: baseline-server DATABASE_URL');
  pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);
  const pool = new pg.Pool({ connectionString: url, max: 10, idleTimeoutMillis: 300_000, application_name: BASELINE_APPLICATION_NAME });
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.post('/baseline/loans', async (req, res) => {
    const { rows } = await pool.query(`INSERT INTO ${BASELINE_TABLE} (contract_number, body) VALUES ($1, $2) RETURNING id, contract_number, created_at`, [
      String(req.body?.contractNumber ?? ''),
      JSON.stringify(req.body),
    ]);
    res.status(201).json(rows[0]);
  });
  app.get('/baseline/loans/:id', async (req, res) => {
    const { rows } = await pool.query('SELECT * FROM loans WHERE id = $1', [req.params.id]);
    if (rows.length === 0) res.status(404).json({ error: 'not found' });
    else res.json(rows[0]);
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  stopWhenParentGoes(LIMIT_MS, async () => {
    server.close();
    server.closeAllConnections();
    await pool.end();
    send({ stopped: true, peakRssMb: peakRssMb() });
  });
  send({ ready: true, port: typeof address === 'object' && address ? address.port : 0 });
}

main().catch((error: unknown) => {
  process.stderr.write(`baseline-server failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
