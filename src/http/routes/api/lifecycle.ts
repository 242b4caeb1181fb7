import type { ApiInvoiceRow } from "../../../db/api.queries.js";
import type { ApiLifecycleRow } from "../../../db/pa-api.queries.js";
import { LIFECYCLE_LABELS } from "../../../domain/pa/cdar.js";
import type { Locale } from "../../../i18n/format.js";

// The `lifecycle` of an invoice in the issuer API (issue #16 item 5, docs/pa-bridge.md "Lifecycle in the API").
// Two kinds of entries, told apart by `source`:
// - `pa`: a regulated status (XP Z12-012, codes "200"–"213") read from the issuer's plateforme agréée (CDAR);
// - `portal`: what happened on this portal. For an invoice outside the PA circuit (B2C, out of scope, archive
//   only, no route) the portal is where the original is made available, so its events keep the regulated codes
//   they match: "203" Mise à disposition (published) and "204" Prise en charge (first download). For a B2B (or
//   B2BInt) invoice the original goes through the PA and the portal shows a duplicata: its events are NOT
//   regulated statuses and say so: "published" (duplicata put on the portal) and "downloaded" (first download
//   by the customer). The 212 « Encaissée » the issuer records (POST .../payments) is a regulated status we
//   emit as the seller: source `portal`, role `SE`.

const PORTAL_EVENTS = {
  published: { fr: "Duplicata publié sur le portail", en: "Duplicate published on the portal" },
  downloaded: { fr: "Duplicata téléchargé sur le portail", en: "Duplicate downloaded on the portal" },
} as const;

/** Routes whose original goes through the PA: the portal's copy is a duplicata. */
export function isPaRouted(processingRule: string | null): boolean {
  return processingRule === "B2B" || processingRule === "B2BInt";
}

export interface LifecycleEntry {
  code: string;
  label: string;
  at: string;
  source: "portal" | "pa";
  role?: string;
  reasonCode?: string;
  reasonText?: string;
}

export function presentLifecycle(
  row: Pick<ApiInvoiceRow, "processingRule" | "publishedAt" | "firstDownloadedAt">,
  statuses: ApiLifecycleRow[],
  locale: Locale,
): LifecycleEntry[] {
  const entries: LifecycleEntry[] = [];
  const duplicata = isPaRouted(row.processingRule);
  const portal = (code: "203" | "204" | "published" | "downloaded", at: Date) => {
    const label =
      code === "published" || code === "downloaded" ? PORTAL_EVENTS[code] : LIFECYCLE_LABELS[Number(code)]!;
    entries.push({ code, label: label[locale], at: at.toISOString(), source: "portal" });
  };
  portal(duplicata ? "published" : "203", row.publishedAt);
  if (row.firstDownloadedAt) portal(duplicata ? "downloaded" : "204", row.firstDownloadedAt);
  for (const s of statuses) {
    const label = LIFECYCLE_LABELS[s.code];
    entries.push({
      code: String(s.code),
      label: label ? label[locale] : String(s.code),
      at: new Date(s.at).toISOString(),
      source: s.source,
      ...(s.role ? { role: s.role } : {}),
      ...(s.reasonCode ? { reasonCode: s.reasonCode } : {}),
      ...(s.reasonText ? { reasonText: s.reasonText } : {}),
    });
  }
  // Oldest first; at the same instant, the portal's event before the PA's.
  return entries.sort((x, y) => x.at.localeCompare(y.at));
}

/** Groups a page's statuses by invoice. */
export function statusesByInvoice(rows: ApiLifecycleRow[]): Map<string, ApiLifecycleRow[]> {
  const map = new Map<string, ApiLifecycleRow[]>();
  for (const row of rows) {
    const list = map.get(row.invoiceId);
    if (list) list.push(row);
    else map.set(row.invoiceId, [row]);
  }
  return map;
}

export const lifecycleSchema = {
  type: "array",
  description:
    'The invoice\'s lifecycle, oldest first. source "pa": a regulated status (XP Z12-012) reported by the issuer\'s plateforme agréée: code "200"–"213" (200 Déposée, 201 Émise par la plateforme, 202 Reçue par la plateforme, 203 Mise à disposition, 204 Prise en charge, 205 Approuvée, 206 Approuvée partiellement, 207 En litige, 208 Suspendue, 209 Complétée, 210 Refusée, 211 Paiement transmis, 212 Encaissée, 213 Rejetée), with the role of its issuer (BY buyer, SE seller, WK platform…) and, for refusals and disputes, the reason. source "portal": what happened on this portal: for an invoice outside the PA circuit (B2C, out of scope), "203" when published and "204" at the first download (the portal makes the original available); for a B2B or B2BInt invoice, whose original goes through the PA, the portal holds a duplicata and its events are not regulated statuses: "published" and "downloaded". A collection recorded with POST /api/v1/invoices/{id}/payments adds "212" Encaissée, source "portal", role "SE" (sent to the PA as a CDAR).',
  items: {
    type: "object",
    required: ["code", "label", "at", "source"],
    properties: {
      code: {
        type: "string",
        description: 'a status code "200"–"213", or a portal event "published" / "downloaded"',
      },
      label: { type: "string", description: "in French, or English when the request prefers it" },
      at: { type: "string", format: "date-time" },
      source: { type: "string", enum: ["portal", "pa"] },
      role: { type: "string", description: "UNTDID 3035 role of the party that issued the status" },
      reasonCode: { type: "string", description: "MDT-113 (e.g. NON_CONFORME, MONTANTTOTAL_ERR)" },
      reasonText: { type: "string" },
    },
  },
} as const;
