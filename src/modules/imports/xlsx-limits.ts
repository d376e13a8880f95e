import { createInflateRaw } from 'node:zlib';
import { DomainError } from '../../shared/http/errors';

/**
 * Limits an uploaded workbook before anything parses it (SPEC §9 imports; a 20 MB upload may be a
 * zip bomb). The archive's entries are inflated once here, the output counted and thrown away, so
 * the sizes its directory states are not trusted: a workbook unpacking to more than 128 MB is
 * refused (413), and so is a sheet row with more cells than any import reads (a few rows of
 * thousands of cells once made exceljs hold gigabytes). The entries must lie back to back before the
 * central directory, as the streaming reader walks them, so that no entry is hidden from this count.
 */

/** The most a workbook may unpack to. */
export const MAX_UNPACKED_XLSX_BYTES = 128 * 1024 * 1024;
/** The most cells one sheet row may hold: an import has at most a few dozen columns. */
export const MAX_CELLS_PER_ROW = 1_000;

interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  localOffset: number;
}

const unreadable = () =>
  new DomainError('VALIDATION_FAILED', 'the file is not a readable XLSX workbook', [
    { row: null, column: null, rule: 'XLSX_UNREADABLE', message: 'the file is not a readable XLSX workbook' },
  ]);
const tooLarge = () => new DomainError('PAYLOAD_TOO_LARGE', 'the workbook unpacks to more than 128 MB; split it into several files');
const tooWide = (cells: number) =>
  new DomainError('VALIDATION_FAILED', `a row of the workbook has more than ${MAX_CELLS_PER_ROW} cells`, [
    { row: null, column: null, rule: 'XLSX_ROW_TOO_WIDE', message: `a row has ${cells} cells or more; an import reads a few dozen columns` },
  ]);

export async function checkXlsxLimits(zip: Buffer): Promise<void> {
  const { entries, directoryOffset } = centralDirectory(zip);
  let budget = MAX_UNPACKED_XLSX_BYTES;
  let expected = 0;
  for (const entry of [...entries].sort((a, b) => a.localOffset - b.localOffset)) {
    // Back to back: each entry starts where the previous one ended (its data descriptor allowed).
    if (entry.localOffset < expected || entry.localOffset > expected + 16) throw unreadable();
    const at = entry.localOffset;
    if (at + 30 > zip.length || zip.readUInt32LE(at) !== 0x04034b50) throw unreadable();
    const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
    const end = start + entry.compressedSize;
    if (end > directoryOffset) throw unreadable();
    const counter = /^xl\/worksheets\/[^/]+\.xml$/.test(entry.name) ? new RowCellCounter() : null;
    budget -= await inflatedSize(entry, zip.subarray(start, end), budget, counter);
    expected = end;
  }
  if (directoryOffset < expected || directoryOffset > expected + 16) throw unreadable();
}

/** The entries of the central directory; a ZIP64 or split archive is not a workbook this reads. */
function centralDirectory(zip: Buffer): { entries: ZipEntry[]; directoryOffset: number } {
  const lowest = Math.max(0, zip.length - 22 - 0xffff);
  for (let at = zip.length - 22; at >= lowest; at -= 1) {
    if (zip.readUInt32LE(at) !== 0x06054b50) continue;
    const count = zip.readUInt16LE(at + 10);
    const directoryOffset = zip.readUInt32LE(at + 16);
    if (count === 0xffff || directoryOffset === 0xffffffff || directoryOffset > at) throw unreadable();
    const entries: ZipEntry[] = [];
    let offset = directoryOffset;
    for (let n = 0; n < count; n += 1) {
      if (offset + 46 > at || zip.readUInt32LE(offset) !== 0x02014b50) throw unreadable();
      const nameLength = zip.readUInt16LE(offset + 28);
      entries.push({
        name: zip.toString('utf8', offset + 46, offset + 46 + nameLength),
        flags: zip.readUInt16LE(offset + 8),
        method: zip.readUInt16LE(offset + 10),
        compressedSize: zip.readUInt32LE(offset + 20),
        localOffset: zip.readUInt32LE(offset + 42),
      });
      offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
    }
    return { entries, directoryOffset };
  }
  throw unreadable();
}

/** Inflates one entry, counting; refuses it past the budget left, or a row too wide. */
function inflatedSize(entry: ZipEntry, data: Buffer, budget: number, counter: RowCellCounter | null): Promise<number> {
  if (entry.flags & 0x1) return Promise.reject(unreadable()); // encrypted
  if (entry.method === 0) {
    if (data.length > budget) return Promise.reject(tooLarge());
    counter?.scan(data);
    return counter?.tooWide ? Promise.reject(tooWide(counter.widest)) : Promise.resolve(data.length);
  }
  if (entry.method !== 8) return Promise.reject(unreadable());
  return new Promise((resolve, reject) => {
    const inflate = createInflateRaw();
    let size = 0;
    let failed = false;
    const fail = (error: DomainError) => {
      if (failed) return;
      failed = true;
      inflate.destroy();
      reject(error);
    };
    inflate.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > budget) return fail(tooLarge());
      counter?.scan(chunk);
      if (counter?.tooWide) fail(tooWide(counter.widest));
    });
    inflate.on('error', () => fail(unreadable()));
    inflate.on('end', () => {
      if (!failed) resolve(size);
    });
    inflate.end(data);
  });
}

/**
 * Counts the cells of each row in a sheet's XML as it streams past: the element names after each
 * `<`, namespace prefix dropped — `row` starts a row, `c` is a cell. Chunk boundaries may cut a name.
 */
class RowCellCounter {
  widest = 0;
  private cells = 0;
  private name: number[] | null = null;

  get tooWide(): boolean {
    return this.widest > MAX_CELLS_PER_ROW;
  }

  scan(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i += 1) {
      const byte = chunk[i]!;
      if (byte === 0x3c) {
        this.name = [];
      } else if (this.name) {
        // A name ends at white space, '>' or '/' (a closing tag's leading '/' makes an empty name).
        if (byte === 0x20 || byte === 0x3e || byte === 0x2f || byte === 0x09 || byte === 0x0a || byte === 0x0d) {
          this.element(this.name);
          this.name = null;
        } else if (this.name.length < 16) {
          this.name.push(byte);
        }
      }
    }
  }

  private element(name: number[]): void {
    const colon = name.lastIndexOf(0x3a);
    const local = colon >= 0 ? name.slice(colon + 1) : name;
    if (local.length === 3 && local[0] === 0x72 && local[1] === 0x6f && local[2] === 0x77) {
      this.cells = 0;
    } else if (local.length === 1 && local[0] === 0x63) {
      this.cells += 1;
      if (this.cells > this.widest) this.widest = this.cells;
    }
  }
}
