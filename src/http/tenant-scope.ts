import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteShorthandOptions,
} from "fastify";
import type { TenantRow } from "../db/tenants.queries.js";
import type { Ui } from "../i18n/index.js";
import { requestUi } from "../i18n/request-locale.js";
import { tenantBranding } from "./routes/portal.js";
import type { Site } from "./site.js";
import type { Branding } from "./views/layout.js";

/** The site of a request inside the tenant scope: always a tenant's portal. */
export type TenantSite = Extract<Site, { kind: "tenant" }>;

/** What a route inside the tenant scope knows of its portal, besides the row itself. */
export interface Portal {
  /** `https://<slug>.<platform host>`: what Origin/Referer must be for a same-origin request. */
  origin: string;
  /** Name, logo, colour and icon for the page shell. */
  branding: Branding;
  /** Texts and formats in the visitor's language (call it after `requireCustomer`: the account's choice counts). */
  ui(): Ui;
}

/**
 * A request that reached a route inside the tenant scope: its tenant is known and not null. The type exists
 * only here, for the handlers the scope's `get`/`post` take: a route registered on the bare application gets
 * a plain FastifyRequest, where `request.tenant` does not exist (forgetting the scope does not compile).
 */
export type TenantRequest<RouteGeneric extends RouteGenericInterface = RouteGenericInterface> =
  FastifyRequest<RouteGeneric> & {
    site: TenantSite;
    tenant: TenantRow;
    portal: Portal;
  };

type TenantHandler<RouteGeneric extends RouteGenericInterface> = (
  this: FastifyInstance,
  request: TenantRequest<RouteGeneric>,
  reply: FastifyReply<RouteGeneric>,
) => unknown;

/** A preHandler of a route inside the scope (`requireCustomer`): it may rely on `request.tenant` too. */
export type TenantHook = (
  request: TenantRequest,
  reply: FastifyReply,
  done: (error?: Error) => void,
) => unknown;

/** Fastify's route options, with preHandlers that get a `TenantRequest`. */
export type TenantRouteOptions<RouteGeneric extends RouteGenericInterface = RouteGenericInterface> = Omit<
  RouteShorthandOptions<
    RawServerDefault,
    RawRequestDefaultExpression,
    RawReplyDefaultExpression,
    RouteGeneric
  >,
  "preHandler"
> & { preHandler?: TenantHook | TenantHook[] };

interface TenantRouteMethod {
  <RouteGeneric extends RouteGenericInterface = RouteGenericInterface>(
    path: string,
    options: TenantRouteOptions<RouteGeneric>,
    handler: TenantHandler<RouteGeneric>,
  ): TenantScope;
  <RouteGeneric extends RouteGenericInterface = RouteGenericInterface>(
    path: string,
    handler: TenantHandler<RouteGeneric>,
  ): TenantScope;
}

/** The encapsulated instance the scope hands its routes: `get`/`post` handlers receive a `TenantRequest`. */
export type TenantScope = Omit<
  FastifyInstance,
  "get" | "post" | "put" | "patch" | "delete" | "head" | "options" | "all" | "route"
> & {
  get: TenantRouteMethod;
  post: TenantRouteMethod;
  put: TenantRouteMethod;
};

export interface TenantScopeOptions {
  /** Declares the routes that serve only a tenant's portal (route files take the scope as their `app`). */
  routes: (scope: TenantScope) => Promise<void> | void;
}

/**
 * The tenant scope: routes that only exist on a tenant's host (customer pages, downloads, branding, back office).
 *
 * Usage, in `buildWebApp` after the error and not-found handlers are set (an encapsulated plugin keeps the
 * handlers in force when it loads):
 *
 * ```ts
 * await app.register(tenantScope, {
 *   routes: async (scope) => {
 *     await proofRoutes(scope, services, auth);
 *   },
 * });
 * ```
 *
 * and in the route file, `export async function proofRoutes(app: TenantScope, …)`: every handler gets
 * `request.tenant` (the TenantRow, never null), `request.site` narrowed to the tenant's, and `request.portal`
 * (origin, branding, `ui()`); a preHandler given in the route's options may take a `TenantRequest` too
 * (`requireCustomer` does, so it cannot be used outside the scope). Each `app.register(tenantScope, …)` is
 * its own encapsulated context: the back office may register its own. A request for one of these routes on
 * the platform host gets the application's 404 page (`reply.callNotFound()`), before any body is read; an
 * unknown host never gets here (the Host hook in web-app.tsx answers « Aucun portail à cette adresse »). Routes that answer on both kinds of host (`/`,
 * the favicon, the sealing keys) stay on the application and read `request.site` themselves.
 */
export const tenantScope: FastifyPluginAsync<TenantScopeOptions> = async (instance, options) => {
  instance.decorateRequest("tenant", null);
  instance.decorateRequest("portal", null);
  instance.addHook("onRequest", async (request, reply) => {
    const site = request.site as Site | null;
    if (site?.kind !== "tenant") return reply.callNotFound();
    const scoped = request as TenantRequest;
    scoped.tenant = site.tenant;
    scoped.portal = {
      origin: site.origin,
      branding: tenantBranding(site.tenant),
      ui: () => requestUi(request),
    };
  });
  await options.routes(instance as unknown as TenantScope);
};
