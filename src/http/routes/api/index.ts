import fastifyMultipart from "@fastify/multipart";
import fastifyRateLimit from "@fastify/rate-limit";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Services } from "../../../app.js";
import { DomainError } from "../../../domain/shared/errors.js";
import { apiKeyAuth, apiRateLimitKey, requireTenantSite } from "../../api-auth.js";
import { customerApiRoutes } from "./customers.js";
import { invoiceApiRoutes } from "./invoices.js";
import { customerSchema, errorSchema, invoiceSchema, publishInvoiceBody } from "./schemas.js";
import { withdrawApiRoutes } from "./withdraw.js";

/** Requests per minute and per API key (per IP for requests without a valid key), per web process. */
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
  app.setNotFoundHandler(async (_request, reply) => {
    reply.code(404).header("cache-control", "no-store");
    return { error: { code: "not_found", message: "no such resource" } };
  });
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
        title: "E-FACTURE issuer API",
        version: "1",
        description:
          "Publish customers and invoices to your portal. Every request under /api/v1 carries `Authorization: Bearer <API key>` (keys are created with `efacture api-key create --tenant <slug>`) and goes to your portal's own host. Errors are `{error: {code, message, details}}`.",
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
      return { schema, url };
    },
  });

  await app.register(fastifyRateLimit, {
    max: API_RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    keyGenerator: apiRateLimitKey,
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
    theme: { title: "E-FACTURE – API émetteur" },
    // Swagger UI sets a few inline styles: allow inline styles (never scripts) on its own pages only.
    transformStaticCSP: (header) => header.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
  });

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
      v1.addHook("onRequest", auth.identify);
      v1.addHook("preParsing", auth.require);
      await customerApiRoutes(v1, services);
      await invoiceApiRoutes(v1, services);
      await withdrawApiRoutes(v1, services);
    },
    { prefix: "/v1" },
  );
}
