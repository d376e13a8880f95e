import crypto from 'node:crypto';
import { expect } from 'chai';
import { DEMO_PASSWORD } from '../../src/seed/kaifeng';
import { startTestApp, type TestApp } from '../support/app';
import { detailsOf, expectError } from '../support/errors';
import { eventually } from '../support/eventually';

/** User administration (SPEC §1 roles, §9 access and audit). */
describe('users (SPEC §1, §9)', () => {
  let t: TestApp;
  const institutions: Record<'abcLankao' | 'guarantor' | 'financeBureau', string> = { abcLankao: '', guarantor: '', financeBureau: '' };
  const NEW_PASSWORD = 'Another#Pass2026';

  before(async () => {
    t = await startTestApp();
    const rows: Array<{ id: string; type: string; name: string; region_code: string }> = await t.db.dataSource.query(
      `SELECT id, type, name, region_code FROM institutions`,
    );
    institutions.abcLankao = rows.find((r) => r.type === 'bank_branch' && r.name.includes('农业银行') && r.name.includes('兰考'))!.id;
    institutions.guarantor = rows.find((r) => r.type === 'guarantee_company')!.id;
    institutions.financeBureau = rows.find((r) => r.type === 'finance_bureau' && r.region_code === '410200')!.id;
  });
  after(async () => {
    await t?.close();
  });

  async function count(table: 'users' | 'audit_log'): Promise<number> {
    const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`);
    return n;
  }
  const login = (username: string, password: string) => t.request().post('/api/v1/auth/login').send({ username, password });
  const newUser = (username: string, extra: Record<string, unknown> = {}) => ({
    username,
    displayName: `测试 ${username}`,
    password: DEMO_PASSWORD,
    role: 'poverty_office',
    regionCode: '410225',
    ...extra,
  });
  async function createAsAdmin(body: Record<string, unknown>) {
    return (await t.as('admin')).post('/api/v1/users').send(body);
  }
  /** Asserts a 422 that lists the rule, and that neither a user nor an audit entry was written. */
  async function expectRefused(body: Record<string, unknown>, rule: string, field: string) {
    const users = await count('users');
    const audit = await count('audit_log');
    const res = await createAsAdmin(body);
    expectError(res, 422, 'RULE_VIOLATION');
    const problem = detailsOf(res).find((d) => d.rule === rule);
    expect(problem, JSON.stringify(res.body)).to.include({ field });
    expect(problem!.message).to.be.a('string').that.is.not.empty;
    expect(await count('users')).to.equal(users);
    expect(await count('audit_log')).to.equal(audit);
  }

  describe('creating a user', () => {
    let created: { id: string };
    let requestId: string;

    it('when the admin creates a user, then 201 with the user and no password or hash', async () => {
      const res = await (await t.as('admin')).post('/api/v1/users').set('X-Request-Id', 'users-create-1').send(newUser('new.poverty'));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.include({ username: 'new.poverty', role: 'poverty_office', regionCode: '410225', active: true, institutionId: null, enterpriseId: null });
      expect(res.body.id).to.match(/^[0-9a-f-]{36}$/);
      expect(JSON.stringify(res.body)).not.to.match(/password|hash|scrypt/i);
      created = res.body;
      requestId = res.headers['x-request-id'];
      expect(requestId).to.equal('users-create-1');
    });

    it('when the new user logs in, then it works and the token shows them', async () => {
      const res = await login('new.poverty', DEMO_PASSWORD);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.user).to.include({ id: created.id, regionPath: '410200/410225/', regionLevel: 'county' });
    });

    it('when the user was created, then one audit entry records it with the request id and without the password', async () => {
      const rows = await t.db.dataSource.query(
        `SELECT action, entity_type, entity_id, request_id, actor_role, region_path, before, after FROM audit_log WHERE entity_type = 'user' AND entity_id = $1`,
        [created.id],
      );
      expect(rows).to.have.length(1);
      const [entry] = rows;
      expect(entry).to.include({ action: 'create', entity_type: 'user', entity_id: created.id, request_id: requestId, actor_role: 'admin', region_path: '410200/410225/' });
      expect(entry.before).to.equal(null);
      expect(entry.after).to.include({ username: 'new.poverty', role: 'poverty_office' });
      const after = JSON.stringify(entry.after);
      expect(after).not.to.include(DEMO_PASSWORD);
      expect(after).not.to.match(/password|hash|scrypt/i);
      const [{ password_hash }] = await t.db.dataSource.query(`SELECT password_hash FROM users WHERE id = $1`, [created.id]);
      expect(password_hash).to.match(/^scrypt\$/);
      expect(after).not.to.include(password_hash);
    });

    it('when the admin reads the user, then GET /users/:id returns it', async () => {
      const res = await (await t.as('admin')).get(`/api/v1/users/${created.id}`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ ...created });
    });

    it('when a finance officer is bound to a finance bureau, then 201', async () => {
      const res = await createAsAdmin(newUser('new.finance', { role: 'finance_officer', regionCode: '410200', institutionId: institutions.financeBureau }));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.institutionId).to.equal(institutions.financeBureau);
    });

    it('when a loan officer is bound to a bank branch, then 201', async () => {
      const res = await createAsAdmin(newUser('new.officer', { role: 'loan_officer', institutionId: institutions.abcLankao }));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    });

    it('when the user name is taken, then 409 DUPLICATE and nothing is written', async () => {
      const users = await count('users');
      expectError(await createAsAdmin(newUser('new.poverty')), 409, 'DUPLICATE');
      expectError(await createAsAdmin(newUser('NEW.POVERTY')), 409, 'DUPLICATE');
      expectError(await createAsAdmin(newUser('admin')), 409, 'DUPLICATE');
      expect(await count('users')).to.equal(users);
    });

    it('when two requests create the same user name at once, then one is 201 and the other 409, never a 500', async () => {
      const agent = await t.as('admin');
      const [a, b] = await Promise.all([
        agent.post('/api/v1/users').send(newUser('twin.user')),
        agent.post('/api/v1/users').send(newUser('twin.user')),
      ]);
      expect([a.status, b.status].sort(), `${JSON.stringify(a.body)} ${JSON.stringify(b.body)}`).to.deep.equal([201, 409]);
      const loser = a.status === 409 ? a : b;
      expect(loser.body.error.code).to.equal('DUPLICATE');
      const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE username = 'twin.user'`);
      expect(n).to.equal(1);
      const [{ audits }] = await t.db.dataSource.query(
        `SELECT count(*)::int AS audits FROM audit_log a JOIN users u ON u.id::text = a.entity_id WHERE u.username = 'twin.user'`,
      );
      expect(audits).to.equal(1);
    });
  });

  describe('role rules (422)', () => {
    it('when a loan officer has no institution, then 422 INSTITUTION_REQUIRED and nothing is written', async () => {
      await expectRefused(newUser('officer.none', { role: 'loan_officer' }), 'INSTITUTION_REQUIRED', 'institutionId');
    });

    it('when a loan officer is bound to a guarantee company, then 422 INSTITUTION_FITS_ROLE', async () => {
      await expectRefused(newUser('officer.guarantor', { role: 'loan_officer', institutionId: institutions.guarantor }), 'INSTITUTION_FITS_ROLE', 'institutionId');
    });

    it('when the institution does not exist, then 422 INSTITUTION_EXISTS', async () => {
      await expectRefused(newUser('officer.ghost', { role: 'loan_officer', institutionId: crypto.randomUUID() }), 'INSTITUTION_EXISTS', 'institutionId');
    });

    it('when the user belongs to a township, then 422 REGION_CITY_OR_COUNTY', async () => {
      await expectRefused(newUser('township.user', { regionCode: '410225100' }), 'REGION_CITY_OR_COUNTY', 'regionCode');
    });

    it('when the region does not exist, then 422 REGION_EXISTS', async () => {
      await expectRefused(newUser('nowhere.user', { regionCode: '419999' }), 'REGION_EXISTS', 'regionCode');
    });

    it('when an enterprise user has no enterprise, then 422 ENTERPRISE_REQUIRED', async () => {
      await expectRefused(newUser('ent.none', { role: 'enterprise' }), 'ENTERPRISE_REQUIRED', 'enterpriseId');
    });

    it('when several rules are broken, then every one is listed', async () => {
      const res = await createAsAdmin(newUser('many.wrongs', { role: 'loan_officer', regionCode: '410225100201', enterpriseId: crypto.randomUUID() }));
      expectError(res, 422, 'RULE_VIOLATION');
      expect(detailsOf(res).map((d) => d.rule)).to.have.members(['REGION_CITY_OR_COUNTY', 'INSTITUTION_REQUIRED', 'ENTERPRISE_ONLY']);
    });
  });

  describe('bad input and access', () => {
    it('when a finance officer tries to create a user, then 403 FORBIDDEN and nothing is written', async () => {
      const users = await count('users');
      expectError(await (await t.as('finance')).post('/api/v1/users').send(newUser('sneaky.user')), 403, 'FORBIDDEN');
      expect(await count('users')).to.equal(users);
    });

    it('when non-admins list or read users, then 403 FORBIDDEN', async () => {
      for (const username of ['finance', 'auditor', 'officer.abc', 'enterprise', 'poverty']) {
        expectError(await (await t.as(username)).get('/api/v1/users'), 403, 'FORBIDDEN');
      }
    });

    it('when the id is unknown, then 404 NOT_FOUND; when it is not a uuid, then 400', async () => {
      expectError(await (await t.as('admin')).get(`/api/v1/users/${crypto.randomUUID()}`), 404, 'NOT_FOUND');
      expectError(await (await t.as('admin')).patch(`/api/v1/users/${crypto.randomUUID()}`).send({ displayName: 'x' }), 404, 'NOT_FOUND');
      const bad = await (await t.as('admin')).get('/api/v1/users/12345');
      expectError(bad, 400, 'VALIDATION_FAILED');
      expect(detailsOf(bad)[0]).to.include({ in: 'params', path: 'id' });
    });

    it('when the password is too short, the user name has bad characters or the role is unknown, then 400 for each', async () => {
      const res = await createAsAdmin(newUser('Bad Name!', { password: 'short', role: 'superuser' }));
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(detailsOf(res).map((d) => d.path)).to.have.members(['username', 'password', 'role']);
      expect(JSON.stringify(res.body)).not.to.include('short"');
    });

    it('when a PATCH is empty or tries to change the role, then 400', async () => {
      const [{ id }] = await t.db.dataSource.query(`SELECT id FROM users WHERE username = 'new.poverty'`);
      expectError(await (await t.as('admin')).patch(`/api/v1/users/${id}`).send({}), 400, 'VALIDATION_FAILED');
      const res = await (await t.as('admin')).patch(`/api/v1/users/${id}`).send({ role: 'admin' });
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(detailsOf(res)[0]).to.include({ path: 'role' });
    });

    it('when the list is filtered by role, then only that role comes back', async () => {
      const res = await (await t.as('admin')).get('/api/v1/users?role=loan_officer&limit=200');
      expect(res.status).to.equal(200);
      expect(res.body.items.length).to.be.greaterThan(1);
      expect(res.body.items.every((u: { role: string }) => u.role === 'loan_officer')).to.equal(true);
      expect(res.body.total).to.equal(res.body.items.length);
    });
  });

  describe('changing a password', () => {
    it('when the admin sets a new password, then the new one logs in, the old one does not, and the audit holds neither', async () => {
      const [{ id }] = await t.db.dataSource.query(`SELECT id FROM users WHERE username = 'new.finance'`);
      const res = await (await t.as('admin')).patch(`/api/v1/users/${id}`).send({ password: NEW_PASSWORD });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(JSON.stringify(res.body)).not.to.match(/password|hash/i);

      expect((await login('new.finance', NEW_PASSWORD)).status).to.equal(200);
      expectError(await login('new.finance', DEMO_PASSWORD), 401, 'INVALID_CREDENTIALS');

      const [entry] = await t.db.dataSource.query(
        `SELECT action, request_id, before, after FROM audit_log WHERE entity_type = 'user' AND entity_id = $1 ORDER BY id DESC LIMIT 1`,
        [id],
      );
      expect(entry.action).to.equal('update_with_password_reset');
      expect(entry.request_id).to.equal(res.headers['x-request-id']);
      const snapshot = JSON.stringify([entry.before, entry.after]);
      expect(snapshot).not.to.include(NEW_PASSWORD);
      expect(snapshot).not.to.include(DEMO_PASSWORD);
      expect(snapshot).not.to.match(/password|hash|scrypt/i);
    });
  });

  describe('ending sessions at a password reset', () => {
    it('when the admin sets a new password, then the tokens issued before are refused (401), a new login works, others keep theirs', async () => {
      const [{ id }] = await t.db.dataSource.query(`SELECT id FROM users WHERE username = 'new.finance'`);
      const before = await login('new.finance', NEW_PASSWORD);
      expect(before.status, JSON.stringify(before.body)).to.equal(200);
      const me = (token: string) => t.request().get('/api/v1/me').set('Authorization', `Bearer ${token}`);
      expect((await me(before.body.token)).status).to.equal(200);

      const THIRD_PASSWORD = 'Third#Pass2026';
      expect((await (await t.as('admin')).patch(`/api/v1/users/${id}`).send({ password: THIRD_PASSWORD })).status).to.equal(200);
      const refused = await me(before.body.token);
      expectError(refused, 401, 'UNAUTHENTICATED');
      expect(refused.body.error.message).to.match(/log in again/);

      const after = await login('new.finance', THIRD_PASSWORD);
      expect(after.status).to.equal(200);
      expect((await me(after.body.token)).status).to.equal(200);
      expect((await (await t.as('admin')).get('/api/v1/me')).status, 'the admin who reset it keeps their session').to.equal(200);
      // A change that sets no password leaves the sessions alone.
      expect((await (await t.as('admin')).patch(`/api/v1/users/${id}`).send({ displayName: '测试 改名' })).status).to.equal(200);
      expect((await me(after.body.token)).status).to.equal(200);
    });
  });

  describe('changing your own password', () => {
    const FOURTH_PASSWORD = 'Fourth#Pass2026';
    it('when a user gives the current password and a new one, then 200 with a new token; the old token, the old password and other sessions end', async () => {
      const first = await login('new.finance', 'Third#Pass2026');
      const second = await login('new.finance', 'Third#Pass2026');
      expect([first.status, second.status]).to.deep.equal([200, 200]);
      const as = (token: string) => ({
        me: () => t.request().get('/api/v1/me').set('Authorization', `Bearer ${token}`),
        change: (body: object) => t.request().post('/api/v1/auth/password').set('Authorization', `Bearer ${token}`).send(body),
      });
      const wrong = await as(first.body.token).change({ currentPassword: 'Not#ThePassword1', newPassword: FOURTH_PASSWORD });
      expectError(wrong, 422, 'RULE_VIOLATION');
      expect(detailsOf(wrong)[0]).to.include({ field: 'currentPassword', rule: 'CURRENT_PASSWORD' });
      const same = await as(first.body.token).change({ currentPassword: 'Third#Pass2026', newPassword: 'Third#Pass2026' });
      expectError(same, 400, 'VALIDATION_FAILED');
      expect(detailsOf(same).map((d) => d.path)).to.deep.equal(['newPassword']);
      expectError(await as(first.body.token).change({ currentPassword: 'Third#Pass2026', newPassword: 'short' }), 400, 'VALIDATION_FAILED');
      expect((await as(first.body.token).me()).status, 'refusals change nothing').to.equal(200);

      const changed = await as(first.body.token).change({ currentPassword: 'Third#Pass2026', newPassword: FOURTH_PASSWORD });
      expect(changed.status, JSON.stringify(changed.body)).to.equal(200);
      expect(changed.body.user.username).to.equal('new.finance');
      expect((await as(changed.body.token).me()).status, 'the new token works').to.equal(200);
      expectError(await as(first.body.token).me(), 401, 'UNAUTHENTICATED');
      expectError(await as(second.body.token).me(), 401, 'UNAUTHENTICATED');
      expectError(await login('new.finance', 'Third#Pass2026'), 401, 'INVALID_CREDENTIALS');
      expect((await login('new.finance', FOURTH_PASSWORD)).status).to.equal(200);

      const [entry] = await t.db.dataSource.query(
        `SELECT action, actor_user_id, before, after, request_id FROM audit_log WHERE entity_type = 'user' AND entity_id = $1 ORDER BY id DESC LIMIT 1`,
        [changed.body.user.id],
      );
      expect(entry).to.include({ action: 'change_own_password', actor_user_id: changed.body.user.id, request_id: changed.headers['x-request-id'] });
      expect(JSON.stringify(entry)).not.to.match(/Pass2026|scrypt/);
    });

    it('when the current password is guessed wrong too often, then 429 as for logins, even with the right one', async () => {
      const { body } = await login('new.finance', FOURTH_PASSWORD);
      const change = (currentPassword: string) =>
        t.request().post('/api/v1/auth/password').set('Authorization', `Bearer ${body.token}`).send({ currentPassword, newPassword: 'Fifth#Pass2026' });
      // The failed logins of the tests above count too, as they would for a login.
      const [{ failed }] = await t.db.dataSource.query(
        `SELECT count(*)::int AS failed FROM login_attempts WHERE username = 'new.finance' AND NOT succeeded AND attempted_at > now() - $1::interval`,
        [`${t.config.loginWindowMinutes} minutes`],
      );
      expect(failed).to.be.lessThan(t.config.loginMaxFailures);
      for (let i = failed; i < t.config.loginMaxFailures; i += 1) expectError(await change(`Wrong#Guess${i}x`), 422, 'RULE_VIOLATION');
      expectError(await change(FOURTH_PASSWORD), 429, 'RATE_LIMITED');
      expect((await t.request().get('/api/v1/me').set('Authorization', `Bearer ${body.token}`)).status, 'the session itself goes on').to.equal(200);
    });
  });

  describe('keeping an administrator', () => {
    it('when the last two active admins disable each other at the same moment, then one stays active (422 LAST_ADMIN for the other)', async () => {
      const x = await createAsAdmin(newUser('admin.x', { role: 'admin', regionCode: '410200' }));
      const y = await createAsAdmin(newUser('admin.y', { role: 'admin', regionCode: '410200' }));
      expect([x.status, y.status]).to.deep.equal([201, 201]);
      const [seed] = await t.db.dataSource.query(`SELECT id FROM users WHERE username = 'admin'`);
      const asX = await t.as('admin.x');
      const asY = await t.as('admin.y');
      // Holds both rows so that both requests are authenticated (as active admins) before either writes.
      const holder = t.db.dataSource.createQueryRunner();
      try {
        expect((await asX.patch(`/api/v1/users/${seed.id}`).send({ active: false })).status).to.equal(200);
        await holder.startTransaction();
        await holder.query(`SELECT id FROM users WHERE id = ANY($1::uuid[]) FOR UPDATE`, [[x.body.id, y.body.id]]);
        const answers = Promise.all([
          asX.patch(`/api/v1/users/${y.body.id}`).send({ active: false }).then((res) => res),
          asY.patch(`/api/v1/users/${x.body.id}`).send({ active: false }).then((res) => res),
        ]);
        await eventually(async () => {
          const [{ waiting }] = await t.db.dataSource.query(`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%users%'`);
          return waiting >= 2;
        }, 'both requests wait for the held rows');
        await holder.commitTransaction();
        const [xDisablesY, yDisablesX] = await answers;
        const statuses = [xDisablesY.status, yDisablesX.status];
        expect(statuses.filter((status) => status === 200), JSON.stringify([xDisablesY.body, yDisablesX.body])).to.have.length(1);
        const refused = xDisablesY.status === 200 ? yDisablesX : xDisablesY;
        expectError(refused, 422, 'RULE_VIOLATION');
        expect(detailsOf(refused)[0]).to.include({ field: 'active', rule: 'LAST_ADMIN' });
        const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND active`);
        expect(n, 'active admins left').to.equal(1);
      } finally {
        if (holder.isTransactionActive) await holder.rollbackTransaction();
        await holder.release();
        await t.db.dataSource.query(`UPDATE users SET active = true WHERE username IN ('admin', 'admin.x', 'admin.y')`);
      }
    });
  });
});
