import zlib from 'node:zlib';

/**
 * A small text extractor for the PDFs pdfkit writes, so tests can read what a page says without
 * poppler: it follows Pages → Kids → Contents, tracks the font of each text run (`/F1 9 Tf`) and
 * maps glyph codes back to characters with that font's ToUnicode CMap — the same map a PDF viewer
 * uses to copy or search Chinese text, so this also shows the text is extractable.
 */
interface PdfObject {
  dictionary: string;
  stream?: Buffer;
}

function readObjects(pdf: Buffer): Map<number, PdfObject> {
  const text = pdf.toString('latin1');
  const objects = new Map<number, PdfObject>();
  const pattern = /(\d+) 0 obj\s*([\s\S]*?)endobj/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const body = match[2]!;
    const streamAt = body.indexOf('stream\n');
    if (streamAt < 0) {
      objects.set(Number(match[1]), { dictionary: body });
      continue;
    }
    const dictionary = body.slice(0, streamAt);
    const start = match.index + match[0].indexOf(body) + streamAt + 'stream\n'.length;
    const end = text.indexOf('endstream', start);
    let stream = pdf.subarray(start, end);
    if (dictionary.includes('/FlateDecode')) stream = zlib.inflateSync(stream);
    objects.set(Number(match[1]), { dictionary, stream });
  }
  return objects;
}

const ref = (dictionary: string, key: string): number | undefined => {
  const match = new RegExp(`/${key}\\s+(\\d+) 0 R`).exec(dictionary);
  return match ? Number(match[1]) : undefined;
};

/** Glyph code → text, from a ToUnicode CMap written as bfrange arrays (pdfkit's form). */
function readCmap(cmap: string): Map<number, string> {
  const glyphs = new Map<number, string>();
  const range = /<([0-9a-f]+)>\s*<([0-9a-f]+)>\s*\[([^\]]*)\]/gi;
  for (let match = range.exec(cmap); match; match = range.exec(cmap)) {
    const first = parseInt(match[1]!, 16);
    const entries = [...match[3]!.matchAll(/<([^>]*)>/g)].map((m) =>
      String.fromCharCode(...m[1]!.trim().split(/\s+/).map((hex) => parseInt(hex, 16))),
    );
    entries.forEach((value, index) => glyphs.set(first + index, value));
  }
  return glyphs;
}

function decodeHex(hex: string, cmap: Map<number, string> | undefined): string {
  let out = '';
  for (let i = 0; i + 4 <= hex.length; i += 4) out += cmap?.get(parseInt(hex.slice(i, i + 4), 16)) ?? '\ufffd';
  return out;
}

/** The text of each page, one text run per line, in page order. */
export function extractPdfText(pdf: Buffer): string[] {
  const objects = readObjects(pdf);
  const pagesRoot = [...objects.values()].find((o) => /\/Type \/Pages\b/.test(o.dictionary));
  const kids = [...(/\/Kids \[([^\]]*)\]/.exec(pagesRoot?.dictionary ?? '')?.[1] ?? '').matchAll(/(\d+) 0 R/g)].map((m) => Number(m[1]));
  return kids.map((pageId) => {
    const page = objects.get(pageId)!.dictionary;
    const resources = objects.get(ref(page, 'Resources')!)!.dictionary;
    const fontRefs = new Map([...(/\/Font\s*<<([^>]*)>>/.exec(resources)?.[1] ?? '').matchAll(/\/(\w+)\s+(\d+) 0 R/g)].map((m) => [m[1]!, Number(m[2])]));
    const cmaps = new Map<string, Map<number, string>>();
    for (const [name, id] of fontRefs) {
      const cmapId = ref(objects.get(id)!.dictionary, 'ToUnicode');
      if (cmapId !== undefined) cmaps.set(name, readCmap(objects.get(cmapId)!.stream!.toString('latin1')));
    }
    const content = objects.get(ref(page, 'Contents')!)!.stream!.toString('latin1');
    const lines: string[] = [];
    let font: string | undefined;
    const operators = /\/(\w+)\s+[\d.]+\s+Tf|\[((?:<[0-9a-f]*>|[-\d.\s])*)\]\s*TJ|<([0-9a-f]*)>\s*Tj/gi;
    for (let match = operators.exec(content); match; match = operators.exec(content)) {
      if (match[1]) font = match[1];
      else if (match[2] !== undefined) lines.push([...match[2].matchAll(/<([0-9a-f]*)>/gi)].map((m) => decodeHex(m[1]!, cmaps.get(font!))).join(''));
      else if (match[3] !== undefined) lines.push(decodeHex(match[3], cmaps.get(font!)));
    }
    return lines.join('\n');
  });
}

/** The number of pages, counted from the page objects. */
export function pdfPageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
}
