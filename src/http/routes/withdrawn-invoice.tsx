import type { FastifyReply, FastifyRequest } from "fastify";
import { requestUi } from "../../i18n/request-locale.js";
import { DownloadProblemPage } from "../views/invoice-detail.view.js";
import { tenantBranding } from "./portal.js";

/**
 * 410 for an invoice the issuer withdrew (issue #13 item 9): the customer it reached by mistake learns
 * it is gone and when, and nothing else of it (no number, amount nor link to its page).
 */
export function withdrawnProblem(request: FastifyRequest, reply: FastifyReply, withdrawnAt: Date) {
  const site = request.site;
  if (site.kind !== "tenant") return reply.callNotFound();
  const ui = requestUi(request);
  reply.code(410).header("cache-control", "no-store");
  return reply.html(
    DownloadProblemPage({
      ui,
      branding: tenantBranding(site.tenant),
      user: request.customer
        ? { identifier: request.customer.identifier, csrf: reply.generateCsrf() }
        : undefined,
      status: 410,
      title: ui.t.withdrawn.title,
      message: ui.t.withdrawn.text(ui.f.longDate(withdrawnAt)),
      hint: ui.t.withdrawn.hint,
    }),
  );
}
