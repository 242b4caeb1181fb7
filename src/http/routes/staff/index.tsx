import type { FastifyInstance } from "fastify";
import type { Services } from "../../../app.js";
import { uiFor } from "../../../i18n/index.js";
import type { CustomerAuth } from "../../customer-auth.js";
import { createStaffAuth } from "../../staff-auth.js";
import { tenantScope } from "../../tenant-scope.js";
import { ErrorPage } from "../../views/errors.view.js";
import { staffAdminRoutes } from "./admin.js";
import { staffComplianceRoutes } from "./compliance.js";
import { staffCustomerRoutes } from "./customers.js";
import { staffJournalRoutes } from "./journal.js";
import { staffPaRoutes } from "./pa.js";
import { staffProofRoutes } from "./proof.js";
import { staffAuthRoutes } from "./staff-auth-routes.js";

/** The back office under /conseiller on each tenant's host. */
export async function staffRoutes(app: FastifyInstance, services: Services, customerAuth: CustomerAuth) {
  app.decorateRequest("staff", null);
  const auth = createStaffAuth({
    db: services.db,
    production: services.config.production,
    customerAuth,
    forbiddenPage: () => (
      <ErrorPage
        ui={uiFor("fr", "/conseiller")}
        status={403}
        title="Accès réservé aux administrateurs"
        message="Cette page est réservée aux administrateurs de votre équipe. Demandez à l’un d’eux si vous avez besoin de ce réglage."
      />
    ),
  });
  // Tenant hosts only: the platform host answers every back-office path with its 404 page.
  await app.register(tenantScope, {
    routes: async (scope) => {
      await staffAuthRoutes(scope, services, auth);
      await staffCustomerRoutes(scope, services, auth);
      await staffJournalRoutes(scope, services, auth);
      await staffProofRoutes(scope, services, auth);
      await staffAdminRoutes(scope, services, auth);
      await staffComplianceRoutes(scope, services, auth);
      await staffPaRoutes(scope, services, auth);
    },
  });
}
