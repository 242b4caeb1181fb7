import type { Sql } from "../../db/database.js";

// The XML extracted at publication is a blob of its own (invoices.xml_sha256, issue 12): it goes with the
// PDF's, under the same locks, once no live invoice refers to its bytes, whether as a PDF or as an XML.

/** XML blobs of the removed invoices whose PDF blobs `pdfSha256s` are being settled. */
export async function xmlBlobsOfPending(sql: Sql, pdfSha256s: string[]): Promise<string[]> {
  if (pdfSha256s.length === 0) return [];
  const rows = await sql.query<{ xmlSha256: string }>(
    `select distinct xml_sha256 as "xmlSha256" from invoices
      where sha256 = any($1::text[]) and removed_at is not null and blob_deleted_at is null
        and xml_sha256 is not null
      order by 1`,
    [pdfSha256s],
  );
  return rows.map((r) => r.xmlSha256);
}

/** Of these SHA-256s, those still needed: any live invoice's PDF or XML, or a tenant's logo. */
export async function findAnyBlobsInUse(sql: Sql, sha256s: string[]): Promise<Set<string>> {
  if (sha256s.length === 0) return new Set();
  const rows = await sql.query<{ sha256: string }>(
    `select sha256 from invoices where sha256 = any($1::text[]) and removed_at is null
     union
     select xml_sha256 from invoices where xml_sha256 = any($1::text[]) and removed_at is null
     union
     select logo_sha256 from tenants where logo_sha256 = any($1::text[])`,
    [sha256s],
  );
  return new Set(rows.map((r) => r.sha256));
}
