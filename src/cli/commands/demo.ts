import type { Services } from "../../app.js";
import { DEMO_REFUSED_IN_PRODUCTION, seedDemo } from "../../demo/seed-demo.js";
import { seedDemoStaff } from "../../demo/seed-demo-staff.js";
import { tenantOrigin } from "../../domain/tenants/tenant-url.js";
import type { CliIo } from "../io.js";

/** `demo`: creates the demo tenant and its data if missing (never duplicates). */
export async function demoCommand(_args: string[], io: CliIo, services: Services): Promise<number> {
  if (services.config.production) {
    io.err(`efacture demo: ${DEMO_REFUSED_IN_PRODUCTION}`);
    return 1;
  }
  const result = await seedDemo(services, { io });
  io.out(result.created ? "Demo data created." : "Demo data already present; nothing added.");
  io.out(`Portal: ${tenantOrigin(services.config.publicBaseUrl, "demo")}/`);
  io.out(`Demo identifier: ${result.identifier}   password: ${result.password}`);
  for (const staff of await seedDemoStaff(services))
    io.out(
      staff.link
        ? `Back office ${staff.role} ${staff.email}: enrol at ${staff.link}`
        : `Back office ${staff.role} ${staff.email}: already enrolled, log in at ${tenantOrigin(services.config.publicBaseUrl, "demo")}/conseiller/connexion`,
    );
  return 0;
}
