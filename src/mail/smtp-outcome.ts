/**
 * Whether a failed SMTP send may still have reached the server (README "Fiabilité").
 *
 * Safe to retry — the server cannot hold the message: it answered with a refusal (a 4xx/5xx reply
 * code: nothing was accepted), the connection was never made (refused, DNS, TLS, connect or greeting
 * timeout), the login or the envelope failed, or the message could not be built. Anything else (the
 * connection dropped or timed out once the session was open, an unknown error) may have happened after
 * the server accepted the DATA — nodemailer tags socket errors `CONN` whatever the phase — so the
 * mail is treated as possibly delivered and not resent.
 */
const NEVER_CONNECTED = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
]);
const BEFORE_DATA_CODES = new Set([
  "EDNS",
  "ETLS",
  "EAUTH",
  "ENOAUTH",
  "EOAUTH2",
  "EENVELOPE",
  "EREQUIRETLS",
  "ECONFIG",
  "EMAXRECIPIENTS",
]);
const SETUP_TIMEOUTS = new Set(["CONNECT_TIMEOUT", "GREETING_TIMEOUT", "UPGRADE_TIMEOUT"]);

export function mayHaveBeenHandedOver(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return true;
  const e = error as {
    responseCode?: unknown;
    code?: unknown;
    originalCode?: unknown;
    timeoutType?: unknown;
    command?: unknown;
    notHandedOver?: unknown;
  };
  if (e.notHandedOver === true) return false;
  if (typeof e.responseCode === "number" && e.responseCode >= 400) return false;
  if (typeof e.originalCode === "string" && NEVER_CONNECTED.has(e.originalCode)) return false;
  if (typeof e.code === "string" && NEVER_CONNECTED.has(e.code)) return false;
  if (typeof e.code === "string" && BEFORE_DATA_CODES.has(e.code)) return false;
  if (typeof e.timeoutType === "string" && SETUP_TIMEOUTS.has(e.timeoutType)) return false;
  // Raised by nodemailer before the message leaves (`API`: empty message, destroyed connection...).
  if (e.command === "API") return false;
  return true;
}
