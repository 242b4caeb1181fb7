import type { TenantRow } from "../../src/db/tenants.repository.js";
import { facturx, makeCustomer, publishFacturX } from "./factories.js";
import type { openTestServices } from "./services.js";

type TestServices = Awaited<ReturnType<typeof openTestServices>>;

/** Creates the customer (with an address, so an account) and publishes one invoice for it. */
export async function publishFor(
  services: TestServices,
  tenant: TenantRow,
  number: string,
  customerNumber: string,
  options: { email?: string; now?: Date } = {},
) {
  await makeCustomer(services, tenant, customerNumber, options.email ? { email: options.email } : {});
  const { invoice, bytes } = await publishFacturX(services, tenant, facturx(number, customerNumber), {
    now: options.now,
  });
  return { id: invoice.id, sha256: invoice.sha256, bytes };
}
