import { isIP } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The whole configuration, read once from the environment and frozen. */
export interface Config {
  readonly nodeEnv: "development" | "production" | "test";
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** Unset: embedded PGlite under `dataDir/db`. */
  readonly databaseUrl: string | undefined;
  /** PostgreSQL schema holding our tables (pg-boss uses `<schema>_boss`, or `pgboss` for public). */
  readonly databaseSchema: string;
  readonly publicBaseUrl: URL;
  /** Unset: mails are written to `dataDir/outbox` (outside production). */
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  readonly demo: boolean;
  readonly logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  readonly maxPdfBytes: number;
  readonly mailRetryLimit: number;
  readonly mailRetryDelaySeconds: number;
  /** A send-mail job still `active` after this long (its worker died) is failed and retried by maintenance. */
  readonly mailJobExpireSeconds: number;
  /** How often pg-boss maintenance looks for expired `active` jobs (a dead worker's). */
  readonly jobMaintenanceIntervalSeconds: number;
  readonly operatorEmail: string | undefined;
  /** How long new invoices of an active account are gathered before one digest mail is sent. */
  readonly noticeDelaySeconds: number;
  /** Signs cookies (CSRF). Required in production; otherwise generated once under DATA_DIR/secrets. */
  readonly sessionSecret: string | undefined;
  /** Ed25519 private key (PEM PKCS#8) sealing the audit chains; unset: generated once under DATA_DIR/secrets. */
  readonly sealPrivateKeyFile: string | undefined;
  /** PEM file of the public halves of earlier sealing keys: their seals still verify after a key change. */
  readonly sealRetiredPublicKeysFile: string | undefined;
  /** RFC 3161 timestamp authority for the daily seals; unset: seals are signed only. */
  readonly tsaUrl: URL | undefined;
  /** A running web or worker process exits (code 1, for its supervisor) when the database stays unreachable this long. */
  readonly databaseOutageLimitSeconds: number;
  /**
   * Which peers may tell the client's address in X-Forwarded-For: a hop count, or the proxies' IPs/CIDRs.
   * Unset: nobody; the socket's peer is the client.
   */
  readonly trustedProxies: number | readonly string[] | undefined;
  /**
   * Who sends the bytes of a single PDF download (docs/deploy/nginx.conf): `off` (default) the portal streams
   * them with its SHA-256 check; `nginx` the portal authorises and records the download, then answers
   * `X-Accel-Redirect` and nginx sends the file (filesystem store) or proxies the object store's presigned URL;
   * `nginx-signed` the portal authorises and records the download, then redirects (303) to a link valid 30 s
   * that nginx checks itself (`secure_link`, keyed by DOWNLOAD_LINK_SECRET_FILE) and serves from the
   * filesystem store with sendfile (an object store: as `nginx`).
   */
  readonly downloadOffload: "off" | "nginx" | "nginx-signed";
  /**
   * DOWNLOAD_LINK_SECRET_FILE (required with DOWNLOAD_OFFLOAD=nginx-signed): the file nginx includes too,
   * `set $efacture_link_secret "<at least 32 letters or digits>";`. Only its path is kept here.
   */
  readonly downloadLinkSecretFile: string | undefined;
  /** Where the originals are kept: BLOB_STORE (unset: DATA_DIR/blobs) with S3_* and AWS_* for an object store. */
  readonly blobStore: BlobStoreSetting;
  /** S3_* and AWS_* as given, for `efacture blobs migrate --to s3://…` (parsed with parseBlobStore). */
  readonly blobStoreEnv: Readonly<Record<string, string | undefined>>;
}

// --- Blob store (BLOB_STORE, S3_ENDPOINT, S3_REGION, S3_FORCE_PATH_STYLE, AWS_*) -------------------------

/** A folder of this machine (or a shared mount), or a bucket and prefix of an S3-compatible store. */
export type BlobStoreSetting =
  | { readonly kind: "file"; readonly root: string; readonly identity: string }
  | {
      readonly kind: "s3";
      readonly bucket: string;
      /** Without leading or trailing slash; "" for the bucket's root. */
      readonly prefix: string;
      /** Unset: AWS itself. */
      readonly endpoint: string | undefined;
      readonly region: string;
      readonly forcePathStyle: boolean;
      /** Unset: the AWS SDK's default chain (profile, instance or pod role). */
      readonly credentials:
        | { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string }
        | undefined;
      /** `s3://bucket/prefix`: what the database records as the active store. */
      readonly identity: string;
    };

const BLOB_STORE_VARIABLES = [
  "S3_ENDPOINT",
  "S3_REGION",
  "S3_FORCE_PATH_STYLE",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
] as const;

const BLOB_STORE_EXPECTED = "file:///absolute/path or s3://bucket/prefix";

/**
 * Parses a BLOB_STORE value (the variable, or `efacture blobs migrate --to`); `variable` names it in errors.
 * Unset: DATA_DIR/blobs. An s3:// store takes S3_REGION (required), S3_ENDPOINT (unset: AWS),
 * S3_FORCE_PATH_STYLE (default 1, what Ceph RGW, Garage, MinIO and s3rver expect) and the AWS_* credentials.
 */
export function parseBlobStore(
  raw: string | undefined,
  env: Env,
  dataDir: string,
  variable = "BLOB_STORE",
): BlobStoreSetting {
  const value = raw?.trim();
  if (!value) {
    const root = path.join(dataDir, "blobs");
    return { kind: "file", root, identity: `file://${root}` };
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(variable, BLOB_STORE_EXPECTED, redact(value));
  }
  if (parsed.protocol === "file:") {
    if (parsed.host !== "" || parsed.search || parsed.hash)
      throw new ConfigError(variable, "file:///absolute/path (three slashes, no host)", value);
    const root = path.resolve(fileURLToPath(parsed));
    return { kind: "file", root, identity: `file://${root}` };
  }
  if (parsed.protocol !== "s3:") throw new ConfigError(variable, BLOB_STORE_EXPECTED, redact(value));
  if (parsed.username || parsed.password)
    throw new ConfigError(
      variable,
      "s3://bucket/prefix without credentials (use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
      redact(value),
    );
  const bucket = parsed.hostname;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes(".."))
    throw new ConfigError(
      variable,
      "s3://bucket/prefix with a bucket name of 3 to 63 lower-case letters, digits, dots or hyphens",
      value,
    );
  // Checked on the text as typed: the URL parser resolves "a/../b" to "b" silently.
  const dotSegment = /(^|\/)\.\.?(\/|$)/.test(value.replace(/^s3:\/\/[^/]*/i, ""));
  const prefix = decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, "");
  if (
    dotSegment ||
    parsed.port ||
    parsed.search ||
    parsed.hash ||
    !/^[A-Za-z0-9._\-/]{0,200}$/.test(prefix) ||
    prefix.split("/").some((p) => p === "." || p === ".." || (prefix && p === ""))
  )
    throw new ConfigError(
      variable,
      "s3://bucket/prefix with a prefix of letters, digits, . _ - and single slashes",
      value,
    );
  const region = text(env, "S3_REGION");
  if (!region || !/^[A-Za-z0-9-]{1,64}$/.test(region))
    throw new ConfigError(
      "S3_REGION",
      `the object store's region (e.g. eu-west-3, garage, us-east-1) with ${variable}=s3://…`,
      region,
    );
  const endpoint = url(env, "S3_ENDPOINT", ["http:", "https:"]);
  if (endpoint && (endpoint.username || endpoint.search || endpoint.hash))
    throw new ConfigError(
      "S3_ENDPOINT",
      "the store's base URL such as https://s3.example.net (no credentials)",
      redact(endpoint.toString()),
    );
  const accessKeyId = text(env, "AWS_ACCESS_KEY_ID");
  const secretAccessKey = text(env, "AWS_SECRET_ACCESS_KEY");
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined))
    throw new ConfigError(
      accessKeyId === undefined ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
      "set together with its pair (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or neither for the SDK's default chain",
      undefined,
    );
  const sessionToken = text(env, "AWS_SESSION_TOKEN");
  return {
    kind: "s3",
    bucket,
    prefix,
    endpoint: endpoint?.toString().replace(/\/$/, ""),
    region,
    forcePathStyle: oneOf(env, "S3_FORCE_PATH_STYLE", ["0", "1"] as const, "1") === "1",
    credentials:
      accessKeyId && secretAccessKey
        ? { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }
        : undefined,
    identity: `s3://${bucket}/${prefix}`,
  };
}

/** A configuration mistake: names the variable and what is expected, in one line. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
    readonly got: string | undefined,
  ) {
    super(`${variable}: expected ${expected}${got === undefined ? "" : `, got "${got}"`}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `an integer between ${min} and ${max}`, raw);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `an integer between ${min} and ${max}`, raw);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw))
    throw new ConfigError(name, `one of ${allowed.join(", ")}`, raw);
  return raw as T;
}

function url(env: Env, name: string, protocols: readonly string[]): URL | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `a URL (${protocols.join(" or ")})`, redact(raw));
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `a URL starting with ${protocols.join(" or ")}`, redact(raw));
  }
  return parsed;
}

/** Never echo a password embedded in a URL back into a terminal or a log. */
function redact(raw: string): string {
  return raw.replace(/\/\/([^:/@]+):[^@/]*@/, "//$1:***@");
}

const TRUSTED_PROXIES_EXPECTED =
  "a hop count (e.g. 1) or a comma-separated list of IP addresses or CIDR ranges (e.g. 127.0.0.1,10.0.0.0/8,::1)";

/** Unset, empty or 0: trust nobody. Anything else must parse entirely: a typo must not widen the trust. */
function trustedProxies(env: Env): number | readonly string[] | undefined {
  const raw = text(env, "TRUSTED_PROXIES");
  if (raw === undefined) return undefined;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 10) throw new ConfigError("TRUSTED_PROXIES", TRUSTED_PROXIES_EXPECTED, raw);
    return hops === 0 ? undefined : hops;
  }
  const entries = raw.split(",").map((entry) => entry.trim());
  for (const entry of entries) {
    const [address = "", prefix, ...rest] = entry.split("/");
    const family = isIP(address);
    const prefixOk =
      prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (family === 0 || address.includes("%") || !prefixOk || rest.length > 0)
      throw new ConfigError("TRUSTED_PROXIES", TRUSTED_PROXIES_EXPECTED, raw.slice(0, 200));
  }
  return Object.freeze(entries);
}

const EMAIL = /^[^\s@<>]+@[^\s@<>.][^\s@<>]*$/;

/** Reads and validates the configuration; throws a ConfigError naming the first wrong variable. */
export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = oneOf(env, "NODE_ENV", ["development", "production", "test"] as const, "development");
  const production = nodeEnv === "production";

  // Unset: this machine on the listening port, so links work with `PORT=3999 npm start` (PORT=0 picks a port at
  // listen time: the links then keep 3000).
  const port = integer(env, "PORT", 3000, 0, 65535);
  const publicBaseUrl =
    url(env, "PUBLIC_BASE_URL", ["http:", "https:"]) ?? new URL(`http://localhost:${port || 3000}`);
  if (
    publicBaseUrl.pathname !== "/" ||
    publicBaseUrl.search ||
    publicBaseUrl.hash ||
    publicBaseUrl.username
  ) {
    throw new ConfigError(
      "PUBLIC_BASE_URL",
      "a bare origin such as https://e-facture.example",
      env.PUBLIC_BASE_URL,
    );
  }
  if (production && publicBaseUrl.protocol !== "https:") {
    throw new ConfigError("PUBLIC_BASE_URL", "an https:// URL when NODE_ENV=production", env.PUBLIC_BASE_URL);
  }

  const databaseUrl = url(env, "DATABASE_URL", ["postgres:", "postgresql:"])?.toString();
  const databaseSchema = text(env, "DATABASE_SCHEMA") ?? "public";
  if (!/^[a-z_][a-z0-9_]{0,50}$/.test(databaseSchema)) {
    throw new ConfigError("DATABASE_SCHEMA", "a lower-case SQL identifier such as public", databaseSchema);
  }
  const smtpUrl = url(env, "SMTP_URL", ["smtp:", "smtps:"])?.toString();
  if (production && !smtpUrl)
    throw new ConfigError("SMTP_URL", "an smtp:// or smtps:// URL when NODE_ENV=production", undefined);

  const mailFrom = text(env, "MAIL_FROM") ?? `E-FACTURE <no-reply@${publicBaseUrl.hostname}>`;
  const fromAddress = /<([^>]+)>\s*$/.exec(mailFrom)?.[1] ?? mailFrom;
  if (!EMAIL.test(fromAddress))
    throw new ConfigError("MAIL_FROM", 'an address such as "E-FACTURE <no-reply@example.com>"', mailFrom);

  const operatorEmail = text(env, "OPERATOR_EMAIL");
  if (operatorEmail !== undefined && !EMAIL.test(operatorEmail)) {
    throw new ConfigError("OPERATOR_EMAIL", "an e-mail address", operatorEmail);
  }

  const sessionSecret = text(env, "SESSION_SECRET");
  if (sessionSecret !== undefined && sessionSecret.length < 32) {
    throw new ConfigError(
      "SESSION_SECRET",
      "at least 32 random characters (e.g. openssl rand -hex 32)",
      "***",
    );
  }
  if (production && sessionSecret === undefined) {
    throw new ConfigError(
      "SESSION_SECRET",
      "at least 32 random characters when NODE_ENV=production",
      undefined,
    );
  }

  const downloadOffload = oneOf(env, "DOWNLOAD_OFFLOAD", ["off", "nginx", "nginx-signed"] as const, "off");
  const linkSecretFile = text(env, "DOWNLOAD_LINK_SECRET_FILE");
  const downloadLinkSecretFile = linkSecretFile && path.resolve(linkSecretFile);
  if (downloadOffload === "nginx-signed" && !downloadLinkSecretFile)
    throw new ConfigError(
      "DOWNLOAD_LINK_SECRET_FILE",
      "the file of the download links' secret (docs/deploy/nginx.conf) when DOWNLOAD_OFFLOAD=nginx-signed",
      undefined,
    );

  const demoRaw = oneOf(env, "EFACTURE_DEMO", ["0", "1"] as const, production ? "0" : "1");

  return Object.freeze({
    nodeEnv,
    production,
    port,
    host: text(env, "HOST") ?? (production ? "0.0.0.0" : "127.0.0.1"),
    dataDir: path.resolve(text(env, "DATA_DIR") ?? "./data"),
    databaseUrl,
    databaseSchema,
    publicBaseUrl,
    smtpUrl,
    mailFrom,
    demo: !production && demoRaw === "1",
    logLevel: oneOf(
      env,
      "LOG_LEVEL",
      ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const,
      nodeEnv === "test" ? "silent" : "info",
    ),
    maxPdfBytes: integer(env, "MAX_PDF_BYTES", 20 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    mailRetryLimit: integer(env, "MAIL_RETRY_LIMIT", 12, 0, 100),
    mailRetryDelaySeconds: integer(env, "MAIL_RETRY_DELAY_SECONDS", 30, 1, 86_400),
    mailJobExpireSeconds: integer(env, "MAIL_JOB_EXPIRE_SECONDS", 120, 5, 3600),
    jobMaintenanceIntervalSeconds: integer(env, "JOB_MAINTENANCE_INTERVAL_SECONDS", 30, 1, 3600),
    operatorEmail,
    noticeDelaySeconds: integer(env, "NOTICE_DELAY_SECONDS", 600, 0, 86_400),
    sessionSecret,
    sealPrivateKeyFile:
      text(env, "SEAL_PRIVATE_KEY_FILE") && path.resolve(text(env, "SEAL_PRIVATE_KEY_FILE")!),
    sealRetiredPublicKeysFile:
      text(env, "SEAL_RETIRED_PUBLIC_KEYS_FILE") && path.resolve(text(env, "SEAL_RETIRED_PUBLIC_KEYS_FILE")!),
    tsaUrl: url(env, "TSA_URL", ["http:", "https:"]),
    databaseOutageLimitSeconds: integer(env, "DATABASE_OUTAGE_LIMIT_SECONDS", 300, 5, 86_400),
    trustedProxies: trustedProxies(env),
    downloadOffload,
    downloadLinkSecretFile,
    blobStoreEnv: Object.freeze(Object.fromEntries(BLOB_STORE_VARIABLES.map((name) => [name, env[name]]))),
    blobStore: parseBlobStore(text(env, "BLOB_STORE"), env, path.resolve(text(env, "DATA_DIR") ?? "./data")),
  });
}
