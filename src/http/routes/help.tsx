import type { FastifyInstance } from "fastify";
import type { Services } from "../../app.js";
import { requestUi } from "../../i18n/request-locale.js";
import { legalDetails, tenantFaqHtml } from "../tenant-help.js";
import { FaqPage, HelpArticlePage, LegalNoticePage, PrivacyPage } from "../views/help.view.js";
import { tenantBranding } from "./portal.js";

/** Public pages vary by the language cookie and Accept-Language; a shared cache must not mix them. */
const HEADERS = { "cache-control": "private, max-age=0, must-revalidate", vary: "Accept-Language, Cookie" };

/** Help and legal pages of a tenant's portal: public, in the visitor's language, with the tenant's details. */
export async function helpRoutes(app: FastifyInstance, _services: Services) {
  app.get("/aide", async (request, reply) => {
    const { site } = request;
    if (site.kind !== "tenant") return reply.callNotFound();
    reply.headers(HEADERS);
    return reply.html(
      <FaqPage
        ui={requestUi(request)}
        branding={tenantBranding(site.tenant)}
        retentionMonths={site.tenant.retentionMonths}
        safeTenantFaq={tenantFaqHtml(site.tenant)}
      />,
    );
  });

  app.get("/aide/sauvegarder", async (request, reply) => {
    const { site } = request;
    if (site.kind !== "tenant") return reply.callNotFound();
    const ui = requestUi(request);
    reply.headers(HEADERS);
    return reply.html(
      <HelpArticlePage
        ui={ui}
        branding={tenantBranding(site.tenant)}
        content={ui.t.help.save}
        path="/aide/sauvegarder"
      />,
    );
  });

  app.get("/aide/valeur-fiscale", async (request, reply) => {
    const { site } = request;
    if (site.kind !== "tenant") return reply.callNotFound();
    const ui = requestUi(request);
    reply.headers(HEADERS);
    return reply.html(
      <HelpArticlePage
        ui={ui}
        branding={tenantBranding(site.tenant)}
        content={ui.t.help.fiscal}
        path="/aide/valeur-fiscale"
      />,
    );
  });

  app.get("/mentions-legales", async (request, reply) => {
    const { site } = request;
    if (site.kind !== "tenant") return reply.callNotFound();
    const ui = requestUi(request);
    reply.headers(HEADERS);
    return reply.html(
      <LegalNoticePage
        ui={ui}
        branding={tenantBranding(site.tenant)}
        legal={legalDetails(site.tenant, ui.t)}
      />,
    );
  });

  app.get("/confidentialite", async (request, reply) => {
    const { site } = request;
    if (site.kind !== "tenant") return reply.callNotFound();
    const ui = requestUi(request);
    reply.headers(HEADERS);
    return reply.html(
      <PrivacyPage
        ui={ui}
        branding={tenantBranding(site.tenant)}
        legal={legalDetails(site.tenant, ui.t)}
        retentionMonths={site.tenant.retentionMonths}
      />,
    );
  });
}
