import { appendAudit } from "../../db/audit.repository.js";
import type { Database, Sql } from "../../db/database.js";
import {
  deleteTenantSeller,
  insertTenantSeller,
  listTenantSellers,
  type SellerKind,
  type TenantSellerRow,
} from "../../db/tenant-sellers.repository.js";
import type { PartyFacts } from "../../einvoice/index.js";
import { DomainError } from "../shared/errors.js";

/** Who declares or removes a seller identity: the platform operator (CLI) or a tenant admin. */
export interface SellerActor {
  type: "platform" | "staff";
  id: string | null;
  ip?: string | null;
}

/** The Luhn check every SIREN passes (INSEE): 9 digits whose Luhn sum is a multiple of 10. */
export function isValidSiren(value: string): boolean {
  if (!/^\d{9}$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    let digit = Number(value[8 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** The two-digit key of the French VAT number of a SIREN: (12 + 3 × (SIREN mod 97)) mod 97. */
export function frenchVatKey(siren: string): string {
  return String((12 + 3 * (Number(siren) % 97)) % 97).padStart(2, "0");
}

/** A VAT id as we compare it: upper case, without spaces, dots or dashes. */
export function normalizeVatId(value: string): string {
  return value.toUpperCase().replace(/[\s.-]/g, "");
}

/** VAT id prefixes: the EU members (EL for Greece, XI for Northern Ireland) and the neighbours that bill French customers. */
const VAT_COUNTRIES = new Set(
  "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK XI GB CH NO".split(" "),
);

/** The SIREN inside a French VAT id (FRkk + 9 digits), if it is one. */
function sirenOfVatId(vatId: string): string | undefined {
  return /^FR[0-9A-Z]{2}(\d{9})$/.exec(vatId)?.[1];
}

/**
 * Reads what an admin or the operator typed as a seller identity: a SIREN (9 digits, Luhn key) or a VAT id
 * (a French one must carry the right key for its SIREN; another country's is checked for shape only).
 */
export function parseSellerIdentity(input: string): { kind: SellerKind; value: string } {
  const value = normalizeVatId(input.trim());
  if (/^\d+$/.test(value)) {
    if (value.length === 14)
      throw new DomainError(
        "invalid_seller_identity",
        `${input.trim()} is a SIRET: give the SIREN (its first 9 digits)`,
      );
    if (!isValidSiren(value))
      throw new DomainError(
        "invalid_seller_identity",
        `${input.trim()} is not a SIREN (9 digits with a valid key)`,
      );
    return { kind: "siren", value };
  }
  if (value.startsWith("FR")) {
    const siren = sirenOfVatId(value);
    if (!siren || !isValidSiren(siren) || value.slice(2, 4) !== frenchVatKey(siren))
      throw new DomainError(
        "invalid_seller_identity",
        `${input.trim()} is not a French VAT number (FR, a 2-digit key, then a valid SIREN)`,
      );
    return { kind: "vat", value };
  }
  if (!VAT_COUNTRIES.has(value.slice(0, 2)) || !/^[A-Z]{2}(?=.*\d)[0-9A-Z+*]{2,13}$/.test(value))
    throw new DomainError(
      "invalid_seller_identity",
      `${input.trim()} is neither a SIREN (9 digits) nor a VAT number (a European country code then 2 to 13 letters or digits)`,
    );
  return { kind: "vat", value };
}

/** The declared identities as sets: a declared French VAT id also declares its SIREN (same legal entity). */
export interface DeclaredSellers {
  sirens: Set<string>;
  vatIds: Set<string>;
  values: string[];
}

export function declaredSellers(rows: Pick<TenantSellerRow, "kind" | "value">[]): DeclaredSellers {
  const sirens = new Set<string>();
  const vatIds = new Set<string>();
  for (const row of rows) {
    if (row.kind === "siren") sirens.add(row.value);
    else {
      vatIds.add(row.value);
      const siren = sirenOfVatId(row.value);
      if (siren) sirens.add(siren);
    }
  }
  return { sirens, vatIds, values: rows.map((r) => r.value) };
}

/** The tenant's declared seller identities, ready for `checkSeller`. */
export async function loadDeclaredSellers(sql: Sql, tenantId: string): Promise<DeclaredSellers> {
  return declaredSellers(await listTenantSellers(sql, tenantId));
}

/**
 * Issue #13 item 8: once a tenant has declared a seller identity, a file whose seller (BT-30 SIREN, or the
 * SIREN inside a French BT-31 VAT id, or the BT-31 VAT id itself) is none of them is refused. A file that
 * states no SIREN nor VAT id (a plain PDF with metadata, a Factur-X without BT-30/BT-31) cannot be checked:
 * it is accepted ("unchecked", a warning), as docs/product.md keeps plain PDFs publishable.
 */
export function checkSeller(
  declared: DeclaredSellers,
  seller: PartyFacts | undefined,
): "ok" | "unchecked" | DomainError {
  if (declared.values.length === 0) return "ok";
  const vatId = seller?.vatId ? normalizeVatId(seller.vatId) : undefined;
  const sirens = [seller?.siren, vatId ? sirenOfVatId(vatId) : undefined].filter(
    (s): s is string => typeof s === "string" && /^\d{9}$/.test(s),
  );
  if (sirens.length === 0 && !vatId) return "unchecked";
  if (sirens.some((s) => declared.sirens.has(s)) || (vatId && declared.vatIds.has(vatId))) return "ok";
  return new DomainError(
    "seller_not_declared",
    `the seller of this invoice (${[seller?.siren && `SIREN ${seller.siren}`, vatId && `VAT ${vatId}`]
      .filter(Boolean)
      .join(", ")}) is not one of the seller identities declared for this portal`,
    {
      seller: { name: seller?.name ?? null, siren: seller?.siren ?? null, vatId: vatId ?? null },
      declared: declared.values,
    },
  );
}

/** Declares a seller identity for the tenant (idempotent: declaring it twice changes nothing). */
export async function addSellerIdentity(
  db: Database,
  input: { tenantId: string; value: string; actor: SellerActor },
): Promise<{ seller: { kind: SellerKind; value: string }; added: boolean }> {
  const seller = parseSellerIdentity(input.value);
  return db.transaction(async (tx) => {
    const row = await insertTenantSeller(tx, input.tenantId, seller);
    if (row)
      await appendAudit(tx, {
        tenantId: input.tenantId,
        actorType: input.actor.type,
        actorId: input.actor.id,
        ip: input.actor.ip ?? null,
        action: "tenant.seller_added",
        targetType: "tenant",
        targetId: input.tenantId,
        details: seller,
      });
    return { seller, added: row !== undefined };
  });
}

/** Removes a declared seller identity; removing the last one turns the seller check off for the tenant. */
export async function removeSellerIdentity(
  db: Database,
  input: { tenantId: string; value: string; actor: SellerActor },
): Promise<{ seller: { kind: SellerKind; value: string }; remaining: number }> {
  const value = normalizeVatId(input.value.trim());
  return db.transaction(async (tx) => {
    const row = await deleteTenantSeller(tx, input.tenantId, value);
    if (!row)
      throw new DomainError(
        "seller_identity_not_found",
        `${value} is not a declared seller identity of this portal`,
      );
    await appendAudit(tx, {
      tenantId: input.tenantId,
      actorType: input.actor.type,
      actorId: input.actor.id,
      ip: input.actor.ip ?? null,
      action: "tenant.seller_removed",
      targetType: "tenant",
      targetId: input.tenantId,
      details: { kind: row.kind, value: row.value },
    });
    return {
      seller: { kind: row.kind, value: row.value },
      remaining: (await listTenantSellers(tx, input.tenantId)).length,
    };
  });
}

/** The tenant's declared seller identities. */
export async function listSellerIdentities(sql: Sql, tenantId: string): Promise<TenantSellerRow[]> {
  return listTenantSellers(sql, tenantId);
}
