import { publishDeps, type Services } from "../app.js";
import type { CliIo } from "../cli/io.js";
import { setAccountPassword } from "../db/accounts.repository.js";
import { markAllInvoicesAnnounced } from "../db/invoices.repository.js";
import { findTenantBySlug, mergeTenantSettings } from "../db/tenants.repository.js";
import { hashPassword } from "../domain/accounts/password-hashing.js";
import { upsertCustomer } from "../domain/customers/upsert-customer.js";
import { publishInvoice } from "../domain/invoices/publish-invoice.js";
import { runRetention } from "../domain/retention/run-retention.js";
import { updateContact, updateFaq, updateLegal } from "../domain/staff/tenant-settings.js";
import { createTenant } from "../domain/tenants/create-tenant.js";
import { buildFacturX, type FacturXInput } from "../einvoice/index.js";
import { seedDemoPa } from "./seed-demo-pa.js";

export const DEMO_SLUG = "demo";
/** Printed at start so a new user can log in at once; every other demo account goes through activation. */
export const DEMO_PASSWORD = "lune-verte-sur-le-parking";

const SELLER = {
  name: "Démo Location SAS",
  siren: "443061841",
  vatId: "FR44443061841",
  address: {
    line1: "12 avenue des Tilleuls",
    postcode: "92100",
    city: "Boulogne-Billancourt",
    countryCode: "FR",
  },
};

const DEMO_LEGAL = {
  companyName: SELLER.name,
  address: `${SELLER.address.line1}, ${SELLER.address.postcode} ${SELLER.address.city}`,
  siren: SELLER.siren,
  contactEmail: "contact@demo-location.test",
  dpoEmail: "dpo@demo-location.test",
  publisherName: "Claire Fontaine, présidente",
  hostName: "Hébergeur Démo SAS",
  hostAddress: "4 rue des Serveurs, 59100 Roubaix",
  hostPhone: "03 20 00 00 00",
};
const DEMO_CONTACT = {
  phone: "01 23 45 67 89",
  hours: "Du lundi au vendredi, de 9 h à 18 h",
  email: "service.client@demo-location.test",
  formUrl: "https://demo-location.test/contact",
  address: "Démo Location – Service client\nTSA 12345\n92100 Boulogne-Billancourt",
};
const DEMO_FAQ = `## Quand ma facture mensuelle est-elle émise\u202f?

Le 5 de chaque mois, pour le loyer du mois en cours. Elle est prélevée le 20.

## Comment changer de compte bancaire\u202f?

Envoyez un RIB à votre service client en indiquant votre numéro client\u202f: le changement s’applique au prélèvement suivant.`;

const FIRST = [
  "Camille",
  "Louis",
  "Léa",
  "Hugo",
  "Chloé",
  "Lucas",
  "Manon",
  "Jules",
  "Inès",
  "Arthur",
  "Emma",
  "Nathan",
  "Zoé",
  "Paul",
  "Alice",
];
const LAST = [
  "Martin",
  "Bernard",
  "Dubois",
  "Thomas",
  "Robert",
  "Richard",
  "Petit",
  "Durand",
  "Leroy",
  "Moreau",
  "Simon",
  "Laurent",
  "Lefebvre",
  "Michel",
  "Garcia",
];
const CARS = [
  "Renault Clio",
  "Peugeot 208",
  "Renault Mégane E-Tech",
  "Dacia Spring",
  "Citroën C3",
  "Renault Kangoo Van",
  "Peugeot 3008",
  "Tesla Model 3",
];
const CITIES = [
  ["75011", "Paris"],
  ["69003", "Lyon"],
  ["13006", "Marseille"],
  ["31000", "Toulouse"],
  ["44000", "Nantes"],
  ["33000", "Bordeaux"],
  ["59000", "Lille"],
] as const;

/** Small deterministic generator: the demo is the same on every machine. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface DemoCustomer {
  customerNumber: string;
  name: string;
  email: string | null;
  contracts: { number: string; car: string; monthly: string }[];
  street: string;
  city: readonly [string, string];
}

function demoCustomers(): DemoCustomer[] {
  const rnd = random(2026);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
  const customers: DemoCustomer[] = [];
  for (let i = 0; i < 30; i++) {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[(i * 7) % LAST.length]!;
    const business = i >= 24; // the last ones are companies with a fleet
    const name = business
      ? `${pick(["Transports", "Ambulances", "Plomberie", "Fleurs"])} ${last} SARL`
      : `${first} ${last}`;
    // 0-2: one fleet manager's address for three customer numbers; 3-4 share a household address;
    // every 9th customer has no address registered (they must call their advisor).
    let email: string | null = `${`${first}.${last}`
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()}.${i}@example.com`;
    if (i <= 2) email = "flotte@transports-martin.example.com";
    else if (i === 3 || i === 4) email = "famille.bernard@example.com";
    else if (i % 9 === 8) email = null;
    const contractCount = i <= 2 ? 2 : business ? 3 : 1;
    customers.push({
      customerNumber: `C${String(100_201 + i * 37)}`,
      name: i <= 2 ? `Transports Martin ${["Nord", "Sud", "Est"][i]}` : name,
      email,
      contracts: Array.from({ length: contractCount }, (_, k) => ({
        number: `LOA-${2023 + ((i + k) % 3)}-${String(40_000 + i * 11 + k * 3).padStart(6, "0")}`,
        car: pick(CARS),
        monthly: (189 + Math.floor(rnd() * 420) + Math.floor(rnd() * 100) / 100).toFixed(2),
      })),
      street: `${1 + Math.floor(rnd() * 120)} rue ${pick(["de la Paix", "Victor Hugo", "des Lilas", "Pasteur", "Jean Jaurès"])}`,
      city: pick(CITIES),
    });
  }
  return customers;
}

function isoDate(year: number, month: number, day: number): string {
  return new Date(Date.UTC(year, month, day)).toISOString().slice(0, 10);
}

/** Creates the demo issuer "Démo Location" with customers, contracts and Factur-X invoices, through the issuers' code path. Idempotent. */
export const DEMO_REFUSED_IN_PRODUCTION =
  "the demo is refused when NODE_ENV=production: it creates a portal whose password is published in the README and mails its customers";

export async function seedDemo(
  services: Services,
  options: { io?: CliIo; now?: Date } = {},
): Promise<{ created: boolean; identifier: string; password: string }> {
  // The demo publishes a known password and mails its customers: never on a production platform.
  if (services.config.production) throw new Error(DEMO_REFUSED_IN_PRODUCTION);
  const { db, queue } = services;
  const existing = await findTenantBySlug(db, DEMO_SLUG);
  if (existing?.settings.demoReady) {
    return {
      created: false,
      identifier: String(existing.settings.demoIdentifier ?? ""),
      password: DEMO_PASSWORD,
    };
  }
  const started = Date.now();
  const tenant =
    existing ??
    (await createTenant(db, {
      slug: DEMO_SLUG,
      displayName: "Démo Location",
      primaryColor: "#0b5d6b",
      actor: { type: "platform", id: "demo" },
    }));
  const customers = demoCustomers();
  const actor = { type: "system" as const, id: "demo" };

  for (const c of customers) {
    await upsertCustomer(db, {
      queue,
      tenantId: tenant.id,
      customerNumber: c.customerNumber,
      name: c.name,
      email: c.email,
      contracts: c.contracts.map((k) => k.number),
      actor,
    });
  }

  // The fleet manager's account is the one printed at start: its password is set, so it is active and gets no activation mail.
  const [fleet] = await db.query<{ id: string; identifier: string }>(
    "select id, identifier from accounts where tenant_id = $1 and email = $2",
    [tenant.id, customers[0]!.email],
  );
  await setAccountPassword(db, tenant.id, fleet!.id, await hashPassword(DEMO_PASSWORD));

  const now = options.now ?? new Date();
  const rnd = random(7);
  let published = 0;
  let sequence = 0;
  for (let monthsAgo = 25; monthsAgo >= 0; monthsAgo--) {
    const year = now.getUTCFullYear();
    const month = now.getUTCMonth() - monthsAgo;
    const issueDate = isoDate(year, month, 5);
    if (issueDate > now.toISOString().slice(0, 10)) continue;
    for (const [index, customer] of customers.entries()) {
      // Not every customer each month: ~150 invoices over 26 months, more for the fleet.
      const everyMonth = index <= 2;
      if (!everyMonth && (monthsAgo + index) % 8 !== 0) continue;
      const contract = customer.contracts[(monthsAgo + index) % customer.contracts.length]!;
      const creditNote = !everyMonth && rnd() < 0.08;
      sequence++;
      const input: FacturXInput = {
        invoiceNumber: `${creditNote ? "AV" : "FA"}-${issueDate.slice(0, 7).replace("-", "")}-${String(sequence).padStart(5, "0")}`,
        typeCode: creditNote ? "381" : "380",
        issueDate,
        dueDate: isoDate(year, month, 20),
        currency: "EUR",
        seller: SELLER,
        buyer: {
          name: customer.name,
          id: customer.customerNumber,
          address: {
            line1: customer.street,
            postcode: customer.city[0],
            city: customer.city[1],
            countryCode: "FR",
          },
        },
        contractNumber: contract.number,
        paymentReference: `${customer.customerNumber}-${issueDate.slice(0, 7)}`,
        lines: creditNote
          ? [
              {
                description: `Régularisation kilométrique – ${contract.car}`,
                quantity: "1",
                unitPrice: (Number(contract.monthly) / 4).toFixed(2),
                vatRatePercent: "20",
              },
            ]
          : [
              {
                description: `Loyer mensuel – ${contract.car} (contrat ${contract.number})`,
                quantity: "1",
                unitPrice: contract.monthly,
                vatRatePercent: "20",
              },
              {
                description: "Prestation entretien et assistance",
                quantity: "1",
                unitPrice: "24.90",
                vatRatePercent: "20",
              },
            ],
      };
      const bytes = await buildFacturX(input, { brandColor: "#0b5d6b", title: "Démo Location" });
      const publishedAt = new Date(`${issueDate}T08:00:00Z`);
      await publishInvoice(
        { ...publishDeps(services), db, now: () => publishedAt },
        { tenant, bytes, actor },
      );
      published++;
    }
  }
  // A few B2B invoices of the fleet (issue #16): transmitted to the issuer's plateforme agréée, with the
  // lifecycle its PA reports (src/demo/seed-demo-pa.ts). The invoices above stay as they were.
  const fleetCustomer = customers[0]!;
  const b2bStarted = Date.now();
  const b2b = await seedDemoPa(services, {
    tenant,
    seller: SELLER,
    customer: { ...fleetCustomer, contract: fleetCustomer.contracts[0]! },
    now,
  });
  const b2bMs = Date.now() - b2bStarted;
  published += b2b.invoices;
  // The demo's history is not news: no digest of two years of invoices for the fleet manager.
  await markAllInvoicesAnnounced(db, tenant.id);
  // 26 months of history with a shorter retention: the oldest invoices' dates have passed. The daily run
  // would remove them at 03:00; run it now so the demo never shows an invoice past its date.
  await runRetention(services, { now, tenantId: tenant.id });
  // Complete legal details and a contact block: the demo looks like a live portal and meets the rule that
  // keeps an incomplete portal closed in production (the demo itself is refused there).
  const settingsInput = {
    tenantId: tenant.id,
    actor: { type: "platform" as const, id: "demo", name: "demo" },
    ip: null,
  };
  await updateLegal(db, { ...settingsInput, legal: DEMO_LEGAL });
  await updateContact(db, { ...settingsInput, contact: DEMO_CONTACT });
  await updateFaq(db, { ...settingsInput, markdown: DEMO_FAQ });
  await mergeTenantSettings(db, tenant.id, { demoReady: true, demoIdentifier: fleet!.identifier });
  options.io?.out(
    `Demo tenant created: ${customers.length} customers, ${published} invoices, ${b2b.invoices} of them B2B with ${b2b.statuses} lifecycle statuses from the PA (${Date.now() - started} ms, B2B part ${b2bMs} ms).`,
  );
  return { created: true, identifier: fleet!.identifier, password: DEMO_PASSWORD };
}
