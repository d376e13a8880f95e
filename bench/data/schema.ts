import type pg from 'pg';

/**
 * Bulk loading the usual way: keys, unique and exclusion constraints, indexes and foreign keys are
 * taken off the tables before COPY and put back afterwards, from the definitions PostgreSQL itself
 * reports (pg_get_constraintdef, pg_indexes). Putting them back builds each index once, sorted, and
 * validates every row against every key, unique or exclusion rule (one active linkage per source,
 * household and type on any day) and reference, so a generator bug cannot slip through; the
 * restored schema is compared with the one saved, definition by definition.
 * CHECK and NOT NULL constraints stay on during the load and check each row as it arrives.
 */
export interface SavedSchema {
  constraints: Array<{ table: string; name: string; type: 'p' | 'u' | 'x' | 'f'; definition: string }>;
  indexes: Array<{ table: string; name: string; definition: string }>;
}

const EXCLUDED_TABLES = ['migrations'];

export async function saveSchema(client: pg.Client): Promise<SavedSchema> {
  const constraints = await client.query(
    `SELECT c.conrelid::regclass::text AS table, c.conname AS name, c.contype AS type, pg_get_constraintdef(c.oid) AS definition
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
      WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'x', 'f') AND c.conrelid::regclass::text <> ALL($1)
      ORDER BY 1, 2`,
    [EXCLUDED_TABLES],
  );
  const indexes = await client.query(
    `SELECT i.tablename AS table, i.indexname AS name, i.indexdef AS definition
       FROM pg_indexes i
      WHERE i.schemaname = 'public' AND i.tablename <> ALL($1)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.connamespace = 'public'::regnamespace)
      ORDER BY 1, 2`,
    [EXCLUDED_TABLES],
  );
  return { constraints: constraints.rows, indexes: indexes.rows };
}

export async function dropKeysAndIndexes(client: pg.Client, saved: SavedSchema): Promise<void> {
  for (const c of saved.constraints.filter((x) => x.type === 'f')) await client.query(`ALTER TABLE ${c.table} DROP CONSTRAINT "${c.name}"`);
  for (const i of saved.indexes) await client.query(`DROP INDEX "${i.name}"`);
  for (const c of saved.constraints.filter((x) => x.type !== 'f')) await client.query(`ALTER TABLE ${c.table} DROP CONSTRAINT "${c.name}"`);
}

/** Keys first (foreign keys need them), then unique and exclusion constraints and indexes, then foreign keys. */
export async function restoreKeysAndIndexes(client: pg.Client, saved: SavedSchema, log: (line: string) => void): Promise<void> {
  const timed = async (label: string, sql: string) => {
    const started = Date.now();
    await client.query(sql);
    log(`  ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  };
  for (const type of ['p', 'u', 'x'] as const) {
    for (const c of saved.constraints.filter((x) => x.type === type)) await timed(c.name, `ALTER TABLE ${c.table} ADD CONSTRAINT "${c.name}" ${c.definition}`);
  }
  for (const i of saved.indexes) await timed(i.name, i.definition);
  for (const c of saved.constraints.filter((x) => x.type === 'f')) await timed(c.name, `ALTER TABLE ${c.table} ADD CONSTRAINT "${c.name}" ${c.definition}`);
}

/**
 * Every saved constraint is back with its definition unchanged, every index by its name (PostgreSQL
 * prints a partial index's re-created predicate with different casts), and nothing else was added.
 */
export async function sameSchema(client: pg.Client, saved: SavedSchema): Promise<string[]> {
  const now = await saveSchema(client);
  const key = (x: { table: string; name: string; definition: string }) => `${x.table}|${x.name}|${x.definition}`;
  const indexKey = (x: { table: string; name: string }) => `${x.table}|${x.name}|index`;
  const before = new Set([...saved.constraints.map(key), ...saved.indexes.map(indexKey)]);
  const after = new Set([...now.constraints.map(key), ...now.indexes.map(indexKey)]);
  return [...[...before].filter((k) => !after.has(k)).map((k) => `missing: ${k}`), ...[...after].filter((k) => !before.has(k)).map((k) => `extra: ${k}`)];
}

/**
 * The triggers that keep each loan's detail arrays (migration LoanDetailArrays) would rewrite them
 * when each COPY ends, keyed on a primary key that is off during the load: they are switched off for
 * it, and every loan's arrays are built once, set-based, when the keys are back (keptArraysRebuilt).
 */
async function keptArraysTriggers(client: pg.Client): Promise<Array<{ table: string; name: string }>> {
  const { rows } = await client.query<{ table: string; name: string }>(
    `SELECT t.tgrelid::regclass::text AS table, t.tgname AS name
       FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
      WHERE p.proname = 'loan_detail_arrays_changed' AND NOT t.tgisinternal
      ORDER BY 1, 2`,
  );
  return rows;
}

export async function keptArraysOff(client: pg.Client): Promise<number> {
  const triggers = await keptArraysTriggers(client);
  for (const t of triggers) await client.query(`ALTER TABLE ${t.table} DISABLE TRIGGER "${t.name}"`);
  return triggers.length;
}

export async function keptArraysRebuilt(client: pg.Client, log: (line: string) => void): Promise<void> {
  const triggers = await keptArraysTriggers(client);
  if (triggers.length === 0) return;
  for (const t of triggers) await client.query(`ALTER TABLE ${t.table} ENABLE TRIGGER "${t.name}"`);
  const started = Date.now();
  await client.query(`SELECT loan_detail_arrays_rebuild()`);
  log(`  every loan's detail arrays kept (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
