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

  it('when linkages the old rules let overlap exist, then LinkageNoOverlap ends the earlier at the later one\'s start, audited; reverted after a renewal past an end date, it still goes back', async () => {
    const own = await createTestDatabase();
    const q = (sql: string, params: unknown[] = []) => own.dataSource.query(sql, params);
    const NAME = 'LinkageNoOverlap1796010000000';
    const undoLinkageNoOverlap = async () => {
      while ((await q('SELECT 1 FROM migrations WHERE name = $1', [NAME])).length > 0) await own.dataSource.undoLastMigration();
    };
    /** A second linkage of the same source, household and type as `id`, starting `days` after it, not ended. */
    const renewal = async (id: string, days: number): Promise<string> => {
      await q('CREATE TEMP TABLE renewal AS SELECT * FROM linkages WHERE id = $1', [id]);
      const [{ id: created }] = await q('SELECT gen_random_uuid() AS id');
      await q(`UPDATE renewal SET id = $1, start_date = start_date + $2::int, end_date = NULL, ended_on = NULL, end_reason = NULL`, [created, days]);
      await q('INSERT INTO linkages SELECT * FROM renewal');
      await q('DROP TABLE renewal');
      return created;
    };
    try {
      await undoLinkageNoOverlap();
      const [a, b] = await q(`SELECT id FROM linkages WHERE ended_on IS NULL AND (end_date IS NULL OR end_date > start_date + 60) ORDER BY id LIMIT 2`);
      // Ended on a future date, and a renewal starting before it: allowed by the old partial unique index.
      await q(`UPDATE linkages SET ended_on = start_date + 400 WHERE id = $1`, [a.id]);
      const renewed = await renewal(a.id, 30);
      await migrateDatabase(own.dataSource);

      const [ended] = await q(`SELECT ended_on::text AS ended_on, end_reason FROM linkages WHERE id = $1`, [a.id]);
      const [later] = await q(`SELECT start_date::text AS start FROM linkages WHERE id = $1`, [renewed]);
      expect(ended).to.deep.equal({ ended_on: later.start, end_reason: `superseded by linkage ${renewed} (migration LinkageNoOverlap)` });
      const audit = await q(`SELECT action, after->>'endedOn' AS ended_on FROM audit_log WHERE entity_type = 'linkage' AND entity_id = $1 AND request_id = 'migration:LinkageNoOverlap'`, [a.id]);
      expect(audit).to.deep.equal([{ action: 'end', ended_on: later.start }]);
      expect((await q(`SELECT count(*)::int AS n FROM audit_log WHERE request_id = 'migration:LinkageNoOverlap'`))[0].n, 'only the overlapping row').to.equal(1);

      // Under the new rules an agreement past its end_date may be followed by a renewal, neither ended.
      await q(`UPDATE linkages SET end_date = start_date + 100 WHERE id = $1`, [b.id]);
      await renewal(b.id, 200);
      await undoLinkageNoOverlap();
      const [agreement] = await q(`SELECT ended_on::text AS ended_on, (end_date + 1)::text AS day_after_end FROM linkages WHERE id = $1`, [b.id]);
      expect(agreement.ended_on).to.equal(agreement.day_after_end);
      await migrateDatabase(own.dataSource);
      expect((await pendingSchemaChanges(own.dataSource)).up).to.deep.equal([]);
    } finally {
      await own.drop();
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
