import { appendAudit } from "../../db/audit.repository.js";
import type { Database } from "../../db/database.js";
import { insertTenant, type TenantRow } from "../../db/tenants.repository.js";
import type { BlobStore } from "../../storage/blob-store.js";
import { DomainError } from "../shared/errors.js";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const MAX_LOGO_BYTES = 512 * 1024;

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Host labels the platform keeps for itself. */
const RESERVED_SLUGS = new Set([
  "www",
  "api",
  "admin",
  "app",
  "mail",
  "static",
  "assets",
  "platform",
  "status",
]);

export interface CreateTenantInput {
  slug: string;
  displayName: string;
  retentionMonths?: number;
  primaryColor?: string;
  /** A PNG logo (SVG comes with the admin pages, which sanitise it). */
  logo?: { bytes: Uint8Array; blobs: BlobStore };
  actor?: { type: "platform"; id: string | null };
}

/** Creates an issuer's portal. The slug becomes its host name: `<slug>.<platform domain>`. */
export async function createTenant(db: Database, input: CreateTenantInput): Promise<TenantRow> {
  const slug = input.slug.trim().toLowerCase();
  if (!SLUG_PATTERN.test(slug)) {
    throw new DomainError(
      "invalid_slug",
      `"${input.slug}" cannot be a host name: use 1 to 63 letters a-z, digits or inner hyphens`,
    );
  }
  if (RESERVED_SLUGS.has(slug))
    throw new DomainError("reserved_slug", `"${slug}" is reserved by the platform`);
  const displayName = input.displayName.trim();
  if (displayName.length === 0 || displayName.length > 120) {
    throw new DomainError("invalid_display_name", "the display name must have 1 to 120 characters");
  }
  const retentionMonths = input.retentionMonths ?? 24;
  if (!Number.isInteger(retentionMonths) || retentionMonths < 1 || retentionMonths > 120) {
    throw new DomainError(
      "invalid_retention",
      "retention must be a whole number of months between 1 and 120",
    );
  }
  if (input.primaryColor !== undefined && !/^#[0-9a-fA-F]{6}$/.test(input.primaryColor)) {
    throw new DomainError("invalid_color", "the main colour must look like #1f4e79");
  }
  let logoSha256: string | undefined;
  if (input.logo) {
    const { bytes } = input.logo;
    if (bytes.byteLength > MAX_LOGO_BYTES || !PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
      throw new DomainError("invalid_logo", "the logo must be a PNG file of at most 512 KB");
    }
    logoSha256 = (await input.logo.blobs.put(bytes)).sha256;
  }
  return db.transaction(async (tx) => {
    const tenant = await insertTenant(tx, {
      slug,
      displayName,
      retentionMonths,
      primaryColor: input.primaryColor,
      logoSha256,
    });
    if (!tenant) throw new DomainError("tenant_exists", `a tenant "${slug}" already exists`);
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorType: input.actor?.type ?? "platform",
      actorId: input.actor?.id ?? null,
      action: "tenant.created",
      targetType: "tenant",
      targetId: tenant.id,
      details: { slug, displayName, retentionMonths },
    });
    return tenant;
  });
}
