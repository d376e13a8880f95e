import net from 'node:net';
import { expect } from 'chai';
import { AuthUserCache } from '../../src/modules/auth/auth-user-cache';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { eventually } from '../support/eventually';

/**
 * Issue 7: authenticated users are kept in memory between requests, and only while PostgreSQL's
 * notifications of user changes are heard (migration AuthUserNotify). These tests use real
 * PostgreSQL notifications: a change by any writer drops the user, a lost listening connection
 * stops the cache from serving anything, and a load that raced a change is not kept.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the authenticated-user cache (issue 7): kept only while PostgreSQL reports every change', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let userIds: string[];
  let institutionId: string;
  const caches: Array<AuthUserCache<string>> = [];
  let counter = 0;

  before(async () => {
    db = await createTestDatabase();
    const rows: Array<{ id: string; institution_id: string | null }> = await db.dataSource.query(
      `SELECT id, institution_id FROM users WHERE institution_id IS NOT NULL ORDER BY username LIMIT 2`,
    );
    userIds = rows.map((r) => r.id);
    institutionId = rows[0]!.institution_id!;
  });

  after(async () => {
    for (const cache of caches) await cache.stop();
    await db.drop();
  });

  /** A cache on the test database; its listener names itself so that a test can find (and end) it. */
  function newCache(over: { port?: number; retryMs?: number; heartbeatMs?: number } = {}) {
    counter += 1;
    const applicationName = `auth-cache-test-${counter}`;
    const url = new URL(db.url);
    if (over.port) url.port = String(over.port);
    const cache = new AuthUserCache<string>({
      connection: { connectionString: url.toString(), application_name: applicationName, connectionTimeoutMillis: 2_000 },
      ttlMs: 60_000,
      retryMs: over.retryMs ?? 50,
      heartbeatMs: over.heartbeatMs,
    });
    caches.push(cache);
    return { cache, applicationName };
  }

  /** A loader that reads the user's display name from PostgreSQL and counts its calls. */
  function loader(id: string) {
    const calls = { count: 0 };
    const load = async () => {
      calls.count += 1;
      const [row] = await db.dataSource.query(`SELECT display_name FROM users WHERE id = $1`, [id]);
      return row?.display_name as string | undefined;
    };
    return { calls, load };
  }

  it('when listening, then a user is loaded once and served from memory afterwards', async () => {
    const { cache } = newCache();
    await cache.ready();
    expect(cache.isListening).to.equal(true);
    const { calls, load } = loader(userIds[0]!);
    const first = await cache.get(userIds[0]!, load);
    expect(await cache.get(userIds[0]!, load)).to.equal(first);
    expect(await cache.get(userIds[0]!, load)).to.equal(first);
    expect(calls.count).to.equal(1);
  });

  it('when the user row changes, by whichever writer, then the notification drops it and the next request loads the change', async () => {
    const { cache } = newCache();
    await cache.ready();
    const { calls, load } = loader(userIds[0]!);
    await cache.get(userIds[0]!, load);
    await db.dataSource.query(`UPDATE users SET display_name = display_name || ' (renamed)' WHERE id = $1`, [userIds[0]]);
    await eventually(async () => (await cache.get(userIds[0]!, load))!.endsWith('(renamed)'), 'the renamed user is loaded');
    expect(calls.count).to.equal(2);
    await cache.get(userIds[0]!, load);
    expect(calls.count, 'kept again after the change').to.equal(2);
  });

  it('when another user changes, then only that user is dropped', async () => {
    const { cache } = newCache();
    await cache.ready();
    const [a, b] = [loader(userIds[0]!), loader(userIds[1]!)];
    await cache.get(userIds[0]!, a.load);
    await cache.get(userIds[1]!, b.load);
    await db.dataSource.query(`UPDATE users SET updated_at = now() WHERE id = $1`, [userIds[1]]);
    await eventually(async () => (await cache.get(userIds[1]!, b.load), b.calls.count === 2), 'the changed user is loaded again');
    await cache.get(userIds[0]!, a.load);
    expect(a.calls.count).to.equal(1);
  });

  it('when an institution or a region changes, then every user is dropped (a branch decides an officer’s bank, a region a scope)', async () => {
    const { cache } = newCache();
    await cache.ready();
    for (const statement of [
      [`UPDATE institutions SET name = name WHERE id = $1`, [institutionId]],
      [`UPDATE regions SET name = name WHERE code = (SELECT region_code FROM users WHERE id = $1)`, [userIds[0]]],
    ] as const) {
      const [a, b] = [loader(userIds[0]!), loader(userIds[1]!)];
      await cache.get(userIds[0]!, a.load);
      await cache.get(userIds[1]!, b.load);
      const before = [a.calls.count, b.calls.count];
      await db.dataSource.query(statement[0], [...statement[1]]);
      await eventually(async () => {
        await cache.get(userIds[0]!, a.load);
        await cache.get(userIds[1]!, b.load);
        return a.calls.count === before[0]! + 1 && b.calls.count === before[1]! + 1;
      }, `both users are loaded again after: ${statement[0]}`);
    }
  });

  it('when a change is rolled back, then nothing is dropped (notifications are sent at commit)', async () => {
    const { cache } = newCache();
    await cache.ready();
    const { calls, load } = loader(userIds[0]!);
    await cache.get(userIds[0]!, load);
    const runner = db.dataSource.createQueryRunner();
    await runner.startTransaction();
    await runner.query(`UPDATE users SET display_name = 'never committed' WHERE id = $1`, [userIds[0]]);
    await runner.rollbackTransaction();
    await runner.release();
    await sleep(300);
    expect(await cache.get(userIds[0]!, load)).not.to.equal('never committed');
    expect(calls.count).to.equal(1);
  });

  it('when a load began before a change was heard, then its result is used once but not kept', async () => {
    const { cache } = newCache();
    await cache.ready();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let loads = 0;
    const slowLoad = async () => {
      loads += 1;
      if (loads === 1) await gate;
      return `load ${loads}`;
    };
    const racing = cache.get(userIds[0]!, slowLoad);
    cache.forget(userIds[0]!); // as a notification arriving during the load does
    release();
    expect(await racing).to.equal('load 1');
    expect(await cache.get(userIds[0]!, slowLoad)).to.equal('load 2');
    expect(await cache.get(userIds[0]!, slowLoad)).to.equal('load 2');
  });

  it('when the listening connection is lost, then nothing is served from memory until it listens again, and it starts empty', async () => {
    const { cache, applicationName } = newCache({ retryMs: 300 });
    await cache.ready();
    const { calls, load } = loader(userIds[0]!);
    await cache.get(userIds[0]!, load);
    await cache.get(userIds[0]!, load);
    expect(calls.count).to.equal(1);

    await db.dataSource.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [applicationName]);
    await eventually(async () => !cache.isListening, 'the cache notices the lost connection');
    await cache.get(userIds[0]!, load);
    await cache.get(userIds[0]!, load);
    expect(calls.count, 'every request loads while not listening').to.equal(3);

    await sleep(350);
    await cache.ready();
    expect(cache.isListening, 'listening again after the pause').to.equal(true);
    await cache.get(userIds[0]!, load);
    await cache.get(userIds[0]!, load);
    expect(calls.count, 'empty when listening resumed, then kept').to.equal(4);
  });

  it('when the listening connection silently stops delivering (a half-open socket), then the missing heartbeat stops the cache', async () => {
    // A TCP relay to PostgreSQL that can stop passing the server's bytes on, as a dead network path does.
    const target = new URL(db.url);
    let frozen = false;
    const sockets: net.Socket[] = [];
    const relay = net.createServer((inbound) => {
      const outbound = net.connect(Number(target.port), target.hostname);
      sockets.push(inbound, outbound);
      inbound.on('data', (chunk) => outbound.write(chunk));
      outbound.on('data', (chunk) => frozen || inbound.write(chunk));
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    try {
      const { cache } = newCache({ port: (relay.address() as net.AddressInfo).port, heartbeatMs: 100 });
      await cache.ready();
      const { calls, load } = loader(userIds[0]!);
      await cache.get(userIds[0]!, load);
      await sleep(250); // heartbeats keep coming back
      await cache.get(userIds[0]!, load);
      expect(calls.count, 'served from memory while heartbeats return').to.equal(1);

      frozen = true;
      await sleep(350);
      expect(cache.isListening).to.equal(false);
      await cache.get(userIds[0]!, load);
      await cache.get(userIds[0]!, load);
      expect(calls.count, 'every request loads once the heartbeat is missing').to.equal(3);
      await cache.stop();
    } finally {
      for (const socket of sockets) socket.destroy();
      relay.close();
    }
  });

  it('when PostgreSQL cannot be reached for listening, then every request loads its user', async () => {
    const { cache } = newCache({ port: 1 });
    await cache.ready();
    expect(cache.isListening).to.equal(false);
    const { calls, load } = loader(userIds[0]!);
    for (let i = 0; i < 3; i += 1) await cache.get(userIds[0]!, load);
    expect(calls.count).to.equal(3);
  });

  it('when stopped, then its connection is closed and every request loads', async () => {
    const { cache, applicationName } = newCache();
    await cache.ready();
    const { calls, load } = loader(userIds[0]!);
    await cache.get(userIds[0]!, load);
    await cache.stop();
    await eventually(async () => {
      const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [applicationName]);
      return n === 0;
    }, 'no listening backend left');
    await cache.get(userIds[0]!, load);
    await cache.get(userIds[0]!, load);
    expect(calls.count).to.equal(3);
  });
});
