import { expect } from 'chai';
import { deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { readSheet, XLSX_MEDIA_TYPE } from '../../src/modules/imports/sheet';
import { checkXlsxLimits, MAX_CELLS_PER_ROW, MAX_UNPACKED_XLSX_BYTES } from '../../src/modules/imports/xlsx-limits';
import { DomainError } from '../../src/shared/http/errors';

interface Entry {
  name: string;
  data: Buffer;
  /** The uncompressed size the archive states (a zip bomb may state a small one). */
  statedSize?: number;
}

/** A zip archive of deflated entries, written by hand so that its stated sizes and layout can lie. */
function zipOf(entries: Entry[], gapAfterFirst = 0): Buffer {
  const locals: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  entries.forEach((entry, index) => {
    const name = Buffer.from(entry.name);
    const compressed = deflateRawSync(entry.data);
    const stated = entry.statedSize ?? entry.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(stated, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(stated, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    const gap = index === 0 ? Buffer.alloc(gapAfterFirst) : Buffer.alloc(0);
    locals.push(local, name, compressed, gap);
    directory.push(central, name);
    offset += local.length + name.length + compressed.length + gap.length;
  });
  const directoryBytes = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directoryBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directoryBytes, end]);
}

const sheetXml = (rows: number, cellsPerRow: number) =>
  Buffer.from(
    `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
      Array.from({ length: rows }, (_, r) => `<row r="${r + 1}">${'<c t="n"><v>1</v></c>'.repeat(cellsPerRow)}</row>`).join('') +
      `</sheetData></worksheet>`,
  );

async function refusal(work: Promise<unknown>): Promise<{ code: string; rule: unknown }> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'refused').to.be.instanceOf(DomainError);
  const domain = error as DomainError;
  return { code: domain.code, rule: (domain.details as Array<{ rule?: string }> | undefined)?.[0]?.rule };
}

describe('XLSX limits before parsing (SPEC §9 imports: bounded memory whatever the upload)', () => {
  it('when a sheet row has more cells than an import reads, then XLSX_ROW_TOO_WIDE; a row at the limit passes', async () => {
    // 2,000 rows of 2,700 cells once made exceljs hold 1.8 GB for a 12.6 MB upload.
    expect(await refusal(checkXlsxLimits(zipOf([{ name: 'xl/worksheets/sheet1.xml', data: sheetXml(3, MAX_CELLS_PER_ROW + 1) }])))).to.deep.equal({
      code: 'VALIDATION_FAILED',
      rule: 'XLSX_ROW_TOO_WIDE',
    });
    // Prefixed elements are cells too.
    const prefixed = Buffer.from(`<x:worksheet><x:sheetData><x:row>${'<x:c><x:v>1</x:v></x:c>'.repeat(MAX_CELLS_PER_ROW + 1)}</x:row></x:sheetData></x:worksheet>`);
    expect((await refusal(checkXlsxLimits(zipOf([{ name: 'xl/worksheets/sheet1.xml', data: prefixed }])))).rule).to.equal('XLSX_ROW_TOO_WIDE');
    await checkXlsxLimits(zipOf([{ name: 'xl/worksheets/sheet1.xml', data: sheetXml(50, MAX_CELLS_PER_ROW) }]));
  });

  it('when an archive states small sizes but unpacks past the limit, then 413 (the directory is not believed)', async function () {
    this.timeout(60_000);
    const bomb = { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(MAX_UNPACKED_XLSX_BYTES + 1, 0x20), statedSize: 50_000 };
    expect(await refusal(checkXlsxLimits(zipOf([bomb])))).to.deep.equal({ code: 'PAYLOAD_TOO_LARGE', rule: undefined });
    // The budget is for the whole workbook, not each entry.
    const half = Buffer.alloc(MAX_UNPACKED_XLSX_BYTES / 2 + 1, 0x20);
    const halves = [
      { name: 'xl/a.xml', data: half },
      { name: 'xl/b.xml', data: half },
    ];
    expect((await refusal(checkXlsxLimits(zipOf(halves)))).code).to.equal('PAYLOAD_TOO_LARGE');
  });

  it('when bytes sit between entries (an entry the directory hides), or the file is not a zip, then XLSX_UNREADABLE', async () => {
    const entries = [
      { name: 'xl/a.xml', data: Buffer.from('<a/>') },
      { name: 'xl/b.xml', data: Buffer.from('<b/>') },
    ];
    await checkXlsxLimits(zipOf(entries));
    expect((await refusal(checkXlsxLimits(zipOf(entries, 100)))).rule).to.equal('XLSX_UNREADABLE');
    expect((await refusal(checkXlsxLimits(Buffer.from('not a workbook at all, but long enough to search')))).rule).to.equal('XLSX_UNREADABLE');
  });

  it('when a workbook is read, then its first tab is taken and a number cell reads as Excel shows it, without binary noise', async () => {
    const workbook = new ExcelJS.Workbook();
    const first = workbook.addWorksheet('data');
    first.addRow(['amount', 'rate', 'count']);
    first.addRow([1000 * 1.1, 0.1 + 0.2, 12]);
    workbook.addWorksheet('notes').addRow(['not this one']);
    const rows = await readSheet(XLSX_MEDIA_TYPE, Buffer.from(await workbook.xlsx.writeBuffer()));
    expect(rows).to.deep.equal([
      { row: 1, cells: ['amount', 'rate', 'count'] },
      { row: 2, cells: ['1100', '0.3', '12'] },
    ]);
  });
});
