import { BUSINESS_TIMEZONE } from '../clock';
import { CJK_FONT } from './fonts';

/** Grey small print under the body, inside the bottom margin. */
export const FOOTER_FONT_SIZE_PT = 7.5;
const FOOTER_COLOR = '#555555';

export interface FooterText {
  /** 1-based page number. */
  pageNumber: number;
  /** Known only when the document buffers its pages (see document.ts); otherwise "第 x 页" alone. */
  totalPages?: number;
  generatedAt: Date;
  title: string;
}

const timestampFormat = new Intl.DateTimeFormat('sv-SE', {
  timeZone: BUSINESS_TIMEZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** "2026-06-30 14:05:09" in Asia/Shanghai, the programme's timezone. */
export function formatGeneratedAt(instant: Date): string {
  return timestampFormat.format(instant);
}

export function pageLabel(pageNumber: number, totalPages?: number): string {
  return totalPages === undefined
    ? `第 ${pageNumber} 页 · Page ${pageNumber}`
    : `第 ${pageNumber} 页 / 共 ${totalPages} 页 · Page ${pageNumber} of ${totalPages}`;
}

export function generatedAtLabel(instant: Date): string {
  return `生成时间 Generated at ${formatGeneratedAt(instant)} (UTC+8)`;
}

/** The parts of pdfkit's text state that writing a footer changes; pdfkit has no public save of them. */
interface TextState {
  _font: unknown;
  _fontSize: number;
  _fillColor?: unknown;
  x: number;
  y: number;
}

/**
 * Writes the footer on the current page: the generated-at line and the title on the left, the page
 * label on the right. It may run in the middle of the body (when a page is added in streaming mode),
 * so it puts back the position, font and colour the body was using.
 */
export function writeFooter(doc: PDFKit.PDFDocument, footer: FooterText): void {
  const state = doc as unknown as TextState;
  const saved = { font: state._font, fontSize: state._fontSize, fillColor: state._fillColor, x: doc.x, y: doc.y };
  const page = doc.page;
  const bottomMargin = page.margins.bottom;
  // Text below maxY() would make pdfkit start a new page; the footer lives in the margin on purpose.
  page.margins.bottom = 0;
  try {
    doc.save();
    doc.font(CJK_FONT).fontSize(FOOTER_FONT_SIZE_PT).fillColor(FOOTER_COLOR);
    const left = page.margins.left;
    const right = page.width - page.margins.right;
    const lineHeight = doc.currentLineHeight(true);
    const top = page.height - bottomMargin / 2 - lineHeight;
    doc
      .moveTo(left, top - 4)
      .lineTo(right, top - 4)
      .lineWidth(0.5)
      .strokeColor('#999999')
      .stroke();
    const label = pageLabel(footer.pageNumber, footer.totalPages);
    doc.text(label, right - doc.widthOfString(label), top, { lineBreak: false });
    doc.text(generatedAtLabel(footer.generatedAt), left, top, { lineBreak: false });
    doc.text(footer.title, left, top + lineHeight, { lineBreak: false });
    doc.restore();
  } finally {
    page.margins.bottom = bottomMargin;
    state._font = saved.font;
    state._fontSize = saved.fontSize;
    state._fillColor = saved.fillColor;
    doc.x = saved.x;
    doc.y = saved.y;
  }
}
