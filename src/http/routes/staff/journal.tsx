import { Readable } from "node:stream";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Services } from "../../../app.js";
import { appendAudit } from "../../../db/audit.repository.js";
import type { AuditFilter } from "../../../db/backoffice.queries.js";
import { listStaff } from "../../../db/staff.repository.js";
import { journalBatches, listJournal } from "../../../domain/staff/audit-journal.js";
import { parisDayStart } from "../../../domain/staff/paris-time.js";
import { csvField } from "../../invoice-csv.js";
import type { StaffAuth } from "../../staff-auth.js";
import { actorLabel, detailsText, JournalPage, type JournalQuery } from "../../views/staff/journal.view.js";
import { AUDIT_ACTION_LABELS } from "../../views/staff/messages.fr.js";
import { tenantBranding } from "../portal.js";
import { staffActor, staffHeader, tenantOf } from "./customers.js";

type Query = Partial<Record<keyof JournalQuery | "before", string>>;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function readQuery(query: Query): JournalQuery {
  const text = (v: string | undefined, max: number) => (typeof v === "string" ? v.trim().slice(0, max) : "");
  return {
    actor: UUID.test(text(query.actor, 36)) ? text(query.actor, 36) : "",
    customer: text(query.customer, 64),
    action: Object.hasOwn(AUDIT_ACTION_LABELS, text(query.action, 64)) ? text(query.action, 64) : "",
    from: DATE.test(text(query.from, 10)) ? text(query.from, 10) : "",
    to: DATE.test(text(query.to, 10)) ? text(query.to, 10) : "",
  };
}

async function toFilter(
  services: Services,
  tenantId: string,
  q: JournalQuery,
  before?: string,
): Promise<AuditFilter | undefined> {
  const filter: AuditFilter = {};
  if (q.actor) filter.actorId = q.actor;
  if (q.action) filter.action = q.action;
  if (q.from) filter.from = parisDayStart(q.from);
  if (q.to) filter.to = new Date(parisDayStart(q.to).getTime() + 86400_000);
  if (before && /^\d{1,15}$/.test(before)) filter.beforeSeq = Number(before);
  if (q.customer) {
    const rows = await services.db.query<{ id: string; accountId: string | null }>(
      `select id, account_id as "accountId" from customers where tenant_id = $1 and customer_number = $2`,
      [tenantId, q.customer],
    );
    if (rows.length === 0) return undefined;
    filter.targetIds = [rows[0]!.id, ...(rows[0]!.accountId ? [rows[0]!.accountId] : [])];
  }
  return filter;
}

function queryString(q: JournalQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, ...extra })) if (v) params.set(k, v);
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** The tenant's audit trail: filters, keyset pages, each link checked, streamed CSV export. */
export async function staffJournalRoutes(app: FastifyInstance, services: Services, auth: StaffAuth) {
  const page = { onRequest: [auth.requireStaff] };

  app.get<{ Querystring: Query }>("/conseiller/journal", page, async (request, reply) => {
    const tenant = tenantOf(request);
    const q = readQuery(request.query);
    const filter = await toFilter(services, tenant.id, q, request.query.before);
    const { entries, nextBefore } = filter
      ? await listJournal(services.db, { tenantId: tenant.id, filter })
      : { entries: [], nextBefore: undefined };
    const staffOptions = (await listStaff(services.db, tenant.id)).map((s) => ({ id: s.id, email: s.email }));
    return reply.html(
      <JournalPage
        branding={tenantBranding(tenant)}
        staff={staffHeader(request, reply)}
        query={q}
        staffOptions={staffOptions}
        entries={entries}
        nextUrl={
          nextBefore ? `/conseiller/journal${queryString(q, { before: String(nextBefore) })}` : undefined
        }
        csvUrl={`/conseiller/journal.csv${queryString(q)}`}
        error={filter ? undefined : `Aucun client n’a le numéro « ${q.customer} ».`}
      />,
    );
  });

  app.get<{ Querystring: Query }>(
    "/conseiller/journal.csv",
    page,
    async (request: FastifyRequest<{ Querystring: Query }>, reply) => {
      const tenant = tenantOf(request);
      const q = readQuery(request.query);
      const filter = (await toFilter(services, tenant.id, q)) ?? { targetIds: [] };
      await services.db.transaction((tx) =>
        appendAudit(tx, {
          tenantId: tenant.id,
          actorType: "staff",
          actorId: request.staff!.id,
          action: "audit.exported",
          ip: request.ip,
          details: { by: staffActor(request).name, filter: { ...q } },
        }),
      );
      const sep = ";";
      const header = [
        "N°",
        "Date (UTC)",
        "Auteur",
        "Action",
        "Code",
        "Cible",
        "IP",
        "Détails",
        "Empreinte",
        "Chaînage",
      ];
      async function* lines() {
        yield `\uFEFF${header.map((h) => csvField(h, sep)).join(sep)}\r\n`;
        for await (const batch of journalBatches(services.db, { tenantId: tenant.id, filter })) {
          let chunk = "";
          for (const e of batch) {
            chunk += `${[
              String(e.seq),
              new Date(e.at).toISOString(),
              actorLabel(e),
              AUDIT_ACTION_LABELS[e.action] ?? e.action,
              e.action,
              e.targetType ? `${e.targetType} ${e.targetId ?? ""}` : "",
              e.ip ?? "",
              detailsText(e.details),
              e.hash,
              e.chainOk ? "vérifié" : "rompu",
            ]
              .map((v) => csvField(v, sep))
              .join(sep)}\r\n`;
          }
          yield chunk;
        }
      }
      reply
        .header("content-type", "text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="journal-${tenant.slug}.csv"`)
        .header("cache-control", "no-store");
      return reply.send(Readable.from(lines()));
    },
  );
}
