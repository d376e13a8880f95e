import { Writable } from 'node:stream';
import type { Express } from 'express';
import supertest from 'supertest';
import { createApp, type Services } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { DEMO_PASSWORD } from '../../src/seed/kaifeng';
import { createLogger } from '../../src/shared/logging/logger';
import { createTestDatabase, type TestDatabase } from './db';

export interface TestApp {
  app: Express;
  db: TestDatabase;
  config: Config;
  services: Services;
  /** Every log line the app wrote, to check that no secret or ID number reaches the logs. */
  logs: string[];
  request(): supertest.Agent;
  /** A bearer token for a demo user (logged in once, then cached). */
  tokenFor(username: string): Promise<string>;
  as(username: string): Promise<{ get(path: string): supertest.Test; post(path: string): supertest.Test; patch(path: string): supertest.Test; put(path: string): supertest.Test; delete(path: string): supertest.Test }>;
  close(): Promise<void>;
}

/** The real app on its own database copy, driven in-process by supertest (nothing listens on a port). */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', ...env });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const { app, services } = createApp({ dataSource: db.dataSource, config, logger: createLogger(config.logLevel, sink) });
  const tokens = new Map<string, string>();
  const tokenFor = async (username: string) => {
    const cached = tokens.get(username);
    if (cached) return cached;
    const res = await supertest(app).post('/api/v1/auth/login').send({ username, password: DEMO_PASSWORD });
    if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    tokens.set(username, res.body.token);
    return res.body.token as string;
  };
  return {
    app,
    db,
    config,
    services,
    logs,
    request: () => supertest(app),
    tokenFor,
    as: async (username: string) => {
      const header = `Bearer ${await tokenFor(username)}`;
      const agent = supertest(app);
      return {
        get: (path: string) => agent.get(path).set('Authorization', header),
        post: (path: string) => agent.post(path).set('Authorization', header),
        patch: (path: string) => agent.patch(path).set('Authorization', header),
        put: (path: string) => agent.put(path).set('Authorization', header),
        delete: (path: string) => agent.delete(path).set('Authorization', header),
      };
    },
    close: async () => {
      await services.auth.close();
      await db.drop();
    },
  };
}
