import { expect } from 'chai';
import type supertest from 'supertest';
import { createApiRegistry } from '../../src/app';
import type { Role } from '../../src/modules/users/user.entity';
import { startTestApp, type TestApp } from '../support/app';

/** A demo user of each role, to get past authentication and the role check to validation. */
const USER_BY_ROLE: Record<Role, string> = {
  admin: 'admin',
  finance_officer: 'finance',
  poverty_office: 'poverty',
  loan_officer: 'officer.abc',
  enterprise: 'enterprise',
  auditor: 'auditor',
};

const PARAM = /:[a-zA-Z]+/g;
const NIL_UUID = '00000000-0000-4000-8000-000000000000';
const BAD_QUERIES = ['?limit=201', '?limit=-1', '?limit=abc', '?offset=-5', '?zzz=1', '?limit=1&limit=2', '?limit=1e400', '?offset=99999999999999999999', '?date=2026-02-30', '?period=2026Q5', '?asOf=x', '?status=x'];

/**
 * Issue 2 "Bad input": malformed params, queries and bodies get a 4xx with the error shape, never a
 * 500. Every endpoint of the registry, with the same fixed probes each run (deterministic).
 */
describe('bad input on every endpoint (issue 2 "Bad input", SPEC §9)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t?.close();
  });

  it('when every endpoint gets malformed params, queries and bodies, then every answer is a 4xx with the error shape', async () => {
    const bad: string[] = [];
    for (const e of createApiRegistry(t.services).list()) {
      const agent = e.access === 'public' ? null : await t.as(e.access === 'any' ? 'admin' : USER_BY_ROLE[e.access[0]!]);
      const call = (path: string): supertest.Test => (agent ?? t.request())[e.method](`/api/v1${path}`);
      const base = e.path.replace(PARAM, NIL_UUID);
      const probes: Array<{ label: string; run: () => supertest.Test }> = [];
      for (const path of [e.path.replace(PARAM, 'not-a-uuid'), e.path.replace(PARAM, '%E0%A4%A'), base]) probes.push({ label: path, run: () => call(path) });
      for (const query of BAD_QUERIES) probes.push({ label: base + query, run: () => call(base + query) });
      if (e.method !== 'get') {
        probes.push({ label: `${base} malformed JSON`, run: () => call(base).set('Content-Type', 'application/json').send('{"a":') });
        probes.push({ label: `${base} text/plain`, run: () => call(base).set('Content-Type', 'text/plain').send('hello') });
        probes.push({ label: `${base} an array`, run: () => call(base).send([1, 2]) });
        probes.push({ label: `${base} an unknown field`, run: () => call(base).send({ zzz: 1 }) });
        probes.push({ label: `${base} nested`, run: () => call(base).send({ a: { b: { c: [1, { d: null }] } }, limit: 'x' }) });
        probes.push({ label: `${base} nulls`, run: () => call(base).send({ id: null, date: null, period: null, bankId: null, name: null }) });
      }
      for (const probe of probes) {
        const res = await probe.run();
        if (res.status >= 500 || (res.status >= 400 && !res.body?.error?.code)) bad.push(`${e.method} ${probe.label} -> ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
    }
    expect(bad, bad.join('\n')).to.deep.equal([]);
  });
});
