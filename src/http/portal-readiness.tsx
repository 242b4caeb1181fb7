import type { FastifyInstance } from "fastify";
import { missingPortalDetails, type RequiredDetail } from "../domain/tenants/portal-details.js";
import { requestUi } from "../i18n/request-locale.js";
import { tenantBranding } from "./routes/portal.js";
import { PortalClosedPage } from "./views/portal-closed.view.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Outside production, on a portal whose legal details are incomplete: what is missing (the pages show a banner). */
    portalDraft?: readonly RequiredDetail[];
  }
}

// Pages that are not the customers': the back office must stay reachable so the admin can complete the
// details, integrators may already publish, assets, the logo and the icon serve the back office (and this page) too.
const NOT_CUSTOMER_PAGES = /^\/(api|conseiller|_dev|assets|branding|favicon)(\/|\.|$|\?)/;

/**
 * A portal opens to customers only once its legal details are complete (issue #13 item 12). In production an
 * incomplete tenant's customer pages answer 503 « Ce portail n'est pas encore ouvert »; elsewhere they are
 * served with a visible banner listing what is missing.
 */
export function registerPortalReadiness(app: FastifyInstance, options: { production: boolean }) {
  app.decorateRequest("portalDraft", undefined);
  app.addHook("onRequest", async (request, reply) => {
    const site = request.site;
    if (site?.kind !== "tenant" || NOT_CUSTOMER_PAGES.test(request.url)) return;
    const missing = missingPortalDetails(site.tenant.settings);
    if (missing.length === 0) return;
    if (!options.production) {
      request.portalDraft = missing;
      return;
    }
    request.log.warn(
      { event: "portal.closed", tenant: site.tenant.slug, missing: missing.map((d) => d.key) },
      "portal closed: legal details incomplete",
    );
    // The legal pages are what is missing: the closed page must not link to them.
    return reply
      .code(503)
      .header("cache-control", "no-store")
      .html(
        <PortalClosedPage
          ui={requestUi(request)}
          branding={{ ...tenantBranding(site.tenant), portal: false }}
        />,
      );
  });
}
