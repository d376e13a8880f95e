// The shared PDF layer (SPEC §7): documents, the CJK font, tables, footers, sending to a response.
export { CJK_BOLD_FONT, CJK_FONT, cjkFontPath, registerCjkFonts } from './fonts';
export {
  BODY_FONT_SIZE_PT,
  attachmentDisposition,
  createPdfDocument,
  finishPdf,
  pagesStarted,
  renderToBuffer,
  sendPdf,
  waitForReader,
  writeTitle,
  type Pagination,
  type PdfOptions,
} from './document';
export { formatGeneratedAt, generatedAtLabel, pageLabel } from './footer';
export { TableWriter, layoutColumns, type TableColumn, type TableOptions } from './table';
