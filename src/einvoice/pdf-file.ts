// Random access to the objects of a PDF through its cross-reference data (classic tables, xref
// streams, object streams, incremental updates), so that reading the catalog and one embedded file
// costs a few object parses instead of a full document load.

import { DecodeBudget, PARSE_LIMITS, ParseBudgetError, pdfTooComplexMessage } from "./parse-budget.js";
import {
  isDict,
  type PdfDict,
  PdfLexer,
  PdfName,
  PdfRef,
  PdfStream,
  PdfSyntaxError,
  type PdfValue,
} from "./pdf-objects.js";
import { decodeStream, StreamDecodeError } from "./pdf-stream-decode.js";

type XrefEntry =
  | { type: 0 }
  | { type: 1; offset: number; gen: number }
  | { type: 2; stream: number; index: number };

/** Limits on structures we decode only to find other objects. */
const MAX_STRUCTURE_BYTES = 64 * 1024 * 1024;
const MAX_XREF_SECTIONS = 256;
const MAX_REF_CHAIN = 32;
/** A classic xref entry is 20 bytes; some producers write 19 (one-byte EOL): a count beyond is a lie. */
const MIN_XREF_ROW_BYTES = 19;

/** "N G obj" at the start of a line or after a delimiter, as an object header is written. */
const OBJ_HEADER =
  /(?<![0-9A-Za-z.+-])(\d{1,10})[\0\t\n\f\r ]+\d{1,5}[\0\t\n\f\r ]+obj(?![^\0\t\n\f\r ()<>[\]{}/%])/g;
const ROOT_ENTRY = /\/Root[\0\t\n\f\r ]*(\d{1,10})[\0\t\n\f\r ]+(\d{1,5})[\0\t\n\f\r ]+R/g;

function tooComplex(detail: string): ParseBudgetError {
  return new ParseBudgetError("pdf_too_complex", pdfTooComplexMessage(detail));
}

const enc = new TextEncoder();
const STARTXREF = enc.encode("startxref");
const ENDSTREAM = enc.encode("endstream");

/** True when `needle` occurs in `hay` at `pos`. */
export function bytesAt(hay: Uint8Array, needle: Uint8Array, pos: number): boolean {
  if (pos < 0 || pos + needle.length > hay.length) return false;
  for (let j = 0; j < needle.length; j++) if (hay[pos + j] !== needle[j]) return false;
  return true;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Last index of `needle` in `hay` (native search, no copy). */
export function lastIndexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  return asBuffer(hay).lastIndexOf(needle);
}

/** Index of `needle` in `hay` between `from` and `to` (exclusive end of the match), or -1. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0, to = hay.length): number {
  const at = asBuffer(hay).indexOf(needle, from);
  return at >= 0 && at + needle.length <= to ? at : -1;
}

/** A PDF opened through its cross-reference data; objects are parsed on demand and cached. */
export class PdfFile {
  readonly trailer: PdfDict = new Map();
  private readonly entries = new Map<number, XrefEntry>();
  private readonly objectCache = new Map<number, PdfValue>();
  private readonly objectStreams = new Map<number, { data: Uint8Array; offsets: Map<number, number> }>();
  private readonly loading = new Set<number>();
  /** Xref entries read so far, over all sections (duplicates included: each costs the same work). */
  private xrefEntries = 0;

  private constructor(
    readonly bytes: Uint8Array,
    readonly budget: DecodeBudget,
  ) {}

  /**
   * Reads the cross-reference chain; throws PdfSyntaxError when it is not usable as written, and
   * ParseBudgetError when it describes more work than PARSE_LIMITS allows (the file is then refused).
   */
  static open(bytes: Uint8Array, budget = new DecodeBudget()): PdfFile {
    const file = new PdfFile(bytes, budget);
    const at = lastIndexOfBytes(bytes, STARTXREF);
    if (at < 0) throw new PdfSyntaxError("no startxref");
    const lexer = new PdfLexer(bytes, at + STARTXREF.length);
    file.readXrefChain(lexer.readInteger());
    return file;
  }

  /**
   * Rebuilds the cross-reference data of a file whose xref cannot be followed, within the same budgets:
   * every "N G obj" header (the last one of a number wins, as in an incremental update), the objects of
   * the object streams found that way, and the last /Root written. Used instead of pdf-lib for files
   * with object or xref streams, which pdf-lib would inflate without a bound.
   */
  static recover(bytes: Uint8Array, budget = new DecodeBudget()): PdfFile {
    const file = new PdfFile(bytes, budget);
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
    const direct = new Map<number, number>();
    for (const m of text.matchAll(OBJ_HEADER)) {
      file.spendXrefEntries(1);
      direct.set(Number(m[1]), m.index);
    }
    for (const [num, offset] of direct) file.setEntry(num, { type: 1, offset, gen: 0 });
    const root = [...text.matchAll(ROOT_ENTRY)].pop();
    if (root === undefined) throw new PdfSyntaxError("no /Root to recover");
    file.trailer.set("Root", new PdfRef(Number(root[1]), Number(root[2])));
    const starts = [...direct.values()].sort((a, b) => a - b);
    for (let at = text.indexOf("/ObjStm"); at >= 0; at = text.indexOf("/ObjStm", at + 1)) {
      // The object stream is the object whose header comes last before its /Type.
      let lo = 0;
      let hi = starts.length - 1;
      let header = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (starts[mid]! < at) {
          header = starts[mid]!;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (header < 0) continue;
      const streamNum = Number(/^\d+/.exec(text.slice(header, header + 12))?.[0]);
      let contained: number[];
      try {
        contained = file.objectStreamMembers(streamNum);
      } catch (e) {
        if (e instanceof PdfSyntaxError) continue;
        throw e;
      }
      contained.forEach((num, index) => {
        if (!direct.has(num)) file.setEntry(num, { type: 2, stream: streamNum, index });
      });
    }
    return file;
  }

  private readXrefChain(firstOffset: number): void {
    const seen = new Set<number>();
    let offset: number | undefined = firstOffset;
    while (offset !== undefined) {
      if (seen.has(offset) || seen.size >= MAX_XREF_SECTIONS) throw new PdfSyntaxError("xref loop");
      if (offset <= 0 || offset >= this.bytes.length)
        throw new PdfSyntaxError(`xref offset ${offset} out of file`);
      seen.add(offset);
      const lexer = new PdfLexer(this.bytes, offset);
      lexer.skipWhitespace();
      let sectionTrailer: PdfDict;
      if (this.bytes[lexer.pos] === 0x78 /* x */) {
        sectionTrailer = this.readXrefTable(lexer);
        // Hybrid-reference files list compressed objects in a side xref stream (§7.5.8.4).
        const side = sectionTrailer.get("XRefStm");
        if (typeof side === "number") this.readXrefStream(side);
      } else {
        sectionTrailer = this.readXrefStream(offset);
      }
      for (const [k, v] of sectionTrailer) if (!this.trailer.has(k)) this.trailer.set(k, v);
      const prev = sectionTrailer.get("Prev");
      offset = typeof prev === "number" ? prev : undefined;
    }
  }

  private setEntry(num: number, entry: XrefEntry): void {
    // Sections are read newest first: the first entry seen for an object wins.
    if (!this.entries.has(num)) this.entries.set(num, entry);
  }

  /** Counts entries before they are read, so a section claiming millions is refused up front. */
  private spendXrefEntries(count: number): void {
    this.xrefEntries += count;
    if (this.xrefEntries > PARSE_LIMITS.maxXrefEntries)
      throw tooComplex(`plus de ${PARSE_LIMITS.maxXrefEntries} entrées de références croisées`);
  }

  private readXrefTable(lexer: PdfLexer): PdfDict {
    lexer.expectKeyword("xref");
    for (;;) {
      lexer.skipWhitespace();
      if (this.bytes[lexer.pos] === 0x74 /* t */) break;
      const start = lexer.readInteger();
      const count = lexer.readInteger();
      if (count * MIN_XREF_ROW_BYTES > this.bytes.length - lexer.pos)
        throw new PdfSyntaxError(`xref subsection of ${count} entries is longer than the file`);
      this.spendXrefEntries(count);
      for (let i = 0; i < count; i++) {
        const offset = lexer.readInteger();
        const gen = lexer.readInteger();
        const kind = lexer.readKeyword();
        if (kind === "n") this.setEntry(start + i, { type: 1, offset, gen });
        else if (kind === "f") this.setEntry(start + i, { type: 0 });
        else throw new PdfSyntaxError(`bad xref entry type "${kind}"`);
      }
    }
    lexer.expectKeyword("trailer");
    const trailer = lexer.readValue();
    if (!isDict(trailer)) throw new PdfSyntaxError("trailer is not a dictionary");
    return trailer;
  }

  private readXrefStream(offset: number): PdfDict {
    const { value } = this.parseIndirectObjectAt(offset);
    if (!(value instanceof PdfStream)) throw new PdfSyntaxError("xref stream expected");
    const dict = value.dict;
    const type = dict.get("Type");
    if (!(type instanceof PdfName) || type.value !== "XRef") throw new PdfSyntaxError("xref stream expected");
    const w = dict.get("W");
    if (!Array.isArray(w) || w.length !== 3 || !w.every((x) => typeof x === "number" && x >= 0 && x <= 8)) {
      throw new PdfSyntaxError("bad /W in xref stream");
    }
    const [w0, w1, w2] = w as [number, number, number];
    const rowLength = w0 + w1 + w2;
    // Rows of zero bytes cost nothing to store and any number of them to read: /W [0 0 0] is refused.
    if (rowLength === 0) throw tooComplex("flux de références croisées avec /W [0 0 0]");
    const size = dict.get("Size");
    if (typeof size !== "number" || !Number.isInteger(size) || size < 0)
      throw new PdfSyntaxError("bad /Size in xref stream");
    // Every object takes at least one byte of the file: more objects than bytes is not a real document.
    if (size > PARSE_LIMITS.maxXrefEntries || size > this.bytes.length)
      throw tooComplex(`/Size ${size} pour un fichier de ${this.bytes.length} octets`);
    const index = dict.get("Index") ?? [0, size];
    if (!Array.isArray(index) || index.length % 2 !== 0)
      throw new PdfSyntaxError("bad /Index in xref stream");
    let rows = 0;
    for (let s = 0; s < index.length; s += 2) {
      const start = index[s];
      const count = index[s + 1];
      if (
        !Number.isInteger(start) ||
        !Number.isInteger(count) ||
        (start as number) < 0 ||
        (count as number) < 0
      )
        throw new PdfSyntaxError("bad /Index");
      if ((start as number) + (count as number) > size)
        throw tooComplex(`/Index ${start} ${count} au-delà de /Size ${size}`);
      rows += count as number;
    }
    this.spendXrefEntries(rows);
    const data = this.decode(value);
    if (rows * rowLength > data.length) throw new PdfSyntaxError("xref stream too short");
    let p = 0;
    const field = (width: number) => {
      let v = 0;
      for (let k = 0; k < width; k++) v = v * 256 + data[p++]!;
      return v;
    };
    for (let s = 0; s < index.length; s += 2) {
      const start = index[s];
      const count = index[s + 1];
      if (typeof start !== "number" || typeof count !== "number") throw new PdfSyntaxError("bad /Index");
      for (let i = 0; i < count; i++) {
        if (p + rowLength > data.length) throw new PdfSyntaxError("xref stream too short");
        const t = w0 === 0 ? 1 : field(w0);
        const f1 = field(w1);
        const f2 = field(w2);
        if (t === 0) this.setEntry(start + i, { type: 0 });
        else if (t === 1) this.setEntry(start + i, { type: 1, offset: f1, gen: f2 });
        else if (t === 2) this.setEntry(start + i, { type: 2, stream: f1, index: f2 });
      }
    }
    return dict;
  }

  /** Undoes a structure stream's filters, counted against the document's decode budget. */
  private decode(stream: PdfStream): Uint8Array {
    const cap = Math.min(MAX_STRUCTURE_BYTES, this.budget.remaining());
    let data: Uint8Array;
    try {
      data = decodeStream(stream, cap, (v) => this.resolve(v));
    } catch (e) {
      if (e instanceof StreamDecodeError && e.reason === "too_large") throw this.budget.exhausted();
      if (e instanceof StreamDecodeError) throw new PdfSyntaxError(e.message);
      throw e;
    }
    this.budget.spend(data.length);
    return data;
  }

  /** Parses "N G obj <value> [stream ... endstream]" at a byte offset of the file. */
  private parseIndirectObjectAt(offset: number): { num: number; value: PdfValue } {
    const lexer = new PdfLexer(this.bytes, offset);
    const num = lexer.readInteger();
    lexer.readInteger();
    lexer.expectKeyword("obj");
    const value = lexer.readValue();
    if (!isDict(value)) return { num, value };
    const afterValue = lexer.pos;
    if (lexer.readKeyword() !== "stream") {
      lexer.pos = afterValue;
      return { num, value };
    }
    let start = lexer.pos;
    if (this.bytes[start] === 0x0d) start++;
    if (this.bytes[start] === 0x0a) start++;
    return { num, value: new PdfStream(value, this.bytes.subarray(start, this.streamEnd(value, start))) };
  }

  /** End of stream data: /Length when it lands on "endstream", else the last EOL before "endstream". */
  private streamEnd(dict: PdfDict, start: number): number {
    let declared: PdfValue | undefined;
    try {
      declared = this.resolve(dict.get("Length"));
    } catch (e) {
      if (!(e instanceof PdfSyntaxError)) throw e;
    }
    if (typeof declared === "number" && Number.isInteger(declared) && declared >= 0) {
      const end = start + declared;
      const lexer = new PdfLexer(this.bytes, end);
      lexer.skipWhitespace();
      if (end <= this.bytes.length && bytesAt(this.bytes, ENDSTREAM, lexer.pos)) {
        return end;
      }
    }
    const at = indexOfBytes(this.bytes, ENDSTREAM, start);
    if (at < 0) throw new PdfSyntaxError("endstream not found");
    let end = at;
    if (this.bytes[end - 1] === 0x0a) end--;
    if (this.bytes[end - 1] === 0x0d) end--;
    return Math.max(start, end);
  }

  /** The object numbered `num`, following the cross-reference data. */
  getObject(num: number): PdfValue {
    const cached = this.objectCache.get(num);
    if (cached !== undefined) return cached;
    const entry = this.entries.get(num);
    if (entry === undefined || entry.type === 0) {
      // A reference to a missing object is null by the spec, but here it more likely means a
      // damaged xref: let the full parser decide.
      throw new PdfSyntaxError(`object ${num} not in xref`);
    }
    if (this.loading.has(num)) throw new PdfSyntaxError(`object ${num} refers to itself`);
    this.loading.add(num);
    try {
      let value: PdfValue;
      if (entry.type === 1) {
        const parsed = this.parseIndirectObjectAt(entry.offset);
        if (parsed.num !== num) throw new PdfSyntaxError(`xref points object ${num} to object ${parsed.num}`);
        value = parsed.value;
      } else {
        value = this.getFromObjectStream(entry.stream, num);
      }
      this.objectCache.set(num, value);
      return value;
    } finally {
      this.loading.delete(num);
    }
  }

  /** Numbers of the objects an object stream holds, in order. */
  private objectStreamMembers(streamNum: number): number[] {
    return [...this.loadObjectStream(streamNum).offsets.keys()];
  }

  private getFromObjectStream(streamNum: number, num: number): PdfValue {
    const objStm = this.loadObjectStream(streamNum);
    const at = objStm.offsets.get(num);
    if (at === undefined) throw new PdfSyntaxError(`object ${num} not in object stream ${streamNum}`);
    return new PdfLexer(objStm.data, at).readValue();
  }

  private loadObjectStream(streamNum: number): { data: Uint8Array; offsets: Map<number, number> } {
    let objStm = this.objectStreams.get(streamNum);
    if (objStm === undefined) {
      const stream = this.getObject(streamNum);
      if (!(stream instanceof PdfStream))
        throw new PdfSyntaxError(`object stream ${streamNum} is not a stream`);
      const n = stream.dict.get("N");
      const first = stream.dict.get("First");
      if (typeof n !== "number" || typeof first !== "number") throw new PdfSyntaxError("bad object stream");
      if (this.objectStreams.size >= PARSE_LIMITS.maxObjectStreams)
        throw tooComplex(`plus de ${PARSE_LIMITS.maxObjectStreams} flux d'objets`);
      if (n > PARSE_LIMITS.maxObjectsPerStream) throw tooComplex(`flux d'objets annonçant ${n} objets`);
      const data = this.decode(stream);
      // Each object of the header takes at least "N O " (4 bytes): a larger /N is a lie, refused before reading.
      if (n * 4 > data.length) throw new PdfSyntaxError("object stream header longer than its data");
      const lexer = new PdfLexer(data, 0);
      const offsets = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const objNum = lexer.readInteger();
        offsets.set(objNum, first + lexer.readInteger());
      }
      objStm = { data, offsets };
      this.objectStreams.set(streamNum, objStm);
    }
    return objStm;
  }

  /** Follows references until a direct value. */
  resolve(v: PdfValue | undefined): PdfValue | undefined {
    let current = v;
    for (let i = 0; current instanceof PdfRef; i++) {
      if (i >= MAX_REF_CHAIN) throw new PdfSyntaxError("reference chain too long");
      current = this.getObject(current.num);
    }
    return current;
  }
}
