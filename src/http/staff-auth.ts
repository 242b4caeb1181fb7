import type { FastifyReply, FastifyRequest } from "fastify";
import type { Database } from "../db/database.js";
import type { StaffRole } from "../db/staff.queries.js";
import {
  resolveStaffSession,
  SECOND_FACTOR_SECONDS,
  STAFF_ABSOLUTE_SECONDS,
} from "../domain/staff/staff-log-in.js";
import { ENROLMENT_SECRET_SECONDS } from "../domain/staff/totp.js";
import type { CustomerAuth } from "./customer-auth.js";
import { parseUuid } from "./ids.js";
import "./site.js";
import type { TenantRequest } from "./tenant-scope.js";

export interface SignedInStaff {
  id: string;
  email: string;
  displayName: string;
  role: StaffRole;
  /** How the staff member appears in audit entries. */
  name: string;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set by `requireStaff` on back-office pages. */
    staff: SignedInStaff | null;
  }
}

/** A browser's form post (its Accept names HTML), as opposed to a script's request. */
function wantsHtml(request: FastifyRequest): boolean {
  return /\btext\/html\b/i.test(String(request.headers.accept ?? ""));
}

/**
 * Staff sessions (docs/security.md A3, S1-S5): a cookie of their own (`__Host-efacture_staff` in production),
 * never the customer's; 15 minutes idle, 12 hours at most; bound to the tenant of the host. Forms reuse
 * the portal's CSRF token and Origin check.
 */
export function createStaffAuth(options: {
  db: Database;
  production: boolean;
  customerAuth: CustomerAuth;
  /** The page an advisor sees on an admin page. */
  forbiddenPage: () => JSX.Element;
  now?: () => Date;
}) {
  const prefix = options.production ? "__Host-" : "";
  const sessionCookie = `${prefix}efacture_staff`;
  const pendingCookie = `${prefix}efacture_staff_2fa`;
  const enrolmentCookie = `${prefix}efacture_staff_enrol`;
  const cookieOptions = { path: "/", httpOnly: true, secure: options.production, sameSite: "lax" as const };
  const now = options.now ?? (() => new Date());

  // Route hooks are typed by Fastify (a plain request): the tenant scope's own onRequest hook ran before them
  // and set `request.tenant` (the platform host never gets this far).
  async function resolve(request: FastifyRequest) {
    return resolveStaffSession(options.db, {
      tenantId: (request as TenantRequest).tenant.id,
      cookie: request.cookies[sessionCookie],
      now: now(),
    });
  }

  return {
    sessionCookie,
    readSessionCookie: (request: FastifyRequest) => request.cookies[sessionCookie],
    setSessionCookie(reply: FastifyReply, value: string) {
      reply.setCookie(sessionCookie, value, { ...cookieOptions, maxAge: STAFF_ABSOLUTE_SECONDS });
    },
    clearSessionCookie(reply: FastifyReply) {
      reply.clearCookie(sessionCookie, cookieOptions);
    },
    /** Between the password and the code: the staff id, signed, for 5 minutes. */
    setPending(reply: FastifyReply, staffId: string) {
      const until = now().getTime() + SECOND_FACTOR_SECONDS * 1000;
      reply.setCookie(pendingCookie, `${staffId}.${until}`, {
        ...cookieOptions,
        signed: true,
        maxAge: SECOND_FACTOR_SECONDS,
      });
    },
    readPending(request: FastifyRequest): string | undefined {
      const raw = request.cookies[pendingCookie];
      if (!raw) return undefined;
      const unsigned = request.unsignCookie(raw);
      if (!unsigned.valid || !unsigned.value) return undefined;
      const [staffId, until] = unsigned.value.split(".");
      if (!parseUuid(staffId) || !(Number(until) > now().getTime())) return undefined;
      return staffId;
    },
    clearPending(reply: FastifyReply) {
      reply.clearCookie(pendingCookie, cookieOptions);
    },
    /** The TOTP secret this browser was shown at enrolment, sealed (`sealEnrolmentSecret`); nowhere else until confirmed. */
    setEnrolmentSecret(reply: FastifyReply, sealed: string) {
      reply.setCookie(enrolmentCookie, sealed, { ...cookieOptions, maxAge: ENROLMENT_SECRET_SECONDS });
    },
    readEnrolmentSecret: (request: FastifyRequest): string | undefined => request.cookies[enrolmentCookie],
    clearEnrolmentSecret(reply: FastifyReply) {
      reply.clearCookie(enrolmentCookie, cookieOptions);
    },
    checkOrigin: options.customerAuth.checkOrigin,
    /** Back-office pages (inside the tenant scope): a live staff session of this tenant, or the staff login page. A customer session is not one. */
    async requireStaff(request: FastifyRequest, reply: FastifyReply) {
      reply.header("cache-control", "no-store");
      const session = await resolve(request);
      if (!session) {
        reply.clearCookie(sessionCookie, cookieOptions);
        if (request.method === "GET") return reply.redirect("/conseiller/connexion?message=session", 303);
        // An expired session or a stray script: expected traffic, not a fault (warn, no stack). A browser
        // is sent to log in again; anything else gets a plain 403.
        request.log.warn(
          { event: "staff.session_required", method: request.method, url: request.url.split("?")[0] },
          "back-office request without a staff session",
        );
        if (wantsHtml(request)) return reply.redirect("/conseiller/connexion?message=session", 303);
        return reply
          .code(403)
          .type("text/plain; charset=utf-8")
          .send("Session conseiller requise : connectez-vous sur /conseiller/connexion.\n");
      }
      const staff = session.staff;
      request.staff = {
        id: staff.id,
        email: staff.email,
        displayName: staff.displayName,
        role: staff.role,
        name: staff.displayName ? `${staff.displayName} <${staff.email}>` : staff.email,
      };
    },
    /** Admin pages: an advisor gets 403. Runs after `requireStaff`. */
    async requireAdmin(request: FastifyRequest, reply: FastifyReply) {
      if (request.staff?.role !== "admin") {
        request.log.warn(
          { event: "staff.access_denied", staff: request.staff?.id, url: request.url.split("?")[0] },
          "admin page refused",
        );
        return reply.code(403).html(options.forbiddenPage());
      }
    },
  };
}

export type StaffAuth = ReturnType<typeof createStaffAuth>;
