import type { Database, Tx } from "../../db/database.js";
import {
  setTenantDefaultProcessingRule,
  setTenantRetentionMonths,
  setTenantSetting,
  updateTenantBranding,
} from "../../db/tenants.repository.js";
import type { BlobStore } from "../../storage/blob-store.js";
import { EMAIL_PATTERN } from "../accounts/identifier.js";
import { isProcessingRule, PROCESSING_RULES } from "../invoices/processing-rule.js";
import { DomainError } from "../shared/errors.js";
import {
  CONTACT_FIELDS,
  type ContactDetails,
  LEGAL_FIELDS,
  type LegalDetails,
} from "../tenants/portal-details.js";
import { isValidSiren } from "../tenants/seller-identities.js";
import { checkLogoFile, contrastWithWhite } from "./logo-file.js";
import { auditActorAction, type StaffActor } from "./staff-accounts.js";

/** WCAG 2.1 AA for normal text: white text on the brand colour needs 4.5:1. */
export const MIN_CONTRAST = 4.5;
export const MAX_FAQ_CHARS = 20_000;

export type { ContactDetails, LegalDetails } from "../tenants/portal-details.js";

interface Common {
  tenantId: string;
  actor: StaffActor;
  ip: string | null;
  now?: Date;
}

function audit(tx: Tx, input: Common, action: string, details: Record<string, unknown>) {
  return auditActorAction(
    tx,
    { ...input, at: input.now },
    action,
    { type: "tenant", id: input.tenantId },
    { by: input.actor.name, ...details },
  );
}

/** Display name, brand colour (refused below 4.5:1 against white text) and, optionally, a new logo. */
export async function updateBranding(
  deps: { db: Database; blobs: BlobStore },
  input: Common & { displayName: string; primaryColor: string; logo?: Uint8Array },
): Promise<void> {
  const displayName = input.displayName.trim();
  if (displayName.length === 0 || displayName.length > 100)
    throw new DomainError("invalid_display_name", "Le nom affiché doit avoir de 1 à 100 caractères.");
  const color = input.primaryColor.trim().toLowerCase();
  if (!/^#[0-9a-f]{6}$/.test(color))
    throw new DomainError("invalid_color", "La couleur doit s’écrire #rrggbb, par exemple #1f4e79.");
  const ratio = contrastWithWhite(color);
  if (ratio < MIN_CONTRAST)
    throw new DomainError(
      "insufficient_contrast",
      `Le texte blanc sur cette couleur n’est pas assez lisible (contraste ${ratio.toFixed(2).replace(".", ",")}:1, il faut au moins 4,5:1). Choisissez une couleur plus foncée.`,
    );
  let logo: { sha256: string; type: string } | undefined;
  if (input.logo && input.logo.byteLength > 0) {
    const type = checkLogoFile(input.logo);
    logo = { sha256: (await deps.blobs.put(input.logo)).sha256, type };
  }
  await deps.db.transaction(async (tx) => {
    await updateTenantBranding(tx, input.tenantId, { displayName, primaryColor: color, logo });
    await audit(tx, input, "tenant.branding_changed", {
      displayName,
      primaryColor: color,
      ...(logo ? { logoSha256: logo.sha256, logoType: logo.type } : {}),
    });
  });
}

/** Months invoices stay online; applies to invoices published from now on (their date is fixed at publication). */
export async function updateRetention(db: Database, input: Common & { months: string }): Promise<void> {
  const months = Number(input.months);
  if (!/^\d{1,3}$/.test(input.months.trim()) || months < 1 || months > 120)
    throw new DomainError(
      "invalid_retention",
      "La durée de conservation doit être un nombre de mois entre 1 et 120.",
    );
  await db.transaction(async (tx) => {
    const before = await setTenantRetentionMonths(tx, input.tenantId, months);
    await audit(tx, input, "tenant.retention_changed", { from: before, to: months });
  });
}

/**
 * The route of invoices whose file has no BAR note and whose publication gave no processingRule
 * (docs/compliance.md); applies to invoices published from now on.
 */
export async function updateDefaultProcessingRule(
  db: Database,
  input: Common & { rule: string },
): Promise<void> {
  const rule = input.rule.trim();
  if (!isProcessingRule(rule))
    throw new DomainError(
      "invalid_processing_rule",
      `La route doit être l’une de ${PROCESSING_RULES.join(", ")} (orthographe de l’API Flow).`,
    );
  await db.transaction(async (tx) => {
    const before = await setTenantDefaultProcessingRule(tx, input.tenantId, rule);
    await audit(tx, input, "tenant.default_route_changed", { from: before, to: rule });
  });
}

/** The FAQ shown on the portal's home page (Markdown, rendered without HTML). */
export async function updateFaq(db: Database, input: Common & { markdown: string }): Promise<void> {
  const markdown = input.markdown.replace(/\r\n/g, "\n").trim();
  if (markdown.length > MAX_FAQ_CHARS)
    throw new DomainError(
      "invalid_faq",
      `La FAQ ne peut pas dépasser ${MAX_FAQ_CHARS.toLocaleString("fr-FR")} caractères.`,
    );
  await db.transaction(async (tx) => {
    await setTenantSetting(tx, input.tenantId, "faqMarkdown", markdown);
    await audit(tx, input, "tenant.faq_changed", { chars: markdown.length });
  });
}

/** French telephone numbers and international ones: digits with the usual separators, 6 to 25 characters. */
const PHONE_PATTERN = /^\+?[0-9][0-9 .()-]{4,23}[0-9]$/;

function trimmed<K extends string>(
  keys: readonly K[],
  input: Partial<Record<K, unknown>>,
): Record<K, string> {
  return Object.fromEntries(keys.map((k) => [k, String(input[k] ?? "").trim()])) as Record<K, string>;
}

/** Legal details (publisher, controller, DPO, hosting provider); blanks are allowed, the portal stays closed until complete. */
export async function updateLegal(
  db: Database,
  input: Common & { legal: Partial<LegalDetails> },
): Promise<LegalDetails> {
  const legal: LegalDetails = trimmed(LEGAL_FIELDS, input.legal);
  for (const [key, value] of Object.entries(legal))
    if (value.length > 500)
      throw new DomainError("invalid_legal", `Le champ ${key} est trop long (500 caractères au plus).`);
  if (legal.siren && !isValidSiren(legal.siren.replace(/\s/g, "")))
    throw new DomainError(
      "invalid_legal",
      "Ce SIREN n’est pas valide : il compte 9 chiffres dont le dernier est une clé de contrôle (vérifiez-le sur l’avis de situation SIRENE).",
    );
  legal.siren = legal.siren.replace(/\s/g, "");
  for (const key of ["contactEmail", "dpoEmail"] as const)
    if (legal[key] && !EMAIL_PATTERN.test(legal[key]))
      throw new DomainError("invalid_legal", `L’adresse « ${legal[key].slice(0, 80)} » n’est pas valide.`);
  if (legal.hostPhone && !PHONE_PATTERN.test(legal.hostPhone))
    throw new DomainError(
      "invalid_legal",
      "Le téléphone de l’hébergeur doit s’écrire en chiffres, par exemple 01 23 45 67 89 ou +33 1 23 45 67 89.",
    );
  await db.transaction(async (tx) => {
    await setTenantSetting(tx, input.tenantId, "legal", legal);
    await audit(tx, input, "tenant.legal_changed", {
      fields: Object.keys(legal).filter((k) => legal[k as keyof LegalDetails]),
    });
  });
  return legal;
}

/** The customer-service contact block shown on the home and help pages: at least a phone, an e-mail or a form. */
export async function updateContact(
  db: Database,
  input: Common & { contact: Partial<ContactDetails> },
): Promise<ContactDetails> {
  const contact: ContactDetails = trimmed(CONTACT_FIELDS, input.contact);
  contact.address = contact.address.replace(/\r\n/g, "\n");
  const limits: Record<keyof ContactDetails, number> = {
    phone: 25,
    hours: 200,
    address: 300,
    email: 254,
    formUrl: 500,
  };
  for (const key of CONTACT_FIELDS)
    if (contact[key].length > limits[key])
      throw new DomainError(
        "invalid_contact",
        `Le champ ${key} est trop long (${limits[key]} caractères au plus).`,
      );
  if (!contact.phone && !contact.email && !contact.formUrl)
    throw new DomainError(
      "invalid_contact",
      "Indiquez au moins un moyen de joindre le service client : téléphone, e-mail ou formulaire en ligne.",
    );
  if (contact.phone && !PHONE_PATTERN.test(contact.phone))
    throw new DomainError(
      "invalid_contact",
      "Le téléphone doit s’écrire en chiffres, par exemple 01 23 45 67 89 ou +33 1 23 45 67 89.",
    );
  if (contact.email && !EMAIL_PATTERN.test(contact.email))
    throw new DomainError("invalid_contact", `L’adresse « ${contact.email.slice(0, 80)} » n’est pas valide.`);
  if (contact.formUrl && !isHttpsUrl(contact.formUrl))
    throw new DomainError(
      "invalid_contact",
      "Le formulaire doit être une adresse https://, par exemple https://www.exemple.fr/contact.",
    );
  await db.transaction(async (tx) => {
    await setTenantSetting(tx, input.tenantId, "contact", contact);
    await audit(tx, input, "tenant.contact_changed", {
      fields: CONTACT_FIELDS.filter((k) => contact[k]),
    });
  });
  return contact;
}

function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" && !url.username && !url.password && url.hostname.includes(".");
  } catch {
    return false;
  }
}
