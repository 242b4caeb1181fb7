import type { Services } from "../../app.js";
import type { TenantRow } from "../../db/tenants.queries.js";
import { promisedRetentionMonths } from "../../domain/retention/promised-retention.js";
import type { Ui } from "../../i18n/index.js";
import { legalDetails, tenantHelp } from "../tenant-help.js";
import type { TenantScope } from "../tenant-scope.js";
import { FaqPage, HelpArticlePage, LegalNoticePage, PrivacyPage } from "../views/help.view.js";
import { tenantBranding } from "./portal.js";

/** Public pages vary by the language cookie and Accept-Language; a shared cache must not mix them. */
const HEADERS = { "cache-control": "private, max-age=0, must-revalidate", vary: "Accept-Language, Cookie" };

/** Each help or legal page: its path and how it renders for a tenant in the visitor's language. */
const PAGES: Record<string, (ui: Ui, tenant: TenantRow) => JSX.Element> = {
  "/aide": (ui, tenant) => (
    <FaqPage
      ui={ui}
      branding={tenantBranding(tenant)}
      retentionMonths={tenant.retentionMonths}
      {...tenantHelp(tenant)}
    />
  ),
  "/aide/sauvegarder": (ui, tenant) => (
    <HelpArticlePage
      ui={ui}
      branding={tenantBranding(tenant)}
      content={ui.t.help.save}
      path="/aide/sauvegarder"
      contact={tenantHelp(tenant).contact}
    />
  ),
  "/aide/valeur-fiscale": (ui, tenant) => (
    <HelpArticlePage
      ui={ui}
      branding={tenantBranding(tenant)}
      content={ui.t.help.fiscal}
      path="/aide/valeur-fiscale"
      contact={tenantHelp(tenant).contact}
    />
  ),
  "/mentions-legales": (ui, tenant) => (
    <LegalNoticePage ui={ui} branding={tenantBranding(tenant)} legal={legalDetails(tenant, ui.t)} />
  ),
  "/confidentialite": (ui, tenant) => (
    <PrivacyPage
      ui={ui}
      branding={tenantBranding(tenant)}
      legal={legalDetails(tenant, ui.t)}
      retentionMonths={tenant.retentionMonths}
    />
  ),
};

/** Help and legal pages of a tenant's portal: public, in the visitor's language, with the tenant's details. */
export async function helpRoutes(app: TenantScope, services: Services) {
  for (const [path, render] of Object.entries(PAGES))
    app.get(path, async (request, reply) => {
      reply.headers(HEADERS);
      // The duration stated is what the home page promises (never more than the live invoices get).
      const retentionMonths = await promisedRetentionMonths(services.db, request.tenant);
      return reply.html(render(request.portal.ui(), { ...request.tenant, retentionMonths }));
    });
}
