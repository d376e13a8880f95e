// Root hooks for mocha. The database harness starts lazily (see test/support/db.ts),
// so unit tests of the pure core never start PostgreSQL.
export const mochaHooks = {};
