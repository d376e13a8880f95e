import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Searches of the register by resident ID number, one row each (entity IdNumberSearch): a user's
 * searches of the last hour limit their next ones (ID_SEARCHES_PER_HOUR), so that an account cannot
 * be used to run through ID numbers and learn who is registered as poor; the rows record who looked
 * up which household (no foreign key to households: the record stays when a household is deleted). A new, empty table: nothing to migrate.
 */
export class IdNumberSearches1796110000000 implements MigrationInterface {
  name = 'IdNumberSearches1796110000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "id_number_searches" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "user_id" uuid NOT NULL,
        "searched_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "household_id" uuid,
        CONSTRAINT "id_number_searches_pkey" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "id_number_searches_user_idx" ON "id_number_searches"("user_id", "searched_at")`);
    await queryRunner.query(`ALTER TABLE "id_number_searches" ADD CONSTRAINT "id_number_searches_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "id_number_searches" DROP CONSTRAINT "id_number_searches_user_id_fkey"`);
    await queryRunner.query(`DROP INDEX "public"."id_number_searches_user_idx"`);
    await queryRunner.query(`DROP TABLE "id_number_searches"`);
  }
}
