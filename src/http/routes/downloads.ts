import { createHash, randomInt } from "node:crypto";
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
import { recordDownload } from "../../domain/invoices/record-download.js";
import {
  BlobIntegrityError,
  checkBlob,
  openVerifiedBlob,
  reportIntegrityFailure,
} from "../../domain/invoices/verified-blob.js";
import { type ZipIndexRow, zipIndexHeader, zipIndexLine } from "../../domain/invoices/zip-index.js";
import { readInvoicePdf } from "../../einvoice/index.js";
import type { CustomerAuth } from "../customer-auth.js";
import { parseInvoiceFilters } from "../invoice-filters.js";
import { DownloadProblemPage } from "../views/invoice-detail.view.js";
import { createZipStream, type ZipFileEntry } from "../zip-stream.js";
import { INVOICE_ID } from "./invoice-detail.js";
import { tenantBranding } from "./portal.js";

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

/** RFC 6266 `attachment` with an ASCII fallback and the RFC 5987 UTF-8 form of a server-made name. */
export function contentDisposition(name: { ascii: string; utf8: string }): string {
  const encoded = encodeURIComponent(name.utf8).replace(
    /['()*!]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${name.ascii}"; filename*=UTF-8''${encoded}`;
}

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
 * `POST /factures/zip`: the chosen invoices (or all those matching the list's filters) in one streamed ZIP.
 */
export async function downloadRoutes(
  app: FastifyInstance,
  services: Services,
  auth: CustomerAuth,
  options: DownloadRouteOptions = {},
) {
  const zipMaxFiles = options.zipMaxFiles ?? 5_000;
  const leaseSeconds = options.zipLeaseSeconds ?? 120;
  const recordBatch = options.zipRecordBatch ?? 200;
  const { db, blobs } = services;

  function problem(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    title: string,
    message: string,
    withRequestId = false,
  ) {
    const site = request.site;
    if (site.kind !== "tenant") return reply.callNotFound();
    reply.code(status).header("cache-control", NO_STORE);
    return reply.html(
      DownloadProblemPage({
        branding: tenantBranding(site.tenant),
        user: request.customer
          ? { identifier: request.customer.identifier, csrf: reply.generateCsrf() }
          : undefined,
        status,
        title,
        message,
        requestId: withRequestId ? request.id : undefined,
      }),
    );
  }

  const integrityPage = (request: FastifyRequest, reply: FastifyReply) =>
    problem(
      request,
      reply,
      500,
      "Fichier momentanément indisponible",
      "Le fichier de cette facture n’a pas pu être vérifié : il ne vous est pas transmis. Nos équipes sont alertées ; merci de réessayer plus tard ou de contacter votre conseiller(e) clientèle.",
      true,
    );

  const gonePage = (request: FastifyRequest, reply: FastifyReply, removedAt: Date) =>
    problem(
      request,
      reply,
      410,
      "Facture retirée du portail",
      `Cette facture a été retirée du portail le ${new Intl.DateTimeFormat("fr-FR", { dateStyle: "long", timeZone: "Europe/Paris" }).format(removedAt)}, à la fin de sa durée de mise à disposition : son fichier n’est plus téléchargeable.`,
    );

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

  app.get<{ Params: { id: string } }>("/factures/:id/pdf", download, async (request, reply) => {
    const found = await invoiceOf(request);
    if (!found) return reply.callNotFound();
    const { site, customer, invoice } = found;
    if (invoice.removedAt) return gonePage(request, reply, invoice.removedAt);
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
    let first: string[];
    try {
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
      .header("content-disposition", contentDisposition(fileNameOf(invoice, site.tenant.displayName, "pdf")))
      .header("cache-control", NO_STORE)
      .header("x-content-type-options", "nosniff");
    return reply.send(stream);
  });

  app.get<{ Params: { id: string } }>("/factures/:id/xml", download, async (request, reply) => {
    const found = await invoiceOf(request);
    if (!found?.invoice.xmlSha256) return reply.callNotFound();
    const { site, customer, invoice } = found;
    if (invoice.removedAt) return gonePage(request, reply, invoice.removedAt);
    const expected = { sha256: invoice.sha256, sizeBytes: invoice.sizeBytes };
    // The XML is served from the stored PDF (never kept apart), so the PDF is read whole (<= MAX_PDF_BYTES) and checked first.
    const bytes = await blobs.read(invoice.sha256);
    const actual = bytes && {
      sha256: createHash("sha256").update(bytes).digest("hex"),
      sizeBytes: bytes.byteLength,
    };
    const mismatch = !actual
      ? new BlobIntegrityError("missing", expected, {})
      : actual.sizeBytes !== expected.sizeBytes
        ? new BlobIntegrityError("size_mismatch", expected, actual)
        : actual.sha256 !== expected.sha256
          ? new BlobIntegrityError("hash_mismatch", expected, actual)
          : undefined;
    if (mismatch) {
      await alert(request, mismatch, invoice.id, "xml");
      return integrityPage(request, reply);
    }
    const document = await readInvoicePdf(bytes!);
    const xml = document.xml ? Buffer.from(document.xml) : undefined;
    const xmlSha256 = xml ? createHash("sha256").update(xml).digest("hex") : undefined;
    if (!xml || xmlSha256 !== invoice.xmlSha256) {
      // The PDF is intact but the reader no longer extracts the XML that was published: serve nothing rather than other bytes.
      request.log.error(
        {
          event: "xml_extraction.mismatch",
          tenant: site.tenant.slug,
          invoice: invoice.id,
          expected: invoice.xmlSha256,
          actual: xmlSha256 ?? null,
        },
        "embedded XML differs from the one published",
      );
      return integrityPage(request, reply);
    }
    const first = await recordDownload(db, {
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
        rows = (await findInvoicesForAccount(db, site.tenant.id, customer.accountId, ids)).filter(
          (r) => !r.removedAt,
        );
      }
      if (rows.length === 0)
        return problem(
          request,
          reply,
          422,
          "Aucune facture à télécharger",
          all
            ? "Aucune facture téléchargeable ne correspond à ces critères. Modifiez les filtres de la liste puis recommencez."
            : "Aucune facture téléchargeable n’était cochée. Cochez les factures voulues dans la liste, ou choisissez « tout sélectionner », puis recommencez.",
        );

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
        return problem(
          request,
          reply,
          429,
          "Un téléchargement est déjà en cours",
          "Une archive ZIP de vos factures est déjà en cours de préparation pour votre compte. Attendez qu’elle soit terminée, puis recommencez.",
        );
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
    const max = new Intl.NumberFormat("fr-FR").format(zipMaxFiles);
    return problem(
      request,
      reply,
      422,
      "Trop de factures pour une seule archive",
      all
        ? `Plus de ${max} factures correspondent à ces critères : une archive ZIP en contient ${max} au plus. Affinez les filtres de la liste (par exemple une année ou un contrat à la fois), puis recommencez.`
        : `Vous avez coché plus de ${max} factures : une archive ZIP en contient ${max} au plus. Téléchargez-les en plusieurs fois.`,
    );
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
    reply
      .header("content-type", "application/zip")
      .header(
        "content-disposition",
        contentDisposition({
          ascii: `factures_${site.tenant.slug}_${date}.zip`,
          utf8: `factures_${site.tenant.slug}_${date}.zip`,
        }),
      )
      .header("cache-control", NO_STORE)
      .header("x-content-type-options", "nosniff");
    if (zip.sizeBytes !== undefined) reply.header("content-length", String(zip.sizeBytes));
    return reply.send(zip.stream);
  }
}
