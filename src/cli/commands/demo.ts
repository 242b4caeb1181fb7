import type { Services } from "../../app.js";
import { seedDemo } from "../../demo/seed-demo.js";
import { tenantOrigin } from "../../domain/tenants/tenant-url.js";
import type { CliIo } from "../io.js";

/** `demo`: creates the demo tenant and its data if missing (never duplicates). */
export async function demoCommand(_args: string[], io: CliIo, services: Services): Promise<number> {
  const result = await seedDemo(services, { io });
  io.out(result.created ? "Demo data created." : "Demo data already present; nothing added.");
  io.out(`Portal: ${tenantOrigin(services.config.publicBaseUrl, "demo")}/`);
  io.out(`Demo identifier: ${result.identifier}   password: ${result.password}`);
  return 0;
}
