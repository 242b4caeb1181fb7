import type { CdarCheck } from "../domain/pa/cdar.js";
import { createRuleEngine, type RuleEngine } from "../einvoice/validation/rule-engine.js";
import { rulesDirUrl } from "../einvoice/validation/sef-store.js";
import { findingsFromSvrl } from "../einvoice/validation/svrl.js";
import { checkXsd } from "../einvoice/validation/xsd-check.js";

// The checks of a lifecycle message (CDAR "CDV", D22B), in the order they apply: the XSD
// (rules/fnfe-1.4.0/CDAR/1xsd-CDAR_D22B_uncoupled/, Apache-2.0, libxml2 in WebAssembly compiled once, through
// the validator's xsd-check), then, on a document the XSD accepts, the FNFE compiled schematron
// BR-FR-CDV (rules/fnfe-1.4.0/sef/, its blocking variant, in force since 1 September 2026) with SaxonJS. Used
// on every CDAR read from a PA and on every 212 we build (docs/pa-bridge.md "CDAR rules").

const XSD = {
  dir: "CDAR/1xsd-CDAR_D22B_uncoupled",
  main: "CrossDomainAcknowledgementAndResponse_100pD22B.xsd",
};
export const CDAR_RULES = "CDAR/2xslt/BR-FR-CDV-Schematron-CDAR.xslt";

let engine: RuleEngine | undefined;

/** XSD, then the FNFE CDAR rules, of one CDAR document. */
export async function checkCdar(xml: string): Promise<CdarCheck> {
  const bytes = Buffer.from(xml, "utf8");
  const xsd = (await checkXsd(bytes, XSD, rulesDirUrl)).map(
    (f) => `${f.location ? `${f.location}: ` : ""}${f.message}`,
  );
  if (xsd.length > 0) return { xsd: xsd.slice(0, 20), rules: [], warnings: [] };
  engine ??= createRuleEngine();
  let svrl: string;
  try {
    svrl = engine.run(CDAR_RULES, xml.replace(/^\uFEFF?\s*<\?xml[^?]*\?>\s*/, ""));
  } catch (error) {
    return {
      xsd: [],
      rules: [{ rule: "RULES-ERROR", message: (error as Error).message.slice(0, 500), location: "" }],
      warnings: [],
    };
  }
  const findings = findingsFromSvrl(svrl);
  return {
    xsd: [],
    rules: findings
      .filter((f) => f.flag === "fatal")
      .map(({ rule, message, location }) => ({ rule, message, location })),
    warnings: findings.filter((f) => f.flag === "warning").map(({ rule, message }) => ({ rule, message })),
  };
}
