import type { Services } from "../../../app.js";
import { findApiCustomer } from "../../../db/api.queries.js";
import { upsertCustomer } from "../../../domain/customers/upsert-customer.js";
import { DomainError } from "../../../domain/shared/errors.js";
import type { TenantScope } from "../../tenant-scope.js";
import { presentCustomer } from "./present.js";
import { issuerOf } from "./request-context.js";
import { getCustomerSchema, putCustomerSchema } from "./schemas.js";

/** `PUT/GET /api/v1/customers/{customerNumber}`: the issuer's customer directory. */
export async function customerApiRoutes(app: TenantScope, services: Services) {
  app.put<{
    Params: { customerNumber: string };
    Body: { name: string; email: string | null; contracts?: string[] };
  }>("/customers/:customerNumber", { schema: putCustomerSchema }, async (request, reply) => {
    const { tenant } = request;
    const { customer, created } = await upsertCustomer(services.db, {
      tenantId: tenant.id,
      customerNumber: request.params.customerNumber,
      name: request.body.name,
      email: request.body.email,
      contracts: request.body.contracts ?? [],
      actor: issuerOf(request),
      queue: services.queue,
    });
    const row = await findApiCustomer(services.db, tenant.id, customer.customerNumber);
    reply.code(created ? 201 : 200);
    return presentCustomer(row!);
  });

  app.get<{ Params: { customerNumber: string } }>(
    "/customers/:customerNumber",
    { schema: getCustomerSchema },
    async (request) => {
      const { tenant } = request;
      const row = await findApiCustomer(services.db, tenant.id, request.params.customerNumber.trim());
      if (!row) {
        throw new DomainError(
          "customer_not_found",
          `customer ${request.params.customerNumber} is not in this portal's directory`,
        );
      }
      return presentCustomer(row);
    },
  );
}
