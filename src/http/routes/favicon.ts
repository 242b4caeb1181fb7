import type { FastifyInstance } from "fastify";
import type { TenantRow } from "../../db/tenants.queries.js";

/** The platform's pages (no tenant): a neutral mark, E-FACTURE's own blue. */
const PLATFORM = { color: "#1f4e79", letter: "E" };

/** The letter a tenant's icon shows: the first letter or digit of its name, upper case. */
export function faviconLetter(displayName: string): string {
  const letter = /[\p{L}\p{N}]/u.exec(displayName)?.[0] ?? "E";
  return letter.toLocaleUpperCase("fr-FR");
}

/** Where a tenant's icon lives; the query changes with the colour and the letter, so caches can keep it. */
export function faviconUrl(tenant: Pick<TenantRow, "primaryColor" | "displayName">): string {
  return `/favicon.svg?v=${tenant.primaryColor.slice(1)}${encodeURIComponent(faviconLetter(tenant.displayName))}`;
}

/** White on a dark colour, near-black on a light one (WCAG relative luminance). */
function inkFor(color: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(color.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.4 ? "#1c2430" : "#ffffff";
}

const escapeXml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** The icon: the letter on the brand colour, a rounded square that reads at 16 px. */
export function faviconSvg(color: string, letter: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">` +
    `<rect width="64" height="64" rx="14" fill="${color}"/>` +
    `<text x="32" y="45" text-anchor="middle" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" ` +
    `font-size="38" font-weight="700" fill="${inkFor(color)}">${escapeXml(letter)}</text></svg>\n`
  );
}

/** `/favicon.svg`: the tenant's icon on a portal's host (issue #13 item 14), a neutral one elsewhere. */
export async function faviconRoutes(app: FastifyInstance) {
  app.get("/favicon.svg", async (request, reply) => {
    const { site } = request;
    // primary_color is checked by the database to be #rrggbb, so it is safe inside the SVG.
    const icon =
      site.kind === "tenant"
        ? { color: site.tenant.primaryColor, letter: faviconLetter(site.tenant.displayName) }
        : PLATFORM;
    reply
      .header("content-type", "image/svg+xml; charset=utf-8")
      .header("cache-control", "public, max-age=86400")
      .header("x-content-type-options", "nosniff");
    return faviconSvg(icon.color, icon.letter);
  });
  // Browsers and bots still ask for the old name: same icon.
  app.get("/favicon.ico", async (_request, reply) => reply.redirect("/favicon.svg", 301));
}
