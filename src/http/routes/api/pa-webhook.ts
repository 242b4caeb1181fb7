import type { FastifyInstance } from "fastify";
import type { Services } from "../../../app.js";
import { receivePaCallback } from "../../../domain/pa/pa-webhooks.js";
import { apiErrorBody } from "./api-errors.js";

/** A callback carries a flow's metadata: a few kB. Anything bigger is refused before it is read. */
const CALLBACK_BODY_LIMIT = 64 * 1024;

/**
 * `POST /api/pa/webhooks/{uid}` on the tenant's host: the PA's callback (docs/pa-bridge.md "Webhook"). No API
 * key (the PA has none): the random uid and the PA's HMAC signature authenticate it; the rate limit of the
 * API context applies (per client network). Answers 202 once the flow id is queued for the intake, 404 for an
 * unknown uid, 401 for a bad signature; nothing is recorded before the flow is downloaded from the PA.
 */
export async function paWebhookRoutes(app: FastifyInstance, services: Services) {
  await app.register(async (scope) => {
    // The signature covers the body as sent: keep the bytes, parse nothing.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: CALLBACK_BODY_LIMIT }, (_r, body, done) =>
      done(null, body),
    );
    scope.post<{ Params: { uid: string } }>(
      "/pa/webhooks/:uid",
      { schema: { hide: true } },
      async (request, reply) => {
        const site = request.site;
        if (site.kind !== "tenant")
          return reply.code(404).send(apiErrorBody(request, "not_found", "no such resource"));
        const tenant = site.tenant;
        const header = (name: string) => {
          const value = request.headers[name];
          return typeof value === "string" ? value : undefined;
        };
        const verdict = await receivePaCallback(
          { db: services.db, queue: services.queue, platformSecret: services.cookieSecret },
          {
            tenantId: tenant.id,
            uid: request.params.uid,
            body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
            signature: header("afnor-signature"),
            timestamp: header("afnor-signature-timestamp"),
          },
        );
        if (!verdict.ok)
          return reply
            .code(verdict.status)
            .send(
              apiErrorBody(request, verdict.status === 404 ? "not_found" : "unauthorized", verdict.message),
            );
        return reply.code(202).send({ received: true });
      },
    );
  });
}
