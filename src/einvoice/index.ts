// Factur-X / CII reading and generation. Pure: bytes in, facts or findings out.

export {
  buildCiiXml,
  computeInvoiceTotals,
  InvalidFacturXInput,
  type InvoiceTotals,
} from "./build-cii-xml.js";
export {
  buildFacturX,
  type FacturXAddress,
  type FacturXInput,
  type FacturXLine,
  type FacturXOptions,
  type FacturXParty,
} from "./build-facturx.js";
export { compareDecimals, decimalStringsEqual, normalizeDecimal, parseDecimal } from "./decimal.js";
export { FINDING_CODES, type FindingCode, hasErrors } from "./findings.js";
export { parseCii } from "./parse-cii.js";
export {
  closeSharedParserPool,
  createParserPool,
  DEFAULT_PARSER_POOL,
  ParserBusyError,
  type ParserPool,
  type ParserPoolOptions,
  sharedParserPool,
} from "./parser-pool.js";
export { precheckInvoicePdf, readInvoicePdf } from "./read-invoice-pdf.js";
export type {
  Finding,
  InvoiceDocument,
  InvoiceFacts,
  PartyFacts,
  ProfileName,
  ReadOptions,
  VatBreakdownLine,
} from "./types.js";
