import type { EntityManager } from 'typeorm';

/** A column to fill: its name, the PostgreSQL element type of its parameter array, and how a row gives its value. */
export type BulkColumn<T> = readonly [name: string, arrayType: 'uuid' | 'text' | 'date' | 'int' | 'bool' | 'numeric' | 'timestamptz', value: (row: T) => unknown];

/** Rows per statement: big enough to be quick, small enough to keep each statement's parameters modest. */
export const BULK_CHUNK_ROWS = 1000;

/**
 * Inserts rows with one statement per chunk: every column travels as one array parameter and
 * `unnest` turns the arrays back into rows, so a chunk of 1,000 rows is one round trip whatever the
 * number of columns. Values are bound, never spliced into the SQL; table and column names come
 * from the seed's own code.
 */
export async function bulkInsert<T>(manager: EntityManager, table: string, columns: ReadonlyArray<BulkColumn<T>>, rows: readonly T[]): Promise<void> {
  const names = columns.map(([name]) => `"${name}"`).join(', ');
  const arrays = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  const sql = `INSERT INTO "${table}" (${names}) SELECT * FROM unnest(${arrays})`;
  for (let start = 0; start < rows.length; start += BULK_CHUNK_ROWS) {
    const chunk = rows.slice(start, start + BULK_CHUNK_ROWS);
    await manager.query(sql, columns.map(([, , value]) => chunk.map(value)));
  }
}
