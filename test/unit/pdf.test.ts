import { expect } from 'chai';
import {
  attachmentDisposition,
  createPdfDocument,
  finishPdf,
  layoutColumns,
  renderToBuffer,
  TableWriter,
  writeTitle,
  type PdfOptions,
  type TableColumn,
} from '../../src/shared/pdf';
import { extractPdfText, pdfPageCount } from './pdf-text';

const GENERATED_AT = new Date('2026-06-30T06:05:09Z'); // 14:05:09 in Asia/Shanghai
const options = (overrides: Partial<PdfOptions> = {}): PdfOptions => ({
  title: 'Test statement',
  pagination: 'total',
  generatedAt: GENERATED_AT,
  ...overrides,
});

interface Row {
  n: number;
  name: string;
  amount: string;
}
const COLUMNS: Array<TableColumn<Row>> = [
  { title: { zh: '序号', en: 'No.' }, width: 1, align: 'right', value: (r) => String(r.n) },
  { title: { zh: '借款人', en: 'Borrower' }, width: 4, value: (r) => r.name },
  { title: { zh: '金额（元）', en: 'Amount (yuan)' }, width: 2, align: 'right', value: (r) => r.amount },
];
const rows = (count: number): Row[] =>
  Array.from({ length: count }, (_, i) => ({ n: i + 1, name: `兰考县农户${i + 1}`, amount: `${50000 + i}.00` }));

describe('shared PDF layer (SPEC §7)', () => {
  it('when a document is rendered, then it is a PDF with Noto Sans SC embedded as a TrueType subset and its title in the metadata', async () => {
    const doc = createPdfDocument(options());
    writeTitle(doc, { zh: '百千万工程进度报告', en: 'Progress report' }, ['统计日期 As of: 2026-06-30']);
    const pdf = await renderToBuffer(doc);
    expect(pdf.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
    const raw = pdf.toString('latin1');
    expect(raw).to.contain('/FontFile2');
    expect(raw).to.match(/\/BaseFont \/[A-Z]{6}\+NotoSansSC/);
    const titleRef = /\/Title (\d+) 0 R/.exec(raw);
    expect(raw).to.contain(`\n${titleRef![1]} 0 obj\n(Test statement)\nendobj`);
    // A subset: the 10 MB font files do not travel with every document.
    expect(pdf.length).to.be.lessThan(300_000);
    const [page] = extractPdfText(pdf);
    expect(page).to.contain('百千万工程进度报告');
    expect(page).to.contain('统计日期 As of: 2026-06-30');
  });

  it('when a table runs over several pages with page totals, then each page repeats the header and says "第 x 页 / 共 y 页 · Page x of y" and when it was generated', async () => {
    const doc = createPdfDocument(options());
    const table = new TableWriter(doc, COLUMNS);
    for (const row of rows(150)) table.write(row);
    table.end();
    const pdf = await renderToBuffer(doc);
    const pages = extractPdfText(pdf);
    expect(pages.length).to.be.greaterThan(2);
    expect(pdfPageCount(pdf)).to.equal(pages.length);
    pages.forEach((text, index) => {
      expect(text, `page ${index + 1}`).to.contain('借款人\nBorrower');
      expect(text).to.contain(`第 ${index + 1} 页 / 共 ${pages.length} 页 · Page ${index + 1} of ${pages.length}`);
      expect(text).to.contain('生成时间 Generated at 2026-06-30 14:05:09 (UTC+8)');
    });
    const all = pages.join('\n');
    for (const n of [1, 75, 150]) expect(all).to.contain(`兰考县农户${n}\n${50000 + n - 1}.00`);
  });

  it('when a document streams, then earlier pages are written out while the table grows and each footer says "第 x 页 · Page x" without a total', async () => {
    const doc = createPdfDocument(options({ pagination: 'streaming' }));
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    const table = new TableWriter(doc, COLUMNS);
    await table.writeAll(rows(400));
    // Only the page being written is held: the earlier ones have left the buffer.
    expect(doc.bufferedPageRange().count).to.equal(1);
    expect(doc.bufferedPageRange().start).to.be.greaterThan(3);
    table.end();
    const ended = new Promise((resolve) => doc.on('end', resolve));
    finishPdf(doc);
    await ended;
    const pages = extractPdfText(Buffer.concat(chunks));
    pages.forEach((text, index) => {
      expect(text).to.contain(`第 ${index + 1} 页 · Page ${index + 1}`);
      expect(text).not.to.contain('共');
      expect(text).to.contain('借款人\nBorrower');
    });
    expect(table.rowCount).to.equal(400);
  });

  it('when a cell is longer than its column, then it wraps onto more lines, and beyond the line limit it is cut with "…"', async () => {
    const doc = createPdfDocument(options());
    const table = new TableWriter(doc, COLUMNS, { maxLinesPerRow: 3 });
    const long = '河南省开封市兰考县城关镇张庄村农民专业合作社'.repeat(2);
    const veryLong = '很长的借款人名称'.repeat(40);
    table.write({ n: 1, name: long, amount: '1.00' });
    table.write({ n: 2, name: veryLong, amount: '2.00' });
    table.end();
    const [page] = extractPdfText(await renderToBuffer(doc));
    const lines = page!.split('\n');
    // The long name is written over several runs, which together hold all of it.
    const first = lines.findIndex((l) => l.startsWith('河南省'));
    expect(lines.slice(first, first + 4).join('')).to.contain(long);
    const cut = lines.filter((l) => l.includes('很长的借款人名称'));
    expect(cut).to.have.length(3);
    expect(cut[2]!.endsWith('…')).to.equal(true);
  });

  it('when columns are laid out, then their widths keep the weights and fill the width exactly', () => {
    const boxes = layoutColumns([1, 4, 2], 40, 515.28);
    expect(boxes[0]!.x).to.equal(40);
    expect(boxes[1]!.width / boxes[0]!.width).to.be.closeTo(4, 1e-9);
    const last = boxes[boxes.length - 1]!;
    expect(last.x + last.width).to.equal(40 + 515.28);
    expect(() => layoutColumns([1, 0], 0, 100)).to.throw('positive');
  });

  it('when a file name is not ASCII, then the disposition is an attachment with a plain fallback and the UTF-8 name', () => {
    expect(attachmentDisposition('progress-2026-06-30-region.pdf')).to.equal(
      `attachment; filename="progress-2026-06-30-region.pdf"; filename*=UTF-8''progress-2026-06-30-region.pdf`,
    );
    expect(attachmentDisposition('进度"报告.pdf')).to.equal(
      `attachment; filename="_____.pdf"; filename*=UTF-8''${encodeURIComponent('进度"报告.pdf')}`,
    );
  });
});
