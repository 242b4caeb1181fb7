// Data for bench/publish.ts: N distinct Factur-X invoices of about 100 KB and the customer file they
// belong to, generated once and cached under .bench-cache/ (ignored by git).
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { deflateSync } from "node:zlib";
import {
  concatTransformationMatrix,
  drawObject,
  PDFDocument,
  PDFName,
  popGraphicsState,
  pushGraphicsState,
} from "pdf-lib";
import { buildFacturX, type FacturXInput } from "../src/einvoice/index.js";

/** Invoices per customer: a lessor's customer gets one a month. */
const INVOICES_PER_CUSTOMER = 5;
const VERSION = "v1";

export interface BenchData {
  folder: string;
  customersCsv: string;
  invoices: number;
  customers: number;
  totalBytes: number;
}

export function customerNumber(i: number): string {
  return `BC${String(i).padStart(7, "0")}`;
}

/** The cached data set for `n` invoices, generated first when missing (prints its progress). */
export async function ensureBenchData(cacheRoot: string, n: number): Promise<BenchData> {
  const folder = path.join(cacheRoot, `facturx-${VERSION}-n${n}`);
  const invoicesDir = path.join(folder, "invoices");
  const customersCsv = path.join(folder, "customers.csv");
  const customers = Math.ceil(n / INVOICES_PER_CUSTOMER);
  mkdirSync(invoicesDir, { recursive: true });
  if (!existsSync(customersCsv)) writeCustomers(customersCsv, customers);

  const present = new Set(readdirSync(invoicesDir));
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !present.has(fileName(i)));
  if (missing.length > 0) {
    console.log(`generating ${missing.length} Factur-X invoices (~100 KB each) in ${invoicesDir} (once)…`);
    const started = Date.now();
    const scan = scanImage();
    let done = 0;
    for (const i of missing) {
      const bytes = await padded(await buildFacturX(invoiceInput(i, customers)), scan);
      const target = path.join(invoicesDir, fileName(i));
      writeFileSync(`${target}.tmp`, bytes);
      renameSync(`${target}.tmp`, target);
      if (++done % 1000 === 0)
        console.log(`  ${done}/${missing.length} (${Math.round(done / ((Date.now() - started) / 1000))}/s)`);
    }
  }
  // All files have the same size give or take a few bytes: measure one.
  const oneSize = statSync(path.join(invoicesDir, fileName(0))).size;
  return { folder: invoicesDir, customersCsv, invoices: n, customers, totalBytes: oneSize * n };
}

function fileName(i: number): string {
  return `FA-${String(i).padStart(7, "0")}.pdf`;
}

function writeCustomers(file: string, customers: number): void {
  const lines = ["customerNumber,name,email,contracts"];
  for (let i = 0; i < customers; i++) {
    // One customer in ten has no address (published, no mail); the others get their activation mail.
    const email = i % 10 === 9 ? "" : `client.${i}@bench.example.com`;
    lines.push(`${customerNumber(i)},"Client ${i}, SARL",${email},LOA-${i}`);
  }
  writeFileSync(`${file}.tmp`, `${lines.join("\n")}\n`);
  renameSync(`${file}.tmp`, file);
}

function invoiceInput(i: number, customers: number): FacturXInput {
  const customer = i % customers;
  const month = Math.floor(i / customers) % 12;
  const issueDate = `2026-${String(month + 1).padStart(2, "0")}-05`;
  const monthly = (189 + (i % 400) + (i % 100) / 100).toFixed(2);
  return {
    invoiceNumber: `FA-BENCH-${String(i).padStart(7, "0")}`,
    typeCode: "380",
    issueDate,
    dueDate: `2026-${String(month + 1).padStart(2, "0")}-20`,
    currency: "EUR",
    seller: {
      name: "Bench Location SAS",
      siren: "443061841",
      vatId: "FR44443061841",
      address: {
        line1: "12 avenue des Tilleuls",
        postcode: "92100",
        city: "Boulogne-Billancourt",
        countryCode: "FR",
      },
    },
    buyer: {
      name: `Client ${customer}, SARL`,
      id: customerNumber(customer),
      address: { line1: `${1 + (i % 120)} rue Pasteur`, postcode: "69003", city: "Lyon", countryCode: "FR" },
    },
    contractNumber: `LOA-${customer}`,
    paymentReference: `${customerNumber(customer)}-${issueDate.slice(0, 7)}`,
    lines: [
      {
        description: `Loyer mensuel, contrat LOA-${customer}`,
        quantity: "1",
        unitPrice: monthly,
        vatRatePercent: "20",
      },
      {
        description: "Prestation entretien et assistance",
        quantity: "1",
        unitPrice: "24.90",
        vatRatePercent: "20",
      },
    ],
  };
}

/** A 160×192 RGB "scan" that does not compress (~92 KB): real invoices weigh their logos and fonts. */
export function scanImage(): { data: Uint8Array; width: number; height: number } {
  const width = 160;
  const height = 192;
  const pixels = new Uint8Array(width * height * 3);
  let state = 2026;
  for (let i = 0; i < pixels.length; i++) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    pixels[i] = state >>> 24;
  }
  return { data: deflateSync(pixels), width, height };
}

export async function padded(
  facturx: Uint8Array,
  scan: { data: Uint8Array; width: number; height: number },
): Promise<Uint8Array> {
  const doc = await PDFDocument.load(facturx, { updateMetadata: false });
  const image = doc.context.register(
    doc.context.stream(scan.data, {
      Type: "XObject",
      Subtype: "Image",
      Width: scan.width,
      Height: scan.height,
      ColorSpace: "DeviceRGB",
      BitsPerComponent: 8,
      Filter: "FlateDecode",
    }),
  );
  const page = doc.getPage(0);
  page.node.setXObject(PDFName.of("Scan"), image);
  page.pushOperators(
    pushGraphicsState(),
    concatTransformationMatrix(80, 0, 0, 96, 467, 60),
    drawObject("Scan"),
    popGraphicsState(),
  );
  return doc.save({ useObjectStreams: true });
}
