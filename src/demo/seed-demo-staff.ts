import type { Services } from "../app.js";
import { findStaffByEmail } from "../db/staff.repository.js";
import { findTenantBySlug } from "../db/tenants.repository.js";
import { enrolmentUrl, inviteStaff } from "../domain/staff/staff-accounts.js";

export const DEMO_STAFF = [
  { email: "conseiller@demo.test", name: "Camille Conseil", role: "advisor" },
  { email: "admin@demo.test", name: "Alex Admin", role: "admin" },
] as const;

/**
 * The demo tenant's advisor and admin. Until they are enrolled, each run gives them a fresh enrolment
 * link (the older one is voided), so a new user can try the back office at once.
 */
export async function seedDemoStaff(
  services: Services,
  slug = "demo",
): Promise<{ email: string; role: string; link?: string }[]> {
  const tenant = await findTenantBySlug(services.db, slug);
  if (!tenant) return [];
  const out: { email: string; role: string; link?: string }[] = [];
  for (const member of DEMO_STAFF) {
    const existing = await findStaffByEmail(services.db, tenant.id, member.email);
    if (existing && existing.status !== "invited") {
      out.push({ email: member.email, role: member.role });
      continue;
    }
    const { token } = await inviteStaff(services.db, {
      tenantId: tenant.id,
      email: member.email,
      displayName: member.name,
      role: member.role,
      actor: { type: "platform", id: "demo", name: "demo seed" },
    });
    out.push({
      email: member.email,
      role: member.role,
      link: enrolmentUrl(services.config.publicBaseUrl, slug, token),
    });
  }
  return out;
}
