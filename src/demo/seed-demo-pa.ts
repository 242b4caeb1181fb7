import { publishDeps, type Services } from "../app.js";
import type { TenantRow } from "../db/tenants.repository.js";
import { publishInvoice } from "../domain/invoices/publish-invoice.js";
import { connectPa } from "../domain/pa/connect-pa.js";
import { pollPaStatuses } from "../domain/pa/ingest-statuses.js";
import { recordPayment } from "../domain/pa/record-payment.js";
import { transmitInvoice } from "../domain/pa/transmit-invoice.js";
import { transmitPayment } from "../domain/pa/transmit-payment.js";
import { validatePublishedInvoice } from "../domain/validation/validate-invoice.js";
import { buildFacturX, type FacturXInput, type FacturXParty } from "../einvoice/index.js";
import { checkCdar } from "../pa/cdar-rules.js";
import { createDemoPa, type DemoCdar } from "./demo-pa.js";

// The demo's B2B invoices (issue #16): a business customer of Démo Location receives a few invoices routed B2B
// (BAR note), transmitted to the issuer's plateforme agréée and followed by the lifecycle statuses that PA
// reports (CDAR), so that `npm start` shows a duplicata with its timeline beside the B2C originals.
// Everything goes through the real use cases: publishInvoice, validatePublishedInvoice (which queues the
// transmission), transmitInvoice (POST /v1/flows, then the acknowledgement) and pollPaStatuses (search,
// download, CDAR XSD check, match, record once) — against the in-memory PA of ./demo-pa.ts.

/**
 * Where the demo tenant's connection points: a reserved name (RFC 2606 `.invalid`) that never resolves, so
 * the worker's status poll (once a day) and the admin page's test say plainly that no PA answers after seeding.
 */
export const DEMO_PA_URL = "https://pa.demo-location.invalid/flow-service";
/** The demo customer's SIREN (valid check digit), written as the buyer's legal registration (BT-47). */
export const DEMO_BUYER_SIREN = "812345676";

const DAY = 86_400_000;
const HOUR = 3_600_000;

export interface DemoB2bCustomer {
  customerNumber: string;
  name: string;
  contract: { number: string; car: string; monthly: string };
  street: string;
  city: readonly [string, string];
}

/** One B2B invoice of the demo and what the PA reports about it, in days after its transmission. */
interface Scenario {
  monthsAgo: number;
  statuses: { code: number; afterDays: number; role: string; reasonCode?: string; reasonText?: string }[];
}

const SCENARIOS: Scenario[] = [
  {
    // Approved, paid, and the issuer's collection reported: the full lifecycle up to 212.
    monthsAgo: 3,
    statuses: [
      { code: 200, afterDays: 0, role: "WK" },
      { code: 202, afterDays: 0, role: "WK" },
      { code: 203, afterDays: 0, role: "WK" },
      { code: 204, afterDays: 2, role: "BY" },
      { code: 205, afterDays: 4, role: "BY" },
      { code: 212, afterDays: 16, role: "SE" },
    ],
  },
  {
    monthsAgo: 2,
    statuses: [
      { code: 200, afterDays: 0, role: "WK" },
      { code: 202, afterDays: 0, role: "WK" },
      { code: 203, afterDays: 0, role: "WK" },
      { code: 204, afterDays: 1, role: "BY" },
      {
        code: 207,
        afterDays: 3,
        role: "BY",
        reasonCode: "MONTANTTOTAL_ERR",
        reasonText: "Le loyer facturé ne tient pas compte de l’avenant du 1er du mois (kilométrage réduit).",
      },
    ],
  },
  {
    monthsAgo: 1,
    statuses: [
      { code: 200, afterDays: 0, role: "WK" },
      { code: 202, afterDays: 0, role: "WK" },
      { code: 203, afterDays: 0, role: "WK" },
      {
        code: 210,
        afterDays: 2,
        role: "BY",
        reasonCode: "CONTRAT_TERM",
        reasonText: "Véhicule restitué à la fin du mois précédent : le contrat est terminé.",
      },
    ],
  },
  {
    monthsAgo: 0,
    statuses: [
      { code: 200, afterDays: 0, role: "WK" },
      { code: 202, afterDays: 0, role: "WK" },
      { code: 203, afterDays: 0, role: "WK" },
      { code: 204, afterDays: 1, role: "BY" },
      { code: 205, afterDays: 2, role: "BY" },
    ],
  },
];

/**
 * Publishes the demo's B2B invoices for `customer`, connects the tenant to the demo PA, transmits them and
 * records their lifecycle. Returns how many invoices and statuses were recorded.
 */
export async function seedDemoPa(
  services: Services,
  input: { tenant: TenantRow; seller: FacturXParty; customer: DemoB2bCustomer; now: Date },
): Promise<{ invoices: number; statuses: number }> {
  const { tenant, seller, customer, now } = input;
  const actor = { type: "system" as const, id: "demo" };
  let clock = now;
  const demoPa = createDemoPa(() => clock);
  const logger = services.logger;

  await connectPa(
    { db: services.db, queue: services.queue, platformSecret: services.cookieSecret },
    {
      tenantId: tenant.id,
      flowUrl: DEMO_PA_URL,
      token: "demo-token-not-a-secret",
      pollSeconds: 86_400,
      actor: { type: "platform", id: "demo" },
    },
  );

  let invoices = 0;
  // The user waits for the seed: its checks run in a thread of their own at normal priority, not in the shared
  // pool, whose threads run only when a core is idle (on a busy machine, or under the tests' parallel workers,
  // that made a start wait for minutes).
  const { createValidatorPool } = await import("../einvoice/validation/validator-pool.js");
  const validator = createValidatorPool({ threads: 1, priority: "normal" });
  try {
    for (const [index, scenario] of SCENARIOS.entries()) {
      const issued = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - scenario.monthsAgo, 12));
      // The lifecycle of this month's invoice must be over by now: it is issued early enough.
      const lastDay = Math.max(...scenario.statuses.map((s) => s.afterDays));
      if (issued.getTime() + (lastDay + 1) * DAY > now.getTime())
        issued.setTime(now.getTime() - (lastDay + 2) * DAY);
      const issueDate = issued.toISOString().slice(0, 10);
      const invoiceNumber = `FE-${issueDate.slice(0, 7).replace("-", "")}-B2B${String(index + 1).padStart(2, "0")}`;
      const facturx: FacturXInput = {
        invoiceNumber,
        typeCode: "380",
        issueDate,
        dueDate: new Date(issued.getTime() + 30 * DAY).toISOString().slice(0, 10),
        currency: "EUR",
        seller,
        buyer: {
          name: customer.name,
          id: customer.customerNumber,
          siren: DEMO_BUYER_SIREN,
          vatId: `FR${String((12 + 3 * (Number(DEMO_BUYER_SIREN) % 97)) % 97).padStart(2, "0")}${DEMO_BUYER_SIREN}`,
          address: {
            line1: customer.street,
            postcode: customer.city[0],
            city: customer.city[1],
            countryCode: "FR",
          },
        },
        contractNumber: customer.contract.number,
        paymentReference: `${customer.customerNumber}-${issueDate.slice(0, 7)}-PRO`,
        processingRule: "B2B",
        lines: [
          {
            description: `Loyer professionnel – ${customer.contract.car} (contrat ${customer.contract.number})`,
            quantity: "1",
            unitPrice: customer.contract.monthly,
            vatRatePercent: "20",
          },
          {
            description: "Entretien et assistance flotte",
            quantity: "1",
            unitPrice: "39.90",
            vatRatePercent: "20",
          },
        ],
      };
      const bytes = await buildFacturX(facturx, { brandColor: "#0b5d6b", title: "Démo Location" });
      const publishedAt = new Date(`${issueDate}T08:00:00Z`);
      const { invoice } = await publishInvoice(
        { ...publishDeps(services), db: services.db, now: () => publishedAt },
        { tenant, bytes, actor },
      );
      const invoiceId = invoice.id;
      invoices++;
      // The official rules' verdict queues the transmission (B2B, passed): the same path as the worker's job.
      clock = new Date(publishedAt.getTime() + HOUR);
      await validatePublishedInvoice(
        {
          db: services.db,
          blobs: services.blobs,
          validator,
          logger,
          queue: services.queue,
          now: () => clock,
        },
        { tenantId: tenant.id, invoiceId },
      );
      const transmit = {
        db: services.db,
        blobs: services.blobs,
        queue: services.queue,
        flowApi: demoPa.flowApi,
        platformSecret: services.cookieSecret,
        logger,
        now: () => clock,
      };
      await transmitInvoice(transmit, invoiceId); // POST /v1/flows
      clock = new Date(clock.getTime() + 10_000);
      await transmitInvoice(transmit, invoiceId); // the acknowledgement (Ok)
      for (const status of scenario.statuses) {
        const at = new Date(publishedAt.getTime() + 2 * HOUR + status.afterDays * DAY + status.code * 60_000);
        if (status.code === 212) {
          // The issuer's collection: recorded as POST /api/v1/invoices/{id}/payments does, and its CDAR 212
          // built, checked by the FNFE rules and sent to the PA by the payment job's own code.
          clock = at;
          const total = ((Number(customer.contract.monthly) + 39.9) * 1.2).toFixed(2);
          const { payment } = await recordPayment(
            { db: services.db, queue: services.queue, now: () => clock },
            {
              tenantId: tenant.id,
              invoiceId,
              amount: total,
              date: at.toISOString().slice(0, 10),
              vatBreakdown: [{ rate: "20.00", amount: total }],
              idempotencyKey: `demo-${invoiceNumber}`,
              actor: { type: "platform", id: "demo" },
            },
          );
          const pay = {
            db: services.db,
            queue: services.queue,
            flowApi: demoPa.flowApi,
            platformSecret: services.cookieSecret,
            checkCdar,
            now: () => clock,
          };
          await transmitPayment(pay, payment.id); // POST /v1/flows (the CDAR 212)
          clock = new Date(clock.getTime() + 10_000);
          await transmitPayment(pay, payment.id); // the acknowledgement (Ok)
          continue;
        }
        const cdar: DemoCdar = {
          invoiceNumber,
          issueDate,
          sellerSiren: String(seller.siren),
          buyerSiren: DEMO_BUYER_SIREN,
          code: status.code,
          role: status.role,
          ...(status.reasonCode ? { reasonCode: status.reasonCode } : {}),
          ...(status.reasonText ? { reasonText: status.reasonText } : {}),
          at,
        };
        demoPa.emit(cdar);
      }
    }
  } finally {
    await validator.close();
  }
  // One poll reads every lifecycle flow of the demo PA: search, download, XSD check, match, record once.
  clock = now;
  const report = await pollPaStatuses(
    {
      db: services.db,
      flowApi: demoPa.flowApi,
      platformSecret: services.cookieSecret,
      checkCdar,
      now: () => now,
    },
    tenant.id,
  );
  return { invoices, statuses: report.recorded };
}
