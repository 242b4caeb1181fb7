import type { FastifyInstance } from "fastify";
import type { ParsedMail } from "mailparser";
import { publishDeps, type Services } from "../../src/app.js";
import { setAccountPassword } from "../../src/db/accounts.repository.js";
import type { Database } from "../../src/db/database.js";
import type { TenantRow } from "../../src/db/tenants.repository.js";
import { startSession } from "../../src/domain/accounts/sessions.js";
import { type UpsertCustomerInput, upsertCustomer } from "../../src/domain/customers/upsert-customer.js";
import { publishInvoice } from "../../src/domain/invoices/publish-invoice.js";
import { type CreateTenantInput, createTenant } from "../../src/domain/tenants/create-tenant.js";
import { buildFacturX } from "../../src/einvoice/build-facturx.js";
import type { FacturXInput } from "../../src/einvoice/index.js";
import type { SmtpSink } from "./smtp-sink.js";
import { WebClient } from "./web-client.js";

/**
 * What the tests set up again and again: a tenant, a customer, a logged-in account, a Factur-X invoice,
 * a multipart body. Each takes only what the test cares about; the rest has the usual test values.
 */

/** The issuer acting in tests (customer directory, publication). */
export const issuer = { type: "issuer" as const, id: "test" };

/** A tenant (portal): `acme` / « Acme Location » unless told otherwise. */
export function makeTenant(db: Database, input: Partial<CreateTenantInput> = {}): Promise<TenantRow> {
  return createTenant(db, { slug: "acme", displayName: "Acme Location", ...input });
}

/** A customer of the directory: name `Client <number>` and an address `<number>@example.com` unless told. */
export async function makeCustomer(
  services: Pick<Services, "db" | "queue">,
  tenant: Pick<TenantRow, "id"> | string,
  customerNumber: string,
  input: Partial<Omit<UpsertCustomerInput, "tenantId" | "customerNumber" | "queue">> = {},
) {
  return upsertCustomer(services.db, {
    queue: services.queue,
    tenantId: typeof tenant === "string" ? tenant : tenant.id,
    customerNumber,
    name: `Client ${customerNumber}`,
    email: `${customerNumber.toLowerCase()}@example.com`,
    actor: issuer,
    ...input,
  });
}

export interface LoggedInAccount {
  accountId: string;
  email: string;
  numbers: string[];
  /** The session cookie value (`efacture-session`). */
  session: string;
  /** A WebClient on the tenant's portal, holding the session cookie. */
  client: WebClient;
}

/**
 * An activated account, logged in: its customers (one per number, all at `email`) are created, the
 * account gets a password hash and a session. `client` is ready to call the portal of `app`.
 */
export async function loggedInAccount(
  services: Pick<Services, "db" | "queue">,
  app: FastifyInstance,
  tenant: Pick<TenantRow, "id" | "slug">,
  options: {
    numbers: string[];
    email: string;
    name?: (number: string) => string;
    contracts?: string[];
    passwordHash?: string;
    actor?: UpsertCustomerInput["actor"];
  },
): Promise<LoggedInAccount> {
  for (const number of options.numbers)
    await makeCustomer(services, tenant, number, {
      name: options.name ? options.name(number) : `Client ${number}`,
      email: options.email,
      ...(options.contracts ? { contracts: options.contracts } : {}),
      ...(options.actor ? { actor: options.actor } : {}),
    });
  const [row] = await services.db.query<{ id: string }>(
    "select id from accounts where tenant_id = $1 and email = $2",
    [tenant.id, options.email],
  );
  if (!row) throw new Error(`no account for ${options.email}`);
  const { session, client } = await customerClient(services, app, tenant, row.id, options.passwordHash);
  return { accountId: row.id, email: options.email, numbers: options.numbers, session, client };
}

/** Activates the existing account `accountId` and logs it in: a WebClient on its portal with the session. */
export async function customerClient(
  services: Pick<Services, "db">,
  app: FastifyInstance,
  tenant: Pick<TenantRow, "id" | "slug">,
  accountId: string,
  passwordHash?: string,
): Promise<{ session: string; client: WebClient }> {
  const session = await logIn(services.db, tenant, accountId, passwordHash);
  const client = new WebClient(app, `${tenant.slug}.localhost:3000`);
  client.cookies.set("efacture-session", session);
  return { session, client };
}

/** Activates an existing account (a password hash) and opens a customer session: the cookie value. */
export async function logIn(
  db: Database,
  tenant: Pick<TenantRow, "id">,
  accountId: string,
  passwordHash = "not-a-real-hash",
): Promise<string> {
  await setAccountPassword(db, tenant.id, accountId, passwordHash);
  return startSession(db, {
    tenantId: tenant.id,
    accountId,
    kind: "customer",
    ip: null,
    userAgent: null,
    now: new Date(),
  });
}

export type InvoiceOptions = Omit<Partial<FacturXInput>, "seller" | "buyer"> & {
  seller?: Partial<FacturXInput["seller"]>;
  buyer?: Partial<FacturXInput["buyer"]>;
};

/**
 * A one-line invoice (380, 5 November 2026, 100.00 € + 20 % VAT) from Acme Location (SIREN 443061841) to
 * customer `buyerId` (none: no buyer id); `options` replace fields, `seller` and `buyer` field by field.
 */
export function invoiceInput(number: string, buyerId?: string, options: InvoiceOptions = {}): FacturXInput {
  const { seller, buyer, ...rest } = options;
  return {
    invoiceNumber: number,
    typeCode: "380",
    issueDate: "2026-11-05",
    currency: "EUR",
    ...rest,
    seller: {
      name: "Acme Location",
      siren: "443061841",
      address: { line1: "1 rue A", postcode: "75001", city: "Paris", countryCode: "FR" },
      ...seller,
    },
    buyer: {
      name: "Client",
      ...(buyerId === undefined ? {} : { id: buyerId }),
      address: { line1: "2 rue B", postcode: "69001", city: "Lyon", countryCode: "FR" },
      ...buyer,
    },
    lines: rest.lines ?? [{ description: "Loyer", quantity: "1", unitPrice: "100.00", vatRatePercent: "20" }],
  };
}

/** A complete EN 16931 invoice for customer `buyerId` (due date, VAT id, payment reference, two lines). */
export function facturx(number: string, buyerId: string, options: Partial<FacturXInput> = {}): FacturXInput {
  return {
    invoiceNumber: number,
    typeCode: "380",
    issueDate: "2026-11-05",
    dueDate: "2026-12-05",
    currency: "EUR",
    contractNumber: undefined,
    paymentReference: `PAY-${number}`,
    seller: {
      name: "Acme Location SAS",
      siren: "443061841",
      vatId: "FR44443061841",
      address: { line1: "1 rue de la Paix", postcode: "75002", city: "Paris", countryCode: "FR" },
    },
    buyer: {
      name: `Client ${buyerId}`,
      id: buyerId,
      address: { line1: "2 rue B", postcode: "69001", city: "Lyon", countryCode: "FR" },
    },
    lines: [
      { description: "Loyer", quantity: "1", unitPrice: "1234.50", vatRatePercent: "20" },
      { description: "Assurance", quantity: "1", unitPrice: "10.00", vatRatePercent: "0" },
    ],
    ...options,
  };
}

/** The Factur-X PDF of `input`, built by src/einvoice/build-facturx.ts. */
export async function facturxPdf(input: FacturXInput): Promise<Buffer> {
  return Buffer.from(await buildFacturX(input));
}

export type MultipartPart = string | { bytes: Uint8Array; filename: string; type?: string };

/** A multipart/form-data body as a browser or curl would send it (files default to application/pdf). */
export async function multipart(
  parts: Record<string, MultipartPart>,
): Promise<{ payload: Buffer; contentType: string }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(parts)) {
    if (typeof value === "string") form.append(name, value);
    else
      form.append(
        name,
        new Blob([new Uint8Array(value.bytes)], { type: value.type ?? "application/pdf" }),
        value.filename,
      );
  }
  const response = new Response(form);
  return {
    payload: Buffer.from(await response.arrayBuffer()),
    contentType: response.headers.get("content-type")!,
  };
}

/** Builds `input` as Factur-X and publishes it for `tenant`, as the issuer would. */
export async function publishFacturX(
  services: Pick<Services, "db" | "blobs" | "queue" | "config">,
  tenant: TenantRow,
  input: FacturXInput,
  options: { now?: Date; actor?: PublishActor } = {},
) {
  const bytes = await facturxPdf(input);
  const now = options.now;
  const { invoice } = await publishInvoice(
    { ...publishDeps(services), ...(now ? { now: () => now } : {}) },
    {
      tenant,
      bytes,
      actor: options.actor ?? issuer,
    },
  );
  return { id: invoice.id, sha256: invoice.sha256, bytes, invoice };
}

type PublishActor = Parameters<typeof publishInvoice>[1]["actor"];

/** The reset (or activation) link of a « mot de passe oublié » mail. */
export function resetLinkIn(mail: ParsedMail): string | undefined {
  return /https?:\/\/[^\s]+\/reinitialiser\/[A-Za-z0-9_-]{43}/.exec(mail.text ?? "")?.[0];
}

/**
 * The customer activates the account through « Mot de passe oublié », as the guide says: asks for the link,
 * follows the mailed one (the `nth` reset mail to this address) and chooses `password`.
 */
export async function activateByMail(
  app: FastifyInstance,
  host: string,
  sink: SmtpSink,
  email: string,
  password: string,
  nth = 1,
): Promise<string> {
  const client = new WebClient(app, host);
  await client.get("/mot-de-passe-oublie");
  await client.post("/mot-de-passe-oublie", { email });
  const mail = await sink.waitMail(email, "password-reset", nth);
  const path = new URL(resetLinkIn(mail)!).pathname;
  await client.get(path);
  const res = await client.post(path, { password, confirmation: password });
  if (res.statusCode !== 303) throw new Error(`activation of ${email} answered ${res.statusCode}`);
  return path;
}
