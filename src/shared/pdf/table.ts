import { CJK_BOLD_FONT, CJK_FONT } from './fonts';
import { waitForReader } from './document';

/** One column: a bilingual title, a relative width, an alignment (right for numbers) and its cell text. */
export interface TableColumn<Row> {
  title: { zh: string; en: string };
  /** Relative width: the columns share the page's content width in proportion to these. */
  width: number;
  align?: 'left' | 'center' | 'right';
  value(row: Row): string;
}

export interface TableOptions {
  fontSizePt?: number;
  paddingPt?: number;
  /** A cell longer than this many lines is cut with "…", so one row can never outgrow a page. */
  maxLinesPerRow?: number;
}

const HEADER_FILL = '#ececec';
const RULE_COLOR = '#b0b0b0';
/** How many rows `writeAll` writes between checks that the reader keeps up. */
const ROWS_PER_BACKPRESSURE_CHECK = 200;

interface ColumnBox {
  x: number;
  width: number;
}

/**
 * Writes a table row by row, holding no rows: the header row (Chinese title over English) is drawn
 * at the start and again at the top of every new page; a row that does not fit on the page moves
 * to the next one whole; long cell text wraps within its column. Works in both pagination modes of
 * document.ts; in `streaming` mode the pages already left are written out while the table grows.
 */
export class TableWriter<Row> {
  private readonly boxes: ColumnBox[];
  private readonly fontSizePt: number;
  private readonly paddingPt: number;
  private readonly maxLinesPerRow: number;
  private readonly left: number;
  private readonly right: number;
  private headerHeightPt = 0;
  private started = false;
  private rowsWritten = 0;

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly columns: ReadonlyArray<TableColumn<Row>>,
    options: TableOptions = {},
  ) {
    if (columns.length === 0) throw new Error('a table needs at least one column');
    this.fontSizePt = options.fontSizePt ?? 8;
    this.paddingPt = options.paddingPt ?? 3;
    this.maxLinesPerRow = options.maxLinesPerRow ?? 6;
    this.left = doc.page.margins.left;
    this.right = doc.page.width - doc.page.margins.right;
    this.boxes = layoutColumns(columns.map((c) => c.width), this.left, this.right - this.left);
  }

  get rowCount(): number {
    return this.rowsWritten;
  }

  /** Writes one row, starting a new page (with the header again) when it does not fit. */
  write(row: Row): void {
    if (!this.started) this.begin();
    const cells = this.columns.map((column) => column.value(row));
    const height = this.rowHeight(cells);
    if (this.doc.y + height > this.doc.page.maxY()) {
      this.doc.addPage();
      this.drawHeader();
    }
    const top = this.doc.y;
    this.doc.font(CJK_FONT).fontSize(this.fontSizePt).fillColor('black');
    cells.forEach((text, index) => {
      const box = this.boxes[index]!;
      this.doc.text(text, box.x + this.paddingPt, top + this.paddingPt, {
        width: box.width - 2 * this.paddingPt,
        height: height - 2 * this.paddingPt,
        align: this.columns[index]!.align ?? 'left',
        ellipsis: true,
      });
    });
    this.rule(top + height);
    this.doc.x = this.left;
    this.doc.y = top + height;
    this.rowsWritten += 1;
  }

  /** Writes rows from any (async) source, letting the reader of the PDF keep up every few hundred rows. */
  async writeAll(rows: Iterable<Row> | AsyncIterable<Row>): Promise<number> {
    let written = 0;
    for await (const row of rows) {
      this.write(row);
      written += 1;
      if (written % ROWS_PER_BACKPRESSURE_CHECK === 0) await waitForReader(this.doc);
    }
    return written;
  }

  /** Closes the table (a header alone when there were no rows) and leaves the cursor below it. */
  end(): void {
    if (!this.started) this.begin();
    this.doc.x = this.left;
    this.doc.moveDown(0.5);
  }

  private begin(): void {
    this.started = true;
    this.headerHeightPt = this.measureHeader();
    const oneLinePt = this.lineHeight() + 2 * this.paddingPt;
    if (this.doc.y + this.headerHeightPt + oneLinePt > this.doc.page.maxY()) this.doc.addPage();
    this.drawHeader();
  }

  private lineHeight(): number {
    return this.doc.font(CJK_FONT).fontSize(this.fontSizePt).currentLineHeight(true);
  }

  private measureHeader(): number {
    let tallest = 0;
    this.columns.forEach((column, index) => {
      const width = this.boxes[index]!.width - 2 * this.paddingPt;
      const zh = this.doc.font(CJK_BOLD_FONT).fontSize(this.fontSizePt).heightOfString(column.title.zh, { width });
      const en = this.doc.font(CJK_FONT).fontSize(this.fontSizePt - 1).heightOfString(column.title.en, { width });
      tallest = Math.max(tallest, zh + en);
    });
    return tallest + 2 * this.paddingPt;
  }

  private drawHeader(): void {
    const top = this.doc.y;
    const height = this.headerHeightPt;
    this.doc.save().rect(this.left, top, this.right - this.left, height).fill(HEADER_FILL).restore();
    this.doc.fillColor('black');
    this.columns.forEach((column, index) => {
      const box = this.boxes[index]!;
      const options = { width: box.width - 2 * this.paddingPt, align: column.align ?? 'left' } as const;
      this.doc.font(CJK_BOLD_FONT).fontSize(this.fontSizePt).text(column.title.zh, box.x + this.paddingPt, top + this.paddingPt, options);
      this.doc.font(CJK_FONT).fontSize(this.fontSizePt - 1).text(column.title.en, box.x + this.paddingPt, this.doc.y, options);
    });
    this.rule(top + height);
    this.doc.x = this.left;
    this.doc.y = top + height;
  }

  /** The row's height: its tallest cell, capped by maxLinesPerRow and by what one page can hold. */
  private rowHeight(cells: readonly string[]): number {
    const lineHeight = this.lineHeight();
    let tallest = lineHeight;
    cells.forEach((text, index) => {
      const width = this.boxes[index]!.width - 2 * this.paddingPt;
      tallest = Math.max(tallest, this.doc.heightOfString(text, { width, align: this.columns[index]!.align ?? 'left' }));
    });
    const page = this.doc.page;
    const roomOnEmptyPage = page.maxY() - page.margins.top - this.headerHeightPt - 2 * this.paddingPt;
    return Math.min(tallest, this.maxLinesPerRow * lineHeight, roomOnEmptyPage) + 2 * this.paddingPt;
  }

  private rule(y: number): void {
    this.doc.save().moveTo(this.left, y).lineTo(this.right, y).lineWidth(0.5).strokeColor(RULE_COLOR).stroke().restore();
  }
}

/** Shares `totalWidth` among columns in proportion to their weights; the last takes the rounding rest. */
export function layoutColumns(weights: readonly number[], left: number, totalWidth: number): ColumnBox[] {
  if (weights.some((w) => !(w > 0))) throw new Error('column widths must be positive');
  const sum = weights.reduce((a, b) => a + b, 0);
  const boxes: ColumnBox[] = [];
  let x = left;
  weights.forEach((weight, index) => {
    const width = index === weights.length - 1 ? left + totalWidth - x : (totalWidth * weight) / sum;
    boxes.push({ x, width });
    x += width;
  });
  return boxes;
}
