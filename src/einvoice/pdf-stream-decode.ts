import { constants, inflateSync } from "node:zlib";
import { isDict, PdfName, type PdfStream, type PdfValue } from "./pdf-objects.js";

export type StreamDecodeFailure = "unsupported_filter" | "too_large" | "corrupt";

/** A stream whose filters cannot be undone, or whose decoded size exceeds the limit. */
export class StreamDecodeError extends Error {
  constructor(
    readonly reason: StreamDecodeFailure,
    message: string,
  ) {
    super(message);
  }
}

type Resolve = (v: PdfValue | undefined) => PdfValue | undefined;

function asArray(v: PdfValue | undefined, resolve: Resolve): (PdfValue | undefined)[] {
  const r = resolve(v);
  if (r === undefined || r === null) return [];
  return Array.isArray(r) ? r.map((x) => resolve(x)) : [r];
}

function intParam(parms: PdfValue | undefined, key: string, fallback: number): number {
  if (!isDict(parms)) return fallback;
  const v = parms.get(key);
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : fallback;
}

/**
 * Undoes the stream's filters. Only FlateDecode (with or without a PNG predictor) is supported: it is
 * what every Factur-X producer we know uses for embedded files, object streams and xref streams.
 * `maxBytes` bounds the decoded size, so a deflate bomb stops early.
 */
export function decodeStream(stream: PdfStream, maxBytes: number, resolve: Resolve): Uint8Array {
  const filters = asArray(stream.dict.get("Filter"), resolve);
  const parmsList = asArray(stream.dict.get("DecodeParms"), resolve);
  let data = stream.raw;
  if (filters.length === 0 && data.length > maxBytes) {
    throw new StreamDecodeError("too_large", `stream of ${data.length} bytes exceeds ${maxBytes}`);
  }
  filters.forEach((filter, i) => {
    const name = filter instanceof PdfName ? filter.value : String(filter);
    if (name !== "FlateDecode" && name !== "Fl") {
      throw new StreamDecodeError("unsupported_filter", `unsupported filter /${name}`);
    }
    data = inflate(data, maxBytes);
    const parms = parmsList[i];
    const predictor = intParam(parms, "Predictor", 1);
    if (predictor >= 10) {
      data = undoPngPredictor(
        data,
        intParam(parms, "Colors", 1),
        intParam(parms, "BitsPerComponent", 8),
        intParam(parms, "Columns", 1),
      );
    } else if (predictor !== 1) {
      throw new StreamDecodeError("unsupported_filter", `unsupported predictor ${predictor}`);
    }
  });
  return data;
}

function inflate(data: Uint8Array, maxBytes: number): Uint8Array {
  try {
    // Z_SYNC_FLUSH: some producers omit the Adler-32 trailer; keep what decodes, the XML parser
    // will refuse a document that is really cut short.
    return inflateSync(data, { maxOutputLength: maxBytes, finishFlush: constants.Z_SYNC_FLUSH });
  } catch (e) {
    if (e instanceof RangeError || (e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new StreamDecodeError("too_large", `decoded stream exceeds ${maxBytes} bytes`);
    }
    throw new StreamDecodeError("corrupt", `deflate data cannot be decoded: ${(e as Error).message}`);
  }
}

function undoPngPredictor(data: Uint8Array, colors: number, bitsPerComponent: number, columns: number) {
  const bpp = Math.max(1, Math.ceil((colors * bitsPerComponent) / 8));
  const rowLength = Math.ceil((colors * bitsPerComponent * columns) / 8);
  const rows = Math.floor(data.length / (rowLength + 1));
  const out = new Uint8Array(rows * rowLength);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowLength + 1)]!;
    const src = r * (rowLength + 1) + 1;
    const dst = r * rowLength;
    for (let i = 0; i < rowLength; i++) {
      const x = data[src + i]!;
      const left = i >= bpp ? out[dst + i - bpp]! : 0;
      const up = r > 0 ? out[dst - rowLength + i]! : 0;
      const upLeft = r > 0 && i >= bpp ? out[dst - rowLength + i - bpp]! : 0;
      let v: number;
      switch (type) {
        case 0:
          v = x;
          break;
        case 1:
          v = x + left;
          break;
        case 2:
          v = x + up;
          break;
        case 3:
          v = x + ((left + up) >> 1);
          break;
        case 4: {
          const p = left + up - upLeft;
          const pa = Math.abs(p - left);
          const pb = Math.abs(p - up);
          const pc = Math.abs(p - upLeft);
          v = x + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
          break;
        }
        default:
          throw new StreamDecodeError("corrupt", `bad PNG predictor row type ${type}`);
      }
      out[dst + i] = v & 0xff;
    }
  }
  return out;
}
