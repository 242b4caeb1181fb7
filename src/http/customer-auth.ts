import fastifyCookie from "@fastify/cookie";
import fastifyCsrf from "@fastify/csrf-protection";
import fastifyFormbody from "@fastify/formbody";
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { Database } from "../db/database.js";
import { CUSTOMER_ABSOLUTE_SECONDS, resolveCustomerSession } from "../domain/accounts/sessions.js";
import "./site.js";
import type { TenantRequest } from "./tenant-scope.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by `requireCustomer` on customer pages. */
    customer: {
      session: NonNullable<Awaited<ReturnType<typeof resolveCustomerSession>>>["session"];
      accountId: string;
      identifier: string;
      language: "fr" | "en";
      /** Changes whenever the account's invoice list does (see `account_list_versions`). */
      listVersion: number;
    } | null;
  }
}

export interface CustomerAuthOptions {
  db: Database;
  production: boolean;
  cookieSecret: string;
  now?: () => Date;
}

/**
 * Cookies, CSRF and customer sessions (docs/security.md S1-S5). In production the cookies are `__Host-`
 * prefixed: Secure, Path=/, no Domain, so a sibling subdomain can neither read nor plant them.
 */
export async function registerCustomerAuth(app: FastifyInstance, options: CustomerAuthOptions) {
  const prefix = options.production ? "__Host-" : "";
  const sessionCookie = `${prefix}efacture-session`;
  const cookieOptions = { path: "/", httpOnly: true, secure: options.production, sameSite: "lax" as const };
  const now = options.now ?? (() => new Date());

  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  await app.register(fastifyCookie, { secret: options.cookieSecret });
  await app.register(fastifyCsrf as unknown as FastifyPluginAsync<Record<string, unknown>>, {
    sessionPlugin: "@fastify/cookie",
    cookieKey: `${prefix}efacture-csrf`,
    cookieOpts: { ...cookieOptions, signed: true },
    getToken: (request: FastifyRequest) =>
      (request.body as Record<string, unknown> | undefined)?._csrf as string | undefined,
  });
  app.decorateRequest("customer", null);

  return {
    sessionCookie,
    readSessionCookie(request: FastifyRequest): string | undefined {
      return request.cookies[sessionCookie];
    },
    setSessionCookie(reply: FastifyReply, value: string) {
      reply.setCookie(sessionCookie, value, { ...cookieOptions, maxAge: CUSTOMER_ABSOLUTE_SECONDS });
    },
    clearSessionCookie(reply: FastifyReply) {
      reply.clearCookie(sessionCookie, cookieOptions);
    },
    /**
     * Every state change must come from this tenant's own pages: Origin (or Referer) when the browser
     * sends one — sibling subdomains are "same-site", so SameSite alone is not enough — and, after this
     * hook, the form's CSRF token (`app.csrfProtection`, once the body is parsed).
     */
    async checkOrigin(request: FastifyRequest, reply: FastifyReply) {
      const site = request.site;
      const expected = site.kind === "tenant" ? site.origin : undefined;
      // "null" is what a browser sends from a no-referrer page (our reset page): the CSRF token decides then.
      const origin =
        request.headers.origin && request.headers.origin !== "null"
          ? request.headers.origin
          : refererOrigin(request.headers.referer);
      if (origin !== undefined && origin !== expected) {
        request.log.warn(
          { event: "csrf.origin_refused", origin: origin.slice(0, 200) },
          "form posted from another origin",
        );
        return reply.code(403).send(new ForbiddenOrigin());
      }
    },
    /** Customer pages (inside the tenant scope): a live session of this tenant, or back to the login page. */
    async requireCustomer(request: TenantRequest, reply: FastifyReply) {
      // The session and its (active) account in one statement: this runs before every customer page.
      const found = await resolveCustomerSession(options.db, {
        tenantId: request.tenant.id,
        cookie: request.cookies[sessionCookie],
        now: now(),
      });
      if (!found?.identifier) {
        reply.clearCookie(sessionCookie, cookieOptions);
        return reply.redirect("/?message=session", 303);
      }
      const { session, identifier } = found;
      request.customer = {
        session,
        accountId: session.accountId!,
        identifier,
        language: found.language ?? "fr",
        listVersion: found.listVersion,
      };
    },
  };
}

export type CustomerAuth = Awaited<ReturnType<typeof registerCustomerAuth>>;

function refererOrigin(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return "invalid";
  }
}

class ForbiddenOrigin extends Error {
  readonly statusCode = 403;
  constructor() {
    super("form posted from another origin");
  }
}
