import type { Readable } from "node:stream";

/** One record of a CSV file; `line` is the physical line where it starts (the header is line 1). */
export interface CsvRecord {
  line: number;
  fields: string[];
  /** Set when the record's quoting is broken; its fields are then unreliable. */
  problem?: string;
}

/** The file cannot be read further (not UTF-8, a quote never closed): reported with its line. */
export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = "CsvError";
  }
}

const NOT_UTF8 = 'the file is not UTF-8 text (save it as "CSV UTF-8")';

/** A record longer than this is a quote left open, not data: stop before it eats the memory. */
const MAX_RECORD_CHARS = 1_000_000;

/**
 * Reads CSV records one at a time from a byte stream (RFC 4180 quoting, `\n` or `\r\n` line ends),
 * never holding more than one record. UTF-8 with or without BOM; the separator (`,` or `;`, as French
 * spreadsheets write it) is taken from the header line. Blank lines are skipped.
 */
export async function* readCsv(source: Readable | AsyncIterable<Uint8Array>): AsyncGenerator<CsvRecord> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let delimiter: string | undefined;
  let pending = ""; // text before the delimiter is known
  let line = 1;
  let recordLine = 1;
  let fields: string[] = [];
  let field = "";
  let recordChars = 0;
  let inQuotes = false;
  let quoteClosed = false; // just after the closing quote of a quoted field
  let fieldStarted = false;
  let problem: string | undefined;
  let first = true;
  let carry = ""; // a quote ending a chunk inside a quoted field: closing, or the first of `""`?
  let skipLf = false; // a chunk ended with \r: a \n starting the next one belongs to it

  function* take(text: string): Generator<CsvRecord> {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (inQuotes) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i++;
          } else if (i + 1 === text.length) {
            // The next chunk decides between `""` and a closing quote: keep this one for it.
            carry = '"';
          } else {
            inQuotes = false;
            quoteClosed = true;
          }
        } else {
          if (ch === "\n") line++;
          field += ch;
          if (++recordChars > MAX_RECORD_CHARS)
            throw new CsvError(recordLine, 'a quoted field is never closed (a lone " in the line?)');
        }
        continue;
      }
      if (ch === delimiter) {
        fields.push(field);
        field = "";
        quoteClosed = false;
        fieldStarted = false;
        continue;
      }
      if (ch === "\n" || ch === "\r") {
        if (ch === "\r" && text[i + 1] === "\n") i++;
        else if (ch === "\r" && i + 1 === text.length) skipLf = true;
        fields.push(field);
        const blank = fields.length === 1 && fields[0] === "" && !fieldStarted;
        if (!blank) yield problem ? { line: recordLine, fields, problem } : { line: recordLine, fields };
        fields = [];
        field = "";
        recordChars = 0;
        quoteClosed = false;
        fieldStarted = false;
        problem = undefined;
        line++;
        recordLine = line;
        continue;
      }
      if (ch === '"' && field === "" && !fieldStarted) {
        inQuotes = true;
        fieldStarted = true;
        continue;
      }
      if (quoteClosed) problem ??= "text after a closing quote (a quote inside a field must be doubled)";
      else if (ch === '"')
        problem ??= "a quote inside an unquoted field (quote the field and double the quote)";
      fieldStarted = true;
      field += ch;
      if (++recordChars > MAX_RECORD_CHARS) throw new CsvError(recordLine, "the line is too long");
    }
  }

  const feed = function* (chunk: string): Generator<CsvRecord> {
    let text = carry + chunk;
    carry = "";
    if (skipLf) {
      skipLf = false;
      if (text.startsWith("\n")) text = text.slice(1);
    }
    if (first) {
      if (text.length === 0) return;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    if (delimiter === undefined) {
      pending += text;
      const end = pending.search(/[\r\n]/);
      if (end < 0 && pending.length < MAX_RECORD_CHARS) return;
      delimiter = detectDelimiter(end < 0 ? pending : pending.slice(0, end));
      text = pending;
      pending = "";
    }
    yield* take(text);
  };

  for await (const chunk of source as AsyncIterable<Uint8Array>) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      // Read up to the bad byte, so the error names its line.
      const lossy = new TextDecoder("utf-8").decode(chunk);
      yield* feed(lossy.slice(0, Math.max(0, lossy.indexOf("\uFFFD"))));
      throw new CsvError(line, NOT_UTF8);
    }
    yield* feed(text);
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    throw new CsvError(line, NOT_UTF8);
  }
  yield* feed(rest);
  if (delimiter === undefined && pending !== "") {
    delimiter = detectDelimiter(pending);
    yield* take(pending);
    pending = "";
  }
  if (carry === '"' && inQuotes) {
    inQuotes = false;
    carry = "";
  }
  if (inQuotes) throw new CsvError(recordLine, 'a quoted field is never closed (a lone " in the line?)');
  if (fields.length > 0 || field !== "" || fieldStarted) {
    fields.push(field);
    yield problem ? { line: recordLine, fields, problem } : { line: recordLine, fields };
  }
}

/** The separator of a header line: `;` when it has more of them than commas (outside quotes). */
function detectDelimiter(header: string): string {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === ",") commas++;
    else if (!quoted && ch === ";") semicolons++;
  }
  return semicolons > commas ? ";" : ",";
}

/**
 * Maps a header record to column positions. Names match case-insensitively; every required column
 * must be present and no unknown column is accepted (a typo must not silently drop a column).
 */
export function mapHeader<K extends string>(
  header: string[],
  columns: { required: readonly K[]; optional: readonly K[] },
): { index: Record<K, number | undefined> } | { problem: string } {
  const known = [...columns.required, ...columns.optional];
  const index = {} as Record<K, number | undefined>;
  const unknown: string[] = [];
  header.forEach((raw, position) => {
    const name = raw.trim();
    const column = known.find((k) => k.toLowerCase() === name.toLowerCase());
    if (!column) unknown.push(name);
    else if (index[column] !== undefined) unknown.push(`${name} (twice)`);
    else index[column] = position;
  });
  const missing = columns.required.filter((k) => index[k] === undefined);
  if (missing.length > 0 || unknown.length > 0) {
    const parts = [
      missing.length > 0 ? `missing ${missing.join(", ")}` : "",
      unknown.length > 0 ? `unknown ${unknown.map((u) => `"${u}"`).join(", ")}` : "",
    ].filter(Boolean);
    return {
      problem: `the first line must be the header ${known.join(",")} (${parts.join("; ")})`,
    };
  }
  return { index };
}
