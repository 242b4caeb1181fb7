import { createHash } from "node:crypto";
import {
  type AuditEntryRow,
  type AuditSealRow,
  findChainHead,
  findCoveringSeal,
  listAuditEntries,
  listAuditEntriesForTarget,
} from "../../db/audit-seals.repository.js";
import type { Database } from "../../db/database.js";
import { listInvoiceEvents } from "../../db/downloads.repository.js";
import type { BlobStore } from "../../storage/blob-store.js";
import { invoiceFileName } from "../invoices/invoice-file-name.js";
import { readStoredXml } from "../invoices/invoice-xml.js";
import { BlobIntegrityError } from "../invoices/verified-blob.js";
import { DomainError } from "../shared/errors.js";
import { canonicalJson } from "./audit-chain.js";
import { recordOf } from "./verify-audit.js";

/** One file of the proof bundle (all small enough to hold: the PDF is at most MAX_PDF_BYTES). */
export interface ProofFile {
  path: string;
  bytes: Buffer;
}

export interface ProofBundle {
  /** Name of the ZIP: `preuve-<issuer>-<number>-<date>.zip`, Unicode and ASCII forms. */
  fileName: { utf8: string; ascii: string };
  files: ProofFile[];
  createdAt: Date;
}

/** Lifecycle codes as the detail page names them. */
const EVENT_NAMES: Record<number, string> = {
  203: "Mise à disposition / Made available",
  204: "Prise en charge (premier téléchargement) / Taken (first download)",
};

/** Segments longer than this are cut at their start (the entries of the invoice are always kept). */
const MAX_SEGMENT_ENTRIES = 200_000;

/**
 * The proof bundle of one invoice, for its customer (portal) or an advisor (back office): the original
 * PDF (exact bytes, checked against its SHA-256), its Factur-X XML, a certificate (JSON and text) with
 * both SHA-256, the publication time, the lifecycle events and their audit entries, the chain segments
 * linking those entries to a sealed head, the seals (payload, signature, public key, RFC 3161 token) and
 * a README telling how to check it all with sha256sum, openssl and python3. Access is the caller's
 * business: this function trusts `invoiceId` to be visible to whoever asks. Throws BlobIntegrityError
 * when the stored bytes are not the published ones (never bundles other bytes), and `invoice_removed`.
 */
export async function buildProofBundle(
  deps: { db: Database; blobs: BlobStore },
  input: { tenantId: string; invoiceId: string; now?: Date },
): Promise<ProofBundle> {
  const { db } = deps;
  const createdAt = input.now ?? new Date();
  const [invoice] = await db.query<{
    id: string;
    invoiceNumber: string;
    issueDate: string;
    typeCode: string;
    currency: string;
    grandTotal: string;
    taxBasisTotal: string | null;
    taxTotal: string | null;
    sellerName: string | null;
    buyerName: string | null;
    customerNumber: string;
    sha256: string;
    sizeBytes: number;
    xmlSha256: string | null;
    publishedAt: Date;
    availableUntil: Date;
    firstDownloadedAt: Date | null;
    removedAt: Date | null;
    tenantSlug: string;
    tenantName: string;
  }>(
    `select i.id, i.invoice_number as "invoiceNumber", i.issue_date as "issueDate", i.type_code as "typeCode",
            i.currency, i.grand_total as "grandTotal", i.tax_basis_total as "taxBasisTotal", i.tax_total as "taxTotal",
            i.seller_name as "sellerName", i.buyer_name as "buyerName", c.customer_number as "customerNumber",
            i.sha256, i.size_bytes as "sizeBytes", i.xml_sha256 as "xmlSha256", i.published_at as "publishedAt",
            i.available_until as "availableUntil", i.first_downloaded_at as "firstDownloadedAt", i.removed_at as "removedAt",
            t.slug as "tenantSlug", t.display_name as "tenantName"
       from invoices i join customers c on c.id = i.customer_id join tenants t on t.id = i.tenant_id
      where i.tenant_id = $1 and i.id = $2`,
    [input.tenantId, input.invoiceId],
  );
  if (!invoice) throw new DomainError("invoice_not_found", "no such invoice");
  if (invoice.removedAt)
    throw new DomainError("invoice_removed", "the invoice was removed from the portal: its file is gone");

  const expected = { sha256: invoice.sha256, sizeBytes: Number(invoice.sizeBytes) };
  const stored = await deps.blobs.read(invoice.sha256);
  if (!stored) throw new BlobIntegrityError("missing", expected, {});
  const pdf = Buffer.from(stored);
  const actual = { sha256: sha256(pdf), sizeBytes: pdf.byteLength };
  if (actual.sizeBytes !== expected.sizeBytes)
    throw new BlobIntegrityError("size_mismatch", expected, actual);
  if (actual.sha256 !== expected.sha256) throw new BlobIntegrityError("hash_mismatch", expected, actual);
  let xml: Buffer | undefined;
  if (invoice.xmlSha256) {
    // The XML stored at publication (verified against xml_sha256), not a new parse of the PDF.
    const stored = await readStoredXml(deps, { ...expected, xmlSha256: invoice.xmlSha256 }, pdf);
    // The reader no longer extracts the XML that was published: leave it out rather than give other bytes.
    xml = stored.ok ? stored.xml : undefined;
  }

  const issuer = invoice.sellerName ?? invoice.tenantName;
  const names = { issuer, invoiceNumber: invoice.invoiceNumber, issueDate: invoice.issueDate };
  const pdfName = invoiceFileName(names, "pdf").ascii;
  const xmlName = invoiceFileName(names, "xml").ascii;
  const base = pdfName.replace(/\.pdf$/, "");

  const events = await listInvoiceEvents(db, input.tenantId, invoice.id);
  const entries = await listAuditEntriesForTarget(db, input.tenantId, "invoice", invoice.id);

  // Each entry is linked, entry by entry, to the first seal whose head is at or after it (that day's).
  const segments: { seal: AuditSealRow | undefined; fromSeq: number; toSeq: number }[] = [];
  for (const entry of entries) {
    const seq = Number(entry.seq);
    if (segments.some((s) => seq >= s.fromSeq && seq <= s.toSeq)) continue;
    const seal = await findCoveringSeal(db, input.tenantId, seq);
    const toSeq = seal ? Number(seal.headSeq) : (await findChainHead(db, input.tenantId))!.seq;
    const same = segments.find((s) => s.toSeq === toSeq);
    if (same) same.fromSeq = Math.min(same.fromSeq, seq);
    else segments.push({ seal, fromSeq: seq, toSeq });
  }
  const files: ProofFile[] = [];
  const segmentInfo = [];
  for (const [index, segment] of segments.entries()) {
    const fromSeq = Math.max(segment.fromSeq, segment.toSeq - MAX_SEGMENT_ENTRIES + 1);
    const lines: string[] = [];
    for (let after = fromSeq - 1; after < segment.toSeq; ) {
      const page = await listAuditEntries(db, input.tenantId, after, 5_000, segment.toSeq);
      if (page.length === 0) break;
      for (const row of page) lines.push(`${JSON.stringify(segmentLine(row))}\n`);
      after = Number(page.at(-1)!.seq);
    }
    const name = `audit/segment-${index + 1}.jsonl`;
    files.push({ path: name, bytes: Buffer.from(lines.join(""), "utf8") });
    const seal = segment.seal;
    const day = seal ? String(seal.day) : undefined;
    if (seal && !files.some((f) => f.path === `seals/${day}.payload.json`)) {
      files.push(
        { path: `seals/${day}.payload.json`, bytes: Buffer.from(seal.payload, "utf8") },
        { path: `seals/${day}.sig`, bytes: Buffer.from(seal.signature, "base64") },
        { path: `seals/${day}.public-key.pem`, bytes: Buffer.from(seal.publicKey, "utf8") },
      );
      if (seal.tsaToken)
        files.push({ path: `seals/${day}.tsr`, bytes: Buffer.from(seal.tsaToken, "base64") });
    }
    segmentInfo.push({
      file: name,
      fromSeq,
      toSeq: segment.toSeq,
      seal: seal
        ? {
            day,
            payloadFile: `seals/${day}.payload.json`,
            payload: JSON.parse(seal.payload),
            signatureFile: `seals/${day}.sig`,
            signatureBase64: seal.signature,
            publicKeyFile: `seals/${day}.public-key.pem`,
            keyId: seal.keyId,
            timestampTokenFile: seal.tsaToken ? `seals/${day}.tsr` : null,
            tsaUrl: seal.tsaUrl,
            sealedAt: new Date(seal.sealedAt).toISOString(),
          }
        : null,
    });
  }

  const certificate = {
    format: "efacture-proof/1",
    createdAt: createdAt.toISOString(),
    issuer: { portal: invoice.tenantSlug, name: invoice.tenantName, seller: invoice.sellerName },
    invoice: {
      id: invoice.id,
      number: invoice.invoiceNumber,
      typeCode: invoice.typeCode,
      issueDate: invoice.issueDate,
      customerNumber: invoice.customerNumber,
      buyer: invoice.buyerName,
      totalExclTax: invoice.taxBasisTotal,
      tax: invoice.taxTotal,
      totalInclTax: invoice.grandTotal,
      currency: invoice.currency,
      publishedAt: new Date(invoice.publishedAt).toISOString(),
      availableUntil: new Date(invoice.availableUntil).toISOString(),
      firstDownloadedAt: invoice.firstDownloadedAt ? new Date(invoice.firstDownloadedAt).toISOString() : null,
    },
    files: {
      pdf: { name: pdfName, sha256: invoice.sha256, sizeBytes: pdf.byteLength },
      xml: xml ? { name: xmlName, sha256: invoice.xmlSha256, sizeBytes: xml.byteLength } : null,
    },
    lifecycle: events.map((e) => ({
      code: e.code,
      name: EVENT_NAMES[e.code] ?? null,
      at: new Date(e.at).toISOString(),
    })),
    auditEntries: entries.map((row) => ({
      seq: Number(row.seq),
      action: row.action,
      at: new Date(row.at).toISOString(),
      prevHash: row.prevHash,
      hash: row.hash,
      canonical: canonicalJson(recordOf(row)),
    })),
    chain: {
      tenant: input.tenantId,
      rule: "hash = hex(SHA-256(UTF-8(prev_hash + canonical))); canonical = JSON with keys sorted at every level, no spaces",
      segments: segmentInfo,
    },
  };
  const certificateJson = Buffer.from(`${JSON.stringify(certificate, null, 2)}\n`, "utf8");
  files.unshift(
    { path: "README.txt", bytes: Buffer.from(readme(pdfName, xml ? xmlName : undefined), "utf8") },
    { path: pdfName, bytes: pdf },
    ...(xml ? [{ path: xmlName, bytes: xml }] : []),
    { path: "certificate.json", bytes: certificateJson },
    { path: "certificate.txt", bytes: Buffer.from(certificateText(certificate), "utf8") },
  );
  const zipName = invoiceFileName(names, "pdf");
  return {
    fileName: {
      utf8: `preuve-${zipName.utf8.replace(/\.pdf$/, "")}.zip`,
      ascii: `preuve-${base}.zip`,
    },
    files,
    createdAt,
  };
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function segmentLine(row: AuditEntryRow) {
  return {
    seq: Number(row.seq),
    prev_hash: row.prevHash,
    hash: row.hash,
    entry: canonicalJson(recordOf(row)),
  };
}

type Certificate = {
  createdAt: string;
  issuer: { name: string; seller: string | null };
  invoice: Record<string, unknown> & { number: string; publishedAt: string };
  files: { pdf: { name: string; sha256: string }; xml: { name: string; sha256: string | null } | null };
  lifecycle: { code: number; name: string | null; at: string }[];
  auditEntries: { seq: number; action: string; at: string; hash: string }[];
  chain: {
    segments: {
      file: string;
      fromSeq: number;
      toSeq: number;
      seal: { day?: string; timestampTokenFile: string | null } | null;
    }[];
  };
};

function certificateText(c: Certificate): string {
  const i = c.invoice;
  const lines = [
    "CERTIFICAT DE PREUVE — PROOF CERTIFICATE",
    "==========================================",
    "",
    `Émetteur / Issuer          : ${c.issuer.seller ?? c.issuer.name} (portail ${c.issuer.name})`,
    `Facture / Invoice          : ${i.number} du ${i.issueDate}, client ${i.customerNumber}`,
    `Total TTC / Total incl. tax: ${i.totalInclTax} ${i.currency}`,
    `Mise à disposition / Published : ${i.publishedAt}`,
    `Premier téléchargement / First download : ${i.firstDownloadedAt ?? "—"}`,
    "",
    "Empreintes SHA-256 / SHA-256 digests",
    `  ${c.files.pdf.sha256}  ${c.files.pdf.name}`,
    ...(c.files.xml ? [`  ${c.files.xml.sha256}  ${c.files.xml.name}`] : []),
    "",
    "Cycle de vie / Lifecycle",
    ...c.lifecycle.map((e) => `  ${e.at}  ${e.code}  ${e.name ?? ""}`),
    "",
    "Piste d’audit / Audit trail entries (seq, action, time, hash)",
    ...c.auditEntries.map((e) => `  #${e.seq}  ${e.action}  ${e.at}  ${e.hash}`),
    "",
    "Scellement / Seals",
    ...c.chain.segments.map((s) =>
      s.seal
        ? `  ${s.file}: entries ${s.fromSeq}–${s.toSeq}, sealed on ${s.seal.day}${s.seal.timestampTokenFile ? " with an RFC 3161 timestamp" : ""}`
        : `  ${s.file}: entries ${s.fromSeq}–${s.toSeq}, not sealed yet (the next daily seal will cover them: download the proof again tomorrow)`,
    ),
    "",
    `Établi le / Issued on ${c.createdAt} (UTC). All times are UTC.`,
    "",
  ];
  return lines.join("\n");
}

function readme(pdfName: string, xmlName: string | undefined): string {
  return `PREUVE D’INTÉGRITÉ ET D’HORODATAGE — E-FACTURE
==============================================

(English below.)

Ce dossier prouve que ${pdfName} est l’original publié par l’émetteur, à l’octet près, quand il a
été mis à disposition et téléchargé, et que ces événements figurent dans une piste d’audit chaînée et
scellée chaque jour par la plateforme. Tout se vérifie avec des outils courants, sans nous faire confiance.

1. Empreintes des fichiers
   sha256sum ${pdfName}${xmlName ? ` ${xmlName}` : ""}
   Les valeurs doivent être celles de certificate.json (files.pdf.sha256, files.xml.sha256) ; celle du
   PDF figure aussi dans l’entrée d’audit « invoice.published » (champ details.sha256).

2. Chaînage de la piste d’audit
   Chaque ligne de audit/segment-N.jsonl porte seq, prev_hash, hash et entry (JSON canonique).
   Règle : hash = SHA-256(prev_hash + entry) en hexadécimal ; le prev_hash d’une ligne est le hash de
   la précédente. Exemple pour une ligne :
     printf '%s%s' "<prev_hash>" '<entry>' | sha256sum
   La dernière ligne d’un segment est la tête scellée : son hash est le headHash du sceau.

3. Sceau quotidien (signature Ed25519 de la plateforme)
   openssl pkeyutl -verify -pubin -inkey seals/<jour>.public-key.pem -rawin \\
     -in seals/<jour>.payload.json -sigfile seals/<jour>.sig
   Résultat attendu : « Signature Verified Successfully ». Comparez la clé publique avec celle que
   publie la plateforme (https://<portail>/.well-known/efacture-seal-key.pem ; un sceau antérieur à un
   changement de clé : parmi https://<portail>/.well-known/efacture-seal-keys.pem).

4. Horodatage qualifié (si seals/<jour>.tsr est présent, RFC 3161)
   openssl ts -verify -in seals/<jour>.tsr -data seals/<jour>.payload.json -CAfile <AC de l’horodateur>.pem
   Résultat attendu : « Verification: OK ». openssl ts -reply -in seals/<jour>.tsr -text en montre la date.

Un segment « not sealed yet » concerne des événements du jour : le sceau est posé chaque nuit ;
téléchargez de nouveau la preuve le lendemain pour l’obtenir.

-------------------------------------------------------------------------------

PROOF OF INTEGRITY AND TIME — E-FACTURE

This folder proves that ${pdfName} is the original the issuer published, byte for byte, when it was
made available and downloaded, and that these events are in a hash-chained audit trail sealed daily by
the platform. Everything can be checked with common tools, without trusting us.

1. File digests:  sha256sum ${pdfName}${xmlName ? ` ${xmlName}` : ""}
   They must equal certificate.json files.pdf.sha256 / files.xml.sha256; the PDF's digest is also in
   the "invoice.published" audit entry (details.sha256).

2. Chain: each line of audit/segment-N.jsonl holds seq, prev_hash, hash and entry (canonical JSON).
   hash = hex SHA-256 of (prev_hash + entry); each prev_hash is the previous line's hash; the last line
   is the sealed head (its hash is the seal's headHash).
     printf '%s%s' "<prev_hash>" '<entry>' | sha256sum

3. Daily seal (platform Ed25519 signature):
   openssl pkeyutl -verify -pubin -inkey seals/<day>.public-key.pem -rawin \\
     -in seals/<day>.payload.json -sigfile seals/<day>.sig
   Expect "Signature Verified Successfully"; compare the key with the one the platform publishes at
   https://<portal>/.well-known/efacture-seal-key.pem (a seal made before a key change: among
   https://<portal>/.well-known/efacture-seal-keys.pem).

4. RFC 3161 timestamp (when seals/<day>.tsr is present):
   openssl ts -verify -in seals/<day>.tsr -data seals/<day>.payload.json -CAfile <TSA CA>.pem
   Expect "Verification: OK".

A segment marked "not sealed yet" holds today's events: seals are made nightly; download the proof
again the next day to get it sealed.
`;
}
