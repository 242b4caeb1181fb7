import { transmissionHold } from "../domain/validation/transmission-hold.js";
import type { ValidationFinding } from "../einvoice/validation/types.js";
import type { Locale } from "../i18n/format.js";

/** What the API and the back office show for an invoice's compliance check (docs/compliance.md). */
export type ShownValidationStatus = "pending" | "passed" | "warnings" | "failed" | "not_checked";

/** The stored status; null (published before the check existed, not yet reached by the backlog) is `not_checked`. */
export function shownValidationStatus(status: string | null): ShownValidationStatus {
  return status === "pending" || status === "passed" || status === "warnings" || status === "failed"
    ? status
    : "not_checked";
}

/**
 * The findings stored by the check (jsonb). The column is free JSON: anything that is not a finding with a rule
 * and a message is left out, so a malformed row never breaks a page.
 */
export function storedValidationFindings(stored: unknown): ValidationFinding[] {
  if (!Array.isArray(stored)) return [];
  const findings: ValidationFinding[] = [];
  for (const item of stored) {
    if (typeof item !== "object" || item === null) continue;
    const { rule, flag, message, location, explanation } = item as Record<string, unknown>;
    if (typeof rule !== "string" || typeof message !== "string") continue;
    const words = explanation as { fr?: unknown; en?: unknown } | null | undefined;
    findings.push({
      rule,
      flag: flag === "warning" ? "warning" : "fatal",
      message,
      location: typeof location === "string" ? location : "",
      explanation:
        words && typeof words.fr === "string" && typeof words.en === "string"
          ? { fr: words.fr, en: words.en }
          : null,
    });
  }
  return findings;
}

/** The `validation` object of the issuer API, explanations in `locale`. */
export function presentValidation(
  row: {
    processingRule: string | null;
    validationStatus: string | null;
    validationRulesVersion: string | null;
    validationFindings: unknown;
  },
  locale: Locale,
) {
  return {
    status: shownValidationStatus(row.validationStatus),
    rulesVersion: row.validationRulesVersion,
    findings: storedValidationFindings(row.validationFindings).map((f) => ({
      rule: f.rule,
      flag: f.flag,
      message: f.message,
      location: f.location,
      explanation: f.explanation ? f.explanation[locale] : null,
    })),
    transmissionHold: transmissionHold(row),
  };
}
