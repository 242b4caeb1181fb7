import type { TenantRow } from "../db/tenants.repository.js";

/** Who a request is for, from its Host header: the platform itself or one tenant's portal. */
export type Site = { kind: "platform" } | { kind: "tenant"; tenant: TenantRow; origin: string };

declare module "fastify" {
  interface FastifyRequest {
    site: Site;
  }
}
