// The slow path: pdf-lib parses every object of the file in order (it does not need a valid xref),
// and we view its objects through the same small interface as the fast reader. Invalid objects make
// it throw rather than warn on the console: this module does no logging, and a file whose xref and
// objects are both damaged is unreadable for our purpose.

import {
  ParseSpeeds,
  PDFArray,
  PDFBool,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  type PDFObject,
  PDFRawStream,
  PDFRef,
  PDFString,
} from "pdf-lib";
import type { PdfObjectReader } from "./find-invoice-xml.js";
import { type PdfDict, PdfName, PdfRef, PdfStream, PdfString, type PdfValue } from "./pdf-objects.js";

/** A document loaded by pdf-lib, seen through the reader interface. */
export interface PdfLibOpenResult {
  encrypted: boolean;
  reader: PdfObjectReader;
}

/** Loads the whole document with pdf-lib; throws when pdf-lib cannot make sense of it. */
export async function openWithPdfLib(bytes: Uint8Array): Promise<PdfLibOpenResult> {
  const doc = await PDFDocument.load(bytes, {
    ignoreEncryption: true,
    updateMetadata: false,
    throwOnInvalidObject: true,
    parseSpeed: ParseSpeeds.Fastest,
  });
  const context = doc.context;
  const convert = (o: PDFObject | undefined): PdfValue | undefined => {
    if (o === undefined) return undefined;
    if (o instanceof PDFRef) return new PdfRef(o.objectNumber, o.generationNumber);
    if (o instanceof PDFName) return new PdfName(o.decodeText());
    if (o instanceof PDFNumber) return o.asNumber();
    if (o instanceof PDFBool) return o.asBoolean();
    if (o instanceof PDFString || o instanceof PDFHexString) return new PdfString(o.asBytes());
    if (o instanceof PDFArray) return o.asArray().map((x) => convert(x) ?? null);
    if (o instanceof PDFDict) return convertDict(o);
    if (o instanceof PDFRawStream) return new PdfStream(convertDict(o.dict), o.contents);
    return null;
  };
  const convertDict = (d: PDFDict): PdfDict => {
    const out: PdfDict = new Map();
    for (const [k, v] of d.entries()) out.set(k.decodeText(), convert(v) ?? null);
    return out;
  };
  const reader: PdfObjectReader = {
    catalog: () => convertDict(doc.catalog),
    resolve: (v) => {
      let current = v;
      for (let i = 0; current instanceof PdfRef && i < 32; i++) {
        current = convert(context.lookup(PDFRef.of(current.num, current.gen))) ?? null;
      }
      return current instanceof PdfRef ? undefined : current;
    },
  };
  return { encrypted: doc.isEncrypted, reader };
}
