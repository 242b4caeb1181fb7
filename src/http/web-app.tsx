import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import fastifyHelmet from "@fastify/helmet";
import fastifyStatic from "@fastify/static";
import fastifyHtml from "@kitajs/fastify-html-plugin";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from "fastify";
import type { Services } from "../app.js";
import { isDatabaseDown } from "../db/database.js";
import { DomainError } from "../domain/shared/errors.js";
import { resolveHost, tenantOrigin } from "../domain/tenants/tenant-url.js";
import { devRoutes } from "./routes/dev.js";
import { opsRoutes } from "./routes/ops.js";
import { portalRoutes } from "./routes/portal.js";
import "./site.js";
import { createTenantCache } from "./tenant-cache.js";
import { ErrorPage, NoPortalPage } from "./views/errors.view.js";
import { PlatformHomePage } from "./views/platform-home.view.js";

const PUBLIC_DIR = fileURLToPath(new URL("../../public/", import.meta.url));
const OPS_PATHS = new Set(["/healthz", "/readyz"]);

/** Domain error codes → HTTP statuses (the domain itself knows no HTTP). */
const STATUS_BY_CODE: Record<string, number> = {
  invalid_slug: 422,
  reserved_slug: 422,
  invalid_display_name: 422,
  invalid_retention: 422,
  invalid_color: 422,
  tenant_exists: 409,
};

/** Builds the web application (does not listen): tenant resolution by Host, pages, API, operations. */
export async function buildWebApp(services: Services): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    loggerInstance: services.logger as FastifyBaseLogger,
    requestIdHeader: "x-request-id",
    genReqId: () => randomBytes(8).toString("hex"),
    trustProxy: config.production,
    bodyLimit: 1024 * 1024,
  });
  const tenants = createTenantCache(services.db);

  app.decorateRequest("site", null as never);
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });

  await app.register(fastifyHtml as unknown as FastifyPluginAsync);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        scriptSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'self'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    strictTransportSecurity: config.production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: "same-origin" },
  });
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: "/assets/", maxAge: "1h" });

  // Which portal the Host header names. Unknown hosts get a plain 404 that says so.
  app.addHook("onRequest", async (request, reply) => {
    if (OPS_PATHS.has(request.url.split("?")[0]!)) return;
    const resolved = resolveHost(config.publicBaseUrl, request.headers.host);
    if (resolved.kind === "platform") {
      request.site = { kind: "platform" };
      return;
    }
    const tenant = resolved.kind === "tenant" ? await tenants.get(resolved.slug) : undefined;
    if (!tenant) {
      reply.code(404).header("cache-control", "no-store");
      return reply.html(<NoPortalPage host={String(request.headers.host ?? "")} />);
    }
    request.site = { kind: "tenant", tenant, origin: tenantOrigin(config.publicBaseUrl, tenant.slug) };
  });

  await opsRoutes(app, services);
  await portalRoutes(app, {
    platformHome: () => (
      <PlatformHomePage devOutbox={services.outboxDir !== undefined && !config.production} />
    ),
    blobs: services.blobs,
  });
  if (services.outboxDir && !config.production) await devRoutes(app, services.outboxDir);

  app.setNotFoundHandler(async (request, reply) => {
    reply.code(404);
    if (request.url.startsWith("/api/")) return { error: { code: "not_found", message: "no such resource" } };
    return reply.html(
      <ErrorPage
        status={404}
        title="Page introuvable"
        message="Cette page n’existe pas ou n’est plus disponible."
      />,
    );
  });

  app.setErrorHandler(async (error, request, reply) => {
    const api = request.url.startsWith("/api/");
    if (isDatabaseDown(error)) {
      request.log.error({ err: error }, "database unavailable");
      reply.code(503).header("retry-after", "30");
      if (api) return { error: { code: "service_unavailable", message: "try again shortly" } };
      return reply.html(
        <ErrorPage
          status={503}
          title="Service momentanément indisponible"
          message="Le service est momentanément indisponible. Merci de réessayer dans quelques instants."
          requestId={request.id}
        />,
      );
    }
    if (error instanceof DomainError) {
      const status = STATUS_BY_CODE[error.code] ?? 422;
      reply.code(status);
      if (api) return { error: { code: error.code, message: error.message, details: error.details ?? {} } };
      return reply.html(<ErrorPage status={status} title="Demande refusée" message={error.message} />);
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      reply.code(status);
      if (api) return { error: { code: "bad_request", message: (error as Error).message } };
      return reply.html(
        <ErrorPage
          status={status}
          title="Demande incorrecte"
          message="La demande n’a pas pu être traitée."
        />,
      );
    }
    request.log.error({ err: error }, "unexpected error");
    reply.code(500);
    if (api) return { error: { code: "internal_error", message: "unexpected error", requestId: request.id } };
    return reply.html(
      <ErrorPage
        status={500}
        title="Erreur inattendue"
        message="Une erreur inattendue s’est produite. Nos équipes en sont informées."
        requestId={request.id}
      />,
    );
  });

  return app;
}
