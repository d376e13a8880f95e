import crypto from 'node:crypto';
import pg from 'pg';

/** The channel the AuthUserNotify migration's triggers notify: a user's id, or '*' for everyone. */
export const AUTH_USERS_CHANNEL = 'fupin_auth_users';

export interface AuthUserCacheOptions {
  /** How the listening connection reaches PostgreSQL (the service's own database). */
  connection: pg.ClientConfig;
  /** How long an entry is served at most, even with no notification (a backstop). */
  ttlMs: number;
  /** Entries kept at most; the oldest goes first. */
  maxEntries?: number;
  /** After losing the listening connection, how long to wait before listening again. */
  retryMs?: number;
  /**
   * How often the listener notifies itself on the channel (5 s unless given). Entries are served only
   * while its last own notification came back within three of these: a connection that stopped
   * delivering (a half-open socket, a transaction-mode pooler in between) serves nothing.
   */
  heartbeatMs?: number;
  /** Told when the listening connection is lost (it is opened again on a later request). */
  onListenerLost?: (error: unknown) => void;
}

type ListenerState = 'idle' | 'connecting' | 'listening' | 'waiting' | 'stopped';

/**
 * The users this instance authenticated, kept between requests (issue 7: loading the caller was one
 * of the two statements of every read). An entry is served only while this instance LISTENs on
 * AUTH_USERS_CHANNEL, where PostgreSQL announces, at commit, every change that could alter a
 * loaded user (migration AuthUserNotify): a deactivated user is refused as soon as the notification
 * arrives, on every instance. The listener notifies itself every few seconds and the cache serves
 * only while that heartbeat comes back, so a connection that silently stopped delivering counts as
 * lost. Without a working listening connection (not yet open, lost, stopped) nothing is served from
 * memory and every request loads its user, as before; when listening resumes the
 * cache starts empty, since notifications may have been missed meanwhile. A load that began before
 * a notification is not kept (the generation counter), so an entry is never older than the last
 * change heard of.
 */
export class AuthUserCache<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();
  private generation = 0;
  private state: ListenerState = 'idle';
  private client: pg.Client | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private listening: Promise<void> | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private lastHeardAt = 0;
  /** Connections with a heartbeat in flight (per connection: a hung one must not silence the next). */
  private readonly beating = new WeakSet<pg.Client>();
  /** This cache's own heartbeat payload: other instances' heartbeats prove nothing about this connection. */
  private readonly heartbeat = `heartbeat:${crypto.randomUUID()}`;
  private readonly maxEntries: number;
  private readonly retryMs: number;
  private readonly heartbeatMs: number;

  constructor(private readonly options: AuthUserCacheOptions) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.retryMs = options.retryMs ?? 5_000;
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
  }

  /** The value for `id`: from memory while listening and fresh, otherwise from `load` (kept when safe). */
  async get(id: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    if (this.isListening) {
      const entry = this.entries.get(id);
      if (entry && entry.expiresAt > Date.now()) return entry.value;
      if (entry) this.entries.delete(id);
    } else {
      this.listen();
    }
    const generation = this.generation;
    const value = await load();
    if (value !== undefined && this.isListening && generation === this.generation) this.keep(id, value);
    return value;
  }

  /** Drops one user (or all): called on a notification, and by this instance's own user changes. */
  forget(id?: string): void {
    this.generation += 1;
    if (id === undefined) this.entries.clear();
    else this.entries.delete(id);
  }

  /** Whether entries are being served: listening, and the last heartbeat came back in time. */
  get isListening(): boolean {
    return this.state === 'listening' && Date.now() - this.lastHeardAt < 3 * this.heartbeatMs;
  }

  /** Resolves once listening (or once the attempt failed); opens the connection when idle. */
  ready(): Promise<void> {
    this.listen();
    return this.listening ?? Promise.resolve();
  }

  /** Closes the listening connection for good; later gets always load. */
  async stop(): Promise<void> {
    this.state = 'stopped';
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.stopHeartbeat();
    this.forget();
    const client = this.client;
    this.client = null;
    await this.listening?.catch(() => undefined);
    if (client) await endWithin(client, 2_000);
  }

  private keep(id: string, value: T): void {
    if (this.entries.size >= this.maxEntries && !this.entries.has(id)) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.delete(id);
    this.entries.set(id, { value, expiresAt: Date.now() + this.options.ttlMs });
  }

  private listen(): void {
    if (this.state !== 'idle') return;
    this.state = 'connecting';
    const client = new pg.Client(this.options.connection);
    this.client = client;
    client.on('notification', (message) => {
      if (message.channel !== AUTH_USERS_CHANNEL || this.client !== client) return;
      if (message.payload === this.heartbeat) this.lastHeardAt = Date.now();
      else if (!message.payload?.startsWith('heartbeat:')) this.forget(message.payload && message.payload !== '*' ? message.payload : undefined);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the listening connection ended')));
    this.listening = (async () => {
      try {
        await client.connect();
        await client.query(`LISTEN ${AUTH_USERS_CHANNEL}`);
        // The first heartbeat is delivered before this query's own answer, so it is heard on return.
        await this.beat(client);
      } catch (error) {
        this.lost(client, error);
        return;
      }
      if (this.state !== 'connecting' || this.client !== client) return;
      this.forget();
      this.state = 'listening';
      this.heartbeatTimer = setInterval(() => {
        if (Date.now() - this.lastHeardAt >= 3 * this.heartbeatMs) this.lost(client, new Error('the listening connection stopped delivering notifications'));
        else this.beat(client).catch((error: unknown) => this.lost(client, error));
      }, this.heartbeatMs);
      this.heartbeatTimer.unref();
    })();
  }

  /** Notifies the heartbeat; a beat still unanswered is not repeated (the missing heartbeat tells). */
  private async beat(client: pg.Client): Promise<void> {
    if (this.beating.has(client)) return;
    this.beating.add(client);
    try {
      await client.query(`SELECT pg_notify($1, $2)`, [AUTH_USERS_CHANNEL, this.heartbeat]);
    } finally {
      this.beating.delete(client);
    }
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  /** The listening connection failed: serve nothing from memory, and listen again after a pause. */
  private lost(client: pg.Client, error: unknown): void {
    if (this.client !== client || this.state === 'stopped') return;
    this.client = null;
    this.stopHeartbeat();
    this.forget();
    this.state = 'waiting';
    client.end().catch(() => undefined);
    this.options.onListenerLost?.(error);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.state === 'waiting') this.state = 'idle';
    }, this.retryMs);
    this.retryTimer.unref();
  }
}

/** Ends a connection politely, or drops it when the server does not answer in time (a dead path). */
async function endWithin(client: pg.Client, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  const outcome = await Promise.race([client.end().catch(() => undefined), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
}
