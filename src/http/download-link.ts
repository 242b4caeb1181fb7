import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/**
 * DOWNLOAD_OFFLOAD=nginx-signed: the short-lived link nginx checks itself (`secure_link`, docs/deploy/nginx.conf)
 * and serves with sendfile, so that the bytes of a download cost the portal nothing once it has authorised it.
 */
export const SIGNED_LINK_PREFIX = "/_efacture/dl/";

/**
 * How long a link is valid. The browser follows the 303 at once (milliseconds); 30 s leaves room for the clock
 * of nginx's machine to lag the portal's by a few seconds and for a slow connection, and bounds how long a link
 * that leaked (a proxy's log, the history) is worth anything — to someone who also holds the session cookie
 * it is bound to, who could ask the portal for a fresh one anyway.
 */
export const SIGNED_LINK_SECONDS = 30;

/**
 * How long a link signed into a page (the list's icon, the detail page's PDF button) is valid: 10 minutes.
 * A page stays open while the customer reads it, so 30 s would send most clicks back through the portal; an
 * expired link is harmless anyway (nginx answers it with a 303 to `/factures/<id>/pdf`, which authorises
 * again), so the validity only trades hops against the revocation window. That window — a link keeps working
 * after a logout, an account closure or a withdrawal for at most this long — is small: the links are made
 * only for invoices the account already downloaded (it holds the file), they work only with the session cookie
 * they were made for (a logged-out browser no longer sends it; only someone who copied the cookie value could
 * use one), and 10 minutes is a third of the session's idle timeout (CUSTOMER_IDLE_SECONDS, 30 min), so a link
 * never outlives the natural expiry of the session that rendered its page.
 */
export const PAGE_LINK_SECONDS = 10 * 60;

/** The one line of DOWNLOAD_LINK_SECRET_FILE, which nginx includes as it is. */
const SECRET_LINE = /^\s*set\s+\$efacture_link_secret\s+"([A-Za-z0-9]{32,256})"\s*;\s*$/;

/**
 * The secret of DOWNLOAD_LINK_SECRET_FILE. Throws (the process does not start) when the file cannot be read or
 * is not exactly that one line (comments and blank lines aside); the message never quotes the file's content.
 */
export function readLinkSecret(file: string): string {
  let content: string;
  try {
    content = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(
      `DOWNLOAD_LINK_SECRET_FILE ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  const lines = content.split("\n").filter((line) => line.trim() !== "" && !line.trim().startsWith("#"));
  const match = lines.length === 1 ? SECRET_LINE.exec(lines[0]!) : null;
  if (!match)
    throw new Error(
      `DOWNLOAD_LINK_SECRET_FILE ${file}: expected one line \`set $efacture_link_secret "<32 or more letters or digits>";\` (docs/deploy/nginx.conf)`,
    );
  return match[1]!;
}

/**
 * The session cookie as sent, picked exactly as nginx's `map $http_cookie $efacture_link_session` does (same
 * expressions, same order: the `__Host-` cookie of production first). "" when there is none.
 */
export function linkSessionOf(cookieHeader: string | undefined): string {
  if (!cookieHeader) return "";
  for (const pattern of [/(?:^|; *)__Host-efacture-session=([^;]+)/, /(?:^|; *)efacture-session=([^;]+)/]) {
    const match = pattern.exec(cookieHeader);
    if (match) return match[1]!;
  }
  return "";
}

/**
 * The session cookie as nginx will read it (`linkSessionOf`), when it is the one the portal authorised the
 * request with (`parsed`, the cookie plugin's value: percent-decoded); undefined otherwise (no cookie, or two
 * cookies nginx and the portal would pick differently), and then no link is made.
 */
export function authorisedLinkSession(
  cookieHeader: string | undefined,
  parsed: string | undefined,
): string | undefined {
  const raw = linkSessionOf(cookieHeader);
  if (!raw || parsed === undefined) return undefined;
  if (raw === parsed) return raw;
  try {
    return decodeURIComponent(raw) === parsed ? raw : undefined;
  } catch {
    return undefined;
  }
}

/** The RFC 5987 value (`filename*=UTF-8''…`) of a server-made name. */
export function rfc5987(utf8: string): string {
  return encodeURIComponent(utf8).replace(
    /['()*!]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export interface LinkTarget {
  sha256: string;
  /** The server-made ASCII name (`filename="…"`): letters, digits, `.`, `-`, `_`, ending in `.pdf`. */
  asciiName: string;
  /** The RFC 5987 value of the UTF-8 name (`filename*=UTF-8''…`): already percent-encoded. */
  encodedName: string;
  /** The session cookie as nginx will see it (`linkSessionOf`). */
  session: string;
}

const SHA256 = /^[0-9a-f]{64}$/;
/** The invoice id in a page link: the strict lower-case UUID nginx's location matches (never anything else). */
const INVOICE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ASCII_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.pdf$/;
const ENCODED_NAME = /^(?:[A-Za-z0-9._~-]|%[0-9A-F]{2}){1,2000}$/;

/** nginx's `secure_link_md5` of docs/deploy/nginx.conf, base64url without padding. */
export function linkSignature(
  secret: string,
  expires: number,
  uri: string,
  encodedName: string,
  session: string,
) {
  return createHash("md5")
    .update(`${expires}|${uri}|${encodedName}|${session}|${secret}`)
    .digest("base64url");
}

/**
 * The signed link for `target`, valid SIGNED_LINK_SECONDS from `now`; undefined when a part could not be
 * matched by nginx's location as it is (then the portal streams the file itself).
 */
export function signedDownloadLink(secret: string, target: LinkTarget, now = Date.now()): string | undefined {
  return signLink(secret, target, `${target.sha256}/${target.asciiName}`, SIGNED_LINK_SECONDS, now);
}

/** The link to `path` under SIGNED_LINK_PREFIX, signed for `target`, valid `seconds`; undefined when a part is off. */
function signLink(
  secret: string,
  target: LinkTarget,
  pathPart: string,
  seconds: number,
  now: number,
): string | undefined {
  if (
    !SHA256.test(target.sha256) ||
    !ASCII_NAME.test(target.asciiName) ||
    !ENCODED_NAME.test(target.encodedName) ||
    target.session === ""
  )
    return undefined;
  const expires = Math.floor(now / 1000) + seconds;
  const uri = `${SIGNED_LINK_PREFIX}${pathPart}`;
  const md5 = linkSignature(secret, expires, uri, target.encodedName, target.session);
  return `${uri}?name=${target.encodedName}&expires=${expires}&md5=${md5}`;
}

/**
 * The link signed into a page the portal rendered for this session (PAGE_LINK_SECONDS from `now`):
 *   /_efacture/dl/<sha256>/<invoice id>/<server-made name>.pdf?name=…&expires=…&md5=…
 * The same signature as `signedDownloadLink` (the id is in the signed path); the id tells nginx where to send
 * the browser when the check fails (expired, tampered, another session): a 303 to `/factures/<id>/pdf`, the
 * portal's route, which authorises again (docs/deploy/nginx.conf). Undefined when a part could not be matched
 * by nginx's location (then the page keeps the portal's route).
 */
export function signedPageLink(
  secret: string,
  target: LinkTarget & { invoiceId: string },
  now = Date.now(),
): string | undefined {
  if (!INVOICE_ID.test(target.invoiceId)) return undefined;
  const pathPart = `${target.sha256}/${target.invoiceId}/${target.asciiName}`;
  return signLink(secret, target, pathPart, PAGE_LINK_SECONDS, now);
}
