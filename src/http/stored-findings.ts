/** A finding as the API and the back office show it. */
export interface PresentedFinding {
  code: string;
  severity: "error" | "warning" | "info";
  message: string;
  field?: string;
}

/**
 * The findings stored at publication (src/einvoice/findings.ts: English messages), as the API shows them.
 * The column is free JSON: anything that is not a finding with a code and a message is left out.
 */
export function presentFindings(stored: unknown): PresentedFinding[] {
  if (!Array.isArray(stored)) return [];
  const findings: PresentedFinding[] = [];
  for (const item of stored) {
    if (typeof item !== "object" || item === null) continue;
    const { code, severity, message, field } = item as Record<string, unknown>;
    if (typeof code !== "string" || typeof message !== "string") continue;
    findings.push({
      code,
      severity: severity === "error" || severity === "info" ? severity : "warning",
      message,
      ...(typeof field === "string" ? { field } : {}),
    });
  }
  return findings;
}
