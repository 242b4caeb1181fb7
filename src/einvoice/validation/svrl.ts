// SVRL (the schematron report the FNFE-MPE XSLTs write) to findings.
import type { ValidationFinding } from "./types.js";

const ASSERT = /<svrl:(failed-assert|successful-report)\b([^>]*)>([\s\S]*?)<\/svrl:\1>/g;
const ATTRIBUTE = /([\w:-]+)\s*=\s*"([^"]*)"/g;
const TEXT = /<svrl:text>([\s\S]*?)<\/svrl:text>/;
/** The Factur-X files number their asserts (FX-SCH-A-000047) and name the EN 16931 rule in the text. */
const BRACKETED_RULE = /^\[([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)\]/;
/** BR-FR asserts are ids like BR-FR-10_BT-30, BR-FR-CO-10_BT-29-1, BR-FR-28-Value: the rule is the head. */
const FRENCH_RULE = /^(BR-FR-(?:[A-Z]+-)?\d+)(?:[_-].*)?$/;

const NAMESPACE_PREFIXES: Record<string, string> = {
  "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100": "rsm",
  "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100": "ram",
  "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100": "udt",
  "urn:un:unece:uncefact:data:standard:QualifiedDataType:100": "qdt",
};

/**
 * The Factur-X files' successful reports carry no id: "Attribute @currencyID marked as not used in the
 * given context" (data the profile does not define, ignored by a receiver). One name for all of them.
 */
export const NOT_USED_RULE = "FX-NOT-USED";

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_, e: string) => {
    if (e[0] === "#")
      return String.fromCodePoint(e[1] === "x" ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" }[e as "lt"]!;
  });
}

/** `/*:CrossIndustryInvoice[namespace-uri()='urn:…:CrossIndustryInvoice:100'][1]` → `/rsm:CrossIndustryInvoice[1]`. */
export function readableLocation(location: string): string {
  return location.replace(
    /\*:([\w.-]+)\[namespace-uri\(\)='([^']*)'\]/g,
    (whole, name: string, uri: string) =>
      NAMESPACE_PREFIXES[uri] ? `${NAMESPACE_PREFIXES[uri]}:${name}` : whole,
  );
}

/** The official rule id of an assert: `BR-16` rather than `FX-SCH-A-000123`, `BR-FR-10` rather than `BR-FR-10_BT-30`. */
export function officialRule(id: string | undefined, message: string): string {
  const french = id === undefined ? undefined : FRENCH_RULE.exec(id)?.[1];
  if (french) return french;
  const bracketed = BRACKETED_RULE.exec(message)?.[1];
  if (bracketed && (id === undefined || id.startsWith("FX-"))) return bracketed;
  return id ?? bracketed ?? NOT_USED_RULE;
}

/**
 * The findings of one SVRL report. A failed assert without a flag is fatal (the Factur-X files write no
 * flag: every assert of theirs is an error); a successful report (the Factur-X files' "marked as not
 * used in the given context") is a warning. Explanations are added by the caller.
 */
export function findingsFromSvrl(svrl: string): ValidationFinding[] {
  const findings: ValidationFinding[] = [];
  for (const match of svrl.matchAll(ASSERT)) {
    const [, kind, rawAttributes, body] = match;
    const attributes: Record<string, string> = {};
    for (const [, name, value] of rawAttributes!.matchAll(ATTRIBUTE))
      attributes[name!] = decodeEntities(value!);
    const message = decodeEntities(TEXT.exec(body!)?.[1] ?? "")
      .replace(/\s+/g, " ")
      .trim();
    const flag =
      attributes.flag === "warning" || (kind === "successful-report" && attributes.flag !== "fatal");
    findings.push({
      rule: officialRule(attributes.id, message),
      flag: flag ? "warning" : "fatal",
      message,
      location: readableLocation(attributes.location ?? ""),
      explanation: null,
    });
  }
  return findings;
}
