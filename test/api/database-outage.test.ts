import net from 'node:net';
import { expect } from 'chai';
import supertest from 'supertest';
import type { DataSource } from 'typeorm';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { DEMO_PASSWORD } from '../../src/seed/kaifeng';
import type pg from 'pg';
import { QueryRunnerAlreadyReleasedError } from 'typeorm';
import { createDataSource } from '../../src/shared/db/data-source';
import { errorHandler } from '../../src/shared/http/errors';
import { createLogger } from '../../src/shared/logging/logger';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * The service's database goes away (a restart, a failover, a network cut): requests answer 503
 * UNAVAILABLE with the error shape (SPEC §9), so a client knows to retry, rather than a 500 that
 * says the service is broken. The service reaches PostgreSQL through a TCP relay the test cuts.
 */
describe('when the database cannot be reached (SPEC §9: the right status)', () => {
  let db: TestDatabase;
  let relay: net.Server;
  const sockets = new Set<net.Socket>();
  let dataSource: DataSource;

  before(async () => {
    db = await createTestDatabase();
    const target = new URL(db.url);
    relay = net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const url = new URL(db.url);
    url.hostname = '127.0.0.1';
    url.port = String((relay.address() as net.AddressInfo).port);
    dataSource = createDataSource({ url: url.toString(), poolSize: 2 });
    await dataSource.initialize();
  });

  after(async () => {
    relay.close();
    for (const socket of sockets) socket.destroy();
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    await db.drop();
  });

  it('when PostgreSQL is cut off, then logins and reads answer 503 UNAVAILABLE with a request id, not 500', async () => {
    const logs: string[] = [];
    const logger = createLogger('error', { write: (line: string) => logs.push(line) } as never);
    const config = loadConfig({ NODE_ENV: 'test', AUTH_CACHE_SECONDS: '0' });
    const { app, services } = createApp({ dataSource, config, logger });
    try {
      const login = await supertest(app).post('/api/v1/auth/login').send({ username: 'admin', password: DEMO_PASSWORD });
      expect(login.status, JSON.stringify(login.body)).to.equal(200);
      // The database goes away: the pool's connections are cut and new ones refused.
      await new Promise<void>((resolve) => {
        relay.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      const again = await supertest(app).post('/api/v1/auth/login').send({ username: 'admin', password: DEMO_PASSWORD });
      expect(again.status, JSON.stringify(again.body)).to.equal(503);
      expect(again.body.error).to.include({ code: 'UNAVAILABLE' });
      expect(again.body.error.requestId).to.be.a('string').and.not.equal('');
      const read = await supertest(app).get('/api/v1/regions').set('authorization', `Bearer ${login.body.token}`);
      expect(read.status, JSON.stringify(read.body)).to.equal(503);
      expect(read.body.error).to.include({ code: 'UNAVAILABLE' });
      // Operators learn of it from the log.
      expect(logs.join('')).to.include('database unavailable');
    } finally {
      await services.auth.close();
    }
  });

  it('when PostgreSQL ends a connection the pool has just handed out (before TypeORM listens to it), then the process lives on', async () => {
    const direct = createDataSource({ url: db.url, poolSize: 2 });
    await direct.initialize();
    try {
      const pool = (direct.driver as unknown as { master: pg.Pool }).master;
      // What a request's transaction gets from the pool: pg-pool has removed its own listener by now.
      const client = await pool.connect();
      const pid = (client as unknown as { processID: number }).processID;
      const ended = new Promise((resolve) => client.once('end', resolve));
      await db.dataSource.query('SELECT pg_terminate_backend($1)', [pid]);
      // An 'error' event without a listener would end this process (mocha reports it as uncaught).
      await ended;
      client.release(true);
      expect(await direct.query('SELECT 1 AS ok')).to.deep.equal([{ ok: 1 }]);
    } finally {
      await direct.destroy();
    }
  });

  it('when a transaction\'s connection broke and TypeORM released its query runner, then 503 UNAVAILABLE, not 500', () => {
    const answered: { status?: number; body?: { error: { code: string } } } = {};
    const res = {
      locals: { requestId: 'r-1' },
      headersSent: false,
      status(code: number) {
        answered.status = code;
        return this;
      },
      json(body: { error: { code: string } }) {
        answered.body = body;
        return this;
      },
    };
    const silent = createLogger('silent');
    errorHandler(silent)(new QueryRunnerAlreadyReleasedError(), { method: 'POST', path: '/api/v1/loans' } as never, res as never, () => undefined);
    expect(answered.status).to.equal(503);
    expect(answered.body!.error.code).to.equal('UNAVAILABLE');
  });
});
