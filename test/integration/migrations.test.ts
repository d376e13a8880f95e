import { expect } from 'chai';
import { createDataSource } from '../../src/shared/db/data-source';
import { migrateDatabase } from '../../src/shared/db/migrate';
import { pendingSchemaChanges } from '../../src/shared/db/schema-diff';
import { createTestDatabase, type TestDatabase } from '../support/db';

describe('migrations', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  it('when the migrations have run, then the entities and the schema agree (generate yields nothing)', async () => {
    const { up } = await pendingSchemaChanges(db.dataSource);
    expect(up, up.join('\n')).to.deep.equal([]);
  });

  it('when every migration is reverted and applied again, then the schema still agrees', async () => {
    const empty = await createTestDatabase({ seeded: false });
    try {
      await migrateDatabase(empty.dataSource);
      const applied = empty.dataSource.migrations.length;
      for (let i = 0; i < applied; i += 1) await empty.dataSource.undoLastMigration();
      const [{ count }] = await empty.dataSource.query(
        `SELECT count(*)::int AS count FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`,
      );
      expect(count).to.equal(0);
      await migrateDatabase(empty.dataSource);
      expect((await pendingSchemaChanges(empty.dataSource)).up).to.deep.equal([]);
    } finally {
      await empty.drop();
    }
  });

  it('when two instances migrate one database at once, then both succeed and each migration runs once', async () => {
    const empty = await createTestDatabase({ seeded: false });
    const second = createDataSource({ url: empty.url, poolSize: 2 });
    await second.initialize();
    try {
      const [a, b] = await Promise.all([migrateDatabase(empty.dataSource), migrateDatabase(second)]);
      expect(a.length + b.length).to.equal(empty.dataSource.migrations.length);
      const [{ count }] = await empty.dataSource.query('SELECT count(*)::int AS count FROM migrations');
      expect(count).to.equal(empty.dataSource.migrations.length);
    } finally {
      await second.destroy();
      await empty.drop();
    }
  });

  describe('the audit log is append-only, enforced by the database', () => {
    before(async () => {
      await db.dataSource.query(
        `INSERT INTO audit_log (action, entity_type, entity_id, after) VALUES ('create', 'probe', '1', '{"a":1}')`,
      );
    });

    for (const statement of [
      `UPDATE audit_log SET action = 'tampered'`,
      `DELETE FROM audit_log`,
      `TRUNCATE audit_log`,
    ]) {
      it(`when a client runs "${statement}", then PostgreSQL refuses it`, async () => {
        let message = '';
        try {
          await db.dataSource.query(statement);
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message).to.match(/append-only/);
        const [{ count }] = await db.dataSource.query(`SELECT count(*)::int AS count FROM audit_log WHERE action = 'create' AND entity_type = 'probe'`);
        expect(count).to.equal(1);
      });
    }
  });

  it('when the demo data is loaded, then the 2015-10-24 benchmark rates of SPEC §2 are there', async () => {
    const rows = await db.dataSource.query(`SELECT tenor, rate_annual::text AS rate FROM reference_rates WHERE effective_date = '2015-10-24' ORDER BY tenor`);
    expect(rows).to.deep.equal([
      { tenor: '1y_to_5y', rate: '0.04750000' },
      { tenor: 'over_5y', rate: '0.04900000' },
      { tenor: 'up_to_1y', rate: '0.04350000' },
    ]);
  });
});
