import { createHash } from "node:crypto";
import { type Readable, Transform, type TransformCallback } from "node:stream";
import { appendAudit } from "../../db/audit.repository.js";
import type { Database } from "../../db/database.js";
import { countThrottle } from "../../db/throttles.repository.js";
import type { BlobStore } from "../../storage/blob-store.js";
import { queueIntegrityAlert } from "../mail/integrity-alert.js";
import type { JobSender } from "../shared/jobs.js";

/** What the database says the stored bytes are. */
export interface ExpectedBlob {
  sha256: string;
  sizeBytes: number;
}

export type IntegrityProblem = "missing" | "size_mismatch" | "hash_mismatch";

/**
 * The stored bytes are not the bytes the issuer published (CGI art. 289 V, docs/security.md F3). A fault of the
 * platform, not a rule the customer broke: deliberately not a DomainError, so it can only surface as a 500.
 */
export class BlobIntegrityError extends Error {
  readonly code = "integrity_failed";
  /** Set once the alert was raised, so one failure is reported once. */
  reported = false;

  constructor(
    readonly problem: IntegrityProblem,
    readonly expected: ExpectedBlob,
    readonly actual: { sha256?: string; sizeBytes?: number },
  ) {
    super(`The stored file does not match its SHA-256 (${problem}): it is not served.`);
    this.name = "BlobIntegrityError";
  }
}

/** Hashes the stored blob as a stream (never whole in memory); undefined when it is absent. */
export async function hashBlob(blobs: BlobStore, sha256: string): Promise<ExpectedBlob | undefined> {
  const stream = await blobs.open(sha256);
  if (!stream) return undefined;
  const hash = createHash("sha256");
  let sizeBytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    sizeBytes += chunk.byteLength;
  }
  return { sha256: hash.digest("hex"), sizeBytes };
}

/**
 * First pass of a download: the whole blob is read and hashed before a byte is sent, so a corrupt
 * or missing file is answered with an error page instead of a half-sent download. Throws BlobIntegrityError.
 */
export async function checkBlob(blobs: BlobStore, expected: ExpectedBlob): Promise<void> {
  const actual = await hashBlob(blobs, expected.sha256);
  if (!actual) throw new BlobIntegrityError("missing", expected, {});
  if (actual.sizeBytes !== expected.sizeBytes)
    throw new BlobIntegrityError("size_mismatch", expected, actual);
  if (actual.sha256 !== expected.sha256) throw new BlobIntegrityError("hash_mismatch", expected, actual);
}

/**
 * A stream of the stored bytes that checks them on the way: it holds back its last chunk until the
 * size and SHA-256 are confirmed, and fails instead of ending when they differ, so a reader never
 * gets a complete file that is not the published one (the second line of defence after checkBlob).
 */
export async function openVerifiedBlob(blobs: BlobStore, expected: ExpectedBlob): Promise<Readable> {
  const source = await blobs.open(expected.sha256);
  if (!source) throw new BlobIntegrityError("missing", expected, {});
  const verifier = new VerifyingStream(expected);
  source.on("error", (error) => verifier.destroy(error));
  return source.pipe(verifier);
}

class VerifyingStream extends Transform {
  private readonly hash = createHash("sha256");
  private sizeBytes = 0;
  private held: Buffer | undefined;

  constructor(private readonly expected: ExpectedBlob) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.sizeBytes += chunk.byteLength;
    if (this.sizeBytes > this.expected.sizeBytes) {
      done(new BlobIntegrityError("size_mismatch", this.expected, { sizeBytes: this.sizeBytes }));
      return;
    }
    const previous = this.held;
    this.held = chunk;
    done(null, previous);
  }

  override _flush(done: TransformCallback): void {
    const actual = { sha256: this.hash.digest("hex"), sizeBytes: this.sizeBytes };
    if (actual.sizeBytes !== this.expected.sizeBytes)
      done(new BlobIntegrityError("size_mismatch", this.expected, actual));
    else if (actual.sha256 !== this.expected.sha256)
      done(new BlobIntegrityError("hash_mismatch", this.expected, actual));
    else done(null, this.held);
  }
}

export interface IntegrityAlert {
  tenantId: string;
  invoiceId: string;
  accountId?: string;
  ip?: string;
  /** Where it was caught: single download, XML extraction, ZIP, proof bundle or the compliance check. */
  during: "pdf" | "xml" | "zip" | "proof" | "validation" | "transmission";
  error: BlobIntegrityError;
}

/**
 * Raises an integrity failure: an error-level log line for the operators, an audit entry `integrity.failed`
 * and, when OPERATOR_EMAIL is configured, the operator alert mail (one per damaged file and hour).
 */
export async function reportIntegrityFailure(
  deps: {
    db: Database;
    logger: { error(object: Record<string, unknown>, message: string): void };
    queue?: JobSender;
    operatorEmail?: string;
  },
  alert: IntegrityAlert,
): Promise<void> {
  const details = {
    problem: alert.error.problem,
    during: alert.during,
    expectedSha256: alert.error.expected.sha256,
    expectedSizeBytes: alert.error.expected.sizeBytes,
    actualSha256: alert.error.actual.sha256 ?? null,
    actualSizeBytes: alert.error.actual.sizeBytes ?? null,
  };
  alert.error.reported = true;
  deps.logger.error(
    {
      event: "integrity.failed",
      tenant: alert.tenantId,
      invoice: alert.invoiceId,
      account: alert.accountId,
      ...details,
    },
    "stored invoice file does not match its SHA-256",
  );
  await deps.db.transaction((tx) =>
    appendAudit(tx, {
      tenantId: alert.tenantId,
      actorType: "system",
      action: "integrity.failed",
      targetType: "invoice",
      targetId: alert.invoiceId,
      ip: alert.ip ?? null,
      details: { ...details, accountId: alert.accountId ?? null },
    }),
  );
  if (!deps.queue || !deps.operatorEmail) return;
  // One mail per damaged file and hour: each customer retrying the download would otherwise send one more
  // (every failure is still logged and audited above).
  const now = new Date();
  const { count } = await countThrottle(
    deps.db,
    alert.tenantId,
    `integrity-alert:${details.expectedSha256}`,
    now,
    new Date(now.getTime() - ALERT_EVERY_MS),
    () => 0,
  );
  if (count > 1) return;
  await queueIntegrityAlert(deps.db, deps.queue, deps.operatorEmail, {
    source: "download",
    lines: [
      `tenant ${alert.tenantId}, invoice ${alert.invoiceId}: stored file ${alert.error.problem} (${alert.during}); expected SHA-256 ${details.expectedSha256}, got ${details.actualSha256 ?? "nothing"}`,
      "Further failures of this file within the hour are logged and audited (integrity.failed), not mailed.",
    ],
  });
}

/** At most one operator mail per damaged file in this time. */
const ALERT_EVERY_MS = 60 * 60 * 1000;

/** What serving a stored invoice file needs: the store, and where to raise an integrity failure. */
export interface IntegrityDeps {
  blobs: BlobStore;
  db: Database;
  logger: { error(object: Record<string, unknown>, message: string): void };
  queue?: JobSender;
  operatorEmail?: string;
}

/** Whose file is served, and for what: the alert's subject (the error is added when one occurs). */
export type IntegritySubject = Omit<IntegrityAlert, "error">;

/**
 * The one way a stored invoice file is served (PDF download and preview, ZIP entry, proof bundle): the whole
 * file is hashed first (`checkBlob`: a corrupt or missing file is refused before a byte is sent), then
 * `beforeOpen` runs (a ZIP records its downloads there), then a stream opens that hashes the bytes again on
 * their way out (`openVerifiedBlob`). A mismatch on either pass is reported once (`reportIntegrityFailure`)
 * and surfaces as a BlobIntegrityError: thrown here, or as the stream's error. `open: false` stops after the
 * first pass (the proof bundle reads the file itself).
 */
export async function readVerifiedBlob(
  deps: IntegrityDeps,
  expected: ExpectedBlob,
  subject: IntegritySubject,
  options?: { beforeOpen?: () => Promise<void> },
): Promise<Readable>;
export async function readVerifiedBlob(
  deps: IntegrityDeps,
  expected: ExpectedBlob,
  subject: IntegritySubject,
  options: { open: false },
): Promise<undefined>;
export async function readVerifiedBlob(
  deps: IntegrityDeps,
  expected: ExpectedBlob,
  subject: IntegritySubject,
  options: { beforeOpen?: () => Promise<void>; open?: false } = {},
): Promise<Readable | undefined> {
  const report = (error: BlobIntegrityError) =>
    error.reported ? Promise.resolve() : reportIntegrityFailure(deps, { ...subject, error });
  try {
    await checkBlob(deps.blobs, expected);
  } catch (error) {
    if (error instanceof BlobIntegrityError) await report(error);
    throw error;
  }
  if (options.open === false) return undefined;
  await options.beforeOpen?.();
  let stream: Readable;
  try {
    stream = await openVerifiedBlob(deps.blobs, expected);
  } catch (error) {
    if (error instanceof BlobIntegrityError) await report(error);
    throw error;
  }
  // The second pass fails the stream before its last chunk when the file changed between the two reads.
  stream.on("error", (error) => {
    if (error instanceof BlobIntegrityError)
      report(error).catch((e) => deps.logger.error({ err: e }, "integrity alert failed"));
  });
  return stream;
}

/** The whole stored file in memory, through readVerifiedBlob (for the rules' check and the PA transmission). */
export async function readVerifiedBytes(
  deps: IntegrityDeps,
  expected: ExpectedBlob,
  subject: IntegritySubject,
): Promise<Uint8Array> {
  const stream = await readVerifiedBlob(deps, expected, subject);
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}
