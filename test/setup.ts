import { stopTestServer } from './support/db';

/**
 * Root hooks for mocha. The database harness starts lazily (test/support/db.ts), so unit tests of
 * the pure core never start PostgreSQL; when one was started it is stopped here.
 */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopTestServer();
  },
};
