import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Services } from "../../app.js";
import { findInvoiceForAccount } from "../../db/downloads.repository.js";
import { buildProofBundle } from "../../domain/audit/build-proof-bundle.js";
import { recordDownload } from "../../domain/invoices/record-download.js";
import {
  BlobIntegrityError,
  checkBlob,
  reportIntegrityFailure,
} from "../../domain/invoices/verified-blob.js";
import type { Messages } from "../../i18n/fr.js";
import { requestUi } from "../../i18n/request-locale.js";
import { trustedSealPublicKeys } from "../../storage/seal-key-file.js";
import type { CustomerAuth } from "../customer-auth.js";
import { isSameOriginDownload } from "../download-origin.js";
import { DownloadProblemPage } from "../views/invoice-detail.view.js";
import { createZipStream } from "../zip-stream.js";
import { contentDisposition } from "./downloads.js";
import { INVOICE_ID } from "./invoice-detail.js";
import { tenantBranding } from "./portal.js";
import { withdrawnProblem } from "./withdrawn-invoice.js";

const NO_STORE = "no-store";
/** The published public keys: public, cached an hour, never sniffed. */
const PEM_HEADERS = {
  "content-type": "application/x-pem-file",
  "cache-control": "public, max-age=3600",
  "x-content-type-options": "nosniff",
};

/**
 * `GET /factures/{id}/preuve`: the invoice's proof bundle (ZIP: original PDF, XML, certificate, audit
 * entries, chain segments, seals, README), same access rules as the downloads (not visible: 404).
 * `GET /.well-known/efacture-seal-key.pem`: the platform's public sealing key, to compare with a bundle's;
 * `/.well-known/efacture-seal-keys.pem`: it and the retired ones (seals made before a key change).
 */
export async function proofRoutes(app: FastifyInstance, services: Services, auth: CustomerAuth) {
  const { db, blobs } = services;

  function problem(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    texts: (t: Messages) => { title: string; message: string; link?: { href: string; label: string } },
  ) {
    const site = request.site;
    if (site.kind !== "tenant") return reply.callNotFound();
    const ui = requestUi(request);
    reply.code(status).header("cache-control", NO_STORE);
    return reply.html(
      DownloadProblemPage({
        ui,
        branding: tenantBranding(site.tenant),
        user: request.customer
          ? { identifier: request.customer.identifier, csrf: reply.generateCsrf() }
          : undefined,
        status,
        ...texts(ui.t),
        requestId: status >= 500 ? request.id : undefined,
      }),
    );
  }

  app.get("/.well-known/efacture-seal-key.pem", async (_request, reply) => {
    reply.headers(PEM_HEADERS);
    return services.sealKey().publicKeyPem;
  });

  // Every key whose seals verify: the current one, then the retired ones (a bundle sealed before a key change).
  app.get("/.well-known/efacture-seal-keys.pem", async (_request, reply) => {
    reply.headers(PEM_HEADERS);
    const [current, ...retired] = trustedSealPublicKeys(services.config, services.sealKey());
    return [`Current sealing key\n${current}`, ...retired.map((pem) => `Retired sealing key\n${pem}`)].join(
      "",
    );
  });

  // GET only: a HEAD (link preview) must not count as taking the invoice.
  app.get<{ Params: { id: string } }>(
    "/factures/:id/preuve",
    { preHandler: [auth.requireCustomer], exposeHeadRoute: false },
    async (request, reply) => {
      const site = request.site;
      const customer = request.customer;
      if (site.kind !== "tenant" || !customer) return reply.callNotFound();
      const id = request.params.id.toLowerCase();
      if (!INVOICE_ID.test(id)) return reply.callNotFound();
      const invoice = await findInvoiceForAccount(db, site.tenant.id, customer.accountId, id);
      if (!invoice) return reply.callNotFound();
      if (invoice.withdrawnAt) return withdrawnProblem(request, reply, invoice.withdrawnAt);
      if (invoice.removedAt)
        return problem(request, reply, 410, (t) => ({
          title: t.downloads.goneTitle,
          message: t.downloads.proofGoneText(requestUi(request).f.longDate(invoice.removedAt!)),
          link: { href: `/factures/${invoice.id}`, label: t.downloads.goneDetail },
        }));
      let bundle: Awaited<ReturnType<typeof buildProofBundle>>;
      try {
        // Checked before anything is recorded: an altered original is neither bundled nor counted as taken.
        await checkBlob(blobs, { sha256: invoice.sha256, sizeBytes: invoice.sizeBytes });
        // The bundle holds the original: it counts as taking the invoice, recorded first so the bundle shows it.
        // Only from the portal's own pages: a link on another site must not mark the invoice taken.
        const first = isSameOriginDownload(request)
          ? await recordDownload(db, {
              tenantId: site.tenant.id,
              accountId: customer.accountId,
              invoiceIds: [invoice.id],
              via: "proof",
              ip: request.ip,
            })
          : [];
        bundle = await buildProofBundle({ db, blobs }, { tenantId: site.tenant.id, invoiceId: invoice.id });
        request.log.info(
          {
            event: "invoice.proof_downloaded",
            tenant: site.tenant.slug,
            account: customer.accountId,
            invoice: invoice.id,
            first: first.length,
            ip: request.ip,
          },
          "proof bundle downloaded",
        );
      } catch (error) {
        if (!(error instanceof BlobIntegrityError)) throw error;
        if (!error.reported)
          await reportIntegrityFailure(
            { db, logger: request.log, queue: services.queue, operatorEmail: services.config.operatorEmail },
            {
              tenantId: site.tenant.id,
              invoiceId: invoice.id,
              accountId: customer.accountId,
              ip: request.ip,
              during: "proof",
              error,
            },
          );
        return problem(request, reply, 500, (t) => ({
          title: t.downloads.proofIntegrityTitle,
          message: t.downloads.proofIntegrityText,
        }));
      }
      const zip = createZipStream({
        leading: bundle.files.map((file) => ({
          path: file.path,
          bytes: file.bytes,
          mtime: bundle.createdAt,
        })),
        files: [],
      });
      reply
        .header("content-type", "application/zip")
        .header("content-disposition", contentDisposition(bundle.fileName))
        .header("cache-control", NO_STORE)
        .header("x-content-type-options", "nosniff");
      if (zip.sizeBytes !== undefined) reply.header("content-length", String(zip.sizeBytes));
      return reply.send(zip.stream);
    },
  );
}
