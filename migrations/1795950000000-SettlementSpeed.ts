import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 7, settlement at province scale:
 * - linkages (source_enterprise_id): driven households are counted by enterprise; without it every
 *   count scanned all linkages (measured: the province settlement 476 s → 280 s with it alone);
 * - loan_events (loan_id, effective_date) WHERE kind = 'extended': extensions in a period, without
 *   reading every event of every loan;
 * - the guard that keeps the lines of a batch that left draft unchanged runs once per statement
 *   over the batches it touched (transition tables), instead of one query per inserted or deleted
 *   line. Same rule, same error; transition tables need one trigger per event;
 * - settlement_lines (adjusts_line_id) only where it is set: regular lines (all but a few) have none,
 *   and a full index cost every line of a province's settlement an entry that no look-up uses.
 */
export class SettlementSpeed1795950000000 implements MigrationInterface {
  name = 'SettlementSpeed1795950000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "linkages_source_enterprise_idx" ON "linkages"("source_enterprise_id")`);
    await queryRunner.query(`CREATE INDEX "loan_events_extended_idx" ON "loan_events"("loan_id", "effective_date") WHERE kind = 'extended'`);
    await queryRunner.query(`DROP INDEX "public"."settlement_lines_adjusts_idx"`);
    await queryRunner.query(`CREATE INDEX "settlement_lines_adjusts_idx" ON "settlement_lines"("adjusts_line_id") WHERE adjusts_line_id IS NOT NULL`);
    await queryRunner.query(`DROP TRIGGER "settlement_lines_frozen" ON "settlement_lines"`);
    await queryRunner.query(`DROP FUNCTION settlement_lines_guard()`);
    await queryRunner.query(`
      CREATE FUNCTION settlement_lines_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        frozen record;
      BEGIN
        IF TG_OP = 'INSERT' THEN
          SELECT b.batch_number, b.status INTO frozen FROM settlement_batches b
           WHERE b.id IN (SELECT DISTINCT batch_id FROM added) AND b.status <> 'draft' LIMIT 1;
        ELSIF TG_OP = 'DELETE' THEN
          SELECT b.batch_number, b.status INTO frozen FROM settlement_batches b
           WHERE b.id IN (SELECT DISTINCT batch_id FROM removed) AND b.status <> 'draft' LIMIT 1;
        ELSE
          SELECT b.batch_number, b.status INTO frozen FROM settlement_batches b
           WHERE b.id IN (SELECT batch_id FROM added UNION SELECT batch_id FROM removed) AND b.status <> 'draft' LIMIT 1;
        END IF;
        IF FOUND THEN
          RAISE EXCEPTION 'settlement batch % is %: its lines can no longer change', frozen.batch_number, frozen.status
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NULL;
      END
      $$
    `);
    await queryRunner.query(
      `CREATE TRIGGER "settlement_lines_frozen_insert" AFTER INSERT ON "settlement_lines" REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION settlement_lines_guard()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "settlement_lines_frozen_update" AFTER UPDATE ON "settlement_lines" REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION settlement_lines_guard()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "settlement_lines_frozen_delete" AFTER DELETE ON "settlement_lines" REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION settlement_lines_guard()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const event of ['insert', 'update', 'delete']) await queryRunner.query(`DROP TRIGGER "settlement_lines_frozen_${event}" ON "settlement_lines"`);
    await queryRunner.query(`DROP FUNCTION settlement_lines_guard()`);
    await queryRunner.query(`
      CREATE FUNCTION settlement_lines_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        touched uuid[];
        frozen record;
      BEGIN
        IF TG_OP = 'INSERT' THEN
          touched := ARRAY[NEW.batch_id];
        ELSIF TG_OP = 'DELETE' THEN
          touched := ARRAY[OLD.batch_id];
        ELSE
          touched := ARRAY[OLD.batch_id, NEW.batch_id];
        END IF;
        SELECT batch_number, status INTO frozen FROM settlement_batches WHERE id = ANY(touched) AND status <> 'draft' LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'settlement batch % is %: its lines can no longer change', frozen.batch_number, frozen.status
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_OP = 'DELETE' THEN
          RETURN OLD;
        END IF;
        RETURN NEW;
      END
      $$
    `);
    await queryRunner.query(
      `CREATE TRIGGER "settlement_lines_frozen" BEFORE INSERT OR UPDATE OR DELETE ON "settlement_lines" FOR EACH ROW EXECUTE FUNCTION settlement_lines_guard()`,
    );
    await queryRunner.query(`DROP INDEX "public"."settlement_lines_adjusts_idx"`);
    await queryRunner.query(`CREATE INDEX "settlement_lines_adjusts_idx" ON "settlement_lines"("adjusts_line_id")`);
    await queryRunner.query(`DROP INDEX "public"."loan_events_extended_idx"`);
    await queryRunner.query(`DROP INDEX "public"."linkages_source_enterprise_idx"`);
  }
}
