import type { BrFrVariant, RuleSetKey } from "./rule-sets.js";

/**
 * The result of checking one invoice file against the official French rules (FNFE-MPE validation artefacts):
 * the profile's XSD, the profile's schematron (EN 16931 / Factur-X) and the French rules BR-FR-Flux2, each in
 * its blocking (FATAL) and WARNING variant. See docs/compliance.md.
 */

/** `failed`: at least one fatal finding; `warnings`: only warnings; `passed`: none. */
export type ValidationVerdict = "passed" | "warnings" | "failed";
/** What an invoice row says: `pending` until the check has run just after publication. */
export type ValidationStatus = "pending" | ValidationVerdict;

export interface ValidationFinding {
  /** The official rule id (`BR-FR-10`, `BR-16`, `CII-DT-031`), `XSD` for a schema error, `RULES-ERROR` when the rule engine failed. */
  rule: string;
  flag: "fatal" | "warning";
  /** The rule's own message, as the artefact words it. */
  message: string;
  /** XPath of the element the rule fired on ("" when the artefact gives none). */
  location: string;
  /** A short explanation in plain words for the rules issuers hit most; null for the others. */
  explanation: { fr: string; en: string } | null;
}

export interface ValidationReport {
  /** The profile the file declares (`EN16931`, `EXTENDED`, `BASICWL`, ...), null when none could be read. */
  profile: string | null;
  /** The artefacts that judged it, e.g. `FNFE-MPE 1.4.0.01`. */
  rulesVersion: string;
  status: ValidationVerdict;
  findings: ValidationFinding[];
}

/** A pool that validates off the event loop; `owner` (tenant id, API key) keeps one sender from starving others. */
export interface InvoiceValidator {
  validate(
    bytes: Uint8Array,
    options: {
      owner: string;
      fileName?: string;
      /**
       * Which BR-FR-Flux2 variant judges (rule-sets.ts): `fatal` (in force since 1 Sept 2026) or `warning` (the
       * transition variant, 145 of its 171 asserts downgraded to warnings); default: the validator's own.
       */
      brFr?: BrFrVariant;
    },
  ): Promise<ValidationReport>;
  /**
   * Starts every thread now and keeps it for the process's life, each with `ruleSets`' stylesheets loaded
   * (validator-pool.ts `warm`); resolves once each thread has loaded them. Absent: validators that need no start.
   */
  warm?(ruleSets?: readonly RuleSetKey[]): Promise<{ threads: number; failed: string[] }>;
  close(): Promise<void>;
}
