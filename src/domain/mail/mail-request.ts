import { PermanentJobFailure } from "../shared/jobs.js";

// What each kind of mail carries to its template (src/mail/templates/). Stored as JSON in the `mails`
// table and read back by the send-mail job through parseMailParams: never a secret, it is the mail log.

export type ActivationParams = {
  identifier: string;
  email: string;
  retentionMonths: number;
};

export type NewInvoicesParams = {
  count: number;
  /** The first invoices of the digest (at most 20), for the list in the mail. */
  invoices: {
    invoiceNumber: string;
    typeCode: string;
    issueDate: string;
    grandTotal: string;
    currency: string;
  }[];
};

export type PasswordChangedParams = {
  at: string;
  identifier: string;
};

export type RetentionReminderParams = {
  /** The window of this reminder: 60 (first reminder) or 15 (last one). */
  days: number;
  /** Invoices never downloaded that leave the portal within `days` days. */
  count: number;
  /** ISO instant at which the first of them leaves. */
  earliest: string;
};

export type IntegrityAlertParams = {
  /** Who found it: a customer's download (refused) or the nightly verifier. */
  source: "download" | "verifier";
  /** What was found, one line each (at most 50). */
  lines: string[];
  at: string;
};

export type EmailChangedParams = {
  at: string;
  customerNumber: string;
  /** Who changed it: an advisor (the default) or the issuer's customer directory (API, import). */
  by?: "advisor" | "issuer";
};

export type EmailChangedNewParams = {
  at: string;
  identifier: string;
  customerNumbers: string;
  /** Who changed it: an advisor (the default) or the issuer's customer directory (API, import). */
  by?: "advisor" | "issuer";
};

/** The params of each kind of mail. */
export type MailParams = {
  activation: ActivationParams;
  "new-invoices": NewInvoicesParams;
  "password-changed": PasswordChangedParams;
  "retention-reminder": RetentionReminderParams;
  "integrity-alert": IntegrityAlertParams;
  "email-changed": EmailChangedParams;
  "email-changed-new": EmailChangedNewParams;
  /** No params: its link is made when the mail is sent (the token never rests in clear). */
  "password-reset": Record<string, never>;
};

/** The kinds of mail rendered from a stored template (src/mail/templates/index.ts renders each). */
export const MAIL_KINDS = [
  "activation",
  "new-invoices",
  "password-changed",
  "retention-reminder",
  "integrity-alert",
  "email-changed",
  "email-changed-new",
] as const satisfies readonly (keyof MailParams)[];

export type MailKind = (typeof MAIL_KINDS)[number];

/** `password-reset` has no stored template: its link is made when the mail is sent (the token never rests in clear). */
export type QueuedMailKind = MailKind | "password-reset";

/** A mail to queue: one variant per kind, each with its own params. */
export type MailRequest = {
  [K in QueuedMailKind]: {
    tenantId: string | null;
    accountId?: string | null;
    customerId?: string | null;
    kind: K;
    to: string;
    language: "fr" | "en";
    /** Rendering data. Never a secret: it is stored in the mail log. */
    params: MailParams[K];
  };
}[QueuedMailKind];

export function isMailKind(kind: string): kind is MailKind {
  return (MAIL_KINDS as readonly string[]).includes(kind);
}

type Fields = Record<string, unknown>;

/** Reads one field; a stored mail whose params do not fit its kind is dropped, not retried. */
function read<T>(
  kind: string,
  params: Fields,
  key: string,
  ok: (v: unknown) => v is T,
  what: string,
  path = "params",
): T {
  const value = params[key];
  if (!ok(value)) throw new PermanentJobFailure(`${kind} mail: ${path}.${key} is not ${what}`);
  return value;
}

function isObject(v: unknown): v is Fields {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
const isList = (v: unknown): v is unknown[] => Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === "string";
const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isBy = (v: unknown): v is "advisor" | "issuer" | undefined =>
  v === undefined || v === "advisor" || v === "issuer";
const text = (kind: string, p: Fields, key: string, path?: string) =>
  read(kind, p, key, isText, "a string", path);
const number = (kind: string, p: Fields, key: string) => read(kind, p, key, isNumber, "a number");
const by = (kind: string, p: Fields) => {
  const value = read(kind, p, "by", isBy, '"advisor" or "issuer"');
  return value === undefined ? {} : { by: value };
};

const PARSERS: { [K in QueuedMailKind]: (params: Fields) => MailParams[K] } = {
  activation: (p) => ({
    identifier: text("activation", p, "identifier"),
    email: text("activation", p, "email"),
    retentionMonths: number("activation", p, "retentionMonths"),
  }),
  "new-invoices": (p) => ({
    count: number("new-invoices", p, "count"),
    invoices: read("new-invoices", p, "invoices", isList, "a list").map((item, i) => {
      const row = read("new-invoices", { [i]: item }, String(i), isObject, "an object", "params.invoices");
      const field = (key: string) => text("new-invoices", row, key, `params.invoices.${i}`);
      return {
        invoiceNumber: field("invoiceNumber"),
        typeCode: field("typeCode"),
        issueDate: field("issueDate"),
        grandTotal: field("grandTotal"),
        currency: field("currency"),
      };
    }),
  }),
  "password-changed": (p) => ({
    at: text("password-changed", p, "at"),
    identifier: text("password-changed", p, "identifier"),
  }),
  "retention-reminder": (p) => ({
    days: number("retention-reminder", p, "days"),
    count: number("retention-reminder", p, "count"),
    earliest: text("retention-reminder", p, "earliest"),
  }),
  "integrity-alert": (p) => ({
    source: read(
      "integrity-alert",
      p,
      "source",
      (v): v is "download" | "verifier" => v === "download" || v === "verifier",
      '"download" or "verifier"',
    ),
    // An operator alert is sent whatever its lines hold (as the template always did): never lost for them.
    lines: Array.isArray(p.lines) ? p.lines.map(String) : [],
    at: text("integrity-alert", p, "at"),
  }),
  "email-changed": (p) => ({
    at: text("email-changed", p, "at"),
    customerNumber: text("email-changed", p, "customerNumber"),
    ...by("email-changed", p),
  }),
  "email-changed-new": (p) => ({
    at: text("email-changed-new", p, "at"),
    identifier: text("email-changed-new", p, "identifier"),
    customerNumbers: text("email-changed-new", p, "customerNumbers"),
    ...by("email-changed-new", p),
  }),
  "password-reset": () => ({}),
};

/**
 * The params of a stored mail, checked against its kind once, when the send-mail job reads them back:
 * only the fields the template reads, each of its type. Throws PermanentJobFailure (the job is dropped,
 * the mail stays queued) when they do not fit: a retry would read the same row.
 */
export function parseMailParams<K extends QueuedMailKind>(kind: K, params: unknown): MailParams[K] {
  if (!isObject(params)) throw new PermanentJobFailure(`${kind} mail: params are not an object`);
  return PARSERS[kind](params);
}
