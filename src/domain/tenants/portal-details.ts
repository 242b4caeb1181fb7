// What an issuer must publish before its portal opens to customers (LCEN art. 6-III: publisher, publication
// director, host; GDPR art. 13: controller and DPO contact) and how customers reach it. Both live in
// `tenants.settings` (`legal` and `contact`): no column, so the rules are here, read by the web app and the CLI.

/** The issuer's legal details (`tenants.settings.legal`): publisher, controller, DPO and hosting provider. */
export interface LegalDetails {
  companyName: string;
  address: string;
  siren: string;
  contactEmail: string;
  dpoEmail: string;
  publisherName: string;
  hostName: string;
  hostAddress: string;
  /** Optional: the host's telephone, which LCEN also asks for when the host publishes one. */
  hostPhone: string;
}

export const LEGAL_FIELDS = [
  "companyName",
  "address",
  "siren",
  "contactEmail",
  "dpoEmail",
  "publisherName",
  "hostName",
  "hostAddress",
  "hostPhone",
] as const satisfies readonly (keyof LegalDetails)[];

/** How customers reach the issuer's customer service (`tenants.settings.contact`); every field optional but one way in. */
export interface ContactDetails {
  phone: string;
  hours: string;
  address: string;
  email: string;
  formUrl: string;
}

export const CONTACT_FIELDS = [
  "phone",
  "hours",
  "address",
  "email",
  "formUrl",
] as const satisfies readonly (keyof ContactDetails)[];

/** One detail a portal needs before it opens: its key and its name for the admin (fr) and the operator (en). */
export interface RequiredDetail {
  key: RequiredKey;
  fr: string;
  en: string;
}

export type RequiredKey =
  | "companyName"
  | "address"
  | "siren"
  | "contactEmail"
  | "dpoEmail"
  | "publisherName"
  | "hostName"
  | "hostAddress"
  | "contact";

/** "Complete" means every one of these is set: the definition the README states. */
export const REQUIRED_DETAILS: readonly RequiredDetail[] = [
  { key: "companyName", fr: "raison sociale", en: "company name" },
  { key: "address", fr: "adresse du siège", en: "registered address" },
  { key: "siren", fr: "SIREN", en: "SIREN" },
  { key: "contactEmail", fr: "e-mail de contact de l’éditeur", en: "publisher contact e-mail" },
  { key: "dpoEmail", fr: "e-mail du délégué à la protection des données", en: "DPO e-mail" },
  { key: "publisherName", fr: "directeur·rice de la publication", en: "publication director" },
  { key: "hostName", fr: "nom de l’hébergeur", en: "hosting provider name" },
  { key: "hostAddress", fr: "adresse de l’hébergeur", en: "hosting provider address" },
  {
    key: "contact",
    fr: "coordonnées du service client (téléphone, e-mail ou formulaire)",
    en: "customer-service contact (phone, e-mail or form)",
  },
];

const text = (value: unknown) => (typeof value === "string" ? value.trim() : "");

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** The contact block as stored, blank fields dropped; undefined when it gives no way to reach anyone. */
export function readContact(
  settings: Record<string, unknown> | null | undefined,
): ContactDetails | undefined {
  const raw = record(record(settings).contact);
  const contact = Object.fromEntries(
    CONTACT_FIELDS.map((k) => [k, text(raw[k]).slice(0, 500)]),
  ) as unknown as ContactDetails;
  // Saved values were validated; these guards keep a row edited by hand from putting a script URL in a link.
  if (!/^https:\/\/[^\s"<>]+$/i.test(contact.formUrl)) contact.formUrl = "";
  if (!/^[^\s@<>",;:]+@[^\s@<>",;]+$/.test(contact.email)) contact.email = "";
  if (!/^\+?[0-9][0-9 .()-]*$/.test(contact.phone)) contact.phone = "";
  return contact.phone || contact.email || contact.formUrl ? contact : undefined;
}

/** The details still missing before the portal may open, in the order of REQUIRED_DETAILS (empty: complete). */
export function missingPortalDetails(settings: Record<string, unknown> | null | undefined): RequiredDetail[] {
  const legal = record(record(settings).legal);
  return REQUIRED_DETAILS.filter((detail) =>
    detail.key === "contact" ? readContact(settings) === undefined : text(legal[detail.key]) === "",
  );
}
