// A minimal reader of PDF object syntax (ISO 32000-1 §7.3), enough to walk the catalog to the
// embedded files without loading the whole document.

export class PdfName {
  constructor(readonly value: string) {}
}

export class PdfString {
  constructor(readonly bytes: Uint8Array) {}
}

export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
}

export type PdfDict = Map<string, PdfValue>;

export class PdfStream {
  /** `raw` is the stream data as stored, before any filter is undone. */
  constructor(
    readonly dict: PdfDict,
    readonly raw: Uint8Array,
  ) {}
}

export type PdfValue =
  | null
  | boolean
  | number
  | PdfName
  | PdfString
  | PdfRef
  | PdfValue[]
  | PdfDict
  | PdfStream;

/** The file does not follow the syntax where we looked: the caller falls back to a full parse. */
export class PdfSyntaxError extends Error {
  readonly code = "pdf_syntax";
}

const MAX_DEPTH = 64;

const WS = new Uint8Array(256);
for (const c of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) WS[c] = 1;
const DELIM = new Uint8Array(256);
for (const c of "()<>[]{}/%") DELIM[c.charCodeAt(0)] = 1;

function isRegular(c: number | undefined): c is number {
  return c !== undefined && WS[c] !== 1 && DELIM[c] !== 1;
}

function isDigit(c: number | undefined): c is number {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

const latin1 = new TextDecoder("latin1");

/** Sequential reader of PDF tokens and objects over a byte array. */
export class PdfLexer {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  skipWhitespace(): void {
    const b = this.bytes;
    while (this.pos < b.length) {
      const c = b[this.pos]!;
      if (WS[c] === 1) {
        this.pos++;
      } else if (c === 0x25 /* % */) {
        while (this.pos < b.length && b[this.pos] !== 0x0a && b[this.pos] !== 0x0d) this.pos++;
      } else {
        return;
      }
    }
  }

  /** Reads a run of regular characters (a keyword or a number) without interpreting it. */
  readKeyword(): string {
    this.skipWhitespace();
    const start = this.pos;
    while (isRegular(this.bytes[this.pos])) this.pos++;
    return latin1.decode(this.bytes.subarray(start, this.pos));
  }

  /** Reads a non-negative integer or throws. */
  readInteger(): number {
    this.skipWhitespace();
    const start = this.pos;
    let n = 0;
    while (isDigit(this.bytes[this.pos])) {
      n = n * 10 + (this.bytes[this.pos]! - 0x30);
      this.pos++;
    }
    if (this.pos === start || this.pos - start > 15) throw new PdfSyntaxError(`integer expected at ${start}`);
    return n;
  }

  expectKeyword(keyword: string): void {
    const at = this.pos;
    const k = this.readKeyword();
    if (k !== keyword) throw new PdfSyntaxError(`"${keyword}" expected at ${at}, found "${k.slice(0, 20)}"`);
  }

  /** Parses one direct object; `N G R` becomes a PdfRef. */
  readValue(depth = 0): PdfValue {
    if (depth > MAX_DEPTH) throw new PdfSyntaxError("objects nested too deeply");
    this.skipWhitespace();
    const b = this.bytes;
    const c = b[this.pos];
    if (c === undefined) throw new PdfSyntaxError("unexpected end of data");
    if (c === 0x2f /* / */) return this.readName();
    if (c === 0x28 /* ( */) return this.readLiteralString();
    if (c === 0x3c /* < */) {
      if (b[this.pos + 1] === 0x3c) return this.readDict(depth);
      return this.readHexString();
    }
    if (c === 0x5b /* [ */) {
      this.pos++;
      const items: PdfValue[] = [];
      for (;;) {
        this.skipWhitespace();
        if (b[this.pos] === 0x5d /* ] */) {
          this.pos++;
          return items;
        }
        items.push(this.readValue(depth + 1));
      }
    }
    if (isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e) return this.readNumberOrRef();
    const start = this.pos;
    const k = this.readKeyword();
    if (k === "true") return true;
    if (k === "false") return false;
    if (k === "null") return null;
    throw new PdfSyntaxError(`unexpected token "${k.slice(0, 20)}" at ${start}`);
  }

  private readDict(depth: number): PdfDict {
    this.pos += 2;
    const dict: PdfDict = new Map();
    const b = this.bytes;
    for (;;) {
      this.skipWhitespace();
      const c = b[this.pos];
      if (c === 0x3e /* > */ && b[this.pos + 1] === 0x3e) {
        this.pos += 2;
        return dict;
      }
      if (c !== 0x2f) throw new PdfSyntaxError(`name expected in dictionary at ${this.pos}`);
      const key = this.readName().value;
      dict.set(key, this.readValue(depth + 1));
    }
  }

  private readName(): PdfName {
    const b = this.bytes;
    this.pos++;
    const start = this.pos;
    while (isRegular(b[this.pos])) this.pos++;
    const raw = b.subarray(start, this.pos);
    if (!raw.includes(0x23 /* # */)) return new PdfName(latin1.decode(raw));
    const out: number[] = [];
    for (let i = 0; i < raw.length; i++) {
      const hi = raw[i] === 0x23 && i + 2 < raw.length ? hexValue(raw[i + 1]!) : -1;
      const lo = hi >= 0 ? hexValue(raw[i + 2]!) : -1;
      if (hi >= 0 && lo >= 0) {
        out.push(hi * 16 + lo);
        i += 2;
      } else {
        out.push(raw[i]!);
      }
    }
    return new PdfName(latin1.decode(new Uint8Array(out)));
  }

  private readNumberOrRef(): number | PdfRef {
    const start = this.pos;
    const text = this.readKeyword();
    const n = Number(text === "-" || text === "+" || text === "." ? "0" : text);
    if (!Number.isFinite(n)) throw new PdfSyntaxError(`number expected at ${start}`);
    if (!/^\d+$/.test(text)) return n;
    // An integer may start an indirect reference "N G R".
    const save = this.pos;
    this.skipWhitespace();
    if (isDigit(this.bytes[this.pos])) {
      const genStart = this.pos;
      while (isDigit(this.bytes[this.pos])) this.pos++;
      const genEnd = this.pos;
      this.skipWhitespace();
      if (this.bytes[this.pos] === 0x52 /* R */ && !isRegular(this.bytes[this.pos + 1])) {
        this.pos++;
        return new PdfRef(n, Number(latin1.decode(this.bytes.subarray(genStart, genEnd))));
      }
    }
    this.pos = save;
    return n;
  }

  private readHexString(): PdfString {
    const b = this.bytes;
    this.pos++;
    const out: number[] = [];
    let hi = -1;
    for (;;) {
      const c = b[this.pos++];
      if (c === undefined) throw new PdfSyntaxError("unterminated hex string");
      if (c === 0x3e) break;
      if (WS[c] === 1) continue;
      const v = hexValue(c);
      if (v < 0) throw new PdfSyntaxError(`bad hex digit at ${this.pos - 1}`);
      if (hi < 0) {
        hi = v;
      } else {
        out.push(hi * 16 + v);
        hi = -1;
      }
    }
    if (hi >= 0) out.push(hi * 16);
    return new PdfString(new Uint8Array(out));
  }

  private readLiteralString(): PdfString {
    const b = this.bytes;
    this.pos++;
    const out: number[] = [];
    let nesting = 1;
    for (;;) {
      const c = b[this.pos++];
      if (c === undefined) throw new PdfSyntaxError("unterminated string");
      if (c === 0x28) {
        nesting++;
        out.push(c);
      } else if (c === 0x29) {
        if (--nesting === 0) break;
        out.push(c);
      } else if (c === 0x0d) {
        // An unescaped end of line is read as a single LF (§7.3.4.2).
        if (b[this.pos] === 0x0a) this.pos++;
        out.push(0x0a);
      } else if (c === 0x5c /* \ */) {
        const e = b[this.pos++];
        if (e === undefined) throw new PdfSyntaxError("unterminated string");
        if (e >= 0x30 && e <= 0x37) {
          let v = e - 0x30;
          for (let k = 0; k < 2 && (b[this.pos] ?? 0) >= 0x30 && (b[this.pos] ?? 0) <= 0x37; k++) {
            v = v * 8 + (b[this.pos++]! - 0x30);
          }
          out.push(v & 0xff);
        } else if (e === 0x0d) {
          if (b[this.pos] === 0x0a) this.pos++;
        } else if (e !== 0x0a) {
          const map: Record<number, number> = { 110: 0x0a, 114: 0x0d, 116: 0x09, 98: 0x08, 102: 0x0c };
          out.push(map[e] ?? e);
        }
      } else {
        out.push(c);
      }
    }
    return new PdfString(new Uint8Array(out));
  }
}

/** Text of a PDF text string: UTF-16BE with BOM, UTF-8 with BOM (PDF 2.0), else PDFDocEncoding (≈ Latin-1). */
export function decodePdfText(s: PdfString): string {
  const b = s.bytes;
  if (b[0] === 0xfe && b[1] === 0xff) return new TextDecoder("utf-16be").decode(b.subarray(2));
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return new TextDecoder().decode(b.subarray(3));
  return latin1.decode(b);
}

export function isDict(v: PdfValue | undefined): v is PdfDict {
  return v instanceof Map;
}
