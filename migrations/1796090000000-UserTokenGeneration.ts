import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A password reset ends the sessions opened with the old password: each user has a token generation,
 * every token carries the generation it was issued under, and a token of an earlier generation is
 * refused (AuthService#authenticate). A reset (PATCH /users/:id with a password) moves the generation
 * on; the users' change notification (migration AuthUserNotify) tells every instance at commit.
 * Tokens issued before this migration carry none and count as generation 0, the default, so they
 * stay valid until a reset or their expiry.
 */
export class UserTokenGeneration1796090000000 implements MigrationInterface {
  name = 'UserTokenGeneration1796090000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "token_generation" integer NOT NULL DEFAULT 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "token_generation"`);
  }
}
