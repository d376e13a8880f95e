import crypto from 'node:crypto';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { DEMO_PASSWORD } from '../../src/seed/kaifeng';
import { startTestApp, type TestApp } from '../support/app';
import { expectError } from '../support/errors';
import { eventually } from '../support/eventually';

/** Login, tokens and the current user (SPEC §9; issue 2 "Bad input": bad and expired tokens). */
describe('authentication (SPEC §9)', () => {
  let t: TestApp;
  /** Every token this suite saw, to check none reached the logs. */
  const tokensSeen: string[] = [];
  const ISSUER = 'fupin-finance';
  let adminId: string;

  before(async () => {
    t = await startTestApp();
    const [admin] = await t.db.dataSource.query(`SELECT id FROM users WHERE username = 'admin'`);
    adminId = admin.id;
  });
  after(async () => {
    await t?.close();
  });

  async function login(username: string, password: string) {
    const res = await t.request().post('/api/v1/auth/login').send({ username, password });
    if (res.body?.token) tokensSeen.push(res.body.token);
    return res;
  }
  const me = (authorization?: string) => {
    const req = t.request().get('/api/v1/me');
    return authorization === undefined ? req : req.set('Authorization', authorization);
  };
  async function createUser(username: string, extra: Record<string, unknown> = {}) {
    const res = await (await t.as('admin')).post('/api/v1/users').send({
      username,
      displayName: `测试用户 ${username}`,
      password: DEMO_PASSWORD,
      role: 'poverty_office',
      regionCode: '410200',
      ...extra,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body as { id: string };
  }

  describe('logging in', () => {
    it('when the password is right, then a token, its expiry (now + TOKEN_TTL_SECONDS) and the user without any hash', async () => {
      const before = Date.now();
      const res = await login('finance', DEMO_PASSWORD);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.have.keys('token', 'expiresAt', 'user');
      expect(res.body.token).to.be.a('string').and.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(res.body.expiresAt).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      const expected = before + t.config.tokenTtlSeconds * 1000;
      expect(Math.abs(Date.parse(res.body.expiresAt) - expected)).to.be.lessThan(10_000);
      expect(res.body.user).to.include({ username: 'finance', role: 'finance_officer', regionCode: '410200', regionPath: '410200/', regionLevel: 'city', bankId: null });
      expect(JSON.stringify(res.body)).not.to.match(/password|hash|scrypt/i);
    });

    it('when the token comes back, then it is an HS256 token of the service for that user', async () => {
      const res = await login('finance', DEMO_PASSWORD);
      const decoded = jwt.decode(res.body.token, { complete: true }) as jwt.Jwt;
      expect(decoded.header.alg).to.equal('HS256');
      expect(decoded.payload).to.include({ sub: res.body.user.id, role: 'finance_officer', iss: ISSUER });
      expect((decoded.payload as jwt.JwtPayload).exp! * 1000).to.equal(Date.parse(res.body.expiresAt));
    });

    it('when the user name is typed in capitals, then it still logs in (names are lower case)', async () => {
      const res = await login('FINANCE', DEMO_PASSWORD);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.user.username).to.equal('finance');
    });

    it('when the password is wrong or the user unknown, then both are 401 INVALID_CREDENTIALS with the same message', async () => {
      const wrongPassword = await login('finance2', 'Fupin@2026WRONG');
      const unknownUser = await login('nobody.here', DEMO_PASSWORD);
      const a = expectError(wrongPassword, 401, 'INVALID_CREDENTIALS');
      const b = expectError(unknownUser, 401, 'INVALID_CREDENTIALS');
      expect(a.message).to.equal(b.message);
      // Nothing tells which of the two was wrong.
      expect(a.details).to.deep.equal([]);
      expect(b.details).to.deep.equal([]);
    });

    it('when the body lacks the password or has an extra field, then 400 VALIDATION_FAILED', async () => {
      expectError(await t.request().post('/api/v1/auth/login').send({ username: 'finance' }), 400, 'VALIDATION_FAILED');
      expectError(
        await t.request().post('/api/v1/auth/login').send({ username: 'finance', password: DEMO_PASSWORD, remember: true }),
        400,
        'VALIDATION_FAILED',
      );
    });

    it('when every login attempt is recorded, then a failed one is marked as failed', async () => {
      const rows = await t.db.dataSource.query(`SELECT succeeded FROM login_attempts WHERE username = 'finance2'`);
      expect(rows.map((r: { succeeded: boolean }) => r.succeeded)).to.deep.equal([false]);
    });
  });

  describe('the login rate limit', () => {
    it('when LOGIN_MAX_FAILURES (5) attempts failed, then the 6th is 429 RATE_LIMITED even with the right password', async () => {
      expect(t.config.loginMaxFailures).to.equal(5);
      await createUser('rate.limited');
      for (let attempt = 1; attempt <= 5; attempt += 1) {
        expectError(await login('rate.limited', `wrong-password-${attempt}`), 401, 'INVALID_CREDENTIALS');
      }
      const sixth = await login('rate.limited', DEMO_PASSWORD);
      expectError(sixth, 429, 'RATE_LIMITED');
      expect(sixth.body).not.to.have.property('token');
    });

    it('when one user is rate-limited, then another user from the same address still logs in', async () => {
      const res = await login('poverty', DEMO_PASSWORD);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    });

    it('when a rate-limited user is refused, then the refused attempt is not counted as another failure', async () => {
      const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM login_attempts WHERE username = 'rate.limited'`);
      expect(n).to.equal(5);
    });

    it('when twenty wrong passwords arrive at once, then at most LOGIN_MAX_FAILURES (5) are tried and the rest are 429', async () => {
      await createUser('rate.burst');
      const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => login('rate.burst', `wrong-password-${n}`)));
      const statuses = answers.map((res) => res.status);
      expect(statuses.filter((status) => status === 401), statuses.join(',')).to.have.length.at.most(5);
      expect(statuses.filter((status) => status === 429), statuses.join(',')).to.have.length.at.least(15);
      const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM login_attempts WHERE username = 'rate.burst'`);
      expect(n, 'refused attempts are not counted').to.be.at.most(5);
      expectError(await login('rate.burst', DEMO_PASSWORD), 429, 'RATE_LIMITED');
    });

    it('when a user name grows past 64 characters in lower case, or the forwarded address is long, then 401 and the attempt counts, never a 500', async () => {
      // 'İ' lower-cases to two characters: 64 of them pass the 64-character limit and become 128.
      expectError(await login('İ'.repeat(64), 'wrong-password'), 401, 'INVALID_CREDENTIALS');
      const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM login_attempts WHERE username LIKE 'i%' AND NOT succeeded AND length(username) = 64`);
      expect(n).to.equal(1);
      const forwarded = await t.request().post('/api/v1/auth/login').set('X-Forwarded-For', `proxy-${'a'.repeat(100)}`).send({ username: 'poverty', password: DEMO_PASSWORD });
      expect(forwarded.status, JSON.stringify(forwarded.body)).to.equal(200);
      const wrong = await t.request().post('/api/v1/auth/login').set('X-Forwarded-For', `proxy-${'a'.repeat(100)}`).send({ username: 'poverty', password: 'wrong-password' });
      expectError(wrong, 401, 'INVALID_CREDENTIALS');
    });
  });

  describe('bearer tokens', () => {
    it('when there is no token, then 401 UNAUTHENTICATED', async () => {
      expectError(await me(), 401, 'UNAUTHENTICATED');
    });

    it('when the Authorization header is garbage or not Bearer, then 401 UNAUTHENTICATED', async () => {
      for (const header of ['Bearer', 'Bearer ', 'Bearer garbage', 'Bearer not.a.jwt-at-all', 'bearer x.y.z', 'Bearerx.y.zzzzzzzzzz', `Basic ${Buffer.from('admin:x').toString('base64')}`, `Bearer ${'a'.repeat(5000)}`]) {
        expectError(await me(header), 401, 'UNAUTHENTICATED');
      }
    });

    it('when the scheme is written in any case (RFC 7235: bearer, BEARER, bEaReR), then the token is accepted', async () => {
      const { token } = (await login('admin', DEMO_PASSWORD)).body;
      for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
        const res = await me(`${scheme} ${token}`);
        expect(res.status, `${scheme}: ${JSON.stringify(res.body)}`).to.equal(200);
        expect(res.body.username, scheme).to.equal('admin');
      }
      expect((await me(`Bearer  ${token}`)).status, 'two spaces (1*SP)').to.equal(200);
    });

    it('when the token is signed with another secret, then 401 UNAUTHENTICATED', async () => {
      const forged = jwt.sign({ sub: adminId, role: 'admin' }, 'another-secret-that-is-long-enough-0123456789', { issuer: ISSUER, expiresIn: 600 });
      expectError(await me(`Bearer ${forged}`), 401, 'UNAUTHENTICATED');
    });

    it('when a real token has its payload tampered with, then 401 UNAUTHENTICATED', async () => {
      const token = await t.tokenFor('officer.abc');
      tokensSeen.push(token);
      const [header, payload, signature] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
      const tampered = Buffer.from(JSON.stringify({ ...claims, sub: adminId, role: 'admin' })).toString('base64url');
      expectError(await me(`Bearer ${header}.${tampered}.${signature}`), 401, 'UNAUTHENTICATED');
    });

    it('when the token says alg "none", then 401 UNAUTHENTICATED', async () => {
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const payload = Buffer.from(JSON.stringify({ sub: adminId, role: 'admin', iss: ISSUER, exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
      expectError(await me(`Bearer ${header}.${payload}.`), 401, 'UNAUTHENTICATED');
    });

    it('when the token uses another algorithm or issuer with the right secret, then 401 UNAUTHENTICATED', async () => {
      const hs512 = jwt.sign({ sub: adminId, role: 'admin' }, t.config.tokenSecret, { algorithm: 'HS512', issuer: ISSUER, expiresIn: 600 });
      expectError(await me(`Bearer ${hs512}`), 401, 'UNAUTHENTICATED');
      const otherIssuer = jwt.sign({ sub: adminId, role: 'admin' }, t.config.tokenSecret, { issuer: 'someone-else', expiresIn: 600 });
      expectError(await me(`Bearer ${otherIssuer}`), 401, 'UNAUTHENTICATED');
    });

    it('when the token has expired, then 401 TOKEN_EXPIRED', async () => {
      const expired = jwt.sign({ sub: adminId, role: 'admin', exp: Math.floor(Date.now() / 1000) - 60 }, t.config.tokenSecret, {
        algorithm: 'HS256',
        issuer: ISSUER,
      });
      const res = await me(`Bearer ${expired}`);
      expectError(res, 401, 'TOKEN_EXPIRED');
      expect(res.body.error.message).to.match(/log in again/);
    });

    it('when a token that was accepted expires, then its next request is 401 TOKEN_EXPIRED (a verified token is not trusted past its exp)', async () => {
      const exp = Math.floor(Date.now() / 1000) + 2;
      const soon = jwt.sign({ sub: adminId, role: 'admin', exp }, t.config.tokenSecret, { algorithm: 'HS256', issuer: ISSUER });
      expect((await me(`Bearer ${soon}`)).status).to.equal(200);
      expect((await me(`Bearer ${soon}`)).status).to.equal(200);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 20));
      expectError(await me(`Bearer ${soon}`), 401, 'TOKEN_EXPIRED');
    });

    it('when an expired token also has a bad signature, then 401 UNAUTHENTICATED (expiry is not told to forgers)', async () => {
      const expired = jwt.sign({ sub: adminId, role: 'admin', exp: Math.floor(Date.now() / 1000) - 60 }, 'another-secret-that-is-long-enough-0123456789', {
        issuer: ISSUER,
      });
      expectError(await me(`Bearer ${expired}`), 401, 'UNAUTHENTICATED');
    });

    it('when a correctly signed token names no user, or a sub that is not a uuid, then 401 (not a 500)', async () => {
      const sign = (sub: unknown) => jwt.sign({ sub, role: 'admin' } as object, t.config.tokenSecret, { issuer: ISSUER, expiresIn: 600 });
      expectError(await me(`Bearer ${sign(crypto.randomUUID())}`), 401, 'UNAUTHENTICATED');
      expectError(await me(`Bearer ${sign('0123456789abcdef0123456789abcdef----')}`), 401, 'UNAUTHENTICATED');
      expectError(await me(`Bearer ${sign('------------------------------------')}`), 401, 'UNAUTHENTICATED');
      expectError(await me(`Bearer ${sign(42)}`), 401, 'UNAUTHENTICATED');
    });

    it('when a token is valid, then a wrong role is still 403 FORBIDDEN, not 401', async () => {
      expectError(await (await t.as('officer.abc')).get('/api/v1/users'), 403, 'FORBIDDEN');
    });
  });

  describe('the caller\'s address behind a proxy (TRUST_PROXY)', () => {
    const attemptFrom = async (app: TestApp, username: string): Promise<string> => {
      await app.request().post('/api/v1/auth/login').set('X-Forwarded-For', '203.0.113.9').send({ username, password: 'wrong-password' });
      const [{ ip }] = await app.db.dataSource.query(`SELECT ip FROM login_attempts WHERE username = $1`, [username]);
      return ip;
    };
    it('when the request comes through a trusted proxy (loopback, by default), then the forwarded address is the caller\'s', async () => {
      expect(await attemptFrom(t, 'proxy.default')).to.equal('203.0.113.9');
    });
    it('when TRUST_PROXY is "none", then X-Forwarded-For is ignored and the socket\'s address counts', async () => {
      const direct = await startTestApp({ TRUST_PROXY: 'none' });
      try {
        expect(await attemptFrom(direct, 'proxy.none')).to.match(/127\.0\.0\.1$/);
      } finally {
        await direct.close();
      }
    });
  });

  describe('a deactivated user', () => {
    it('when the admin deactivates a user, then the token they already hold stops working and they cannot log in', async () => {
      const user = await createUser('soon.inactive');
      const loggedIn = await login('soon.inactive', DEMO_PASSWORD);
      expect(loggedIn.status).to.equal(200);
      const bearer = `Bearer ${loggedIn.body.token}`;
      expect((await me(bearer)).status).to.equal(200);

      const patched = await (await t.as('admin')).patch(`/api/v1/users/${user.id}`).send({ active: false });
      expect(patched.status, JSON.stringify(patched.body)).to.equal(200);
      expect(patched.body.active).to.equal(false);

      expectError(await me(bearer), 401, 'UNAUTHENTICATED');
      const again = await login('soon.inactive', DEMO_PASSWORD);
      const unknown = await login('never.existed', DEMO_PASSWORD);
      expect(expectError(again, 401, 'INVALID_CREDENTIALS').message).to.equal(expectError(unknown, 401, 'INVALID_CREDENTIALS').message);
    });

    it('when another instance (or any writer) deactivates a user, then this one refuses their token once PostgreSQL reports the change', async () => {
      const user = await createUser('elsewhere.inactive');
      const bearer = `Bearer ${(await login('elsewhere.inactive', DEMO_PASSWORD)).body.token}`;
      expect((await me(bearer)).status).to.equal(200);
      expect((await me(bearer)).status, 'served again, from this instance’s memory').to.equal(200);
      // Not through this app: its own changes forget the user at once; this one is only heard of.
      await t.db.dataSource.query(`UPDATE users SET active = false WHERE id = $1`, [user.id]);
      await eventually(async () => (await me(bearer)).status !== 200, 'the token is refused after the commit');
      expect((await me(bearer)).status).to.equal(401);
    });

    it('when the admin reactivates the user, then they can log in again', async () => {
      const [{ id }] = await t.db.dataSource.query(`SELECT id FROM users WHERE username = 'soon.inactive'`);
      expect((await (await t.as('admin')).patch(`/api/v1/users/${id}`).send({ active: true })).status).to.equal(200);
      expect((await login('soon.inactive', DEMO_PASSWORD)).status).to.equal(200);
    });

    it('when the admin enables a user again, then the tokens issued before the disabling stay refused (401); a new login works', async () => {
      const user = await createUser('back.again');
      const before = `Bearer ${(await login('back.again', DEMO_PASSWORD)).body.token}`;
      expect((await me(before)).status).to.equal(200);
      const asAdmin = await t.as('admin');
      expect((await asAdmin.patch(`/api/v1/users/${user.id}`).send({ active: false })).status).to.equal(200);
      expect((await asAdmin.patch(`/api/v1/users/${user.id}`).send({ active: true })).status).to.equal(200);

      const refused = await me(before);
      expectError(refused, 401, 'UNAUTHENTICATED');
      expect(refused.body.error.message).to.match(/log in again/);
      const after = await login('back.again', DEMO_PASSWORD);
      expect(after.status).to.equal(200);
      expect((await me(`Bearer ${after.body.token}`)).status).to.equal(200);
      // Enabling an account that is already enabled, or renaming it, ends no session.
      expect((await asAdmin.patch(`/api/v1/users/${user.id}`).send({ active: true, displayName: '测试 回来' })).status).to.equal(200);
      expect((await me(`Bearer ${after.body.token}`)).status).to.equal(200);
    });

    it('when the admin tries to deactivate their own account, then 422 RULE_VIOLATION', async () => {
      expectError(await (await t.as('admin')).patch(`/api/v1/users/${adminId}`).send({ active: false }), 422, 'RULE_VIOLATION');
      expect((await (await t.as('admin')).get('/api/v1/me')).status).to.equal(200);
    });
  });

  describe('GET /me', () => {
    it('when a loan officer asks, then their region path, branch and head-office bank come back', async () => {
      const [branch] = await t.db.dataSource.query(
        `SELECT i.id, i.parent_id FROM institutions i JOIN users u ON u.institution_id = i.id WHERE u.username = 'officer.abc'`,
      );
      const [bank] = await t.db.dataSource.query(`SELECT type, name FROM institutions WHERE id = $1`, [branch.parent_id]);
      expect(bank.type).to.equal('bank');
      const res = await (await t.as('officer.abc')).get('/api/v1/me');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({
        username: 'officer.abc',
        role: 'loan_officer',
        regionCode: '410225',
        regionPath: '410200/410225/',
        regionLevel: 'county',
        institutionId: branch.id,
        bankId: branch.parent_id,
        enterpriseId: null,
      });
      expect(res.body).not.to.have.any.keys('passwordHash', 'password_hash', 'password', 'active');
    });

    it('when a county auditor asks, then the county path and no bank', async () => {
      const res = await (await t.as('auditor.lankao')).get('/api/v1/me');
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ role: 'auditor', regionPath: '410200/410225/', regionLevel: 'county', bankId: null, institutionId: null });
    });

    it('when an enterprise user asks, then their enterprise comes back', async () => {
      const [row] = await t.db.dataSource.query(`SELECT enterprise_id FROM users WHERE username = 'enterprise'`);
      const res = await (await t.as('enterprise')).get('/api/v1/me');
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ role: 'enterprise', enterpriseId: row.enterprise_id, bankId: null });
    });
  });

  describe('secrets in the logs', () => {
    it('when all the above was logged, then no line holds the demo password, a token or a password hash', async () => {
      for (const username of ['admin', 'officer.abc', 'auditor.lankao', 'enterprise']) tokensSeen.push(await t.tokenFor(username));
      expect(t.logs.length).to.be.greaterThan(20);
      const all = t.logs.join('\n');
      expect(all).not.to.include(DEMO_PASSWORD);
      expect(all).not.to.include('wrong-password-');
      expect(all).not.to.match(/passwordHash|password_hash|scrypt\$/);
      for (const token of new Set(tokensSeen)) {
        expect(all).not.to.include(token);
        expect(all).not.to.include(token.split('.')[2]!);
      }
    });
  });
});
