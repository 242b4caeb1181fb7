import type { FastifyReply } from "fastify";
import QRCode from "qrcode";
import type { Services } from "../../../app.js";
import {
  completeStaffEnrolment,
  type EnrolmentView,
  openStaffEnrolment,
} from "../../../domain/staff/staff-enrolment.js";
import {
  checkStaffPassword,
  completeStaffLogIn,
  endStaffSession,
} from "../../../domain/staff/staff-log-in.js";
import type { StaffAuth } from "../../staff-auth.js";
import type { TenantRequest, TenantScope } from "../../tenant-scope.js";
import {
  StaffCodePage,
  StaffEnrolDonePage,
  StaffEnrolInvalidPage,
  StaffEnrolPage,
  StaffLoginPage,
} from "../../views/staff/auth.view.js";
import {
  CODE_REFUSED,
  enrolProblemText,
  loginRefusedText,
  STAFF_MESSAGES,
  type StaffMessage,
} from "../../views/staff/messages.fr.js";

const loginBody = {
  type: "object",
  required: ["email", "password"],
  properties: {
    email: { type: "string", maxLength: 1024 },
    password: { type: "string", maxLength: 4096 },
    _csrf: { type: "string" },
  },
} as const;
const codeBody = {
  type: "object",
  required: ["code"],
  properties: { code: { type: "string", maxLength: 64 }, _csrf: { type: "string" } },
} as const;
const enrolBody = {
  type: "object",
  required: ["password", "confirmation", "code"],
  properties: {
    password: { type: "string", maxLength: 4096 },
    confirmation: { type: "string", maxLength: 4096 },
    code: { type: "string", maxLength: 64 },
    _csrf: { type: "string" },
  },
} as const;

/** Staff login (password then TOTP), logout and enrolment (docs/security.md A3, L1-L3, S1-S5). */
export async function staffAuthRoutes(app: TenantScope, services: Services, auth: StaffAuth) {
  const noStore = { "cache-control": "no-store" };
  const form = { preHandler: [auth.checkOrigin, app.csrfProtection] };
  const enrolHeaders = { ...noStore, "referrer-policy": "no-referrer" };

  const renderCode = (request: TenantRequest, reply: FastifyReply, message?: StaffMessage) =>
    reply.html(
      <StaffCodePage branding={request.portal.branding} csrf={reply.generateCsrf()} message={message} />,
    );
  // GET spends nothing: the same secret again while this browser's cookie holds it, so the app the
  // person set up still matches.
  const openEnrolment = (request: TenantRequest<{ Params: { token: string } }>) =>
    openStaffEnrolment(services.db, {
      tenantId: request.tenant.id,
      tenantName: request.tenant.displayName,
      token: request.params.token,
      platformSecret: services.cookieSecret,
      sealedSecret: auth.readEnrolmentSecret(request),
    });
  const renderEnrolment = async (
    request: TenantRequest,
    reply: FastifyReply,
    view: EnrolmentView | undefined,
    message?: StaffMessage,
  ) => {
    const branding = request.portal.branding;
    if (!view) return reply.code(410).html(<StaffEnrolInvalidPage branding={branding} />);
    auth.setEnrolmentSecret(reply, view.sealedSecret);
    return reply.html(
      <StaffEnrolPage
        branding={branding}
        csrf={reply.generateCsrf()}
        action={request.url.split("?")[0]!}
        email={view.staff.email}
        qrDataUrl={await qrDataUrl(view.uri)}
        secret={view.secret}
        message={message}
      />,
    );
  };

  app.get<{ Querystring: { message?: string } }>("/conseiller/connexion", async (request, reply) => {
    reply.headers(noStore);
    return reply.html(
      <StaffLoginPage
        branding={request.portal.branding}
        csrf={reply.generateCsrf()}
        message={STAFF_MESSAGES[String(request.query.message ?? "")]}
      />,
    );
  });

  app.post<{ Body: { email: string; password: string } }>(
    "/conseiller/connexion",
    { ...form, schema: { body: loginBody } },
    async (request, reply) => {
      reply.headers(noStore);
      const result = await checkStaffPassword(services.db, {
        tenantId: request.tenant.id,
        email: request.body.email,
        password: request.body.password,
        ip: request.ip,
      });
      if (result.ok) {
        auth.setPending(reply, result.staffId);
        return reply.redirect("/conseiller/code", 303);
      }
      request.log.warn(
        { event: "staff.login_failed", tenant: request.tenant.slug, ip: request.ip },
        "staff login refused",
      );
      if (result.reason === "throttled")
        reply.code(429).header("retry-after", String(result.retryAfterSeconds));
      else reply.code(401);
      return reply.html(
        <StaffLoginPage
          branding={request.portal.branding}
          csrf={reply.generateCsrf()}
          email={request.body.email.slice(0, 320)}
          message={{ kind: "error", text: loginRefusedText(result) }}
        />,
      );
    },
  );

  app.get("/conseiller/code", async (request, reply) => {
    reply.headers(noStore);
    if (!auth.readPending(request)) return reply.redirect("/conseiller/connexion?message=code-expired", 303);
    return renderCode(request, reply);
  });

  app.post<{ Body: { code: string } }>(
    "/conseiller/code",
    { ...form, schema: { body: codeBody } },
    async (request, reply) => {
      reply.headers(noStore);
      const staffId = auth.readPending(request);
      if (!staffId) return reply.redirect("/conseiller/connexion?message=code-expired", 303);
      const result = await completeStaffLogIn(services.db, {
        tenantId: request.tenant.id,
        staffId,
        code: request.body.code,
        platformSecret: services.cookieSecret,
        ip: request.ip,
        userAgent: request.headers["user-agent"] ?? null,
        previousCookie: auth.readSessionCookie(request),
      });
      const log = { tenant: request.tenant.slug, staff: staffId, ip: request.ip };
      if (result.ok) {
        request.log.info({ event: "staff.login_succeeded", ...log }, "staff login");
        auth.clearPending(reply);
        auth.setSessionCookie(reply, result.sessionCookie);
        return reply.redirect("/conseiller", 303);
      }
      request.log.warn({ event: `staff.code_${result.reason}`, ...log }, "staff code refused");
      if (result.reason === "locked") auth.clearPending(reply);
      reply.code(result.reason === "locked" ? 429 : 401);
      return renderCode(request, reply, { kind: "error", text: CODE_REFUSED[result.reason] });
    },
  );

  app.post("/conseiller/deconnexion", form, async (request, reply) => {
    await endStaffSession(services.db, auth.readSessionCookie(request), new Date());
    auth.clearSessionCookie(reply);
    request.log.info({ event: "staff.logout", tenant: request.tenant.slug, ip: request.ip }, "staff logout");
    return reply.redirect("/conseiller/connexion?message=logged-out", 303);
  });

  // The token is in the path (the logger masks /conseiller/inscription/<token>); GET spends nothing.
  app.get<{ Params: { token: string } }>("/conseiller/inscription/:token", async (request, reply) => {
    reply.headers(enrolHeaders);
    return renderEnrolment(request, reply, await openEnrolment(request));
  });

  app.post<{ Params: { token: string }; Body: { password: string; confirmation: string; code: string } }>(
    "/conseiller/inscription/:token",
    { ...form, schema: { body: enrolBody } },
    async (request, reply) => {
      reply.headers(enrolHeaders);
      const result = await completeStaffEnrolment(services.db, {
        tenantId: request.tenant.id,
        token: request.params.token,
        password: request.body.password,
        confirmation: request.body.confirmation,
        code: request.body.code,
        platformSecret: services.cookieSecret,
        sealedSecret: auth.readEnrolmentSecret(request),
        ip: request.ip,
      });
      if (result.ok) {
        auth.clearEnrolmentSecret(reply);
        request.log.info(
          { event: "staff.enrolled", tenant: request.tenant.slug, staff: result.staff.id },
          "staff enrolled",
        );
        return reply.html(
          <StaffEnrolDonePage branding={request.portal.branding} codes={result.recoveryCodes} />,
        );
      }
      if ("invalidToken" in result) return renderEnrolment(request, reply, undefined);
      reply.code(422);
      return renderEnrolment(request, reply, await openEnrolment(request), {
        kind: "error",
        text: enrolProblemText(result.problem),
      });
    },
  );
}

async function qrDataUrl(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;
}
