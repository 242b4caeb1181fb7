import type { Services } from "../../../app.js";
import { listFailedInvoicesOfMonth, readComplianceMonth } from "../../../db/compliance.queries.js";
import { findInvoicePaView } from "../../../db/pa-views.queries.js";
import { viewInvoiceCompliance } from "../../../domain/staff/invoice-compliance.js";
import { parisDayStart } from "../../../domain/staff/paris-time.js";
import { parseUuid } from "../../ids.js";
import type { StaffAuth } from "../../staff-auth.js";
import type { TenantScope } from "../../tenant-scope.js";
import {
  ComplianceMonthPage,
  complianceCsv,
  InvoiceCompliancePage,
} from "../../views/staff/compliance.view.js";
import { staffActor, staffHeader } from "./customers.js";

const FAILED_LISTED = 200;

/** The month asked for (`mois=YYYY-MM`), else the current one in Paris; with its bounds and neighbours. */
export function complianceMonth(value: unknown, now = new Date()) {
  const current = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Europe/Paris",
    year: "numeric",
    month: "2-digit",
  }).format(now);
  const month =
    typeof value === "string" && /^\d{4}-(0[1-9]|1[0-2])$/.test(value) && value <= current ? value : current;
  const [y, m] = month.split("-").map(Number) as [number, number];
  const shift = (by: number) => {
    const d = new Date(Date.UTC(y, m - 1 + by, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
  };
  const label = new Intl.DateTimeFormat("fr-FR", { month: "long", year: "numeric", timeZone: "UTC" }).format(
    new Date(Date.UTC(y, m - 1, 15)),
  );
  return {
    month,
    label,
    from: parisDayStart(`${month}-01`),
    to: parisDayStart(`${shift(1)}-01`),
    previous: shift(-1),
    next: month < current ? shift(1) : undefined,
  };
}

/** The compliance check in the back office: an invoice's findings (staff), the monthly counts (admins). */
export async function staffComplianceRoutes(app: TenantScope, services: Services, auth: StaffAuth) {
  const page = { onRequest: [auth.requireStaff] };
  const admin = { onRequest: [auth.requireStaff, auth.requireAdmin] };

  app.get<{ Params: { id: string } }>("/conseiller/factures/:id", page, async (request, reply) => {
    const invoiceId = parseUuid(request.params.id);
    const invoice = invoiceId
      ? await viewInvoiceCompliance(services.db, {
          tenantId: request.tenant.id,
          invoiceId,
          actor: staffActor(request),
          ip: request.ip,
        })
      : undefined;
    if (!invoice) return reply.callNotFound();
    const pa = await findInvoicePaView(services.db, request.tenant.id, invoice.id);
    const props = { branding: request.portal.branding, staff: staffHeader(request, reply), invoice, pa };
    return reply.html(<InvoiceCompliancePage {...props} />);
  });

  app.get<{ Querystring: { mois?: string } }>(
    "/conseiller/admin/conformite",
    admin,
    async (request, reply) => {
      const m = complianceMonth(request.query.mois);
      const [{ totals, rules }, failed] = await Promise.all([
        readComplianceMonth(services.db, request.tenant.id, m.from, m.to),
        listFailedInvoicesOfMonth(services.db, request.tenant.id, m.from, m.to, FAILED_LISTED),
      ]);
      const base = { branding: request.portal.branding, staff: staffHeader(request, reply) };
      const when = { month: m.month, monthLabel: m.label, previous: m.previous, next: m.next };
      return reply.html(
        <ComplianceMonthPage {...base} {...when} totals={totals} rules={rules} failed={failed} />,
      );
    },
  );

  app.get<{ Querystring: { mois?: string } }>(
    "/conseiller/admin/conformite.csv",
    admin,
    async (request, reply) => {
      const m = complianceMonth(request.query.mois);
      const { totals, rules } = await readComplianceMonth(services.db, request.tenant.id, m.from, m.to);
      reply
        .header("content-type", "text/csv; charset=utf-8")
        .header(
          "content-disposition",
          `attachment; filename="conformite-${request.tenant.slug}-${m.month}.csv"`,
        )
        .header("cache-control", "no-store");
      return complianceCsv(m.month, totals, rules);
    },
  );
}
