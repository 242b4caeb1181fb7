import fastifyMultipart from "@fastify/multipart";
import fastifyRateLimit from "@fastify/rate-limit";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Services } from "../../../app.js";
import { DomainError } from "../../../domain/shared/errors.js";
import { apiKeyAuth, apiRateLimitKey, requireTenantSite } from "../../api-auth.js";
import { postgresRateLimitStore } from "../../rate-limit-store.js";
import { tenantScope } from "../../tenant-scope.js";
import { apiErrorBody } from "./api-errors.js";
import { customerApiRoutes } from "./customers.js";
import { invoiceApiRoutes } from "./invoices.js";
import { paWebhookRoutes } from "./pa-webhook.js";
import { paymentApiRoutes } from "./payments.js";
import { customerSchema, errorSchema, invoiceSchema, publishInvoiceBody } from "./schemas.js";
import { validateInvoiceBody, validationApiRoutes } from "./validations.js";
import { withdrawApiRoutes } from "./withdraw.js";

// The docs page's top bar: the product's name as an image (Swagger UI puts the logo in an <img>).
const DOCS_LOGO_SVG = Buffer.from(
  `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="40" viewBox="0 0 300 40"><text x="0" y="27" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" font-size="22"><tspan font-weight="700" fill="#ffffff">E-FACTURE</tspan><tspan dx="12" font-size="18" fill="#c9d6ea">Issuer API</tspan></text></svg>`,
);
const DOCS_FAVICON_SVG = Buffer.from(
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f3a5f"/><text x="16" y="22" text-anchor="middle" font-family="Arial, sans-serif" font-size="16" font-weight="700" fill="#fff">E</text></svg>`,
);
const DOCS_CSS =
  ".swagger-ui .topbar { background-color: #1f3a5f; } .swagger-ui .topbar .download-url-wrapper { display: none; }";

/** Requests per minute and per API key (per IP for requests without a valid key), for all web processes together. */
export const API_RATE_LIMIT_PER_MINUTE = 600;

/**
 * The issuer API under `/api` (register with that prefix): `/api/v1/...` behind bearer keys and a
 * per-key rate limit, the OpenAPI description at `/api/openapi.json` and its page at `/api/docs`.
 * Only on tenant hosts; multipart parsing exists in this context only.
 */
export async function apiRoutes(app: FastifyInstance, options: { services: Services }) {
  const { services } = options;
  const auth = apiKeyAuth(services.db);

  // Answers carry customer data and keys' results: no cache (browser, proxy) may keep any, errors included.
  app.addHook("onRequest", async (_request, reply) => {
    reply.header("cache-control", "no-store");
  });
  // Unknown paths under /api get the same JSON 404 as the application's, inside this context so the hook above applies.
  app.setNotFoundHandler(async (request, reply) => {
    reply.code(404).header("cache-control", "no-store");
    return apiErrorBody(request, "not_found", "no such resource");
  });
  // The API reads JSON and (to publish) multipart only: a text/plain body is a 415, not a string for the schema to refuse.
  app.removeContentTypeParser("text/plain");
  app.decorateRequest("apiKey", null);
  app.decorateRequest("apiKeyRefusal", null);
  app.addHook("onRequest", requireTenantSite);

  // Schema violations become domain errors, which the application's error handler maps to statuses.
  // (A child error handler would not do: it would capture the parent's handler as it was at registration.)
  app.setSchemaErrorFormatter(
    (errors, dataVar) =>
      new DomainError(
        "invalid_request",
        `the request is not valid: ${errors.map((e) => `${dataVar}${e.instancePath} ${e.message}`).join("; ")}`,
        {
          validation: errors.map(({ instancePath, message, params }) => ({
            in: dataVar,
            path: instancePath,
            message,
            params,
          })),
        },
      ),
  );

  for (const schema of [errorSchema, invoiceSchema, customerSchema]) app.addSchema(schema);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "E-FACTURE API",
        version: "1",
        description:
          "Publish customers and invoices to your portal. Every request under /api/v1 carries `Authorization: Bearer <API key>` (keys are created with `efacture api-key create --tenant <slug>`) and goes to your portal's own host. Every error, whatever its status (404 of an unknown path, 415, invalid JSON, 413, 429, 500 included), is `{error: {code, message, details, requestId}}`: `code` is one of those listed under each response, `requestId` is also the `X-Request-Id` header.",
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: "http", scheme: "bearer", description: "an API key efk_..." },
        },
      },
      tags: [
        { name: "customers", description: "The customer directory" },
        { name: "invoices", description: "Publishing and reading invoices" },
      ],
    },
    refResolver: { buildLocalReference: (json) => String(json.$id) },
    transform: ({ schema, url }) => {
      if (!url.startsWith("/api/v1/")) return { schema: { ...schema, hide: true }, url };
      // The multipart body is read by the handler, not validated by Fastify: describe it for the docs only.
      if (url === "/api/v1/invoices" && schema && "consumes" in schema) {
        return { schema: { ...schema, body: publishInvoiceBody }, url };
      }
      if (url === "/api/v1/validations" && schema && "consumes" in schema) {
        return { schema: { ...schema, body: validateInvoiceBody }, url };
      }
      return { schema, url };
    },
  });

  await app.register(fastifyRateLimit, {
    max: API_RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    keyGenerator: apiRateLimitKey,
    store: postgresRateLimitStore(services.db, {
      onPruneError: (err) => app.log.warn({ err }, "rate limits prune failed"),
    }),
    errorResponseBuilder: (_request, context) =>
      new DomainError(
        "rate_limited",
        `more than ${context.max} requests per minute with this API key: retry in ${context.after}`,
        { limit: context.max, retryAfterSeconds: Math.ceil(context.ttl / 1000) },
      ),
  });

  const spec = (request: FastifyRequest) => {
    const document = structuredClone(app.swagger()) as unknown as Record<string, unknown>;
    if (request.site.kind === "tenant") document.servers = [{ url: request.site.origin }];
    return document;
  };
  app.get("/openapi.json", { schema: { hide: true } }, async (request) => spec(request));
  await app.register(fastifySwaggerUi, {
    routePrefix: "/docs",
    indexPrefix: "/api",
    uiConfig: { docExpansion: "list", deepLinking: true, defaultModelsExpandDepth: 0 },
    transformSpecification: (_document, request) => spec(request),
    transformSpecificationClone: false,
    // The product's name in the top bar and the tab, no third-party logo.
    logo: { type: "image/svg+xml", content: DOCS_LOGO_SVG, href: "/api/docs", target: "_self" },
    theme: {
      title: "E-FACTURE API",
      favicon: [
        {
          filename: "favicon.svg",
          rel: "icon",
          sizes: "any",
          type: "image/svg+xml",
          content: DOCS_FAVICON_SVG,
        },
      ],
      css: [{ filename: "efacture.css", content: DOCS_CSS }],
    },
    // Swagger UI sets a few inline styles: allow inline styles (never scripts) on its own pages only.
    transformStaticCSP: (header) => header.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
  });

  // The PA's webhook callbacks (#16): on the tenant's host, authenticated by their uid and signature, not an API key.
  await paWebhookRoutes(app, services);

  await app.register(
    async (v1) => {
      await v1.register(fastifyMultipart, {
        throwFileSizeLimit: true,
        limits: {
          fileSize: services.config.maxPdfBytes,
          files: 2,
          fields: 4,
          parts: 6,
          fieldSize: 16 * 1024,
          headerPairs: 100,
        },
      });
      // Inside the tenant scope (`request.tenant` in every handler); this context's own hook already answered
      // other hosts with the API's 404. The key is identified after the scope set the tenant.
      await v1.register(tenantScope, {
        routes: async (scope) => {
          scope.addHook("onRequest", auth.identify);
          scope.addHook("preParsing", auth.require);
          await customerApiRoutes(scope, services);
          await invoiceApiRoutes(scope, services);
          await withdrawApiRoutes(scope, services);
          await validationApiRoutes(scope, services);
          await paymentApiRoutes(scope, services);
        },
      });
    },
    { prefix: "/v1" },
  );
}
