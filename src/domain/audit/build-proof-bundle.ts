import { createHash } from "node:crypto";
import { v1View } from "../../db/audit.repository.js";
import {
  type AuditEntryRow,
  type AuditSealRow,
  findAuditEntry,
  findChainHead,
  findCoveringSeal,
  findVersion2Start,
  listAuditEntries,
  listAuditEntriesForTarget,
} from "../../db/audit-seals.repository.js";
import type { Database } from "../../db/database.js";
import { listInvoiceEvents } from "../../db/downloads.queries.js";
import { findInvoiceForProof, listAccountRecordIds } from "../../db/invoices.repository.js";
import type { BlobStore } from "../../storage/blob-store.js";
import { invoiceFileName } from "../invoices/invoice-file-name.js";
import { readStoredXml } from "../invoices/invoice-xml.js";
import { BlobIntegrityError } from "../invoices/verified-blob.js";
import { DomainError } from "../shared/errors.js";
import { CHAIN_VERSION_ACTION, canonicalJson, innerHash, recordOf } from "./audit-chain.js";

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

/**
 * A segment longer than this (a flood of other people's entries between the invoice's entry and its
 * seal) is left out and the certificate says so: about 85 bytes a link, so a bundle stays under ~9 MB.
 */
export const MAX_SEGMENT_ENTRIES = 100_000;

/**
 * The proof bundle of one invoice, for its customer (portal) or an advisor (back office): the original
 * PDF (exact bytes, checked against its SHA-256), its Factur-X XML, a certificate (JSON and text) with
 * both SHA-256, the publication time, the lifecycle events and their audit entries, the chain segments
 * linking those entries to a sealed head, the seals (payload, signature, public key, RFC 3161 token) and
 * a README telling how to check it all with sha256sum, openssl and python3. Only the entries about the
 * invoice's account are in clear (inClear); every other link is its seq and inner hash, whoever asks
 * (the customer, or an advisor for that customer: the same view). Access is the caller's
 * business: this function trusts `invoiceId` to be visible to whoever asks. Throws BlobIntegrityError
 * when the stored bytes are not the published ones (never bundles other bytes), and `invoice_removed`.
 */
export async function buildProofBundle(
  deps: { db: Database; blobs: BlobStore },
  input: { tenantId: string; invoiceId: string; now?: Date },
): Promise<ProofBundle> {
  const { db } = deps;
  const createdAt = input.now ?? new Date();
  const invoice = await findInvoiceForProof(db, input.tenantId, input.invoiceId);
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
  const own = await ownershipOf(db, input.tenantId, invoice);
  // The invoice's own entries; an advisor's look-up (staff) is linked as a hash like any other's.
  const entries = (await listAuditEntriesForTarget(db, input.tenantId, "invoice", invoice.id)).filter((row) =>
    inClear(row, own),
  );
  const v2Start = await findVersion2Start(db, input.tenantId);

  // Each entry is linked to the first seal made after both it and the chain's cut-over to version 2
  // (a seal of a version 1 head cannot be reached with inner hashes), or to the head when none yet.
  const segments: { seal: AuditSealRow | undefined; fromSeq: number; toSeq: number }[] = [];
  for (const entry of entries) {
    const seq = Number(entry.seq);
    if (segments.some((s) => seq >= s.fromSeq && seq <= s.toSeq)) continue;
    const seal =
      v2Start === undefined ? undefined : await findCoveringSeal(db, input.tenantId, Math.max(seq, v2Start));
    const toSeq = seal ? Number(seal.headSeq) : Number((await findChainHead(db, input.tenantId))!.seq);
    const same = segments.find((s) => s.toSeq === toSeq);
    if (same) same.fromSeq = Math.min(same.fromSeq, seq);
    else segments.push({ seal, fromSeq: seq, toSeq });
  }
  const files: ProofFile[] = [];
  const segmentInfo = [];
  for (const [index, segment] of segments.entries()) {
    const { fromSeq, toSeq } = segment;
    const name = `audit/segment-${index + 1}.jsonl`;
    const count = toSeq - fromSeq + 1;
    const first = await findAuditEntry(db, input.tenantId, fromSeq);
    const v1 = Number(first!.hashVersion) === 1;
    let omitted: { entries: number; reason: string } | null = null;
    if (count > MAX_SEGMENT_ENTRIES) {
      omitted = {
        entries: count,
        reason: `more than ${MAX_SEGMENT_ENTRIES} entries between this invoice's entry and its seal: ask the issuer for the audit export (efacture audit export) to check this link`,
      };
    } else {
      const lines: string[] = [];
      for (let after = fromSeq - 1; after < toSeq; ) {
        const page = await listAuditEntries(db, input.tenantId, after, 5_000, toSeq);
        if (page.length === 0) break;
        for (const row of page) lines.push(`${JSON.stringify(segmentLine(row, own, v2Start, fromSeq))}\n`);
        after = Number(page.at(-1)!.seq);
      }
      files.push({ path: name, bytes: Buffer.from(lines.join(""), "utf8") });
    }
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
      file: omitted ? null : name,
      fromSeq,
      toSeq,
      // The link before the first line: its prev_hash (version 2), or the v1 view up to it (version 1).
      startPrev: v1 ? await cachedV1View(db, input.tenantId, fromSeq - 1) : first!.prevHash,
      startRule: v1 ? "v1-view" : "v2",
      omitted,
      // Still all version 1: no seal can be reached with hashes alone until the chain's next entry.
      needsIssuerExport: v2Start === undefined,
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
      hashVersion: Number(row.hashVersion),
      inner: innerHash(recordOf(row)),
      canonical: canonicalJson(recordOf(row)),
    })),
    chain: {
      tenant: input.tenantId,
      rule: "inner = hex(SHA-256(UTF-8(entry))); link = hex(SHA-256(ASCII(previous link + inner))); entry = JSON with keys sorted at every level, no spaces",
      inClear:
        "only the entries about this invoice's account (its invoices, customer numbers, mails, the account itself) made by the issuer, the platform's automatic processing or the account itself; every other entry is given as its seq and inner hash only",
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

/**
 * The v1 part of a chain is frozen, so its view up to an entry never changes: remembered, an old
 * invoice's proof does not rehash the chain's whole v1 history at each download. Only bundles use it;
 * the verifier always recomputes.
 */
const v1Views = new Map<string, string>();
const V1_VIEWS_KEPT = 2_000;

async function cachedV1View(db: Database, tenantId: string, toSeq: number): Promise<string> {
  const key = `${tenantId}:${toSeq}`;
  const known = v1Views.get(key);
  if (known) return known;
  const view = await v1View(db, tenantId, toSeq);
  if (v1Views.size >= V1_VIEWS_KEPT) v1Views.delete(v1Views.keys().next().value!);
  v1Views.set(key, view);
  return view;
}

/** What a proof may show in clear: the records linked to the invoice's account, and nothing else. */
interface Ownership {
  accountId: string | null;
  customerIds: Set<string>;
  invoiceIds: Set<string>;
  mailIds: Set<string>;
}

async function ownershipOf(
  db: Database,
  tenantId: string,
  invoice: { id: string; customerId: string; accountId: string | null },
): Promise<Ownership> {
  const ids = await listAccountRecordIds(db, tenantId, invoice.accountId, invoice.customerId);
  return {
    accountId: invoice.accountId,
    customerIds: new Set(ids.customerIds),
    invoiceIds: new Set(ids.invoiceIds),
    mailIds: new Set(ids.mailIds),
  };
}

/**
 * Whether a proof shows an entry in clear. Conservative on purpose (issue 12): the entry must be about
 * one of the account’s records, and be made by the issuer, the system or that account itself — not
 * by staff or platform operators (names, searches, reasons), not by an unauthenticated visitor (a failed login or
 * a reset request for the account carries a stranger's IP and typed text), not with any IP but the
 * account's own, and not naming another account in its details. Everything else is a hash.
 */
function inClear(row: AuditEntryRow, own: Ownership): boolean {
  if (row.action === CHAIN_VERSION_ACTION && row.actorType === "system" && !row.targetType) return true;
  const self = own.accountId !== null && row.actorType === "customer" && row.actorId === own.accountId;
  if (row.actorType !== "issuer" && row.actorType !== "system" && !self) return false;
  if (row.ip !== null && !self) return false;
  if (row.action === "login.failed") return false;
  const details = row.details ?? {};
  if ("accountId" in details && (own.accountId === null || details.accountId !== own.accountId)) return false;
  const target = row.targetId ?? "";
  switch (row.targetType) {
    case "invoice":
      return own.invoiceIds.has(target);
    case "customer":
      return own.customerIds.has(target);
    case "mail":
      return own.mailIds.has(target);
    case "account":
      return own.accountId !== null && target === own.accountId;
    default:
      return false;
  }
}

/**
 * One link of a segment: `{seq, entry}` in clear, `{seq, inner}` otherwise (~85 bytes). The cut-over
 * entry, when the segment crosses it, also gives `prev`: the real version 1 head hash it links to,
 * while its details.v1View is where the v1 view lines above it end.
 */
function segmentLine(row: AuditEntryRow, own: Ownership, v2Start: number | undefined, fromSeq: number) {
  const seq = Number(row.seq);
  const record = recordOf(row);
  if (seq === v2Start && seq > fromSeq) return { seq, prev: row.prevHash, entry: canonicalJson(record) };
  return inClear(row, own) ? { seq, entry: canonicalJson(record) } : { seq, inner: innerHash(record) };
}

type Certificate = {
  createdAt: string;
  issuer: { name: string; seller: string | null };
  invoice: Record<string, unknown> & { number: string; publishedAt: string };
  files: { pdf: { name: string; sha256: string }; xml: { name: string; sha256: string | null } | null };
  lifecycle: { code: number; name: string | null; at: string }[];
  auditEntries: { seq: number; action: string; at: string; inner: string }[];
  chain: {
    segments: {
      file: string | null;
      fromSeq: number;
      toSeq: number;
      omitted: { entries: number } | null;
      needsIssuerExport: boolean;
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
    "Piste d’audit / Audit trail entries (seq, action, time, inner hash)",
    ...c.auditEntries.map((e) => `  #${e.seq}  ${e.action}  ${e.at}  ${e.inner}`),
    "",
    "Seules les entrées concernant votre compte sont en clair ; les autres ne figurent que par leur empreinte.",
    "Only the entries about your account are in clear; every other entry appears as its hash only.",
    "",
    "Scellement / Seals",
    ...c.chain.segments.map((s) =>
      s.omitted
        ? `  entries ${s.fromSeq}–${s.toSeq}: ${s.omitted.entries} links, too many to include; ask the issuer for its audit export to check this link`
        : s.seal
          ? `  ${s.file}: entries ${s.fromSeq}–${s.toSeq}, sealed on ${s.seal.day}${s.seal.timestampTokenFile ? " with an RFC 3161 timestamp" : ""}`
          : s.needsIssuerExport
            ? `  ${s.file}: entries ${s.fromSeq}–${s.toSeq}, in the chain's version 1 part: the link to a seal needs the issuer's audit export`
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

2. Chaînage de la piste d’audit — ce qui est en clair, ce qui n’est qu’une empreinte
   Ne figurent en clair (champ entry, JSON canonique) que les entrées concernant votre compte : vos
   factures, vos numéros client, vos courriels, votre compte, faites par l’émetteur, les traitements
   automatiques de la plateforme ou vous-même. Toutes les autres entrées de la piste (autres clients, conseillers, visiteurs) ne sont
   données que par leur numéro (seq) et leur empreinte interne (inner) : rien de leur contenu.
   Chaque ligne de audit/segment-N.jsonl porte seq et soit entry, soit inner. Règles (hexadécimal) :
     inner = SHA-256(entry)                  printf '%s' '<entry>' | sha256sum
     lien  = SHA-256(lien précédent + inner) printf '%s%s' "<lien précédent>" "<inner>" | sha256sum
   Le premier « lien précédent » est startPrev du segment (certificate.json, chain.segments). Le
   dernier lien d’un segment est la tête scellée : il doit être égal au headHash du sceau.
   Entrées antérieures au passage de la piste en version 2 (startRule « v1-view ») : elles sont liées
   de la même façon ; la ligne de l’entrée « audit.chain_version » porte en plus prev (le dernier hash
   version 1), sa valeur details.v1View doit être égale au lien obtenu juste avant elle, et le calcul
   reprend avec prev comme lien précédent. Cette entrée, scellée, atteste toute la partie version 1.
   Un segment trop long (plus de ${MAX_SEGMENT_ENTRIES} entrées) n’est pas inclus : l’export d’audit
   de l’émetteur permet alors de vérifier ce lien.

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

2. Chain — what is in clear, what is only a hash. Only the entries about your account (your invoices,
   customer numbers, mails, the account itself, made by the issuer, the platform's automatic processing
   or yourself) are in
   clear (field entry, canonical JSON). Every other entry of the trail (other customers, advisors,
   visitors) is given only as its seq and its inner hash: none of its content.
   Each line of audit/segment-N.jsonl holds seq and either entry or inner. Rules (hex):
     inner = SHA-256(entry)                     printf '%s' '<entry>' | sha256sum
     link  = SHA-256(previous link + inner)     printf '%s%s' "<previous link>" "<inner>" | sha256sum
   The first previous link is the segment's startPrev (certificate.json, chain.segments); the last link
   is the sealed head and must equal the seal's headHash.
   Entries older than the chain's switch to version 2 (startRule "v1-view") link the same way; the line
   of the "audit.chain_version" entry also holds prev (the last version 1 hash): its details.v1View must
   equal the link just before it, and linking goes on from prev. That sealed entry vouches for the
   whole version 1 part. A segment over ${MAX_SEGMENT_ENTRIES} entries is left out: the issuer's audit
   export checks that link.

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
