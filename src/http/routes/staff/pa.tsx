import type { FastifyReply } from "fastify";
import type { Services } from "../../../app.js";
import {
  countTransmissions,
  findPaConnectionView,
  HOLD_REASONS,
  listInboundProblems,
  listTransmissions,
  PROBLEM_CODES,
  readPaMonths,
  TRANSMISSION_STATUSES,
  type TransmissionFilter,
} from "../../../db/pa-views.queries.js";
import { checkPaConnection, connectPa } from "../../../domain/pa/connect-pa.js";
import type { PaHealth } from "../../../domain/pa/flow-api.js";
import { subscribePaWebhook } from "../../../domain/pa/pa-webhooks.js";
import { DomainError } from "../../../domain/shared/errors.js";
import { createFlowClient } from "../../../pa/flow-client.js";
import type { StaffAuth } from "../../staff-auth.js";
import type { TenantRequest, TenantScope } from "../../tenant-scope.js";
import { PaAdminPage, TransmissionsPage, transmissionsCsv } from "../../views/staff/pa.view.js";
import { staffActor, staffHeader } from "./customers.js";

// The reform bridge in the back office (issue #16 item 5, docs/pa-bridge.md): every staff member sees the
// transmissions, their reasons and the monthly figures (to answer a customer); admins connect the PA (the
// same use case as `efacture pa connect`, audited by it), test it, and read the messages that matched nothing.

const LISTED = 200;
const CSV_ROWS = 10_000;
const PROBLEMS_LISTED = 100;
const MONTHS = 12;

type Query = { etat?: string; retenue?: string; statut?: string };

/** The list's filters from its query; an unknown value is ignored (the filter shows « Tous »). */
export function transmissionFilter(q: Query): TransmissionFilter {
  const filter: TransmissionFilter = {};
  const status = TRANSMISSION_STATUSES.find((s) => s === q.etat);
  if (status) filter.status = status;
  const hold = HOLD_REASONS.find((h) => h === q.retenue);
  if (hold) filter.holdReason = hold;
  const code = PROBLEM_CODES.find((c) => String(c) === q.statut);
  if (code) filter.code = code;
  return filter;
}

/** The first day of the month `months - 1` months ago (UTC): the figures' window. */
function monthsAgo(now: Date, months: number): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (months - 1), 1) - 2 * 3_600_000);
}

/** What the admin typed, in French words when it cannot be a connection; undefined when it can be tried. */
export function connectionFormProblem(b: Record<string, string>): string | undefined {
  const url = (value: string) => {
    try {
      const u = new URL(value);
      return u.protocol === "https:" || u.protocol === "http:";
    } catch {
      return false;
    }
  };
  if (!b.flowUrl) return "Indiquez l’adresse du service Flow de la plateforme agréée.";
  if (!url(b.flowUrl)) return "L’adresse du service Flow doit être une adresse https:// complète.";
  if (b.authKind === "token") {
    if (!b.token) return "Saisissez le jeton que la plateforme vous a remis.";
  } else if (b.authKind === "oauth2") {
    if (!b.tokenUrl || !b.clientId || !b.clientSecret)
      return "Pour OAuth2, indiquez l’adresse du serveur d’autorisation, l’identifiant client et le secret client.";
    if (!url(b.tokenUrl))
      return "L’adresse du serveur d’autorisation doit être une adresse https:// complète.";
  } else return "Choisissez le mode d’authentification.";
  if (b.pollSeconds && !/^\d{1,5}$/.test(b.pollSeconds))
    return "La relève se règle en secondes, de 10 à 86\u202f400.";
  const poll = b.pollSeconds ? Number(b.pollSeconds) : 300;
  if (poll < 10 || poll > 86_400) return "La relève se règle en secondes, de 10 à 86\u202f400.";
  return undefined;
}

/** The domain's refusal (worded for the command line) in the admin's words. */
function connectionError(error: DomainError): string {
  const m = error.message;
  if (/user, password, query or fragment/.test(m))
    return "Une adresse ne doit contenir ni identifiant, ni mot de passe, ni paramètres (?…), ni ancre (#…).";
  if (/not a URL|https:\/\//.test(m)) return "Une adresse n’est pas une adresse https:// valide.";
  if (/secret is empty or spans several lines/.test(m))
    return "Le secret est vide ou tient sur plusieurs lignes.";
  if (/poll-seconds/.test(m)) return "La relève se règle en secondes, de 10 à 86\u202f400.";
  return "La connexion n’a pas été enregistrée\u00a0: vérifiez les champs.";
}

export async function staffPaRoutes(app: TenantScope, services: Services, auth: StaffAuth) {
  const page = { onRequest: [auth.requireStaff] };
  const adminPage = { onRequest: [auth.requireStaff, auth.requireAdmin] };
  const adminForm = {
    onRequest: [auth.requireStaff, auth.requireAdmin],
    preHandler: [auth.checkOrigin, app.csrfProtection],
  };
  const field = (v: unknown, max: number) => (typeof v === "string" ? v.trim().slice(0, max) : "");

  app.get<{ Querystring: Query }>("/conseiller/plateforme", page, async (request, reply) => {
    const tenantId = request.tenant.id;
    const filter = transmissionFilter(request.query);
    const [{ rows, more }, counts, months, connection] = await Promise.all([
      listTransmissions(services.db, tenantId, filter, LISTED),
      countTransmissions(services.db, tenantId),
      readPaMonths(services.db, tenantId, monthsAgo(new Date(), MONTHS)),
      findPaConnectionView(services.db, tenantId),
    ]);
    reply.header("cache-control", "no-store");
    return reply.html(
      <TransmissionsPage
        branding={request.portal.branding}
        staff={staffHeader(request, reply)}
        filter={filter}
        rows={rows}
        more={more}
        counts={counts}
        months={months}
        connected={connection !== undefined}
      />,
    );
  });

  app.get<{ Querystring: Query }>("/conseiller/plateforme.csv", page, async (request, reply) => {
    const filter = transmissionFilter(request.query);
    const { rows } = await listTransmissions(services.db, request.tenant.id, filter, CSV_ROWS);
    reply
      .header("content-type", "text/csv; charset=utf-8")
      .header("content-disposition", `attachment; filename="transmissions-${request.tenant.slug}.csv"`)
      .header("cache-control", "no-store")
      .header("x-content-type-options", "nosniff");
    return transmissionsCsv(rows);
  });

  async function adminPageFor(
    request: TenantRequest,
    reply: FastifyReply,
    extra: {
      health?: PaHealth;
      form?: Record<string, string>;
      message?: { kind: "error" | "success"; text: string };
    } = {},
  ) {
    const tenantId = request.tenant.id;
    const [connection, problems] = await Promise.all([
      findPaConnectionView(services.db, tenantId),
      listInboundProblems(services.db, tenantId, PROBLEMS_LISTED),
    ]);
    reply.header("cache-control", "no-store");
    return reply.html(
      <PaAdminPage
        branding={request.portal.branding}
        staff={staffHeader(request, reply)}
        connection={connection}
        problems={problems}
        {...extra}
      />,
    );
  }

  app.get<{ Querystring: { message?: string } }>(
    "/conseiller/admin/plateforme",
    adminPage,
    async (request, reply) =>
      adminPageFor(
        request,
        reply,
        request.query.message === "connected"
          ? {
              message: {
                kind: "success",
                text: "Connexion enregistrée. Le secret est chiffré et ne sera plus affiché. Les statuts arriveront par le webhook abonné auprès de la plateforme et par la relève périodique.",
              },
            }
          : request.query.message === "connected-no-webhook"
            ? {
                message: {
                  kind: "error",
                  text: "Connexion enregistrée, mais la plateforme a refusé l’abonnement au webhook ou n’a pas répondu : les statuts seront relevés périodiquement. Réessayez plus tard en enregistrant de nouveau la connexion.",
                },
              }
            : {},
      ),
  );

  app.post("/conseiller/admin/plateforme/connexion", adminForm, async (request, reply) => {
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const b = {
      flowUrl: field(raw.flowUrl, 2000),
      authKind: field(raw.authKind, 10),
      tokenUrl: field(raw.tokenUrl, 2000),
      clientId: field(raw.clientId, 200),
      clientSecret: field(raw.clientSecret, 4096),
      token: field(raw.token, 4096),
      pollSeconds: field(raw.pollSeconds, 10),
    };
    // Back in the form after an error: what was typed, never a secret.
    const typed = {
      flowUrl: b.flowUrl,
      authKind: b.authKind,
      tokenUrl: b.tokenUrl,
      clientId: b.clientId,
      pollSeconds: b.pollSeconds,
    };
    const problem = connectionFormProblem(b);
    if (problem) {
      reply.code(400);
      return adminPageFor(request, reply, { form: typed, message: { kind: "error", text: problem } });
    }
    const actor = staffActor(request);
    try {
      await connectPa(
        { db: services.db, queue: services.queue, platformSecret: services.cookieSecret },
        {
          tenantId: request.tenant.id,
          flowUrl: b.flowUrl,
          ...(b.authKind === "oauth2"
            ? { tokenUrl: b.tokenUrl, clientId: b.clientId, clientSecret: b.clientSecret }
            : { token: b.token }),
          ...(b.pollSeconds ? { pollSeconds: Number(b.pollSeconds) } : {}),
          actor: { type: "staff", id: actor.id, ip: request.ip },
        },
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      reply.code(400);
      return adminPageFor(request, reply, {
        form: typed,
        message: { kind: "error", text: connectionError(error) },
      });
    }
    // As `efacture pa connect`: subscribe the tenant's webhook; a PA that refuses leaves polling at work.
    try {
      await subscribePaWebhook(
        {
          db: services.db,
          flowApi: createFlowClient({ requestTimeoutMs: 10_000 }),
          platformSecret: services.cookieSecret,
          publicBaseUrl: services.config.publicBaseUrl,
        },
        request.tenant.id,
        request.tenant.slug,
        { type: "staff", id: actor.id },
      );
    } catch (error) {
      request.log.warn({ err: error }, "PA webhook not subscribed after a connection from the back office");
      return reply.redirect("/conseiller/admin/plateforme?message=connected-no-webhook", 303);
    }
    return reply.redirect("/conseiller/admin/plateforme?message=connected", 303);
  });

  app.post("/conseiller/admin/plateforme/test", adminForm, async (request, reply) => {
    try {
      const report = await checkPaConnection(
        {
          db: services.db,
          flowApi: createFlowClient({ requestTimeoutMs: 10_000 }),
          platformSecret: services.cookieSecret,
        },
        request.tenant.id,
      );
      return adminPageFor(request, reply, { health: report.health });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      reply.code(409);
      return adminPageFor(request, reply, {
        message: { kind: "error", text: "Aucune plateforme agréée n’est connectée\u00a0: rien à tester." },
      });
    }
  });
}
