import { Readable } from "node:stream";
import type { Services } from "../../../app.js";
import { listStaff } from "../../../db/staff.queries.js";
import { exportJournal, viewJournal } from "../../../domain/staff/audit-journal.js";
import { parseUuid } from "../../ids.js";
import type { StaffAuth } from "../../staff-auth.js";
import type { TenantScope } from "../../tenant-scope.js";
import { JournalPage, type JournalQuery, journalCsv } from "../../views/staff/journal.view.js";
import { AUDIT_ACTION_LABELS } from "../../views/staff/messages.fr.js";
import { staffActor, staffHeader } from "./customers.js";

type Query = Partial<Record<keyof JournalQuery | "before", string>>;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
function readQuery(query: Query): JournalQuery {
  const text = (v: string | undefined, max: number) => (typeof v === "string" ? v.trim().slice(0, max) : "");
  return {
    actor: parseUuid(text(query.actor, 36)) ?? "",
    customer: text(query.customer, 64),
    action: Object.hasOwn(AUDIT_ACTION_LABELS, text(query.action, 64)) ? text(query.action, 64) : "",
    from: DATE.test(text(query.from, 10)) ? text(query.from, 10) : "",
    to: DATE.test(text(query.to, 10)) ? text(query.to, 10) : "",
  };
}

function queryString(q: JournalQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, ...extra })) if (v) params.set(k, v);
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** The tenant's audit trail: filters, keyset pages, each link checked, streamed CSV export. */
export async function staffJournalRoutes(app: TenantScope, services: Services, auth: StaffAuth) {
  const page = { onRequest: [auth.requireStaff] };

  app.get<{ Querystring: Query }>("/conseiller/journal", page, async (request, reply) => {
    const { tenant } = request;
    const q = readQuery(request.query);
    const { entries, nextBefore, unknownCustomer } = await viewJournal(services.db, {
      tenantId: tenant.id,
      criteria: q,
      before: request.query.before,
    });
    const staffOptions = (await listStaff(services.db, tenant.id)).map((s) => ({ id: s.id, email: s.email }));
    return reply.html(
      <JournalPage
        branding={request.portal.branding}
        staff={staffHeader(request, reply)}
        query={q}
        staffOptions={staffOptions}
        entries={entries}
        nextUrl={
          nextBefore ? `/conseiller/journal${queryString(q, { before: String(nextBefore) })}` : undefined
        }
        csvUrl={`/conseiller/journal.csv${queryString(q)}`}
        error={unknownCustomer ? `Aucun client n’a le numéro « ${q.customer} ».` : undefined}
      />,
    );
  });

  app.get<{ Querystring: Query }>("/conseiller/journal.csv", page, async (request, reply) => {
    const { tenant } = request;
    const batches = await exportJournal(services.db, {
      tenantId: tenant.id,
      criteria: readQuery(request.query),
      actor: staffActor(request),
      ip: request.ip,
    });
    reply
      .header("content-type", "text/csv; charset=utf-8")
      .header("content-disposition", `attachment; filename="journal-${tenant.slug}.csv"`)
      .header("cache-control", "no-store");
    return reply.send(Readable.from(journalCsv(batches)));
  });
}
