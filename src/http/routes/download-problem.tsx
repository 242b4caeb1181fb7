import type { FastifyReply } from "fastify";
import type { Messages, Ui } from "../../i18n/index.js";
import type { TenantRequest } from "../tenant-scope.js";
import { DownloadProblemPage } from "../views/invoice-detail.view.js";

/** The texts of a refusal page, picked in the request's language. */
export type ProblemTexts = (
  t: Messages,
  ui: Ui,
) => { title: string; message: string; hint?: string; link?: { href: string; label: string } };

/**
 * The page a download (PDF, XML, ZIP, proof bundle) answers instead of its file: in the visitor's language,
 * with the portal's colours and the logged-in customer's header, never cached; the request id on a fault.
 */
export function downloadProblem(
  request: TenantRequest,
  reply: FastifyReply,
  status: number,
  texts: ProblemTexts,
  withRequestId = false,
) {
  const ui = request.portal.ui();
  reply.code(status).header("cache-control", "no-store");
  return reply.html(
    DownloadProblemPage({
      ui,
      branding: request.portal.branding,
      user: request.customer
        ? { identifier: request.customer.identifier, csrf: reply.generateCsrf() }
        : undefined,
      status,
      ...texts(ui.t, ui),
      requestId: withRequestId ? request.id : undefined,
    }),
  );
}

/**
 * 410 for an invoice the issuer withdrew (issue #13 item 9): the customer it reached by mistake learns
 * it is gone and when, and nothing else of it (no number, amount nor link to its page).
 */
export function withdrawnProblem(request: TenantRequest, reply: FastifyReply, withdrawnAt: Date) {
  return downloadProblem(request, reply, 410, (t, ui) => ({
    title: t.withdrawn.title,
    message: t.withdrawn.text(ui.f.longDate(withdrawnAt)),
    hint: t.withdrawn.hint,
  }));
}
