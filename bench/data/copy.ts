import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * One table's COPY … FROM STDIN, open for the whole load on its own connection: rows are encoded
 * in PostgreSQL's text format and sent in chunks. The generator goes on with the next county while
 * the server is still taking the previous one; it waits only when a table has more than
 * BACKLOG_LIMIT_BYTES unsent, so memory stays bounded.
 */
export type CopyValue = string | number | boolean | null;

const CHUNK_BYTES = 1 << 20;
const BACKLOG_LIMIT_BYTES = 64 << 20;

export class CopyWriter {
  private pending: string[] = [];
  private pendingLength = 0;
  private rowsWritten = 0;

  private constructor(
    readonly table: string,
    private readonly client: pg.Client,
    private readonly stream: NodeJS.WritableStream & { writableLength: number },
  ) {}

  static async open(url: string, table: string, columns: readonly string[]): Promise<CopyWriter> {
    const client = new pg.Client({ connectionString: url, application_name: `fupin-bench-copy-${table}` });
    await client.connect();
    const names = columns.map((c) => `"${c}"`).join(', ');
    const stream = client.query(copyFrom(`COPY "${table}" (${names}) FROM STDIN`));
    return new CopyWriter(table, client, stream as never);
  }

  get rows(): number {
    return this.rowsWritten;
  }

  row(values: readonly CopyValue[]): void {
    let line = '';
    for (let i = 0; i < values.length; i += 1) {
      if (i > 0) line += '\t';
      line += encode(values[i]!);
    }
    line += '\n';
    this.pending.push(line);
    this.pendingLength += line.length;
    this.rowsWritten += 1;
    if (this.pendingLength >= CHUNK_BYTES) this.sendPending();
  }

  /** Sends what is buffered; waits only while the connection's backlog is above the limit. */
  async flush(): Promise<void> {
    this.sendPending();
    while (this.stream.writableLength > BACKLOG_LIMIT_BYTES) await once(this.stream, 'drain');
  }

  /** Ends the COPY (the server commits it) and closes the connection. */
  async close(): Promise<void> {
    this.sendPending();
    this.stream.end();
    await finished(this.stream);
    await this.client.end();
  }

  private sendPending(): void {
    if (this.pending.length === 0) return;
    this.stream.write(this.pending.join(''));
    this.pending = [];
    this.pendingLength = 0;
  }
}

/** PostgreSQL COPY text format: \N for NULL; backslash, tab, newline and carriage return escaped. */
function encode(value: CopyValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;
}

/** A set of writers, opened together and closed together. */
export class CopySet<K extends string> {
  private constructor(private readonly writers: Record<K, CopyWriter>) {}

  static async open<K extends string>(url: string, tables: Record<K, { table: string; columns: readonly string[] }>): Promise<CopySet<K>> {
    const entries = await Promise.all(
      (Object.entries(tables) as Array<[K, { table: string; columns: readonly string[] }]>).map(async ([key, spec]) => [key, await CopyWriter.open(url, spec.table, spec.columns)] as const),
    );
    return new CopySet(Object.fromEntries(entries) as Record<K, CopyWriter>);
  }

  get(key: K): CopyWriter {
    return this.writers[key];
  }

  async flush(): Promise<void> {
    for (const writer of Object.values<CopyWriter>(this.writers)) await writer.flush();
  }

  async close(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const writer of Object.values<CopyWriter>(this.writers)) {
      await writer.close();
      counts[writer.table] = (counts[writer.table] ?? 0) + writer.rows;
    }
    return counts;
  }
}
