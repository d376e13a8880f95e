import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Response } from 'express';
import PDFDocument from 'pdfkit';
import { CJK_BOLD_FONT, CJK_FONT, registerCjkFonts } from './fonts';
import { writeFooter } from './footer';

/**
 * The one way the service makes a PDF (SPEC §7): A4, the embedded CJK font, document metadata, and
 * a footer on every page with the generated-at time and the page number.
 *
 * Two ways to number pages, a trade-off between "page x of y" and memory:
 * - `total`: pdfkit keeps every page in memory (`bufferPages`) until `finishPdf`, which then knows
 *   the page count and writes "第 x 页 / 共 y 页 · Page x of y" on each. Right for reports, letters
 *   and notices of a few pages.
 * - `streaming`: each page is written out as soon as the next one starts, so a 10,000-line statement
 *   never holds more than one page; the footer is written when a page starts and says "第 x 页 ·
 *   Page x" only, because the total is not known yet.
 */
export type Pagination = 'total' | 'streaming';

export interface PdfOptions {
  /** Document title (metadata and footer), e.g. "百千万工程进度报告 / Progress …". */
  title: string;
  author?: string;
  subject?: string;
  layout?: 'portrait' | 'landscape';
  pagination: Pagination;
  /** The instant printed as "generated at"; the caller passes it so that tests can fix it. */
  generatedAt: Date;
}

export const PAGE_MARGINS_PT = { top: 48, bottom: 48, left: 40, right: 40 } as const;
export const BODY_FONT_SIZE_PT = 9;
const DEFAULT_AUTHOR = 'Fupin Finance 金融扶贫管理系统';

interface PdfState {
  options: PdfOptions;
  pagesStarted: number;
}

const states = new WeakMap<PDFKit.PDFDocument, PdfState>();

function stateOf(doc: PDFKit.PDFDocument): PdfState {
  const state = states.get(doc);
  if (!state) throw new Error('not a document made by createPdfDocument');
  return state;
}

/** A new document with its first page started, the CJK fonts registered as 'cjk' and 'cjk-bold'. */
export function createPdfDocument(options: PdfOptions): PDFKit.PDFDocument {
  const doc = new PDFDocument({
    size: 'A4',
    layout: options.layout ?? 'portrait',
    margins: { ...PAGE_MARGINS_PT },
    bufferPages: options.pagination === 'total',
    autoFirstPage: false,
    lang: 'zh-CN',
    displayTitle: true,
    info: {
      Title: options.title,
      Author: options.author ?? DEFAULT_AUTHOR,
      // pdfkit reads every info value while making the file ID: an undefined Subject would throw.
      ...(options.subject === undefined ? {} : { Subject: options.subject }),
      Creator: 'Fupin Finance',
      CreationDate: options.generatedAt,
    },
  });
  registerCjkFonts(doc);
  const state: PdfState = { options, pagesStarted: 0 };
  states.set(doc, state);
  doc.on('pageAdded', () => {
    state.pagesStarted += 1;
    if (options.pagination === 'streaming') {
      writeFooter(doc, { pageNumber: state.pagesStarted, generatedAt: options.generatedAt, title: options.title });
    }
  });
  doc.addPage();
  doc.font(CJK_FONT).fontSize(BODY_FONT_SIZE_PT).fillColor('black');
  return doc;
}

/** Pages started so far (in `streaming` mode the earlier ones are already written out). */
export function pagesStarted(doc: PDFKit.PDFDocument): number {
  return stateOf(doc).pagesStarted;
}

/**
 * Ends the document: in `total` mode first writes "page x of y" on every buffered page. After this
 * nothing more can be written; the bytes flow to whoever reads the document.
 */
export function finishPdf(doc: PDFKit.PDFDocument): void {
  const { options } = stateOf(doc);
  if (options.pagination === 'total') {
    const range = doc.bufferedPageRange();
    const totalPages = range.start + range.count;
    for (let index = range.start; index < totalPages; index += 1) {
      doc.switchToPage(index);
      writeFooter(doc, { pageNumber: index + 1, totalPages, generatedAt: options.generatedAt, title: options.title });
    }
  }
  doc.end();
}

/** The title block: Chinese heading in bold, English below, then optional lines (date, scope …). */
export function writeTitle(doc: PDFKit.PDFDocument, heading: { zh: string; en: string }, lines: readonly string[] = []): void {
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  doc.font(CJK_BOLD_FONT).fontSize(16).fillColor('black').text(heading.zh, left, doc.y, { width, align: 'center' });
  doc.font(CJK_FONT).fontSize(11).text(heading.en, left, doc.y, { width, align: 'center' });
  doc.moveDown(0.5);
  doc.fontSize(BODY_FONT_SIZE_PT);
  for (const line of lines) doc.text(line, left, doc.y, { width });
  doc.moveDown(0.5);
  doc.font(CJK_FONT).fontSize(BODY_FONT_SIZE_PT);
}

/** Finishes the document and collects its bytes (tests, storing a statement, e-mail attachments). */
export async function renderToBuffer(doc: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = once(doc, 'end');
  finishPdf(doc);
  await ended;
  return Buffer.concat(chunks);
}

/** `attachment; filename="…"` with an RFC 5987 UTF-8 form for names that are not plain ASCII. */
export function attachmentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/**
 * Streams a PDF to the response as it is written: headers first, then the document piped to `res`,
 * then `write` fills it, then it is finished. Load the data before calling this: once bytes have gone
 * out, an error can only cut the response off, not turn it into a JSON error.
 */
export async function sendPdf(
  res: Response,
  fileName: string,
  options: PdfOptions,
  write: (doc: PDFKit.PDFDocument) => void | Promise<void>,
): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'application/pdf');
  res.setHeader('Content-Disposition', attachmentDisposition(fileName));
  res.setHeader('Cache-Control', 'no-store');
  const doc = createPdfDocument(options);
  doc.pipe(res);
  try {
    await write(doc);
  } catch (error) {
    doc.unpipe(res);
    // Nothing sent yet: let the error handler answer in JSON rather than as a broken PDF.
    if (!res.headersSent) for (const header of ['Content-Type', 'Content-Disposition']) res.removeHeader(header);
    throw error;
  }
  finishPdf(doc);
  await finished(res);
}

/** Bytes a document may hold unread before a long writer waits for the reader (see waitForReader). */
const UNREAD_LIMIT_BYTES = 1 << 20;

/**
 * Backpressure for long documents: pdfkit pushes bytes whether or not anyone reads them, so a writer
 * of thousands of rows calls this now and then; it waits while more than 1 MiB is unread. Without a
 * reader attached yet it returns at once (waiting would never end, and listening would take data).
 */
export async function waitForReader(doc: PDFKit.PDFDocument): Promise<void> {
  while (doc.readableFlowing !== null && doc.readableLength > UNREAD_LIMIT_BYTES) {
    await once(doc, 'data');
  }
}
