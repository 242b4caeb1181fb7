import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { XMLParser } from "fast-xml-parser";
import {
  decodePDFRawStream,
  PDFArray,
  PDFDict,
  PDFDocument,
  type PDFHexString,
  PDFName,
  type PDFRawStream,
  type PDFString,
} from "pdf-lib";
import { ROOT } from "./cli.js";

/** ../shared/corpus beside the checkout: real Factur-X files nobody here wrote. */
export const CORPUS = path.resolve(ROOT, "..", "shared", "corpus");
export const corpusPresent = existsSync(CORPUS);

export function corpusFiles(folder: string): { name: string; file: string; bytes: Buffer }[] {
  if (!corpusPresent) return [];
  const dir = path.join(CORPUS, folder);
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, file: path.join(dir, name), bytes: readFileSync(path.join(dir, name)) }));
}

export interface ExpectedFacts {
  invoiceNumber: string;
  typeCode: string;
  issueDate: string;
  currency: string;
  grandTotal: string;
  duePayable: string;
  sellerName: string;
  buyerName: string;
}

/**
 * The facts of a Factur-X file, read independently of src/einvoice: pdf-lib walks the EmbeddedFiles
 * name tree, fast-xml-parser reads the CII. Used as the expected values of the corpus tests.
 */
export async function independentFacts(bytes: Uint8Array): Promise<ExpectedFacts> {
  const pdf = await PDFDocument.load(bytes, { updateMetadata: false, ignoreEncryption: true });
  const names = pdf.catalog.lookupMaybe(PDFName.of("Names"), PDFDict);
  const embedded = names?.lookupMaybe(PDFName.of("EmbeddedFiles"), PDFDict);
  const pairs = embedded?.lookupMaybe(PDFName.of("Names"), PDFArray);
  if (!pairs) throw new Error("no EmbeddedFiles");
  let xml: string | undefined;
  for (let i = 0; i < pairs.size(); i += 2) {
    const name = pairs.lookup(i) as PDFString | PDFHexString;
    if (!/factur-x\.xml|zugferd-invoice\.xml/i.test(name.decodeText())) continue;
    const spec = pairs.lookup(i + 1, PDFDict);
    const stream = spec.lookup(PDFName.of("EF"), PDFDict).lookup(PDFName.of("F")) as PDFRawStream;
    xml = Buffer.from(decodePDFRawStream(stream).decode()).toString("utf8");
  }
  if (!xml) throw new Error("no factur-x.xml");
  const doc = new XMLParser({ removeNSPrefix: true, parseTagValue: false, ignoreAttributes: false }).parse(
    xml.replace(/^\uFEFF/, "").replace(/encoding="[^"]*"/, 'encoding="UTF-8"'),
  );
  const inv = doc.CrossIndustryInvoice;
  const transaction = inv.SupplyChainTradeTransaction;
  const settlement = transaction.ApplicableHeaderTradeSettlement;
  const totals = settlement.SpecifiedTradeSettlementHeaderMonetarySummation;
  const agreement = transaction.ApplicableHeaderTradeAgreement;
  const text = (v: unknown) =>
    String(typeof v === "object" && v !== null ? (v as Record<string, unknown>)["#text"] : v).trim();
  const raw = text(inv.ExchangedDocument.IssueDateTime.DateTimeString);
  const grand = Array.isArray(totals.GrandTotalAmount) ? totals.GrandTotalAmount[0] : totals.GrandTotalAmount;
  return {
    invoiceNumber: text(inv.ExchangedDocument.ID),
    typeCode: text(inv.ExchangedDocument.TypeCode),
    issueDate: `${raw.slice(0, 4)}-${raw.slice(4, 6)}-${raw.slice(6, 8)}`,
    currency: text(settlement.InvoiceCurrencyCode),
    grandTotal: text(grand),
    duePayable: text(totals.DuePayableAmount),
    sellerName: text(agreement.SellerTradeParty.Name),
    buyerName: text(agreement.BuyerTradeParty.Name),
  };
}
