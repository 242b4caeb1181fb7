import type { Finding } from "../../einvoice/types.js";

/**
 * The reform route of an invoice (AFNOR XP Z12-013 Flow API, `processingRule`): who it goes to and
 * whether it travels through the issuer's plateforme agréée. See docs/compliance.md.
 */
export const PROCESSING_RULES = ["B2B", "B2BInt", "B2C", "OutOfScope", "ArchiveOnly"] as const;
export type ProcessingRule = (typeof PROCESSING_RULES)[number];
/** Where the route came from: the file's BAR note, the publication's metadata, or the tenant's default. */
export type ProcessingRuleSource = "invoice" | "metadata" | "tenant";

/** The values of the BAR note (BR-FR-20), spelled as the Flow API spells them. */
const BAR_NOTE_VALUES: Record<string, ProcessingRule> = {
  B2B: "B2B",
  B2BINT: "B2BInt",
  B2C: "B2C",
  OUTOFSCOPE: "OutOfScope",
  ARCHIVEONLY: "ArchiveOnly",
};

export function isProcessingRule(value: unknown): value is ProcessingRule {
  return typeof value === "string" && (PROCESSING_RULES as readonly string[]).includes(value);
}

export interface RouteDecision {
  processingRule: ProcessingRule;
  source: ProcessingRuleSource;
  /** Warnings stored with the invoice's publication findings (shown to the issuer only). */
  findings: Finding[];
}

/**
 * Decides the route: the file's BAR note when it holds a known value, else the metadata's `processingRule`
 * (already checked against the Flow API enum by the caller), else the tenant's default. The file wins a
 * conflict (it is what the platform will read), and a finding says so; a B2B route without the buyer's
 * SIREN (BT-47) is a finding too (BR-FR-11: the platform rejects it).
 */
export function decideProcessingRule(input: {
  routeNote: string | undefined;
  metadataRule: ProcessingRule | undefined;
  tenantDefault: ProcessingRule;
  buyerSiren: string | undefined;
}): RouteDecision {
  const findings: Finding[] = [];
  const fromNote =
    input.routeNote === undefined ? undefined : BAR_NOTE_VALUES[input.routeNote.trim().toUpperCase()];
  if (input.routeNote !== undefined && fromNote === undefined) {
    findings.push({
      severity: "warning",
      code: "route_note_unknown",
      field: "routeNote",
      message: `the BAR note "${input.routeNote}" is none of B2B, B2BINT, B2C, OUTOFSCOPE, ARCHIVEONLY (BR-FR-20): the route comes from the metadata or the portal's default`,
    });
  }
  let decision: Pick<RouteDecision, "processingRule" | "source">;
  if (fromNote) {
    decision = { processingRule: fromNote, source: "invoice" };
    if (input.metadataRule && input.metadataRule !== fromNote) {
      findings.push({
        severity: "warning",
        code: "route_conflict",
        field: "routeNote",
        message: `the metadata says processingRule ${input.metadataRule} but the file's BAR note says ${input.routeNote}: the file wins, the invoice is routed ${fromNote}`,
      });
    }
  } else if (input.metadataRule) {
    decision = { processingRule: input.metadataRule, source: "metadata" };
  } else {
    decision = { processingRule: input.tenantDefault, source: "tenant" };
  }
  if (decision.processingRule === "B2B" && !input.buyerSiren) {
    findings.push({
      severity: "warning",
      code: "buyer_siren_missing",
      field: "buyer.siren",
      message:
        "BR-FR-11: a B2B invoice must give the buyer's SIREN (BT-47, legal registration with scheme 0002); its platform will reject it without one",
    });
  }
  return { ...decision, findings };
}
