import type { FastifyInstance } from "fastify";
import type { Services } from "../../app.js";
import { pingWithin } from "../../db/database.js";
import { pendingMigrations } from "../../db/migrate.js";

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Liveness and readiness, on every host, outside tenant resolution. */
export async function opsRoutes(app: FastifyInstance, services: Services) {
  app.get("/healthz", async (_request, reply) => {
    reply.header("cache-control", "no-store");
    return { status: "ok" };
  });
  app.get("/readyz", async (_request, reply) => {
    reply.header("cache-control", "no-store");
    try {
      // Within 2 s: a load balancer asks often, and a database that does not answer is not ready.
      await pingWithin(services.db, 2_000);
      const pending = await pendingMigrations(services.db);
      if (pending.length > 0)
        return reply.code(503).send({ status: "unavailable", reason: "migrations pending", pending });
    } catch {
      return reply.code(503).send({ status: "unavailable", reason: "database unreachable" });
    }
    // The originals' store too (a HEAD of the bucket): without it nothing can be published or downloaded.
    const blobs = await within(services.blobs.check(), 2_000).then(
      () => true,
      () => false,
    );
    if (!blobs) return reply.code(503).send({ status: "unavailable", reason: "blob store unreachable" });
    return { status: "ready", database: services.db.engine };
  });
}
