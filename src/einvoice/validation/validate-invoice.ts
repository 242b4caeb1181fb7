// One file against the official French rules: the profile's XSD, then the profile's schematron and the
// French rules BR-FR-Flux2 (rule-sets.ts). Runs in a validator worker (validator-pool.ts), never on the
// event loop: the rules cost tens to hundreds of milliseconds of CPU per invoice.
import { decodeXmlText } from "../decode-xml-text.js";
import { parseCii } from "../parse-cii.js";
import { readInvoicePdf } from "../read-invoice-pdf.js";
import { DEFAULT_MAX_XML_BYTES, type Finding, type InvoiceFacts } from "../types.js";
import { NotAnInvoiceError } from "./errors.js";
import { explanationOf } from "./explanations.js";
import type { RuleEngine } from "./rule-engine.js";
import { type BrFrVariant, RULES_VERSION, type RuleSetKey, ruleSet } from "./rule-sets.js";
import { rulesDirUrl } from "./sef-store.js";
import { findingsFromSvrl } from "./svrl.js";
import type { ValidationFinding, ValidationReport, ValidationVerdict } from "./types.js";
import { checkXsd } from "./xsd-check.js";

export { NotAnInvoiceError } from "./errors.js";

export interface ValidateOptions {
  engine: RuleEngine;
  rulesDir?: URL;
  /** Which BR-FR-Flux2 variant judges (rule-sets.ts); default `fatal`, in force since 1 Sept 2026. */
  brFr?: BrFrVariant;
  /** Told around the one-time loading of a profile's stylesheets: the pool's time budget pauses then. */
  loading?: { before(): void; after(): void };
}

const PDF = [0x25, 0x50, 0x44, 0x46, 0x2d];
const REFUSING_CODES = new Set(["xml_not_cii", "xml_too_large", "xml_too_complex", "xml_doctype_forbidden"]);

/** Validates a Factur-X PDF or a bare CII XML. Throws NotAnInvoiceError when there is nothing to judge. */
export async function validateInvoiceFile(
  bytes: Uint8Array,
  options: ValidateOptions,
): Promise<ValidationReport> {
  const rulesDir = options.rulesDir ?? rulesDirUrl;
  const isPdf = PDF.every((b, i) => bytes[i] === b);
  let xml: Uint8Array;
  let facts: InvoiceFacts | undefined;
  let readFindings: Finding[];
  if (isPdf) {
    const document = await readInvoicePdf(bytes);
    if (document.xml === undefined) {
      const why = document.findings.find((f) => f.severity === "error")?.message;
      throw new NotAnInvoiceError(
        why ??
          "The PDF embeds no Factur-X / ZUGFeRD XML (factur-x.xml): there is no structured invoice to check.",
      );
    }
    xml = document.xml;
    facts = document.facts;
    readFindings = document.findings;
  } else if (looksLikeXml(bytes)) {
    xml = bytes;
    const parsed = parseCii(bytes);
    facts = parsed.facts;
    readFindings = parsed.findings;
  } else {
    throw new NotAnInvoiceError(
      bytes.length === 0
        ? "The file is empty."
        : "The file is neither a PDF (Factur-X) nor an XML invoice (CII): there is nothing to check.",
    );
  }

  if (facts === undefined) {
    const refusal = readFindings.find((f) => REFUSING_CODES.has(f.code));
    if (refusal) throw new NotAnInvoiceError(refusal.message);
    // Not well-formed: no rule can run, and the file fails.
    const problem = readFindings.find((f) => f.severity === "error")?.message ?? "The XML cannot be read.";
    return report(null, [finding("XSD", problem, "")]);
  }

  const { key, profile } = ruleSetFor(facts, isPdf);
  const rules = ruleSet(key, options.brFr);
  if (!options.engine.ready(rules.stylesheets)) {
    options.loading?.before();
    try {
      options.engine.load(rules.stylesheets);
    } catch (e) {
      return report(profile, [
        finding("RULES-ERROR", `The rules could not be loaded: ${(e as Error).message}`, ""),
      ]);
    } finally {
      options.loading?.after();
    }
  }
  const findings = await checkXsd(xml, rules.xsd, rulesDir);
  const text = decodeXmlText(xml, DEFAULT_MAX_XML_BYTES).text ?? "";
  for (const stylesheet of rules.stylesheets) {
    try {
      findings.push(...findingsFromSvrl(options.engine.run(stylesheet, text)));
    } catch (e) {
      // A rule that crashes (BR-FR-CO-07 on an invoice with two due dates: XPTY0004) judged nothing: the
      // invoice must not pass on it. The other stylesheets still run.
      const name = stylesheet.split("/").pop();
      findings.push(finding("RULES-ERROR", `${name}: ${(e as Error).message}`, ""));
    }
  }
  // The EN 16931 Factur-X file accepts only the EN 16931 guideline in BT-24: a BASIC invoice it judges
  // would always fail on its own, legitimate guideline id.
  const judged =
    profile === "BASIC"
      ? findings.filter((f) => !(f.location.endsWith(GUIDELINE_ID) && f.message === GUIDELINE_REFUSED))
      : findings;
  return report(profile, judged);
}

const GUIDELINE_ID = "ram:GuidelineSpecifiedDocumentContextParameter[1]/ram:ID[1]";
const GUIDELINE_REFUSED = "Value of 'ram:ID' is not allowed.";

function looksLikeXml(bytes: Uint8Array): boolean {
  const head = new TextDecoder("latin1")
    .decode(bytes.subarray(0, 64))
    .replace(/^(\u00ef\u00bb\u00bf|\s)+/, "");
  return (
    head.startsWith("<") ||
    (bytes[0] === 0xff && bytes[1] === 0xfe) ||
    (bytes[0] === 0xfe && bytes[1] === 0xff)
  );
}

/**
 * The artefacts that judge a profile. FNFE-MPE 1.4.0 has rules for Factur-X BASIC WL, EN 16931 and EXTENDED
 * and for CII EN 16931 / EXTENDED-CTC-FR only: BASIC (a subset of EN 16931 with the same semantics) is
 * judged by the EN 16931 rules; MINIMUM (no lines, no VAT breakdown: not an invoice under the reform) by
 * BASIC WL's, its nearest superset, so it fails on what it lacks; an unknown guideline by EN 16931's.
 * A bare CII XML gets the CII files (EN 16931, or EXTENDED-CTC-FR when its guideline says so); BASIC WL
 * and EXTENDED exist only as Factur-X rules, which read the same XML.
 */
export function ruleSetFor(facts: InvoiceFacts, isPdf: boolean): { key: RuleSetKey; profile: string | null } {
  const guideline = facts.profileId?.toLowerCase() ?? "";
  if (!isPdf && guideline.includes("extended-ctc-fr"))
    return { key: "CII-EXTENDED-CTC-FR", profile: "EXTENDED-CTC-FR" };
  switch (facts.profile) {
    case "MINIMUM":
      return { key: "BASICWL", profile: "MINIMUM" };
    case "BASIC WL":
      return { key: "BASICWL", profile: "BASICWL" };
    case "BASIC":
      return { key: isPdf ? "EN16931" : "CII-EN16931", profile: "BASIC" };
    case "EXTENDED":
      return { key: "EXTENDED", profile: "EXTENDED" };
    case "EN 16931":
      return { key: isPdf ? "EN16931" : "CII-EN16931", profile: "EN16931" };
    case "XRECHNUNG":
      return { key: isPdf ? "EN16931" : "CII-EN16931", profile: "XRECHNUNG" };
    default:
      return { key: isPdf ? "EN16931" : "CII-EN16931", profile: null };
  }
}

function finding(rule: string, message: string, location: string): ValidationFinding {
  return { rule, flag: "fatal", message, location, explanation: null };
}

function report(profile: string | null, raw: ValidationFinding[]): ValidationReport {
  const seen = new Set<string>();
  const findings: ValidationFinding[] = [];
  for (const f of raw) {
    const key = `${f.rule}\u0000${f.flag}\u0000${f.location}\u0000${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push({ ...f, explanation: explanationOf(f.rule) });
  }
  const status: ValidationVerdict = findings.some((f) => f.flag === "fatal")
    ? "failed"
    : findings.length > 0
      ? "warnings"
      : "passed";
  return { profile, rulesVersion: RULES_VERSION, status, findings };
}
