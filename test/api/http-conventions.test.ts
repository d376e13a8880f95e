import zlib from 'node:zlib';
import { expect } from 'chai';
import type { Response } from 'supertest';
import { DEMO_PASSWORD } from '../../src/seed/kaifeng';
import { startTestApp, type TestApp } from '../support/app';
import { detailsOf, expectError } from '../support/errors';
import { eventually } from '../support/eventually';
import { unique, uscc } from '../support/fixtures';

/**
 * The HTTP conventions every endpoint shares (SPEC §9, §11; issue 2 "Bad input"): the error shape,
 * 400/413/415 for bodies the service cannot take, strict money and dates, pagination bounds,
 * request ids — and never a 500, with nothing written.
 */
describe('HTTP conventions and bad input (SPEC §9, §11)', () => {
  let t: TestApp;
  /** Every response of this suite, to check at the end that none was a 500. */
  const seen: Array<{ what: string; status: number }> = [];
  let usccCounter = 0;
  const newUscc = () => uscc(`91410200MA${String((usccCounter += 1)).padStart(7, '0')}`);

  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t?.close();
  });

  function track(what: string, res: Response): Response {
    seen.push({ what, status: res.status });
    return res;
  }
  async function count(table: 'institutions' | 'reference_rates' | 'audit_log' | 'users'): Promise<number> {
    const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`);
    return n;
  }
  async function postInstitution(body: unknown): Promise<Response> {
    return track(`POST /institutions ${JSON.stringify(body).slice(0, 80)}`, await (await t.as('admin')).post('/api/v1/institutions').send(body as object));
  }
  async function postRate(body: unknown): Promise<Response> {
    return track(`POST /reference-rates ${JSON.stringify(body)}`, await (await t.as('finance')).post('/api/v1/reference-rates').send(body as object));
  }
  const guarantor = (netAssets: unknown) => ({
    type: 'guarantee_company',
    name: '开封测试融资担保有限公司',
    uscc: newUscc(),
    regionCode: '410200',
    netAssets,
    leverageLimit: '10',
  });

  describe('bodies the service cannot read', () => {
    it('when the JSON body is malformed, then 400 MALFORMED_JSON with the error shape', async () => {
      const res = track(
        'malformed login',
        await t.request().post('/api/v1/auth/login').set('Content-Type', 'application/json').send('{"username": "admin", "password": '),
      );
      expectError(res, 400, 'MALFORMED_JSON');
    });

    it('when an authenticated write has a malformed JSON body, then 400 MALFORMED_JSON and nothing is written', async () => {
      const before = await count('institutions');
      const res = track(
        'malformed institution',
        await (await t.as('admin')).post('/api/v1/institutions').set('Content-Type', 'application/json').send("{'type': 'bank'}"),
      );
      expectError(res, 400, 'MALFORMED_JSON');
      expect(await count('institutions')).to.equal(before);
    });

    it('when the body is a bare JSON string or null (not an object), then 400', async () => {
      for (const body of ['"admin"', 'null', '42']) {
        const res = track(`scalar body ${body}`, await t.request().post('/api/v1/auth/login').set('Content-Type', 'application/json').send(body));
        expectError(res, 400, 'MALFORMED_JSON');
      }
    });

    it('when the body is a JSON array, then 400 VALIDATION_FAILED', async () => {
      const res = track('array body', await t.request().post('/api/v1/auth/login').send([{ username: 'admin', password: DEMO_PASSWORD }]));
      expectError(res, 400, 'VALIDATION_FAILED');
    });

    it('when the body is over 1 MB, then 413 PAYLOAD_TOO_LARGE and nothing is written', async () => {
      const before = await count('institutions');
      const body = JSON.stringify({ ...guarantor('500000000.00'), name: 'x'.repeat(1024 * 1024 + 10) });
      const res = track(
        'oversize body',
        await (await t.as('admin')).post('/api/v1/institutions').set('Content-Type', 'application/json').send(body),
      );
      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
      expect(await count('institutions')).to.equal(before);
    });

    it('when an anonymous caller sends over 1 MB to the login, then 413 too', async () => {
      const body = JSON.stringify({ username: 'admin', password: 'x'.repeat(1024 * 1024 + 10) });
      const res = track('oversize login', await t.request().post('/api/v1/auth/login').set('Content-Type', 'application/json').send(body));
      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('when the body is text/plain, then 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const res = track(
        'text/plain login',
        await t.request().post('/api/v1/auth/login').set('Content-Type', 'text/plain').send(`username=admin&password=${DEMO_PASSWORD}`),
      );
      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('when a form-encoded body is sent to a JSON endpoint, then 415 and nothing is written', async () => {
      const before = await count('reference_rates');
      const res = track(
        'form rate',
        await (await t.as('finance')).post('/api/v1/reference-rates').type('form').send({ effectiveDate: '2026-01-20', tenor: 'lpr_1y', rateAnnual: '0.0300' }),
      );
      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(await count('reference_rates')).to.equal(before);
    });

    it('when the JSON body declares an unsupported charset, then 415', async () => {
      const res = track(
        'latin1 login',
        await t.request().post('/api/v1/auth/login').set('Content-Type', 'application/json; charset=latin1').send(JSON.stringify({ username: 'admin', password: 'x' })),
      );
      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('when the body claims gzip but is not, then 400 (not a 500)', async () => {
      const res = track(
        'broken gzip',
        await t
          .request()
          .post('/api/v1/auth/login')
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', 'gzip')
          .serialize((raw: string) => raw)
          .send(Buffer.from('this is not gzip at all')),
      );
      expectError(res, 400, 'MALFORMED_JSON');
    });

    it('when the body is properly gzipped JSON, then it is read', async () => {
      const res = track(
        'gzip login',
        await t
          .request()
          .post('/api/v1/auth/login')
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', 'gzip')
          .serialize((raw: string) => raw)
          .send(zlib.gzipSync(JSON.stringify({ username: 'finance2', password: DEMO_PASSWORD }))),
      );
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    });

    it('when a GET carries a JSON body, then 400 naming each field (a body is not accepted there)', async () => {
      const res = track('GET with body', await (await t.as('admin')).get('/api/v1/regions').send({ level: 'county' }));
      const error = expectError(res, 400, 'VALIDATION_FAILED');
      expect(error.details).to.deep.equal([{ in: 'body', path: 'level', message: 'level is not allowed', type: 'object.unknown' }]);
    });
  });

  describe('validation reports', () => {
    it('when the body has an unknown field, then 400 VALIDATION_FAILED naming the field, nothing written', async () => {
      const before = await count('institutions');
      const res = await postInstitution({ ...guarantor('500000000.00'), colour: 'red' });
      expectError(res, 400, 'VALIDATION_FAILED');
      const details = detailsOf(res);
      expect(details).to.have.length(1);
      expect(details[0]).to.include({ in: 'body', path: 'colour', type: 'object.unknown' });
      expect(await count('institutions')).to.equal(before);
    });

    it('when the query has an unknown parameter, then 400 naming it', async () => {
      const res = track('unknown query', await (await t.as('admin')).get('/api/v1/regions?colour=red'));
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(detailsOf(res)[0]).to.include({ in: 'query', path: 'colour' });
    });

    it('when several fields are wrong, then every one is reported at once', async () => {
      const before = await count('institutions');
      const res = await postInstitution({
        type: 'castle',
        name: '',
        uscc: 'short',
        regionCode: '41',
        netAssets: '1e5',
        leverageLimit: 12,
        colour: 'red',
      });
      expectError(res, 400, 'VALIDATION_FAILED');
      const paths = detailsOf(res).map((d) => d.path);
      expect(paths).to.include.members(['type', 'name', 'uscc', 'regionCode', 'netAssets', 'leverageLimit', 'colour']);
      for (const detail of detailsOf(res)) {
        expect(detail).to.have.keys('in', 'path', 'message', 'type');
        expect(detail.in).to.equal('body');
      }
      expect(await count('institutions')).to.equal(before);
    });

    it('when params, query and body are all wrong, then all three are reported', async () => {
      const res = track(
        'patch everything wrong',
        await (await t.as('admin')).patch('/api/v1/users/not-a-uuid?verbose=1').send({ active: 'perhaps' }),
      );
      expectError(res, 400, 'VALIDATION_FAILED');
      const where = detailsOf(res).map((d) => `${d.in}:${d.path}`);
      expect(where).to.include.members(['params:id', 'query:verbose', 'body:active']);
    });

    it('when a text field holds a NUL character or an unpaired surrogate, then 400 naming it and nothing is written, never a 500', async () => {
      const before = await count('users');
      const auditBefore = await count('audit_log');
      const admin = await t.as('admin');
      const user = (displayName: string, username: string) => ({ username, displayName, password: 'a-long-password', role: 'auditor', regionCode: '410200' });
      for (const [what, displayName] of [['a NUL', 'x\u0000y'], ['a lone high surrogate', 'x\ud800y'], ['a lone low surrogate', '\udc00']] as const) {
        const res = track(`POST /users with ${what}`, await admin.post('/api/v1/users').send(user(displayName, `odd.${unique()}`)));
        expectError(res, 400, 'VALIDATION_FAILED');
        expect(detailsOf(res)[0], what).to.include({ in: 'body', path: 'displayName', type: 'string.unstorable' });
      }
      const query = track('GET /households with a NUL', await (await t.as('poverty')).get('/api/v1/households?headName=%00'));
      expectError(query, 400, 'VALIDATION_FAILED');
      expect(await count('users')).to.equal(before);
      expect(await count('audit_log')).to.equal(auditBefore);
      const paired = track('POST /users with an astral character', await admin.post('/api/v1/users').send(user('张𠀀', `astral.${unique()}`)));
      expect(paired.status, JSON.stringify(paired.body)).to.equal(201);
      expect(paired.body.displayName).to.equal('张𠀀');
    });

    it('when a field has the wrong JSON type, then 400 rather than a silent conversion', async () => {
      const res = track('wrong types', await t.request().post('/api/v1/auth/login').send({ username: ['admin'], password: 12345678901 }));
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(detailsOf(res).map((d) => d.path)).to.have.members(['username', 'password']);
    });
  });

  describe('money is a strict decimal string', () => {
    const invalid: Array<[string, unknown]> = [
      ['an exponent', '1e5'],
      ['three decimals', '12.345'],
      ['a negative zero', '-0'],
      ['a negative amount', '-5.00'],
      ['a leading space', ' 5'],
      ['a trailing space', '5 '],
      ['the empty string', ''],
      ['letters', 'abc'],
      ['a JSON number', 5],
      ['a leading zero', '05'],
      ['a comma', '1,000.00'],
      ['a trailing point', '5.'],
      ['a full-width digit', '５'],
      ['sixteen integer digits', '1000000000000000'],
      ['null', null],
      ['an object', { amount: '5' }],
    ];
    for (const [what, value] of invalid) {
      it(`when netAssets is ${what} (${JSON.stringify(value)}), then 400 VALIDATION_FAILED on netAssets and nothing is written`, async () => {
        const before = await count('institutions');
        const auditBefore = await count('audit_log');
        const res = await postInstitution(guarantor(value));
        expectError(res, 400, 'VALIDATION_FAILED');
        expect(detailsOf(res).map((d) => d.path)).to.deep.equal(['netAssets']);
        expect(await count('institutions')).to.equal(before);
        expect(await count('audit_log')).to.equal(auditBefore);
      });
    }

    it('when netAssets is a plain amount, then the guarantor is created and the amount comes back as written', async () => {
      const res = await postInstitution(guarantor('123456789.5'));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.netAssets).to.equal('123456789.50');
    });
  });

  describe('dates are real YYYY-MM-DD days', () => {
    const invalid = ['2026-02-30', '2026-2-3', '2025-02-29', '2026-13-01', '2026-00-10', '20260203', '2026/02/03', '2026-02-03T00:00:00Z', ' 2026-02-03', ''];
    for (const value of invalid) {
      it(`when effectiveDate is ${JSON.stringify(value)}, then 400 on effectiveDate and nothing is written`, async () => {
        const before = await count('reference_rates');
        const res = await postRate({ effectiveDate: value, tenor: 'lpr_1y', rateAnnual: '0.0310' });
        expectError(res, 400, 'VALIDATION_FAILED');
        expect(detailsOf(res).map((d) => d.path)).to.deep.equal(['effectiveDate']);
        expect(await count('reference_rates')).to.equal(before);
      });
    }

    it('when effectiveDate is a JSON number, then 400', async () => {
      const res = await postRate({ effectiveDate: 20260203, tenor: 'lpr_1y', rateAnnual: '0.0310' });
      expectError(res, 400, 'VALIDATION_FAILED');
    });

    it('when effectiveDate is 2024-02-29 (a leap day), then it is accepted', async () => {
      const res = await postRate({ effectiveDate: '2024-02-29', tenor: 'lpr_1y', rateAnnual: '0.0345' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.include({ effectiveDate: '2024-02-29', tenor: 'lpr_1y', rateAnnual: '0.0345' });
    });

    it('when a date query parameter is not a real day, then 400', async () => {
      const res = track('bad date query', await (await t.as('finance')).get('/api/v1/reference-rates?date=2026-02-30'));
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(detailsOf(res)[0]).to.include({ in: 'query', path: 'date' });
    });

    it('when a rate has too many decimals or is a number, then 400', async () => {
      for (const rateAnnual of ['0.123456789', 0.0345, '4.35%', '1.5', '-0.01']) {
        const res = await postRate({ effectiveDate: '2026-01-20', tenor: 'lpr_1y', rateAnnual });
        expectError(res, 400, 'VALIDATION_FAILED');
      }
    });
  });

  describe('lists and routes', () => {
    it('when limit is over 200, then 400', async () => {
      const res = track('limit 500', await (await t.as('admin')).get('/api/v1/regions?limit=500'));
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(detailsOf(res)[0]).to.include({ in: 'query', path: 'limit' });
    });

    it('when limit is 0, negative, fractional, text or given twice, then 400', async () => {
      for (const query of ['limit=0', 'limit=-1', 'limit=1.5', 'limit=ten', 'limit=10&limit=20', 'offset=-1']) {
        const res = track(`list ${query}`, await (await t.as('admin')).get(`/api/v1/users?${query}`));
        expectError(res, 400, 'VALIDATION_FAILED');
      }
    });

    it('when a list is read with limit and offset, then it says so and returns at most limit items', async () => {
      const res = track('list page', await (await t.as('admin')).get('/api/v1/regions?limit=3&offset=2'));
      expect(res.status).to.equal(200);
      expect(res.body).to.have.keys('items', 'total', 'limit', 'offset');
      expect(res.body).to.include({ limit: 3, offset: 2 });
      expect(res.body.items).to.have.length(3);
      expect(res.body.total).to.be.greaterThan(5);
    });

    it('when many enterprises or institutions share a name, then paging through the list returns each exactly once', async () => {
      const poverty = await t.as('poverty');
      const name = `同名合作社${unique()}`;
      const created: string[] = [];
      for (let n = 0; n < 40; n += 1) {
        const res = await poverty.post('/api/v1/enterprises').send({ name, uscc: uscc(`93410225MA${unique().slice(-7)}`), kind: 'cooperative', regionCode: '410225' });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        created.push(res.body.id);
      }
      const paged: string[] = [];
      for (let offset = 0; offset < 40; offset += 3) {
        const page = track('enterprises page', await poverty.get(`/api/v1/enterprises?name=${encodeURIComponent(name)}&limit=3&offset=${offset}`));
        paged.push(...page.body.items.map((e: { id: string }) => e.id));
      }
      expect(new Set(paged).size, 'an enterprise came twice and another never').to.equal(40);
      expect([...paged].sort()).to.deep.equal([...created].sort());

      const admin = await t.as('admin');
      const branchName = `同名支行${unique()}`;
      for (let n = 0; n < 30; n += 1) {
        expect((await postInstitution({ type: 'guarantee_company', name: branchName, uscc: newUscc(), regionCode: '410200', netAssets: '1000000.00', leverageLimit: '10' })).status).to.equal(201);
      }
      const all = await admin.get('/api/v1/institutions?type=guarantee_company&limit=200');
      const ids = all.body.items.map((i: { id: string }) => i.id);
      const pagedInstitutions: string[] = [];
      for (let offset = 0; offset < all.body.total; offset += 4) {
        const page = track('institutions page', await admin.get(`/api/v1/institutions?type=guarantee_company&limit=4&offset=${offset}`));
        pagedInstitutions.push(...page.body.items.map((i: { id: string }) => i.id));
      }
      expect(new Set(pagedInstitutions).size, 'an institution came twice and another never').to.equal(all.body.total);
      expect([...pagedInstitutions].sort()).to.deep.equal([...ids].sort());
    });

    it('when the route does not exist under /api/v1, then 404 with the error shape', async () => {
      const res = track('unknown route', await (await t.as('admin')).get('/api/v1/no-such-thing'));
      expectError(res, 404, 'NOT_FOUND');
    });

    it('when the route does not exist anywhere and there is no token, then 404 with the error shape', async () => {
      const res = track('unknown top route', await t.request().post('/nowhere').send({ a: 1 }));
      expectError(res, 404, 'NOT_FOUND');
    });

    it('when a known path is called with a method it does not have, then 404 with the error shape', async () => {
      const res = track('DELETE regions', await (await t.as('admin')).delete('/api/v1/regions/410225'));
      expectError(res, 404, 'NOT_FOUND');
    });

    it('when a path parameter has broken percent-encoding, then 400 (not a 500)', async () => {
      const res = track('bad percent', await (await t.as('admin')).get('/api/v1/regions/%E0%A4%A'));
      expect(res.status, JSON.stringify(res.body)).to.equal(400);
      expectError(res, 400, 'VALIDATION_FAILED');
    });

    it('when every served route is called with a malformed id, an unknown field and junk in the query, then each answers 4xx, never 500', async () => {
      interface Layer {
        rawPath?: unknown;
        route?: { path: string; methods: Record<string, boolean> };
        handle: { stack?: Layer[] };
      }
      const apiLayer = (t.app as unknown as { router: { stack: Layer[] } }).router.stack.find((layer) => layer.rawPath === '/api/v1');
      const routes = (apiLayer?.handle.stack ?? []).flatMap((layer) =>
        layer.route ? Object.keys(layer.route.methods).map((method) => ({ method: method as 'get' | 'post' | 'put' | 'patch' | 'delete', path: layer.route!.path })) : [],
      );
      expect(routes.length).to.be.greaterThan(20);
      for (const user of ['admin', 'officer.abc']) {
        const agent = await t.as(user);
        for (const { method, path } of routes) {
          for (const value of ['not-valid', '99999999999999999999']) {
            const url = `/api/v1${path.replace(/:[A-Za-z0-9_]+/g, value)}?limit=abc&date=2026-02-30&period=2026Q9`;
            const req = agent[method](url);
            const res = track(`${user} ${method.toUpperCase()} ${url}`, method === 'get' ? await req : await req.send({ unexpected: 1 }));
            expect(res.status, `${user} ${method.toUpperCase()} ${url}: ${JSON.stringify(res.body)}`).to.be.within(400, 499);
            expect(res.body.error.requestId, url).to.equal(res.headers['x-request-id']);
          }
        }
      }
    });

    it('when a path parameter is not of its type, then 400', async () => {
      const res = track('bad region code', await (await t.as('admin')).get('/api/v1/regions/41022x'));
      expectError(res, 400, 'VALIDATION_FAILED');
    });
  });

  describe('caching', () => {
    it('when the API answers (personal data, per caller), then it is Cache-Control no-store, without an ETag', async () => {
      const finance = await t.as('finance');
      const [{ id }] = await t.db.dataSource.query(`SELECT id FROM loans ORDER BY contract_number LIMIT 1`);
      const answers = [
        track('me', await finance.get('/api/v1/me')),
        track('institutions', await finance.get('/api/v1/institutions')),
        track('a loan', await finance.get(`/api/v1/loans/${id}`)),
        track('unknown loan', await finance.get('/api/v1/loans/00000000-0000-4000-8000-000000000000')),
      ];
      expect(answers.map((r) => r.status)).to.deep.equal([200, 200, 200, 404]);
      for (const [i, res] of answers.entries()) {
        expect(res.headers['cache-control'], `answer ${i}`).to.equal('no-store');
        expect(res.headers.etag, `answer ${i}`).to.equal(undefined);
      }
    });
  });

  describe('request ids and health', () => {
    it('when the caller sends X-Request-Id, then it is echoed, and an error body carries the same id', async () => {
      const ok = track('request id ok', await t.request().get('/healthz').set('X-Request-Id', 'trace-abc.123'));
      expect(ok.headers['x-request-id']).to.equal('trace-abc.123');
      const failed = track('request id error', await t.request().get('/api/v1/me').set('X-Request-Id', 'trace-def_456'));
      expect(failed.headers['x-request-id']).to.equal('trace-def_456');
      expect(expectError(failed, 401, 'UNAUTHENTICATED').requestId).to.equal('trace-def_456');
    });

    it('when the caller sends no X-Request-Id, then one is made up and echoed', async () => {
      const res = track('no request id', await t.request().get('/api/v1/nothing-here'));
      expect(res.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
      expect(res.body.error.requestId).to.equal(res.headers['x-request-id']);
    });

    it('when the caller sends an unsafe X-Request-Id, then it is replaced (it reaches the logs)', async () => {
      const res = track('unsafe request id', await t.request().get('/healthz').set('X-Request-Id', 'x'.repeat(65)));
      expect(res.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
      const spaced = track('spaced request id', await t.request().get('/healthz').set('X-Request-Id', 'a b'));
      expect(spaced.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
    });

    it('when a request is answered or refused, then its log line names the path as sent, without the query', async () => {
      const requestPath = (requestId: string): string | undefined =>
        t.logs
          .flatMap((chunk) => chunk.split('\n').filter((line) => line.startsWith('{')))
          .map((line) => JSON.parse(line) as { msg?: string; requestId?: string; path?: string })
          .find((entry) => entry.msg === 'request' && entry.requestId === requestId)?.path;
      const admin = await t.as('admin');
      const answered = track('me', await admin.get('/api/v1/me').set('X-Request-Id', 'path-answered'));
      const invalid = track('me with a query', await admin.get('/api/v1/me?x=secret').set('X-Request-Id', 'path-invalid'));
      const refused = track('me without token', await t.request().get('/api/v1/me?x=secret').set('X-Request-Id', 'path-refused'));
      expect([answered.status, invalid.status, refused.status]).to.deep.equal([200, 400, 401]);
      const ids = ['path-answered', 'path-invalid', 'path-refused'];
      await eventually(async () => ids.every((id) => requestPath(id) !== undefined), 'the three requests are logged');
      expect(ids.map(requestPath)).to.deep.equal(['/api/v1/me', '/api/v1/me', '/api/v1/me']);
    });

    it('when /healthz and /readyz are called without a token, then both are 200', async () => {
      const health = track('healthz', await t.request().get('/healthz'));
      expect(health.status).to.equal(200);
      expect(health.body).to.deep.equal({ status: 'ok' });
      const ready = track('readyz', await t.request().get('/readyz'));
      expect(ready.status).to.equal(200);
      expect(ready.body).to.deep.equal({ status: 'ready' });
    });

    it('when every bad request above has been answered, then none was a 500 and nothing was logged as unhandled', () => {
      expect(seen.length).to.be.greaterThan(40);
      const serverErrors = seen.filter((s) => s.status >= 500);
      expect(serverErrors, JSON.stringify(serverErrors)).to.deep.equal([]);
      const unhandled = t.logs.filter((line) => line.includes('unhandled error'));
      expect(unhandled, unhandled.join('\n')).to.deep.equal([]);
    });
  });
});
