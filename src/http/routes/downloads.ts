import type { FastifyReply } from "fastify";
import type { Services } from "../../app.js";
import { findInvoiceForAccount, type InvoiceDetailRow } from "../../db/downloads.queries.js";
import {
  downloadFileName,
  openInvoicePdf,
  readInvoiceXml,
  type Taker,
} from "../../domain/invoices/invoice-downloads.js";
import { recordDownload } from "../../domain/invoices/record-download.js";
import { BlobIntegrityError, type IntegrityDeps } from "../../domain/invoices/verified-blob.js";
import {
  prepareZip,
  selectZipInvoices,
  takeZipLease,
  type ZipChoice,
} from "../../domain/invoices/zip-download.js";
import type { BlobOffload } from "../../storage/blob-store.js";
import type { CustomerAuth } from "../customer-auth.js";
import { authorisedLinkSession, readLinkSecret, rfc5987, signedDownloadLink } from "../download-link.js";
import { isSameOriginDownload } from "../download-origin.js";
import { parseUuid } from "../ids.js";
import { parseInvoiceFilters } from "../invoice-filters.js";
import type { TenantRequest, TenantScope } from "../tenant-scope.js";
import { ZIP_MAX_FILES } from "../views/invoices.view.js";
import { createZipStream } from "../zip-stream.js";
import { downloadProblem, withdrawnProblem } from "./download-problem.js";

export interface DownloadRouteOptions {
  /** Most PDFs in one ZIP (5,000): beyond, the customer is asked to narrow the filters. */
  zipMaxFiles?: number;
  /** How long a running ZIP's lease lives without renewal (renewed every third of it). */
  zipLeaseSeconds?: number;
  /** First downloads recorded per transaction while a ZIP is written. */
  zipRecordBatch?: number;
  /** Test seam: awaited before each PDF of a ZIP is read (lets a test hold an archive open). */
  beforeZipFile?: (index: number) => Promise<void> | void;
}

const NO_STORE = "no-store";

/**
 * The internal locations of docs/deploy/nginx.conf (DOWNLOAD_OFFLOAD=nginx): nginx serves a stored file
 * from `ACCEL_BLOBS/<ab>/<cd>/<sha256>` (filesystem store, sendfile) or proxies the object store's presigned
 * URL's path and query under `ACCEL_OBJECTS` (object store). Both are `internal`: a client never reaches them.
 */
export const ACCEL_BLOBS = "/_efacture/blobs/";
export const ACCEL_OBJECTS = "/_efacture/objects/";

/** The `X-Accel-Redirect` value for an offload target (a path under one of the internal locations). */
export function accelRedirect(target: BlobOffload): string {
  if (target.kind === "accel") {
    if (!/^[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(target.relativePath))
      throw new Error("offload: unexpected blob path");
    return ACCEL_BLOBS + target.relativePath;
  }
  const url = new URL(target.url);
  // nginx proxies the path and the signed query to the object store configured in the location (never a
  // host the portal names): the host in the URL is the configured endpoint's, the signature covers it.
  return ACCEL_OBJECTS + url.pathname.replace(/^\//, "") + url.search;
}

/** RFC 6266 `attachment` (or `inline`) with an ASCII fallback and the RFC 5987 UTF-8 form of a server-made name. */
export function contentDisposition(
  name: { ascii: string; utf8: string },
  type: "attachment" | "inline" = "attachment",
): string {
  return `${type}; filename="${name.ascii}"; filename*=UTF-8''${rfc5987(name.utf8)}`;
}

/** Headers of a file the portal hands over: its type and name, never cached, never sniffed. */
export function fileHeaders(reply: FastifyReply, type: string, disposition: string, sizeBytes?: number) {
  reply
    .header("content-type", type)
    .header("content-disposition", disposition)
    .header("cache-control", NO_STORE)
    .header("x-content-type-options", "nosniff");
  if (sizeBytes !== undefined) reply.header("content-length", String(sizeBytes));
  return reply;
}

/** What the domain needs to serve a stored file and raise an integrity failure for this request. */
export function integrityDeps(services: Services, request: TenantRequest): IntegrityDeps {
  return {
    blobs: services.blobs,
    db: services.db,
    logger: request.log,
    queue: services.queue,
    operatorEmail: services.config.operatorEmail,
  };
}

/** The account taking an invoice through this request (see `isSameOriginDownload`). */
export function takerOf(request: TenantRequest, accountId: string): Taker {
  return {
    tenantId: request.tenant.id,
    accountId,
    ip: request.ip,
    sameOrigin: isSameOriginDownload(request),
  };
}

/**
 * The preview's own policy, on that one response: the PDF is shown by the browser's viewer in a frame of
 * the detail page, so `frame-ancestors 'self'` (and X-Frame-Options SAMEORIGIN for older browsers); `sandbox`
 * and `default-src 'none'` so that the document, whatever it holds, runs nothing with the portal's origin.
 * Chromium's PDF viewer shows a PDF under this policy (test/e2e/portal-detail.test.ts looks at it).
 */
export const PREVIEW_CSP = "sandbox; default-src 'none'; frame-ancestors 'self'";

/**
 * `GET /factures/{id}/pdf` and `/xml`: the stored bytes, checked against their SHA-256 (docs/security.md F2, F3);
 * `GET /factures/{id}/apercu`: the same PDF shown in place (the detail page's preview), which records nothing;
 * `POST /factures/zip`: the chosen invoices (or all those matching the list's filters) in one streamed ZIP.
 * The reading, checking and recording are the domain's (src/domain/invoices/invoice-downloads.ts, zip-download.ts).
 */
export async function downloadRoutes(
  app: TenantScope,
  services: Services,
  auth: CustomerAuth,
  options: DownloadRouteOptions = {},
) {
  const zipMaxFiles = options.zipMaxFiles ?? ZIP_MAX_FILES;
  const leaseSeconds = options.zipLeaseSeconds ?? 120;
  const recordBatch = options.zipRecordBatch ?? 200;
  const deps = (request: TenantRequest) => integrityDeps(services, request);
  const offload = services.config.downloadOffload !== "off";
  // DOWNLOAD_OFFLOAD=nginx-signed: read once at start (a missing or malformed file stops the start), kept in
  // this closure only: never in the configuration, a log line or an answer.
  const linkSecret =
    services.config.downloadOffload === "nginx-signed" && services.config.downloadLinkSecretFile
      ? readLinkSecret(services.config.downloadLinkSecretFile)
      : undefined;

  const integrityPage = (request: TenantRequest, reply: FastifyReply) =>
    downloadProblem(
      request,
      reply,
      500,
      (t) => ({ title: t.downloads.integrityTitle, message: t.downloads.integrityText }),
      true,
    );

  // 410 Gone: the invoice exists for this account but its file has left the portal (retention), or the
  // issuer withdrew it (then nothing of it is shown, not even a link to its page).
  const gonePage = (request: TenantRequest, reply: FastifyReply, invoice: InvoiceDetailRow) =>
    invoice.withdrawnAt
      ? withdrawnProblem(request, reply, invoice.withdrawnAt)
      : downloadProblem(request, reply, 410, (t, ui) => ({
          title: t.downloads.goneTitle,
          message: t.downloads.goneText(ui.f.longDate(invoice.removedAt!)),
          hint: t.downloads.goneHint,
          link: { href: `/factures/${invoice.id}`, label: t.downloads.goneDetail },
        }));

  /** The invoice of the route if the account may see it (otherwise the caller answers 404). */
  async function invoiceOf(request: TenantRequest<{ Params: { id: string } }>) {
    const customer = request.customer;
    const id = parseUuid(request.params.id, { ignoreCase: true });
    if (!customer || !id) return undefined;
    const invoice = await findInvoiceForAccount(services.db, request.tenant.id, customer.accountId, id);
    return invoice ? { taker: takerOf(request, customer.accountId), invoice } : undefined;
  }

  function logDownload(request: TenantRequest, invoiceIds: string[], via: string, first: string[]) {
    request.log.info(
      {
        event: "invoice.downloaded",
        tenant: request.tenant.slug,
        account: request.customer?.accountId,
        invoices: invoiceIds.length === 1 ? invoiceIds[0] : invoiceIds.length,
        via,
        first: first.length,
        ip: request.ip,
      },
      "invoice downloaded",
    );
  }

  // Downloads answer GET only: a HEAD (link preview, prefetch) must not count as taking the invoice.
  const download = { preHandler: [auth.requireCustomer], exposeHeadRoute: false };

  app.get<{ Params: { id: string } }>("/factures/:id/pdf", download, (request, reply) =>
    sendPdf(request, reply, "download"),
  );

  // Seeing an invoice is not taking it: the preview records no download, so lifecycle 204, the "new" badge
  // and the retention reminders wait for the file itself (the PDF button, the list's icon, a ZIP).
  app.get<{ Params: { id: string } }>("/factures/:id/apercu", download, (request, reply) =>
    sendPdf(request, reply, "preview"),
  );

  async function sendPdf(
    request: TenantRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    mode: "download" | "preview",
  ) {
    const found = await invoiceOf(request);
    if (!found) return reply.callNotFound();
    const { taker, invoice } = found;
    if (invoice.removedAt) return gonePage(request, reply, invoice);
    // docs/deploy/nginx.conf marks every request `available` (it can send files), and the request it hands
    // back when it could not send one `failed`: offload only the first kind, so that a portal reached without
    // that nginx (a setting left on, a health check, a test) streams the file rather than an empty answer.
    const offloadable = request.headers["x-efacture-offload"] === "available";
    if (
      mode === "download" &&
      offload &&
      offloadable &&
      (await sendOffloaded(request, reply, taker, invoice))
    )
      return reply;
    let opened: Awaited<ReturnType<typeof openInvoicePdf>>;
    try {
      opened = await openInvoicePdf(deps(request), taker, invoice, mode);
    } catch (error) {
      // Already reported by the domain: the customer gets the integrity page.
      if (!(error instanceof BlobIntegrityError)) throw error;
      return integrityPage(request, reply);
    }
    const fileName = downloadFileName(invoice, request.tenant.displayName, "pdf");
    if (mode === "preview") {
      const log = { tenant: request.tenant.slug, account: taker.accountId, invoice: invoice.id };
      request.log.info({ event: "invoice.previewed", ...log }, "invoice previewed");
      fileHeaders(reply, "application/pdf", contentDisposition(fileName, "inline"), invoice.sizeBytes)
        .header("content-security-policy", PREVIEW_CSP)
        .header("x-frame-options", "SAMEORIGIN");
      return reply.send(opened.stream);
    }
    logDownload(request, [invoice.id], "pdf", opened.first);
    fileHeaders(reply, "application/pdf", contentDisposition(fileName), invoice.sizeBytes);
    return reply.send(opened.stream);
  }

  /**
   * DOWNLOAD_OFFLOAD=nginx: authorised (the route's preHandler and `invoiceOf`), the first download recorded,
   * then nginx sends the bytes (X-Accel-Redirect) with this answer's headers. DOWNLOAD_OFFLOAD=nginx-signed,
   * filesystem store: the same, then a 303 to a link valid 30 s, bound to this file, its name and this
   * session, that nginx checks and serves without the portal (src/http/download-link.ts); an object store is
   * offloaded as with `nginx`. The bytes were verified at write and are by the scheduled verifier (README
   * « Déploiement à plusieurs machines »), not on the way out. False when the store cannot offload this blob,
   * or its size is not the published one, or no link can be made for this request: the caller then streams
   * it with the hash check, which reports what is wrong.
   */
  async function sendOffloaded(
    request: TenantRequest,
    reply: FastifyReply,
    taker: Taker,
    invoice: InvoiceDetailRow,
  ): Promise<boolean> {
    const target = await services.blobs.offload?.(invoice.sha256);
    if (!target) return false;
    if (target.kind === "accel" && target.sizeBytes !== undefined && target.sizeBytes !== invoice.sizeBytes)
      return false;
    if (target.kind === "url" && target.expiresAt.getTime() <= Date.now()) return false;
    const fileName = downloadFileName(invoice, request.tenant.displayName, "pdf");
    let link: string | undefined;
    if (linkSecret && target.kind === "accel") {
      // The link is bound to the session cookie nginx will read; it must be the one that was authorised.
      const session = authorisedLinkSession(request.headers.cookie, auth.readSessionCookie(request));
      if (!session) return false;
      link = signedDownloadLink(linkSecret, {
        sha256: invoice.sha256,
        asciiName: fileName.ascii,
        encodedName: rfc5987(fileName.utf8),
        session,
      });
      if (!link) return false;
    }
    const redirect = link ? undefined : accelRedirect(target);
    const first =
      invoice.firstDownloadedAt || !taker.sameOrigin
        ? []
        : await recordDownload(services.db, {
            tenantId: taker.tenantId,
            accountId: taker.accountId,
            invoiceIds: [invoice.id],
            via: "pdf",
            ip: taker.ip,
          });
    if (link) {
      // Neither the link nor anything of it is logged: it is a bearer (with the cookie) for 30 s.
      logDownload(request, [invoice.id], "pdf (offloaded, signed link)", first);
      reply.code(303).header("location", link).header("cache-control", NO_STORE);
      reply.send("");
      return true;
    }
    logDownload(request, [invoice.id], "pdf (offloaded)", first);
    fileHeaders(reply, "application/pdf", contentDisposition(fileName)).header("x-accel-redirect", redirect!);
    reply.send("");
    return true;
  }

  app.get<{ Params: { id: string } }>("/factures/:id/xml", download, async (request, reply) => {
    const found = await invoiceOf(request);
    const xmlSha256 = found?.invoice.xmlSha256;
    if (!found || !xmlSha256) return reply.callNotFound();
    const { taker, invoice } = found;
    if (invoice.removedAt) return gonePage(request, reply, invoice);
    let read: Awaited<ReturnType<typeof readInvoiceXml>>;
    try {
      read = await readInvoiceXml(deps(request), taker, { ...invoice, xmlSha256 });
    } catch (error) {
      if (!(error instanceof BlobIntegrityError)) throw error;
      return integrityPage(request, reply);
    }
    if (!read.ok) return xmlMismatch(request, reply, invoice.id, xmlSha256, read.actualSha256);
    logDownload(request, [invoice.id], "xml", read.first);
    const fileName = downloadFileName(invoice, request.tenant.displayName, "xml");
    fileHeaders(reply, "application/xml", contentDisposition(fileName), read.xml.byteLength);
    return reply.send(read.xml);
  });

  /** The PDF is intact but the reader no longer extracts the XML that was published: serve nothing rather than other bytes. */
  function xmlMismatch(
    request: TenantRequest,
    reply: FastifyReply,
    invoiceId: string,
    expected: string,
    actual: string | null,
  ) {
    const log = { tenant: request.tenant.slug, invoice: invoiceId, expected, actual };
    request.log.error(
      { event: "xml_extraction.mismatch", ...log },
      "embedded XML differs from the one published",
    );
    return integrityPage(request, reply);
  }

  app.post<{ Body: Record<string, unknown> }>(
    "/factures/zip",
    { preHandler: [auth.requireCustomer, auth.checkOrigin, app.csrfProtection] },
    async (request, reply) => {
      const customer = request.customer;
      if (!customer) return reply.callNotFound();
      const account = { tenantId: request.tenant.id, accountId: customer.accountId };
      const choice = zipChoice(request.body ?? {});
      const selection = await selectZipInvoices(services.db, { ...account, choice, maxFiles: zipMaxFiles });
      if (selection.kind !== "ready") return zipRefused(request, reply, choice.all, selection);
      const lease = await takeZipLease(services.db, { ...account, leaseSeconds, log: request.log });
      if (!lease) {
        reply.header("retry-after", "60");
        return downloadProblem(request, reply, 429, (t) => ({
          title: t.downloads.busyTitle,
          message: t.downloads.busyText,
        }));
      }
      try {
        return sendZip(request, reply, takerOf(request, customer.accountId), selection.rows, lease.release);
      } catch (error) {
        lease.release();
        throw error;
      }
    },
  );

  /** The form's choice: `tout=1` and the list's filters, or the ticked ids (malformed ones left out). */
  function zipChoice(body: Record<string, unknown>): ZipChoice {
    if (body.tout === "1") return { all: true, filters: parseInvoiceFilters(body) };
    const raw = body.id === undefined ? [] : Array.isArray(body.id) ? body.id : [body.id];
    const ids = raw.map((v) => parseUuid(v, { ignoreCase: true })).filter((v) => v !== undefined);
    return { all: false, ids: [...new Set(ids)] };
  }

  function zipRefused(
    request: TenantRequest,
    reply: FastifyReply,
    all: boolean,
    selection: { kind: "too_many" } | { kind: "none"; removedOnly: number },
  ) {
    if (selection.kind === "too_many")
      return downloadProblem(request, reply, 422, (t) => ({
        title: t.downloads.tooManyTitle,
        message: all ? t.downloads.tooManyAll(zipMaxFiles) : t.downloads.tooManySelected(zipMaxFiles),
      }));
    return downloadProblem(request, reply, 422, (t) => ({
      title: t.downloads.noneTitle,
      message: all
        ? t.downloads.noneAll
        : selection.removedOnly > 0
          ? t.downloads.noneRemoved(selection.removedOnly)
          : t.downloads.noneSelected,
    }));
  }

  function sendZip(
    request: TenantRequest,
    reply: FastifyReply,
    taker: Taker,
    rows: InvoiceDetailRow[],
    release: () => void,
  ) {
    const { index, files, recorded } = prepareZip(deps(request), taker, rows, {
      issuer: request.tenant.displayName,
      recordBatch,
      beforeFile: options.beforeZipFile,
    });
    const zip = createZipStream({
      leading: [{ path: "index.csv", bytes: Buffer.from(index, "utf8"), mtime: new Date() }],
      files,
    });
    zip.stream.on("error", (error) => {
      request.log.error({ err: error, event: "zip.aborted", files: rows.length }, "ZIP aborted");
    });
    reply.raw.on("close", () => {
      release();
      if (!zip.stream.destroyed && !reply.raw.writableFinished) zip.stream.destroy();
      const via = reply.raw.writableFinished ? "zip" : "zip (interrupted)";
      logDownload(
        request,
        rows.map((r) => r.id),
        via,
        recorded,
      );
    });
    const date = new Date().toISOString().slice(0, 10);
    const zipName = `${request.portal.ui().t.downloads.zipName}_${request.tenant.slug}_${date}.zip`;
    fileHeaders(
      reply,
      "application/zip",
      contentDisposition({ ascii: zipName, utf8: zipName }),
      zip.sizeBytes,
    );
    return reply.send(zip.stream);
  }
}
