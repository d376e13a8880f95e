import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 6 item 4: a submission reminder refers to its settlement batch. The Jobs migration ran before
 * settlement_batches existed (Settlements), so the foreign key is added here, after both. Generated
 * from the entities; CASCADE because a reminder means nothing without its batch (and only a draft
 * can be deleted at all, by the Settlements triggers).
 */

export class JobsReminderBatch1795920993483 implements MigrationInterface {
  name = 'JobsReminderBatch1795920993483';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "submission_reminders" ADD CONSTRAINT "submission_reminders_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "settlement_batches"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "submission_reminders" DROP CONSTRAINT "submission_reminders_batch_id_fkey"`);
  }
}
