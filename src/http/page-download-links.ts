import type { Services } from "../app.js";
import { invoiceFileName } from "../domain/invoices/invoice-file-name.js";
import type { CustomerAuth } from "./customer-auth.js";
import { authorisedLinkSession, readLinkSecret, rfc5987, signedPageLink } from "./download-link.js";
import type { TenantRequest } from "./tenant-scope.js";

/** What a page knows of an invoice to sign its download link (a list row or the detail page's row). */
export interface PageLinkInvoice {
  id: string;
  sha256?: string;
  invoiceNumber: string;
  issueDate: string;
  sellerName?: string | null;
  firstDownloadedAt: Date | null;
  removedAt: Date | null;
  withdrawnAt?: Date | null;
}

/** The signed link of one invoice of the page, or undefined (then the page links the portal's route). */
export type PageLinkSigner = (invoice: PageLinkInvoice) => string | undefined;

/**
 * DOWNLOAD_OFFLOAD=nginx-signed with the filesystem store: the list and detail pages carry, for an invoice the
 * account already downloaded, the link nginx checks and serves itself (one hop instead of the portal's
 * authorising 303 and then nginx). The page was authorised (session, account, tenant) and the invoice read
 * for this account; a download of an invoice already downloaded records nothing (`recordDownload` records
 * only the first), so skipping the portal loses no record. A first download keeps the portal route: it is
 * recorded there (lifecycle 204, audit) before nginx sends a byte.
 *
 * Made once per route set: undefined when links cannot be signed (another mode, or an object store, whose
 * offload is a presigned URL the portal makes per download). The secret is read once, here, as by the download
 * routes, and stays in this closure.
 */
export function pageDownloadLinks(
  services: Services,
  auth: CustomerAuth,
): ((request: TenantRequest) => PageLinkSigner | undefined) | undefined {
  const { config } = services;
  if (
    config.downloadOffload !== "nginx-signed" ||
    !config.downloadLinkSecretFile ||
    config.blobStore.kind !== "file" ||
    !services.blobs.offload
  )
    return undefined;
  const secret = readLinkSecret(config.downloadLinkSecretFile);
  return (request) => {
    // Only a page that came through the nginx of docs/deploy (it marks every request it forwards): reached
    // otherwise, nothing would serve /_efacture/dl/, so the page keeps the portal's route.
    if (request.headers["x-efacture-offload"] !== "available") return undefined;
    // Bound to the session cookie nginx will read, which must be the one this page was authorised with.
    const session = authorisedLinkSession(request.headers.cookie, auth.readSessionCookie(request));
    if (!session) return undefined;
    const issuer = request.tenant.displayName;
    const now = Date.now();
    return (invoice) => {
      if (!invoice.firstDownloadedAt || invoice.removedAt || invoice.withdrawnAt || !invoice.sha256)
        return undefined;
      const name = invoiceFileName(
        {
          issuer: invoice.sellerName ?? issuer,
          invoiceNumber: invoice.invoiceNumber,
          issueDate: invoice.issueDate,
        },
        "pdf",
      );
      return signedPageLink(
        secret,
        {
          sha256: invoice.sha256,
          invoiceId: invoice.id,
          asciiName: name.ascii,
          encodedName: rfc5987(name.utf8),
          session,
        },
        now,
      );
    };
  };
}
