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
  if (
    !SHA256.test(target.sha256) ||
    !ASCII_NAME.test(target.asciiName) ||
    !ENCODED_NAME.test(target.encodedName) ||
    target.session === ""
  )
    return undefined;
  const expires = Math.floor(now / 1000) + SIGNED_LINK_SECONDS;
  const uri = `${SIGNED_LINK_PREFIX}${target.sha256}/${target.asciiName}`;
  const md5 = linkSignature(secret, expires, uri, target.encodedName, target.session);
  return `${uri}?name=${target.encodedName}&expires=${expires}&md5=${md5}`;
}
