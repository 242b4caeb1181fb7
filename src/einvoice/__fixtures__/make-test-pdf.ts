// Builds small PDFs with chosen attachments, for tests of the reader's edge cases.
// encrypted-facturx.pdf beside this file was made once from a buildFacturX credit note with
// `qpdf --encrypt "" owner-secret 256 --print=none -- in.pdf encrypted-facturx.pdf` (AES-256, empty
// user password: the common "protected against printing" case).

import { PDFDocument, PDFHexString, PDFName, PDFString } from "pdf-lib";

export interface TestAttachment {
  filename: string;
  data: Uint8Array;
  /** How the stream is stored: deflated (default), raw, or with a filter we do not decode. */
  encoding?: "flate" | "none" | "ascii-hex";
  /** Listed in the catalog's /AF (default) or only in the EmbeddedFiles name tree. */
  inAssociatedFiles?: boolean;
}

export async function makeTestPdf(attachments: TestAttachment[], opts: { objectStreams?: boolean } = {}) {
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.addPage([200, 200]).drawText("test", { x: 20, y: 100, size: 12 });
  const context = doc.context;
  const af = [];
  const names = [];
  for (const a of attachments) {
    const dict = { Type: "EmbeddedFile", Subtype: "text/xml", Params: { Size: a.data.length } };
    let stream: ReturnType<typeof context.stream>;
    if (a.encoding === "none") {
      stream = context.stream(a.data, dict);
    } else if (a.encoding === "ascii-hex") {
      const hex = `${Buffer.from(a.data).toString("hex")}>`;
      stream = context.stream(new TextEncoder().encode(hex), { ...dict, Filter: "ASCIIHexDecode" });
    } else {
      stream = context.flateStream(a.data, dict);
    }
    const streamRef = context.register(stream);
    const spec = context.register(
      context.obj({
        Type: "Filespec",
        F: PDFString.of(a.filename),
        UF: PDFHexString.fromText(a.filename),
        AFRelationship: "Data",
        EF: { F: streamRef, UF: streamRef },
      }),
    );
    if (a.inAssociatedFiles !== false) af.push(spec);
    names.push(PDFString.of(a.filename), spec);
  }
  if (af.length > 0) doc.catalog.set(PDFName.of("AF"), context.obj(af));
  if (names.length > 0)
    doc.catalog.set(PDFName.of("Names"), context.obj({ EmbeddedFiles: { Names: names } }));
  return doc.save({ useObjectStreams: opts.objectStreams ?? false });
}
