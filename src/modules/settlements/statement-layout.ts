// The statement's fixed page geometry (SPEC §7 "page x of y"): every row has the same height and
// every page holds a known number of rows, so the page count follows from the line count and the
// number of subtotal rows before anything is written, and the PDF can stream page by page.
// A4 landscape in points; margins as in src/shared/pdf (top and bottom 48, left and right 40).
import { PAGE_MARGINS_PT } from '../../shared/pdf/document';

export const PAGE = { widthPt: 841.89, heightPt: 595.28 } as const;
export const CONTENT_LEFT_PT = PAGE_MARGINS_PT.left;
export const CONTENT_WIDTH_PT = PAGE.widthPt - PAGE_MARGINS_PT.left - PAGE_MARGINS_PT.right;
export const CONTENT_TOP_PT = PAGE_MARGINS_PT.top;
export const CONTENT_BOTTOM_PT = PAGE.heightPt - PAGE_MARGINS_PT.bottom;

/** The band in the top margin of every page: batch number, SHA-256, page x of y. */
export const BAND_Y_PT = 24;
/** Page 1 starts with the title block; the lines table begins below it. */
export const TITLE_BLOCK_PT = 100;
export const TABLE_HEADER_PT = 24;
/** One line of 7 pt text (10.14 pt in Noto Sans SC) with 1.2 pt padding above and below. */
export const ROW_PT = 13;
export const CELL_PADDING_PT = 1.2;
export const ROW_FONT_PT = 7;
export const GAP_PT = 10;
/** Summary: heading, subtotal table header, rows, total in words, rule note, signature blocks. */
export const SUMMARY_HEADING_PT = 16;
export const CAPITALS_LINE_PT = 18;
export const NOTE_LINE_PT = 14;
export const SIGNATURE_BLOCK_PT = 96;

export const FIRST_PAGE_TABLE_TOP_PT = CONTENT_TOP_PT + TITLE_BLOCK_PT;

export interface StatementPlan {
  firstPageRows: number;
  rowsPerPage: number;
  /** Pages holding lines (at least one: an empty batch still shows the table header). */
  linePages: number;
  /** The summary (subtotals, total in words, signatures) starts a page of its own when it does not fit. */
  summaryOnOwnPage: boolean;
  summaryTopPt: number;
  totalPages: number;
}

const rowsBetween = (topPt: number) => Math.floor((CONTENT_BOTTOM_PT - topPt - TABLE_HEADER_PT) / ROW_PT);

/** The summary's height for a number of subtotal rows (the grand total row comes on top of them). */
export function summaryHeightPt(subtotalRows: number): number {
  return SUMMARY_HEADING_PT + TABLE_HEADER_PT + (subtotalRows + 1) * ROW_PT + CAPITALS_LINE_PT + NOTE_LINE_PT + GAP_PT + SIGNATURE_BLOCK_PT;
}

/** Where everything goes, from the number of lines and of subtotal rows (models) alone. */
export function planStatement(lineCount: number, subtotalRows: number): StatementPlan {
  if (!Number.isInteger(lineCount) || lineCount < 0 || !Number.isInteger(subtotalRows) || subtotalRows < 0) {
    throw new Error(`cannot plan a statement of ${lineCount} lines and ${subtotalRows} subtotals`);
  }
  const firstPageRows = rowsBetween(FIRST_PAGE_TABLE_TOP_PT);
  const rowsPerPage = rowsBetween(CONTENT_TOP_PT);
  const linePages = lineCount <= firstPageRows ? 1 : 1 + Math.ceil((lineCount - firstPageRows) / rowsPerPage);
  const rowsOnLastPage = linePages === 1 ? lineCount : lineCount - firstPageRows - (linePages - 2) * rowsPerPage;
  const lastTableTop = linePages === 1 ? FIRST_PAGE_TABLE_TOP_PT : CONTENT_TOP_PT;
  const afterTable = lastTableTop + TABLE_HEADER_PT + rowsOnLastPage * ROW_PT + GAP_PT;
  const height = summaryHeightPt(subtotalRows);
  if (CONTENT_TOP_PT + height > CONTENT_BOTTOM_PT) throw new Error(`${subtotalRows} subtotal rows do not fit on one page`);
  const summaryOnOwnPage = afterTable + height > CONTENT_BOTTOM_PT;
  return {
    firstPageRows,
    rowsPerPage,
    linePages,
    summaryOnOwnPage,
    summaryTopPt: summaryOnOwnPage ? CONTENT_TOP_PT : afterTable,
    totalPages: linePages + (summaryOnOwnPage ? 1 : 0),
  };
}

/** Which page (1-based) and row on it (0-based) the line with this index (0-based) goes to. */
export function placeOfLine(plan: StatementPlan, index: number): { page: number; row: number } {
  if (index < plan.firstPageRows) return { page: 1, row: index };
  const rest = index - plan.firstPageRows;
  return { page: 2 + Math.floor(rest / plan.rowsPerPage), row: rest % plan.rowsPerPage };
}
