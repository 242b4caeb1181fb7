import type { FastifyReply } from "fastify";
import type { Services } from "../../../app.js";
import type { ProofBundle } from "../../../domain/audit/build-proof-bundle.js";
import { BlobIntegrityError } from "../../../domain/invoices/verified-blob.js";
import { takeProofForStaff } from "../../../domain/staff/proof-for-staff.js";
import { uiFor } from "../../../i18n/index.js";
import { parseUuid } from "../../ids.js";
import type { StaffAuth } from "../../staff-auth.js";
import type { TenantRequest, TenantScope } from "../../tenant-scope.js";
import { ErrorPage } from "../../views/errors.view.js";
import { createZipStream } from "../../zip-stream.js";
import { contentDisposition } from "../downloads.js";
import { staffActor } from "./customers.js";

/** `GET /conseiller/factures/{id}/preuve`: the proof bundle of any live invoice of the tenant, for an advisor. */
export async function staffProofRoutes(app: TenantScope, services: Services, auth: StaffAuth) {
  app.get<{ Params: { id: string } }>(
    "/conseiller/factures/:id/preuve",
    { onRequest: [auth.requireStaff], exposeHeadRoute: false },
    async (request, reply) => {
      const { tenant } = request;
      const id = parseUuid(request.params.id, { ignoreCase: true });
      if (!id) return reply.callNotFound();
      let bundle: Awaited<ReturnType<typeof takeProofForStaff>>;
      try {
        bundle = await takeProofForStaff(integrityDeps(services, request), {
          tenantId: tenant.id,
          invoiceId: id,
          actor: staffActor(request),
          ip: request.ip,
        });
      } catch (error) {
        if (!(error instanceof BlobIntegrityError)) throw error;
        return proofUnavailable(request, reply);
      }
      if (!bundle) return reply.callNotFound();
      return sendProofZip(reply, bundle);
    },
  );
}

/** What the proof needs to check the original and, when it fails, alert the operator. */
function integrityDeps(services: Services, request: TenantRequest) {
  return {
    db: services.db,
    blobs: services.blobs,
    logger: request.log,
    queue: services.queue,
    operatorEmail: services.config.operatorEmail,
  };
}

/** The stored file failed its check (already reported to the operator): the advisor gets no proof, only a page. */
function proofUnavailable(request: TenantRequest, reply: FastifyReply) {
  reply.code(500).header("cache-control", "no-store");
  return reply.html(
    <ErrorPage
      ui={uiFor("fr", "/conseiller")}
      status={500}
      title="Preuve indisponible"
      message="Le fichier de cette facture n’a pas pu être vérifié : aucune preuve n’est délivrée. L’exploitant de la plateforme est alerté."
      requestId={request.id}
    />,
  );
}

function sendProofZip(reply: FastifyReply, bundle: ProofBundle) {
  const zip = createZipStream({
    leading: bundle.files.map((file) => ({ path: file.path, bytes: file.bytes, mtime: bundle.createdAt })),
    files: [],
  });
  reply
    .header("content-type", "application/zip")
    .header("content-disposition", contentDisposition(bundle.fileName))
    .header("cache-control", "no-store")
    .header("x-content-type-options", "nosniff");
  if (zip.sizeBytes !== undefined) reply.header("content-length", String(zip.sizeBytes));
  return reply.send(zip.stream);
}
