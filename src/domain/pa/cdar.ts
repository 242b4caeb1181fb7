import { child, children, parseXmlTree, textOf, type XmlElement } from "../../einvoice/xml-tree.js";

// Reading a lifecycle message (CDAR "CDV", UN/CEFACT CrossDomainAcknowledgementAndResponse D22B, XP Z12-012):
// which invoice it is about and which status it carries. Checked against the XSD and the FNFE rules before
// (src/pa/cdar-rules.ts); written by src/domain/pa/cdar-build.ts.

/** The lifecycle statuses of the reform (XP Z12-012; docs/pa-bridge.md), French label first. */
export const LIFECYCLE_LABELS: Record<number, { fr: string; en: string }> = {
  200: { fr: "Déposée", en: "Submitted" },
  201: { fr: "Émise par la plateforme", en: "Issued by the platform" },
  202: { fr: "Reçue par la plateforme", en: "Received by the platform" },
  203: { fr: "Mise à disposition", en: "Made available" },
  204: { fr: "Prise en charge", en: "Taken over" },
  205: { fr: "Approuvée", en: "Approved" },
  206: { fr: "Approuvée partiellement", en: "Partially approved" },
  207: { fr: "En litige", en: "Disputed" },
  208: { fr: "Suspendue", en: "Suspended" },
  209: { fr: "Complétée", en: "Completed" },
  210: { fr: "Refusée", en: "Refused" },
  211: { fr: "Paiement transmis", en: "Payment sent" },
  212: { fr: "Encaissée", en: "Collected" },
  213: { fr: "Rejetée", en: "Rejected" },
};

/** What the checks of a CDAR document found (src/pa/cdar-rules.ts): XSD first, then the FNFE rules BR-FR-CDV. */
export interface CdarCheck {
  /** XSD errors ("line N: message"); the rules are not run when there is one. */
  xsd: string[];
  /** Failed fatal asserts of BR-FR-CDV, with their official ids. */
  rules: { rule: string; message: string; location: string }[];
  /** Warnings of the rules (they do not refuse the message). */
  warnings: { rule: string; message: string }[];
}

/** Why a checked CDAR is refused (kept in pa_inbound_messages.detail), or null when it passes. */
export function cdarRefusal(check: CdarCheck): string | null {
  if (check.xsd.length > 0) return `CDAR XSD: ${check.xsd.join("; ")}`.slice(0, 2000);
  if (check.rules.length === 0) return null;
  const ids = [...new Set(check.rules.map((r) => r.rule))];
  return `FNFE CDAR rules [${ids.join(", ")}]: ${check.rules.map((r) => r.message).join("; ")}`.slice(
    0,
    4000,
  );
}

/** One status about one invoice, as a CDAR gives it. */
export interface CdarStatus {
  invoiceNumber: string;
  /** YYYY-MM-DD */
  issueDate: string;
  sellerSiren: string;
  code: number;
  /** Role of the party that emitted it (WK platform, BY buyer, SE seller…). */
  role: string | null;
  reasonCode: string | null;
  reasonText: string | null;
  at: Date;
}

export type CdarReading = { ok: true; statuses: CdarStatus[] } | { ok: false; problem: string };

/** `format="204"` (CCYYMMDDHHMMSS) or `"102"` (CCYYMMDD) of UN/CEFACT, as a UTC instant. */
function dateTimeOf(el: XmlElement | undefined): Date | undefined {
  const value = textOf(child(el, "DateTimeString"))?.trim() ?? textOf(el)?.trim();
  const match = value ? /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?/.exec(value) : null;
  if (!match) return undefined;
  const [, y, mo, d, h = "00", mi = "00", s = "00"] = match;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The statuses a CDAR carries, or why it cannot be read (kept as an invalid message by the caller). */
export function readCdar(xml: string): CdarReading {
  // The reader takes the document after its XML declaration (as src/einvoice/parse-cii.ts hands it over).
  const parsed = parseXmlTree(xml.replace(/^\uFEFF?\s*<\?xml[^?]*\?>/, ""));
  if (!parsed.ok) return { ok: false, problem: `not well-formed XML: ${parsed.message}` };
  const root = parsed.root;
  if (!root.name.endsWith("CrossDomainAcknowledgementAndResponse"))
    return { ok: false, problem: `not a CDAR (root ${root.name})` };
  const exchanged = child(root, "ExchangedDocument");
  const role = textOf(child(exchanged, "SenderTradeParty", "RoleCode"))?.trim() ?? null;
  const issuedAt = dateTimeOf(child(exchanged, "IssueDateTime"));
  const statuses: CdarStatus[] = [];
  for (const ack of children(root, "AcknowledgementDocument")) {
    const at = dateTimeOf(child(ack, "IssueDateTime")) ?? issuedAt;
    for (const ref of children(ack, "ReferenceReferencedDocument")) {
      const invoiceNumber = textOf(child(ref, "IssuerAssignedID"))?.trim();
      const code = Number(textOf(child(ref, "ProcessConditionCode"))?.trim());
      const issueDate = dateTimeOf(child(ref, "FormattedIssueDateTime"));
      const sellerSiren = textOf(child(ref, "IssuerTradeParty", "GlobalID"))?.trim();
      if (!invoiceNumber || !issueDate || !sellerSiren || !at)
        return {
          ok: false,
          problem: "referenced invoice without number, issue date, seller SIREN or status date",
        };
      if (!LIFECYCLE_LABELS[code]) return { ok: false, problem: `unknown status code ${code}` };
      const status = child(ref, "SpecifiedDocumentStatus");
      statuses.push({
        invoiceNumber,
        issueDate: issueDate.toISOString().slice(0, 10),
        sellerSiren,
        code,
        role,
        reasonCode: textOf(child(status, "ReasonCode"))?.trim() || null,
        reasonText: textOf(child(status, "Reason"))?.trim() || null,
        at,
      });
    }
  }
  if (statuses.length === 0) return { ok: false, problem: "no referenced invoice" };
  return { ok: true, statuses };
}
