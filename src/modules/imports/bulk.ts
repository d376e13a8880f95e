import type { EntityManager } from 'typeorm';
import type { RegionLevel } from '../regions/region.entity';

/**
 * Set-based writing and reading for imports (STYLE: bulk work is set-based): rows go in as one
 * INSERT … SELECT FROM unnest(…) per chunk, one array parameter per column, so 10,000 rows are ten
 * statements whatever the number of columns; look-ups take arrays (`= ANY($1)`).
 */
export const INSERT_CHUNK_ROWS = 1_000;

/** A column to insert: its name, its PostgreSQL type (the array parameter is cast to `type[]`), its value. */
export type BulkColumn<T> = readonly [name: string, sqlType: string, value: (row: T) => unknown];

export async function insertRows<T>(manager: EntityManager, table: string, columns: ReadonlyArray<BulkColumn<T>>, rows: readonly T[]): Promise<void> {
  const names = columns.map(([name]) => name).join(', ');
  const arrays = columns.map(([, sqlType], index) => `$${index + 1}::${sqlType}[]`).join(', ');
  const sql = `INSERT INTO ${table} (${names}) SELECT * FROM unnest(${arrays})`;
  for (let start = 0; start < rows.length; start += INSERT_CHUNK_ROWS) {
    const chunk = rows.slice(start, start + INSERT_CHUNK_ROWS);
    await manager.query(sql, columns.map(([, , value]) => chunk.map(value)));
  }
}

export interface RegionRow {
  code: string;
  level: RegionLevel;
  path: string;
}

export async function regionsByCode(manager: EntityManager, codes: string[]): Promise<Map<string, RegionRow>> {
  if (codes.length === 0) return new Map();
  const rows: RegionRow[] = await manager.query('SELECT code, level, path FROM regions WHERE code = ANY($1::varchar[])', [codes]);
  return new Map(rows.map((r) => [r.code, r]));
}

/** The values of `column` in `table` among `values`: which of them already exist. */
export async function existing(manager: EntityManager, table: string, column: string, sqlType: string, values: string[]): Promise<Set<string>> {
  if (values.length === 0) return new Set();
  const rows: Array<{ value: string }> = await manager.query(`SELECT ${column} AS value FROM ${table} WHERE ${column} = ANY($1::${sqlType}[])`, [values]);
  return new Set(rows.map((r) => r.value));
}

/**
 * The narrowest region holding every imported record (`410200/410225/` when all are in Lankao), so
 * that the one audit entry of an import is visible to that region's auditors.
 */
export function commonRegionPath(paths: Iterable<string>): string | null {
  let common: string[] | undefined;
  for (const path of paths) {
    const parts = path.split('/').filter(Boolean);
    if (!common) {
      common = parts;
      continue;
    }
    let same = 0;
    while (same < common.length && same < parts.length && common[same] === parts[same]) same += 1;
    common = common.slice(0, same);
  }
  return common && common.length > 0 ? `${common.join('/')}/` : null;
}
