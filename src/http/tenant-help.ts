import MarkdownIt from "markdown-it";
import type { TenantRow } from "../db/tenants.queries.js";
import { type ContactDetails, missingPortalDetails, readContact } from "../domain/tenants/portal-details.js";
import type { Messages } from "../i18n/index.js";

/** The legal details an issuer may give (`tenant.settings.legal`, written by the back office). */
export const LEGAL_KEYS = [
  "companyName",
  "address",
  "siren",
  "contactEmail",
  "dpoEmail",
  "publisherName",
  "hostName",
  "hostAddress",
  "hostPhone",
] as const;
export type LegalKey = (typeof LEGAL_KEYS)[number];

/** One legal detail: the issuer's own, or the platform operator's placeholder (never an empty line). */
export interface LegalDetail {
  value: string;
  fromOperator: boolean;
}

/** The tenant's legal details, each missing or blank one replaced by the operator's. */
export function legalDetails(tenant: TenantRow, t: Messages): Record<LegalKey, LegalDetail> {
  const raw = tenant.settings?.legal;
  const given = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const details = {} as Record<LegalKey, LegalDetail>;
  for (const key of LEGAL_KEYS) {
    const value = given[key];
    details[key] =
      typeof value === "string" && value.trim() !== ""
        ? { value: value.trim().slice(0, 500), fromOperator: false }
        : {
            value:
              key === "hostName" || key === "hostAddress" || key === "hostPhone"
                ? t.portalDetails.operatorHost[key]
                : t.legal.operator[key],
            fromOperator: true,
          };
  }
  return details;
}

/** What the home and help pages show of the issuer: its contact block and its own FAQ (either may be absent). */
export function tenantHelp(tenant: TenantRow): { contact?: ContactDetails; safeTenantFaq?: string } {
  return { contact: readContact(tenant.settings), safeTenantFaq: tenantFaqHtml(tenant) };
}

/** True when the portal may open: every detail of REQUIRED_DETAILS is set (see README, « Mentions légales »). */
export function portalDetailsComplete(tenant: TenantRow): boolean {
  return missingPortalDetails(tenant.settings).length === 0;
}

// No raw HTML (html: false), bare URLs become links; images are off (the CSP would block other hosts anyway).
const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false }).disable(["image"]);
const SAFE_LINK = /^(https?:|mailto:|\/(?!\/)|#)/i;
markdown.validateLink = (url: string) => SAFE_LINK.test(url.trim());
const defaultLinkOpen =
  markdown.renderer.rules.link_open ??
  ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
markdown.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  const href = token.attrGet("href") ?? "";
  // A link to another site must not get a handle on this page nor learn where it comes from.
  if (/^(https?:)?\/\//i.test(href)) token.attrSet("rel", "noopener noreferrer nofollow");
  return defaultLinkOpen(tokens, idx, options, env, self);
};
/** The issuer's own FAQ (`tenant.settings.faqMarkdown`) as HTML: markdown without raw HTML, safe links only. */
export function tenantFaqHtml(tenant: TenantRow): string | undefined {
  const text = tenant.settings?.faqMarkdown;
  if (typeof text !== "string" || text.trim() === "") return undefined;
  return renderFaqMarkdown(text);
}

/** The FAQ renderer itself: the back office's preview uses it too, so what is previewed is what gets published. */
export function renderFaqMarkdown(text: string): string {
  const env = {};
  const tokens = markdown.parse(text.slice(0, 100_000), env);
  // The issuer's headings sit below the page's own h2: its highest level becomes h3, the others follow.
  const levels = tokens.filter((t) => t.type === "heading_open").map((t) => Number(t.tag.slice(1)));
  const shift = levels.length ? 3 - Math.min(...levels) : 0;
  for (const token of tokens)
    if (token.type === "heading_open" || token.type === "heading_close")
      token.tag = `h${Math.min(6, Number(token.tag.slice(1)) + shift)}`;
  return markdown.renderer.render(tokens, markdown.options, env);
}
