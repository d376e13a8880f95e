import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 7: every instance may keep the users it authenticated in memory (auth-user-cache.ts) because
 * PostgreSQL tells it, at the commit of any change, which user changed. A row-level trigger on users
 * notifies the user's id on the channel `fupin_auth_users`; a change to institutions (a branch's
 * head office decides an officer's bank) or to regions (a path or level decides a scope) notifies
 * '*', everyone. NOTIFY is transactional: listeners hear of a change when it commits, never of one
 * rolled back, and identical notifications of one transaction arrive once.
 */
export class AuthUserNotify1795970000000 implements MigrationInterface {
  name = 'AuthUserNotify1795970000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION auth_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('fupin_auth_users', OLD.id::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION auth_users_all_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('fupin_auth_users', '*');
        RETURN NULL;
      END $$`);
    await queryRunner.query(`CREATE TRIGGER "users_auth_notify" AFTER UPDATE OR DELETE ON "users" FOR EACH ROW EXECUTE FUNCTION auth_user_changed()`);
    await queryRunner.query(`CREATE TRIGGER "users_auth_notify_truncate" AFTER TRUNCATE ON "users" FOR EACH STATEMENT EXECUTE FUNCTION auth_users_all_changed()`);
    for (const table of ['institutions', 'regions']) {
      await queryRunner.query(
        `CREATE TRIGGER "${table}_auth_notify" AFTER UPDATE OR DELETE OR TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION auth_users_all_changed()`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['regions', 'institutions']) await queryRunner.query(`DROP TRIGGER "${table}_auth_notify" ON "${table}"`);
    await queryRunner.query(`DROP TRIGGER "users_auth_notify_truncate" ON "users"`);
    await queryRunner.query(`DROP TRIGGER "users_auth_notify" ON "users"`);
    await queryRunner.query(`DROP FUNCTION auth_users_all_changed()`);
    await queryRunner.query(`DROP FUNCTION auth_user_changed()`);
  }
}
