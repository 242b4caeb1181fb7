import type { PassThrough, Readable } from "node:stream";
import { ZipFile } from "yazl";

/** A file of the archive whose bytes are opened only when the archive reaches it (one open at a time). */
export interface ZipFileEntry {
  path: string;
  sizeBytes: number;
  mtime: Date;
  /** Opens the entry's bytes; a rejection or a stream error aborts the whole archive. `signal` aborts when the reader is gone. */
  open(signal: AbortSignal): Promise<Readable>;
}

export interface ZipStream {
  /** The archive: ends only when every entry was written; destroyed with the error otherwise. */
  stream: Readable;
  /** Exact length of the archive, for Content-Length (stored entries with known sizes). */
  sizeBytes: number | undefined;
}

/**
 * A ZIP written as it is read: stored entries (PDFs do not compress), sizes known in advance, ZIP64
 * where offsets or sizes need it (yazl). Nothing is held but the entry being copied, so memory stays flat
 * whatever the number of files; the source streams pause when the client reads slowly.
 */
export function createZipStream(input: {
  leading: { path: string; bytes: Buffer; mtime: Date }[];
  files: ZipFileEntry[];
}): ZipStream {
  const zip = new ZipFile();
  const out = zip.outputStream as PassThrough;
  let current: Readable | undefined;
  const gone = new AbortController();
  const fail = (error: Error) => {
    current?.destroy();
    if (!out.destroyed) out.destroy(error);
  };
  zip.on("error", fail);
  // A client gone mid-archive: stop reading the file being copied.
  out.on("close", () => {
    gone.abort(new Error("ZIP reader gone"));
    current?.destroy();
  });

  for (const entry of input.leading)
    zip.addBuffer(entry.bytes, entry.path, { compress: false, mtime: entry.mtime });
  for (const file of input.files) {
    zip.addReadStreamLazy(
      file.path,
      { size: file.sizeBytes, compress: false, mtime: file.mtime },
      (ready) => {
        if (out.destroyed) return;
        file.open(gone.signal).then((readable) => {
          if (out.destroyed) {
            readable.destroy();
            return;
          }
          current = readable;
          readable.on("error", fail);
          ready(null, readable);
        }, fail);
      },
    );
  }
  let sizeBytes: number | undefined;
  // The ZIP64 end record is always written: yazl's size prediction then matches what it writes
  // (without it, yazl over-counts by 76 bytes once the central directory passes 64 KB).
  // @types/yazl declares the callback without its argument: the total size (-1 when unknown).
  const end = zip.end.bind(zip) as (
    options: { forceZip64Format: boolean; comment: string },
    sized: (size: number) => void,
  ) => void;
  end({ forceZip64Format: true, comment: "" }, (size) => {
    sizeBytes = size >= 0 ? size : undefined;
  });
  return { stream: out, sizeBytes };
}
