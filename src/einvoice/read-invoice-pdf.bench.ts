// Run: npx vitest bench --run src/einvoice
// Compares the fast path (xref + targeted object reads) with a full pdf-lib load, per corpus file,
// and times buildFacturX.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ParseSpeeds, PDFDocument } from "pdf-lib";
import { bench, describe } from "vitest";
import type { FacturXInput } from "./build-cii-xml.js";
import { buildFacturX } from "./build-facturx.js";
import { parseCii } from "./parse-cii.js";
import { readInvoicePdfWithPath } from "./read-invoice-pdf.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const corpus = path.resolve(repoRoot, "..", "shared", "corpus");
const files = existsSync(corpus)
  ? ["facturx-valid", "facturx-flawed", "plain-pdf"].flatMap((dir) =>
      readdirSync(path.join(corpus, dir)).map((f) => ({
        name: `${dir}/${f}`,
        bytes: new Uint8Array(readFileSync(path.join(corpus, dir, f))),
      })),
    )
  : [];

for (const file of files) {
  describe(`${file.name} (${Math.round(file.bytes.length / 1024)} KB)`, () => {
    bench("readInvoicePdf, fast path", async () => {
      await readInvoicePdfWithPath(file.bytes);
    });
    bench("readInvoicePdf, pdf-lib path", async () => {
      await readInvoicePdfWithPath(file.bytes, { forcePath: "pdf-lib" });
    });
    bench("PDFDocument.load only (default parse speed)", async () => {
      await PDFDocument.load(file.bytes, { updateMetadata: false });
    });
    bench("PDFDocument.load only (ParseSpeeds.Fastest)", async () => {
      await PDFDocument.load(file.bytes, { updateMetadata: false, parseSpeed: ParseSpeeds.Fastest });
    });
  });
}

const mustang = files.find((f) => f.name.endsWith("RE-20201121_508.pdf"));
if (mustang) {
  describe("XML parse alone (Mustang EN 16931, 9 KB)", async () => {
    const xml = (await readInvoicePdfWithPath(mustang.bytes)).document.xml!;
    bench("parseCii", () => {
      parseCii(xml);
    });
  });
}

const input: FacturXInput = {
  invoiceNumber: "DL-2026-000123",
  typeCode: "380",
  issueDate: "2026-10-05",
  dueDate: "2026-11-04",
  currency: "EUR",
  seller: {
    name: "DIAC Location",
    siren: "702002221",
    vatId: "FR60702002221",
    address: {
      line1: "14 avenue du Pavé Neuf",
      postcode: "93168",
      city: "Noisy-le-Grand Cedex",
      countryCode: "FR",
    },
  },
  buyer: {
    name: "Boulangerie Martin",
    id: "C0042317",
    address: { line1: "3 rue de l'Église", postcode: "69003", city: "Lyon", countryCode: "FR" },
  },
  contractNumber: "LLD-88412-B",
  paymentReference: "DL2026000123",
  lines: [
    { description: "Loyer location longue durée", quantity: "1", unitPrice: "412.50", vatRatePercent: "20" },
    { description: "Entretien", quantity: "1", unitPrice: "38.90", vatRatePercent: "20" },
    { description: "Assurance", quantity: "1", unitPrice: "12.00", vatRatePercent: "0" },
  ],
};

describe("buildFacturX (3 lines)", () => {
  bench("buildFacturX", async () => {
    await buildFacturX(input);
  });
});
