// Finds the SHA-256 printed on a statement PDF (POST /statements/verify with the PDF itself).
// It reads the first page the way a PDF viewer copies text: the page's content stream (Flate-
// decoded), the font of each text run, and that font's ToUnicode map from glyph codes back to
// characters. Only the objects on the way to the first page are parsed, so a 10,000-line statement
// costs little more than a one-page one. The statement also carries the hash in its /Subject, which
// is used when the page text cannot be read (a PDF re-saved by another program, say).
import zlib from 'node:zlib';

const PRINTED_HASH = /SHA-256[:：]\s*([0-9a-f]{64})/;
/** The /Subject string (pdfkit writes it as an indirect object): `(SHA-256 <hex>)`. */
const SUBJECT_HASH = /\(SHA-256 ([0-9a-f]{64})\)/;
/** Bounds on the walk through the file, so a malformed or hostile PDF cannot loop or explode. */
const MAX_PAGE_TREE_DEPTH = 16;
const MAX_INFLATED_BYTES = 32 * 1024 * 1024;

interface PdfObject {
  dictionary: string;
  stream?: Buffer;
}

class PdfObjects {
  private readonly text: string;
  private readonly offsets = new Map<number, number>();

  constructor(private readonly pdf: Buffer) {
    this.text = pdf.toString('latin1');
    const header = /(\d+) 0 obj\b/g;
    for (let match = header.exec(this.text); match; match = header.exec(this.text)) {
      this.offsets.set(Number(match[1]), match.index + match[0].length);
    }
  }

  get(id: number | undefined): PdfObject | undefined {
    const start = id === undefined ? undefined : this.offsets.get(id);
    if (start === undefined) return undefined;
    const streamAt = this.text.indexOf('stream', start);
    const endAt = this.text.indexOf('endobj', start);
    if (streamAt < 0 || (endAt >= 0 && endAt < streamAt)) return { dictionary: this.text.slice(start, endAt < 0 ? undefined : endAt) };
    const dictionary = this.text.slice(start, streamAt);
    let dataStart = streamAt + 'stream'.length;
    if (this.text[dataStart] === '\r') dataStart += 1;
    if (this.text[dataStart] === '\n') dataStart += 1;
    const length = /\/Length (\d+)(?!\d| \d+ R)/.exec(dictionary);
    const dataEnd = length ? dataStart + Number(length[1]) : this.text.indexOf('endstream', dataStart);
    let stream = this.pdf.subarray(dataStart, dataEnd);
    if (/\/FlateDecode/.test(dictionary)) stream = zlib.inflateSync(stream, { maxOutputLength: MAX_INFLATED_BYTES });
    return { dictionary, stream };
  }

  trailer(): string {
    return this.text.slice(this.text.lastIndexOf('trailer'));
  }

  raw(): string {
    return this.text;
  }
}

const ref = (dictionary: string | undefined, key: string): number | undefined => {
  const match = dictionary ? new RegExp(`/${key}\\s+(\\d+) 0 R`).exec(dictionary) : null;
  return match ? Number(match[1]) : undefined;
};

/** Glyph code → text, from a ToUnicode CMap (bfrange arrays, bfrange offsets and bfchar). */
function readCmap(cmap: string): Map<number, string> {
  const glyphs = new Map<number, string>();
  const hexText = (hex: string) => String.fromCharCode(...hex.trim().split(/\s+/).join('').match(/.{1,4}/g)!.map((h) => parseInt(h, 16)));
  // One pattern for both bfrange forms, so that the entries of an array are never read as ranges.
  const ranges = [...cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)].map((block) => block[1]!).join('\n');
  for (const m of ranges.matchAll(/<([0-9a-f]+)>\s*<([0-9a-f]+)>\s*(?:\[([^\]]*)\]|<([0-9a-f]+)>)/gi)) {
    const first = parseInt(m[1]!, 16);
    if (m[3] !== undefined) {
      [...m[3].matchAll(/<([^>]*)>/g)].forEach((entry, i) => glyphs.set(first + i, hexText(entry[1]!)));
      continue;
    }
    const [last, base] = [parseInt(m[2]!, 16), parseInt(m[4]!, 16)];
    for (let code = first; code <= last && code - first < 65536; code += 1) glyphs.set(code, String.fromCharCode(base + code - first));
  }
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const m of block[1]!.matchAll(/<([0-9a-f]+)>\s*<([0-9a-f]+)>/gi)) glyphs.set(parseInt(m[1]!, 16), hexText(m[2]!));
  }
  return glyphs;
}

/** The first page's dictionary, following Root → Pages → Kids[0] (through nested page trees). */
function firstPage(objects: PdfObjects): string | undefined {
  const catalog = objects.get(ref(objects.trailer(), 'Root'));
  let node = objects.get(ref(catalog?.dictionary, 'Pages'));
  for (let depth = 0; node && depth < MAX_PAGE_TREE_DEPTH; depth += 1) {
    if (!/\/Type\s*\/Pages\b/.test(node.dictionary)) return node.dictionary;
    const kid = /\/Kids\s*\[\s*(\d+) 0 R/.exec(node.dictionary);
    node = objects.get(kid ? Number(kid[1]) : undefined);
  }
  return undefined;
}

/** The text runs of the first page, one per line. */
export function firstPageText(pdf: Buffer): string {
  const objects = new PdfObjects(pdf);
  const page = firstPage(objects);
  if (!page) return '';
  const resources = /\/Resources\s+\d+ 0 R/.test(page) ? objects.get(ref(page, 'Resources'))?.dictionary : page;
  const fonts = new Map<string, Map<number, string>>();
  for (const m of (/\/Font\s*<<([^>]*)>>/.exec(resources ?? '')?.[1] ?? '').matchAll(/\/([\w.+-]+)\s+(\d+) 0 R/g)) {
    const cmap = objects.get(ref(objects.get(Number(m[2]))?.dictionary, 'ToUnicode'))?.stream;
    if (cmap) fonts.set(m[1]!, readCmap(cmap.toString('latin1')));
  }
  const contentIds = /\/Contents\s*\[([^\]]*)\]/.exec(page)?.[1]?.match(/\d+(?= 0 R)/g)?.map(Number) ?? [ref(page, 'Contents')];
  const decode = (hex: string, font: string | undefined) => {
    const map = font ? fonts.get(font) : undefined;
    let out = '';
    for (let i = 0; i + 4 <= hex.length; i += 4) out += map?.get(parseInt(hex.slice(i, i + 4), 16)) ?? '\ufffd';
    return out;
  };
  const lines: string[] = [];
  for (const id of contentIds) {
    const content = objects.get(id)?.stream?.toString('latin1') ?? '';
    let font: string | undefined;
    const operators = /\/([\w.+-]+)\s+[\d.]+\s+Tf|\[((?:<[0-9a-f]*>|[-\d.\s])*)\]\s*TJ|<([0-9a-f]*)>\s*Tj/gi;
    for (let m = operators.exec(content); m; m = operators.exec(content)) {
      if (m[1]) font = m[1];
      else if (m[2] !== undefined) lines.push([...m[2].matchAll(/<([0-9a-f]*)>/gi)].map((h) => decode(h[1]!, font)).join(''));
      else if (m[3] !== undefined) lines.push(decode(m[3], font));
    }
  }
  return lines.join('\n');
}

/** The statement hash printed on the PDF's first page (or, failing that, in its /Subject); null if none. */
export function printedSha256(pdf: Buffer): string | null {
  if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') return null;
  try {
    const printed = PRINTED_HASH.exec(firstPageText(pdf));
    if (printed) return printed[1]!;
  } catch {
    // An unreadable page falls back to the metadata below.
  }
  return SUBJECT_HASH.exec(new PdfObjects(pdf).raw())?.[1] ?? null;
}
