import { randomInt } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Services } from "../../app.js";
import {
  acquireZipLease,
  findInvoiceForAccount,
  findInvoicesForAccount,
  type InvoiceDetailRow,
  releaseZipLease,
  renewZipLease,
} from "../../db/downloads.repository.js";
import { iterateAccountInvoices } from "../../db/portal-invoices.repository.js";
import { invoiceFileName } from "../../domain/invoices/invoice-file-name.js";
import { readStoredXml } from "../../domain/invoices/invoice-xml.js";
import { recordDownload } from "../../domain/invoices/record-download.js";
import {
  BlobIntegrityError,
  checkBlob,
  openVerifiedBlob,
  reportIntegrityFailure,
} from "../../domain/invoices/verified-blob.js";
import { type ZipIndexRow, zipIndexHeader, zipIndexLine } from "../../domain/invoices/zip-index.js";
import { requestUi } from "../../i18n/request-locale.js";
import type { CustomerAuth } from "../customer-auth.js";
import { isSameOriginDownload } from "../download-origin.js";
import { parseInvoiceFilters } from "../invoice-filters.js";
import { DownloadProblemPage } from "../views/invoice-detail.view.js";
import { ZIP_MAX_FILES } from "../views/invoices.view.js";
import { createZipStream, type ZipFileEntry } from "../zip-stream.js";
import { INVOICE_ID } from "./invoice-detail.js";
import { tenantBranding } from "./portal.js";
import { withdrawnProblem } from "./withdrawn-invoice.js";

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

/** RFC 6266 `attachment` (or `inline`) with an ASCII fallback and the RFC 5987 UTF-8 form of a server-made name. */
export function contentDisposition(
  name: { ascii: string; utf8: string },
  type: "attachment" | "inline" = "attachment",
): string {
  const encoded = encodeURIComponent(name.utf8).replace(
    /['()*!]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename="${name.ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * The preview's own policy, on that one response: the PDF is shown by the browser's viewer in a frame of
 * the detail page, so `frame-ancestors 'self'` (and X-Frame-Options SAMEORIGIN for older browsers); `sandbox`
 * and `default-src 'none'` so that the document, whatever it holds, runs nothing with the portal's origin.
 * Chromium's PDF viewer shows a PDF under this policy (test/e2e/portal-detail.test.ts looks at it).
 */
export const PREVIEW_CSP = "sandbox; default-src 'none'; frame-ancestors 'self'";

function fileNameOf(invoice: InvoiceDetailRow, issuer: string, extension: "pdf" | "xml") {
  return invoiceFileName(
    {
      issuer: invoice.sellerName ?? issuer,
      invoiceNumber: invoice.invoiceNumber,
      issueDate: invoice.issueDate,
    },
    extension,
  );
}

/**
 * `GET /factures/{id}/pdf` and `/xml`: the stored bytes, checked against their SHA-256 (SECURITY.md F2, F3);
 * `GET /factures/{id}/apercu`: the same PDF shown in place (the detail page's preview), which records nothing;
 * `POST /factures/zip`: the chosen invoices (or all those matching the list's filters) in one streamed ZIP.
 */
export async function downloadRoutes(
  app: FastifyInstance,
  services: Services,
  auth: CustomerAuth,
  options: DownloadRouteOptions = {},
) {
  const zipMaxFiles = options.zipMaxFiles ?? ZIP_MAX_FILES;
  const leaseSeconds = options.zipLeaseSeconds ?? 120;
  const recordBatch = options.zipRecordBatch ?? 200;
  const { db, blobs } = services;

  type Texts = ReturnType<typeof requestUi>["t"];
  /** A refusal page; its texts are picked from the request's language by `texts`. */
  function problem(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    texts: (t: Texts) => {
      title: string;
      message: string;
      hint?: string;
      link?: { href: string; label: string };
    },
    withRequestId = false,
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
        requestId: withRequestId ? request.id : undefined,
      }),
    );
  }

  const integrityPage = (request: FastifyRequest, reply: FastifyReply) =>
    problem(
      request,
      reply,
      500,
      (t) => ({ title: t.downloads.integrityTitle, message: t.downloads.integrityText }),
      true,
    );

  // 410 Gone: the invoice exists for this account but its file has left the portal (retention), or the
  // issuer withdrew it (then nothing of it is shown, not even a link to its page).
  const gonePage = (
    request: FastifyRequest,
    reply: FastifyReply,
    invoiceId: string,
    removedAt: Date,
    withdrawnAt: Date | null = null,
  ) =>
    withdrawnAt
      ? withdrawnProblem(request, reply, withdrawnAt)
      : problem(request, reply, 410, (t) => ({
          title: t.downloads.goneTitle,
          message: t.downloads.goneText(requestUi(request).f.longDate(removedAt)),
          hint: t.downloads.goneHint,
          link: { href: `/factures/${invoiceId}`, label: t.downloads.goneDetail },
        }));

  /** The invoice of the route if the account may see it; otherwise the 404 is already sent. */
  async function invoiceOf(request: FastifyRequest<{ Params: { id: string } }>) {
    const site = request.site;
    const customer = request.customer;
    if (site.kind !== "tenant" || !customer) return undefined;
    const id = request.params.id.toLowerCase();
    if (!INVOICE_ID.test(id)) return undefined;
    const invoice = await findInvoiceForAccount(db, site.tenant.id, customer.accountId, id);
    return invoice ? { site, customer, invoice } : undefined;
  }

  async function alert(
    request: FastifyRequest,
    error: BlobIntegrityError,
    invoiceId: string,
    during: "pdf" | "xml" | "zip",
  ) {
    if (error.reported || request.site.kind !== "tenant") return;
    await reportIntegrityFailure(
      { db, logger: request.log, queue: services.queue, operatorEmail: services.config.operatorEmail },
      {
        tenantId: request.site.tenant.id,
        invoiceId,
        accountId: request.customer?.accountId,
        ip: request.ip,
        during,
        error,
      },
    );
  }

  function logDownload(request: FastifyRequest, invoiceIds: string[], via: string, first: string[]) {
    const site = request.site;
    request.log.info(
      {
        event: "invoice.downloaded",
        tenant: site.kind === "tenant" ? site.tenant.slug : undefined,
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
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    mode: "download" | "preview",
  ) {
    const found = await invoiceOf(request);
    if (!found) return reply.callNotFound();
    const { site, customer, invoice } = found;
    if (invoice.removedAt)
      return gonePage(request, reply, invoice.id, invoice.removedAt, invoice.withdrawnAt);
    const expected = { sha256: invoice.sha256, sizeBytes: invoice.sizeBytes };
    let stream: Awaited<ReturnType<typeof openVerifiedBlob>>;
    try {
      // F3, first line: the whole file is hashed (streamed, never whole in memory) before a byte is sent.
      await checkBlob(blobs, expected);
      stream = await openVerifiedBlob(blobs, expected);
    } catch (error) {
      if (!(error instanceof BlobIntegrityError)) throw error;
      await alert(request, error, invoice.id, "pdf");
      return integrityPage(request, reply);
    }
    // F3, second line: the bytes are hashed again on their way out; a difference (the file changed
    // between the two reads) fails the stream before its last chunk, and Fastify drops the connection.
    stream.on("error", (error) => {
      if (error instanceof BlobIntegrityError)
        alert(request, error, invoice.id, "pdf").catch((e) =>
          request.log.error({ err: e }, "integrity alert failed"),
        );
    });
    const fileName = fileNameOf(invoice, site.tenant.displayName, "pdf");
    if (mode === "preview") {
      request.log.info(
        {
          event: "invoice.previewed",
          tenant: site.tenant.slug,
          account: customer.accountId,
          invoice: invoice.id,
        },
        "invoice previewed",
      );
      reply
        .header("content-type", "application/pdf")
        .header("content-length", String(invoice.sizeBytes))
        .header("content-disposition", contentDisposition(fileName, "inline"))
        .header("cache-control", NO_STORE)
        .header("x-content-type-options", "nosniff")
        .header("content-security-policy", PREVIEW_CSP)
        .header("x-frame-options", "SAMEORIGIN");
      return reply.send(stream);
    }
    let first: string[] = [];
    try {
      // Only a first download changes state (a transaction: three round trips); the row read above already
      // says whether this one can be (first_downloaded_at is never cleared), so re-downloads skip it.
      if (!invoice.firstDownloadedAt && isSameOriginDownload(request))
        first = await recordDownload(db, {
          tenantId: site.tenant.id,
          accountId: customer.accountId,
          invoiceIds: [invoice.id],
          via: "pdf",
          ip: request.ip,
        });
    } catch (error) {
      stream.destroy();
      throw error;
    }
    logDownload(request, [invoice.id], "pdf", first);
    reply
      .header("content-type", "application/pdf")
      .header("content-length", String(invoice.sizeBytes))
      .header("content-disposition", contentDisposition(fileName))
      .header("cache-control", NO_STORE)
      .header("x-content-type-options", "nosniff");
    return reply.send(stream);
  }

  app.get<{ Params: { id: string } }>("/factures/:id/xml", download, async (request, reply) => {
    const found = await invoiceOf(request);
    if (!found?.invoice.xmlSha256) return reply.callNotFound();
    const { site, customer, invoice } = found;
    if (invoice.removedAt)
      return gonePage(request, reply, invoice.id, invoice.removedAt, invoice.withdrawnAt);
    // The XML stored at publication, checked against xml_sha256: a download never parses the PDF again.
    let stored: Awaited<ReturnType<typeof readStoredXml>>;
    try {
      stored = await readStoredXml(
        { blobs },
        { sha256: invoice.sha256, sizeBytes: invoice.sizeBytes, xmlSha256: invoice.xmlSha256! },
      );
    } catch (error) {
      if (!(error instanceof BlobIntegrityError)) throw error;
      await alert(request, error, invoice.id, "xml");
      return integrityPage(request, reply);
    }
    if (!stored.ok) {
      // The PDF is intact but the reader no longer extracts the XML that was published: serve nothing rather than other bytes.
      request.log.error(
        {
          event: "xml_extraction.mismatch",
          tenant: site.tenant.slug,
          invoice: invoice.id,
          expected: invoice.xmlSha256,
          actual: stored.actualSha256,
        },
        "embedded XML differs from the one published",
      );
      return integrityPage(request, reply);
    }
    const xml = stored.xml;
    const first =
      invoice.firstDownloadedAt || !isSameOriginDownload(request)
        ? []
        : await recordDownload(db, {
            tenantId: site.tenant.id,
            accountId: customer.accountId,
            invoiceIds: [invoice.id],
            via: "xml",
            ip: request.ip,
          });
    logDownload(request, [invoice.id], "xml", first);
    reply
      .header("content-type", "application/xml")
      .header("content-length", String(xml.byteLength))
      .header("content-disposition", contentDisposition(fileNameOf(invoice, site.tenant.displayName, "xml")))
      .header("cache-control", NO_STORE)
      .header("x-content-type-options", "nosniff");
    return reply.send(xml);
  });

  app.post<{ Body: Record<string, unknown> }>(
    "/factures/zip",
    { preHandler: [auth.requireCustomer, auth.checkOrigin, app.csrfProtection] },
    async (request, reply) => {
      const site = request.site;
      const customer = request.customer;
      if (site.kind !== "tenant" || !customer) return reply.callNotFound();
      const body = request.body ?? {};
      const all = body.tout === "1";

      let rows: InvoiceDetailRow[];
      // Chosen invoices the account may see but that have left the portal: said as such when nothing else is left.
      let removedOnly = 0;
      if (all) {
        // Every invoice matching the list's filters, in list order; removed ones have no file to give.
        const filters = parseInvoiceFilters(body);
        const ids: string[] = [];
        let matching = 0;
        for await (const row of iterateAccountInvoices(
          db,
          site.tenant.id,
          customer.accountId,
          filters,
          500,
        )) {
          if (row.removedAt) continue;
          matching++;
          if (ids.length < zipMaxFiles) ids.push(row.id);
          else if (matching > zipMaxFiles) break;
        }
        if (matching > zipMaxFiles) return tooMany(request, reply, true);
        rows = [];
        const byId = new Map<string, InvoiceDetailRow>();
        for (let i = 0; i < ids.length; i += 500)
          for (const row of await findInvoicesForAccount(
            db,
            site.tenant.id,
            customer.accountId,
            ids.slice(i, i + 500),
          ))
            byId.set(row.id, row);
        for (const id of ids) {
          const row = byId.get(id);
          if (row && !row.removedAt) rows.push(row);
        }
      } else {
        const raw = body.id === undefined ? [] : Array.isArray(body.id) ? body.id : [body.id];
        // Ids the account may not see, malformed ones and removed invoices are left out silently: the
        // answer is the same whether such an invoice exists or not (SECURITY.md A2).
        const ids = [
          ...new Set(raw.filter((v): v is string => typeof v === "string").map((v) => v.toLowerCase())),
        ].filter((v) => INVOICE_ID.test(v));
        if (ids.length > zipMaxFiles) return tooMany(request, reply, false);
        const found = await findInvoicesForAccount(db, site.tenant.id, customer.accountId, ids);
        rows = found.filter((r) => !r.removedAt);
        removedOnly = rows.length === 0 ? found.length : 0;
      }
      if (rows.length === 0)
        return problem(request, reply, 422, (t) => ({
          title: t.downloads.noneTitle,
          message: all
            ? t.downloads.noneAll
            : removedOnly > 0
              ? t.downloads.noneRemoved(removedOnly)
              : t.downloads.noneSelected,
        }));

      const token = randomInt(1, 2 ** 31 - 1);
      const now = new Date();
      const leased = await acquireZipLease(
        db,
        site.tenant.id,
        customer.accountId,
        token,
        now,
        new Date(now.getTime() + leaseSeconds * 1000),
      );
      if (!leased) {
        reply.header("retry-after", "60");
        return problem(request, reply, 429, (t) => ({
          title: t.downloads.busyTitle,
          message: t.downloads.busyText,
        }));
      }
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        clearInterval(renewal);
        releaseZipLease(db, site.tenant.id, customer.accountId, token).catch((error) =>
          request.log.error({ err: error }, "zip lease release failed"),
        );
      };
      const renewal = setInterval(
        () => {
          renewZipLease(
            db,
            site.tenant.id,
            customer.accountId,
            token,
            new Date(Date.now() + leaseSeconds * 1000),
          ).catch((error) => request.log.warn({ err: error }, "zip lease renewal failed"));
        },
        (leaseSeconds * 1000) / 3,
      );
      renewal.unref();

      try {
        return sendZip(request, reply, rows, release);
      } catch (error) {
        release();
        throw error;
      }
    },
  );

  function tooMany(request: FastifyRequest, reply: FastifyReply, all: boolean) {
    return problem(request, reply, 422, (t) => ({
      title: t.downloads.tooManyTitle,
      message: all ? t.downloads.tooManyAll(zipMaxFiles) : t.downloads.tooManySelected(zipMaxFiles),
    }));
  }

  function sendZip(
    request: FastifyRequest,
    reply: FastifyReply,
    rows: InvoiceDetailRow[],
    release: () => void,
  ) {
    const site = request.site;
    const customer = request.customer;
    if (site.kind !== "tenant" || !customer) throw new Error("sendZip without a customer");
    const taken = new Set<string>();
    let index = zipIndexHeader();
    const files: ZipFileEntry[] = [];
    const pending: string[] = [];
    const recorded: string[] = [];

    const flush = async () => {
      if (pending.length === 0) return;
      const ids = pending.splice(0);
      recorded.push(
        ...(await recordDownload(db, {
          tenantId: site.tenant.id,
          accountId: customer.accountId,
          invoiceIds: ids,
          via: "zip",
          ip: request.ip,
        })),
      );
    };

    rows.forEach((row, position) => {
      const name = fileNameOf(row, site.tenant.displayName, "pdf").ascii;
      const year = row.issueDate.slice(0, 4);
      let path = `${year}/${name}`;
      // Two invoices may share a name (same number from two sellers): the second gets a suffix.
      for (let n = 2; taken.has(path.toLowerCase()); n++)
        path = `${year}/${name.replace(/\.pdf$/, `-${n}.pdf`)}`;
      taken.add(path.toLowerCase());
      const entry: ZipIndexRow = { ...row, path };
      index += zipIndexLine(entry);
      const expected = { sha256: row.sha256, sizeBytes: row.sizeBytes };
      files.push({
        path,
        sizeBytes: row.sizeBytes,
        mtime: new Date(`${row.issueDate}T12:00:00Z`),
        async open(signal) {
          await options.beforeZipFile?.(position);
          signal.throwIfAborted();
          try {
            // Each PDF is checked whole before it enters the archive: a corrupt file is never put in it.
            await checkBlob(blobs, expected);
          } catch (error) {
            if (error instanceof BlobIntegrityError) await alert(request, error, row.id, "zip");
            throw error;
          }
          signal.throwIfAborted();
          pending.push(row.id);
          // Every file counts as a download; recorded in batches, the last before the last PDF is written,
          // so a completed archive always has its downloads recorded (an aborted one records what it reached).
          if (pending.length >= recordBatch || position === rows.length - 1) await flush();
          const stream = await openVerifiedBlob(blobs, expected);
          stream.on("error", (error) => {
            if (error instanceof BlobIntegrityError)
              alert(request, error, row.id, "zip").catch((e) =>
                request.log.error({ err: e }, "integrity alert failed"),
              );
          });
          return stream;
        },
      });
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
      logDownload(
        request,
        rows.map((r) => r.id),
        reply.raw.writableFinished ? "zip" : "zip (interrupted)",
        recorded,
      );
    });
    const date = new Date().toISOString().slice(0, 10);
    const zipName = `${requestUi(request).t.downloads.zipName}_${site.tenant.slug}_${date}.zip`;
    reply
      .header("content-type", "application/zip")
      .header("content-disposition", contentDisposition({ ascii: zipName, utf8: zipName }))
      .header("cache-control", NO_STORE)
      .header("x-content-type-options", "nosniff");
    if (zip.sizeBytes !== undefined) reply.header("content-length", String(zip.sizeBytes));
    return reply.send(zip.stream);
  }
}
