import fs from 'node:fs';
import path from 'node:path';

/**
 * The embedded CJK font (SPEC §7: "Chinese text renders with an embedded CJK font"). Noto Sans SC
 * comes from the npm package `@expo-google-fonts/noto-sans-sc`, so no system font is needed and every
 * machine renders the same glyphs. pdfkit embeds only the glyphs a document uses (a subset, as
 * /FontFile2), so a statement stays small although the TrueType files are about 10 MB each.
 */
export const CJK_FONT = 'cjk';
export const CJK_BOLD_FONT = 'cjk-bold';

const FONT_PACKAGE = '@expo-google-fonts/noto-sans-sc';
const FONT_FILES: Record<typeof CJK_FONT | typeof CJK_BOLD_FONT, string> = {
  [CJK_FONT]: path.join('400Regular', 'NotoSansSC_400Regular.ttf'),
  [CJK_BOLD_FONT]: path.join('700Bold', 'NotoSansSC_700Bold.ttf'),
};

/** The font files' bytes, read once per process: every PDF would otherwise read 20 MB from disk. */
const loaded = new Map<string, Buffer>();

export function cjkFontPath(name: keyof typeof FONT_FILES): string {
  // The package has no "exports" map, so its package.json resolves and the fonts sit beside it.
  const packageDirectory = path.dirname(require.resolve(`${FONT_PACKAGE}/package.json`));
  return path.join(packageDirectory, FONT_FILES[name]);
}

function fontBytes(name: keyof typeof FONT_FILES): Buffer {
  let bytes = loaded.get(name);
  if (!bytes) {
    bytes = fs.readFileSync(cjkFontPath(name));
    loaded.set(name, bytes);
  }
  return bytes;
}

/** Registers the regular and bold CJK fonts under the names 'cjk' and 'cjk-bold'. */
export function registerCjkFonts(doc: PDFKit.PDFDocument): void {
  doc.registerFont(CJK_FONT, fontBytes(CJK_FONT));
  doc.registerFont(CJK_BOLD_FONT, fontBytes(CJK_BOLD_FONT));
}
