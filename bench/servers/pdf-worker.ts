import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import PDFDocument from 'pdfkit';
import type { EntityManager } from 'typeorm';
import { streamLines, type StoredLine } from '../../src/modules/settlements/line-record';
import { SettlementBatch } from '../../src/modules/settlements/settlement-batch.entity';
import { subtotalsByModel } from '../../src/modules/settlements/settlement-draft';
import * as L from '../../src/modules/settlements/statement-layout';
import { STATEMENT_TITLE, writeStatement } from '../../src/modules/settlements/statement.pdf';
import { createDataSource } from '../../src/shared/db/data-source';
import { CJK_FONT, cjkFontPath, createPdfDocument, finishPdf, TableWriter } from '../../src/shared/pdf';
import { PAGE_MARGINS_PT } from '../../src/shared/pdf/document';
import { peakRssMb, send } from '../lib/child';

/**
 * One PDF of N statement lines, in a process of its own (peak memory is the PDF's), written to a
 * sink that counts and drops the bytes. The lines are the first N of a real settlement batch, read
 * from the database in chunks of 500 as the statement service reads them, inside the timing in
 * every mode:
 * - statement: the settlement statement writer (statement.pdf.ts) on the batch, cut to N lines;
 * - table: the shared PDF table writer (src/shared/pdf TableWriter) with the same columns;
 * - plain: the baseline, bare pdfkit writing each line's cells as one line of text, same CJK font
 *   and size, pages as pdfkit fills them.
 */
type Mode = 'statement' | 'table' | 'plain';

const CELLS = (l: StoredLine, labels: ReadonlyMap<string, string>): string[] => [
  String(l.lineNo), l.contractNumber, l.borrowerName, l.borrowerIdentifier, labels.get(l.modelCode) ?? l.modelCode, l.principal,
  l.openingBalance ?? '—', l.closingBalance ?? '—', String(l.days), l.interestRate ?? '—', l.interestSubsidy, l.feeSubsidyRate ?? '—',
  l.guaranteeFeeSubsidy, l.totalAmount, l.reason ?? '',
];
const HEADINGS: Array<[string, string, number]> = [
  ['序号', 'No.', 3.2], ['合同编号', 'Contract No.', 9], ['借款人', 'Borrower', 7.5], ['证件号码/信用代码', 'ID No. / USCC', 11.5], ['模式', 'Model', 8],
  ['本金', 'Principal', 7], ['期初余额', 'Opening bal.', 7], ['期末余额', 'Closing bal.', 7], ['天数', 'Days', 3], ['贴息率', 'Subsidy rate', 4.8],
  ['贴息', 'Interest subsidy', 6.2], ['担保费补贴率', 'Fee subsidy rate', 4.8], ['担保费补贴', 'Fee subsidy', 6.2], ['合计', 'Total', 6.2], ['说明', 'Note', 9.6],
];

async function* firstLines(manager: EntityManager, batchId: string, limit: number): AsyncGenerator<StoredLine[]> {
  let taken = 0;
  for await (const chunk of streamLines(manager, batchId, 500)) {
    const part = chunk.slice(0, limit - taken);
    taken += part.length;
    if (part.length > 0) yield part;
    if (taken >= limit) return;
  }
}

class CountingSink extends Writable {
  bytes = 0;
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.bytes += chunk.length;
    callback();
  }
}

async function main(): Promise<void> {
  const [url, mode, batchId, linesText] = process.argv.slice(2) as [string, Mode, string, string];
  const limit = Number(linesText);
  const dataSource = createDataSource({ url, poolSize: 2 });
  await dataSource.initialize();
  try {
    await dataSource.transaction('REPEATABLE READ', async (manager) => {
      const batch = await manager.getRepository(SettlementBatch).findOneByOrFail({ id: batchId });
      const lineCount = Math.min(limit, batch.lineCount);
      const [bank] = await manager.query('SELECT name, uscc FROM institutions WHERE id = $1', [batch.bankId]);
      const models: Array<{ code: string; number: number; name_zh: string }> = await manager.query('SELECT code, number, name_zh FROM financing_models');
      const labels = new Map(models.map((m) => [m.code, `${m.number} ${m.name_zh}`]));
      const subtotals = await subtotalsByModel(manager, batch.id);
      const sink = new CountingSink();
      const started = process.hrtime.bigint();
      let pages = 0;
      if (mode === 'plain') {
        const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margins: { ...PAGE_MARGINS_PT }, autoFirstPage: true });
        doc.registerFont(CJK_FONT, cjkFontPath(CJK_FONT));
        doc.pipe(sink);
        doc.font(CJK_FONT).fontSize(L.ROW_FONT_PT);
        pages = 1;
        doc.on('pageAdded', () => {
          pages += 1;
          doc.font(CJK_FONT).fontSize(L.ROW_FONT_PT);
        });
        for await (const chunk of firstLines(manager, batch.id, lineCount)) for (const line of chunk) doc.text(CELLS(line, labels).join('  '));
        doc.end();
      } else {
        const doc = createPdfDocument({
          title: `${STATEMENT_TITLE.zh} ${batch.batchNumber}`,
          subject: `SHA-256 ${batch.contentSha256}`,
          layout: 'landscape',
          pagination: 'streaming',
          generatedAt: new Date(),
        });
        doc.pipe(sink);
        if (mode === 'statement') {
          const cut = Object.assign(Object.create(Object.getPrototypeOf(batch)) as SettlementBatch, batch, { lineCount });
          pages = await writeStatement(doc, { batch: cut, bank, subtotals, modelLabels: labels, lines: firstLines(manager, batch.id, lineCount) });
        } else {
          const table = new TableWriter<StoredLine>(
            doc,
            HEADINGS.map(([zh, en, width], i) => ({ title: { zh, en }, width, align: i === 1 || i === 2 || i === 3 || i === 4 || i === 14 ? 'left' : 'right', value: (l: StoredLine) => CELLS(l, labels)[i]! })),
            { fontSizePt: L.ROW_FONT_PT },
          );
          for await (const chunk of firstLines(manager, batch.id, lineCount)) await table.writeAll(chunk);
          table.end();
        }
        finishPdf(doc);
      }
      await finished(sink);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      send({ ms, lines: lineCount, bytes: sink.bytes, pages, peakRssMb: peakRssMb() });
    });
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`pdf-worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
