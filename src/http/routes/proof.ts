import type { FastifyInstance, FastifyReply } from "fastify";
import type { Services } from "../../app.js";
import { findInvoiceForAccount } from "../../db/downloads.queries.js";
import type { ProofBundle } from "../../domain/audit/build-proof-bundle.js";
import { takeProofBundle } from "../../domain/invoices/invoice-downloads.js";
import { BlobIntegrityError } from "../../domain/invoices/verified-blob.js";
import { trustedSealPublicKeys } from "../../storage/seal-key-file.js";
import type { CustomerAuth } from "../customer-auth.js";
import { parseUuid } from "../ids.js";
import type { TenantRequest, TenantScope } from "../tenant-scope.js";
import { createZipStream } from "../zip-stream.js";
import { downloadProblem, withdrawnProblem } from "./download-problem.js";
import { contentDisposition, fileHeaders, integrityDeps, takerOf } from "./downloads.js";

/** The published public keys: public, cached an hour, never sniffed. */
const PEM_HEADERS = {
  "content-type": "application/x-pem-file",
  "cache-control": "public, max-age=3600",
  "x-content-type-options": "nosniff",
};

/**
 * `GET /.well-known/efacture-seal-key.pem`: the platform's public sealing key, to compare with a bundle's;
 * `/.well-known/efacture-seal-keys.pem`: it and the retired ones (seals made before a key change). On every host.
 */
export async function sealKeyRoutes(app: FastifyInstance, services: Services) {
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
}

/**
 * `GET /factures/{id}/preuve`: the invoice's proof bundle (ZIP: original PDF, XML, certificate, audit
 * entries, chain segments, seals, README), same access rules as the downloads (not visible: 404).
 */
export async function proofRoutes(app: TenantScope, services: Services, auth: CustomerAuth) {
  // GET only: a HEAD (link preview) must not count as taking the invoice.
  app.get<{ Params: { id: string } }>(
    "/factures/:id/preuve",
    { preHandler: [auth.requireCustomer], exposeHeadRoute: false },
    async (request, reply) => {
      const { tenant, customer } = request;
      const id = parseUuid(request.params.id, { ignoreCase: true });
      if (!customer || !id) return reply.callNotFound();
      const invoice = await findInvoiceForAccount(services.db, tenant.id, customer.accountId, id);
      if (!invoice) return reply.callNotFound();
      if (invoice.withdrawnAt) return withdrawnProblem(request, reply, invoice.withdrawnAt);
      if (invoice.removedAt) return gonePage(request, reply, invoice.id, invoice.removedAt);
      let taken: Awaited<ReturnType<typeof takeProofBundle>>;
      try {
        // Only from the portal's own pages does the bundle count as taking the invoice (see takeProofBundle).
        taken = await takeProofBundle(deps(request), takerOf(request, customer.accountId), invoice);
      } catch (error) {
        // Already reported by the domain: the customer gets the integrity page.
        if (!(error instanceof BlobIntegrityError)) throw error;
        return integrityPage(request, reply);
      }
      const log = { tenant: tenant.slug, account: customer.accountId, invoice: invoice.id };
      request.log.info(
        { event: "invoice.proof_downloaded", ...log, first: taken.first.length, ip: request.ip },
        "proof bundle downloaded",
      );
      return sendBundle(reply, taken.bundle);
    },
  );
  const deps = (request: TenantRequest) => integrityDeps(services, request);
}

const integrityPage = (request: TenantRequest, reply: FastifyReply) =>
  downloadProblem(
    request,
    reply,
    500,
    (t) => ({ title: t.downloads.proofIntegrityTitle, message: t.downloads.proofIntegrityText }),
    true,
  );

const gonePage = (request: TenantRequest, reply: FastifyReply, invoiceId: string, removedAt: Date) =>
  downloadProblem(request, reply, 410, (t, ui) => ({
    title: t.downloads.goneTitle,
    message: t.downloads.proofGoneText(ui.f.longDate(removedAt)),
    link: { href: `/factures/${invoiceId}`, label: t.downloads.goneDetail },
  }));

/** The bundle as one ZIP, written as it is read. */
function sendBundle(reply: FastifyReply, bundle: ProofBundle) {
  const zip = createZipStream({
    leading: bundle.files.map((file) => ({ path: file.path, bytes: file.bytes, mtime: bundle.createdAt })),
    files: [],
  });
  fileHeaders(reply, "application/zip", contentDisposition(bundle.fileName), zip.sizeBytes);
  return reply.send(zip.stream);
}
