// Short explanations, in plain words, of the rules issuers hit most (docs/compliance.md lists the counts).
export const EXPLANATIONS: Record<string, { fr: string; en: string }> = {};

export function explanationOf(rule: string): { fr: string; en: string } | null {
  return EXPLANATIONS[rule] ?? null;
}
