import { parseArgs } from "node:util";
import type { Services } from "../../app.js";
import { findTenantBySlug } from "../../db/tenants.repository.js";
import { DomainError } from "../../domain/shared/errors.js";
import { ENROLMENT_TOKEN_HOURS, enrolmentUrl, inviteStaff } from "../../domain/staff/staff-accounts.js";
import { type CliIo, UsageError } from "../io.js";

export const staffUsage = `efacture staff create --tenant <slug> --email <e> --role advisor|admin [--name <n>]`;

/** `staff create`: a back-office account (advisor or admin) and its one-time enrolment link. */
export async function staffCommand(args: string[], io: CliIo, services: Services): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "create") throw new UsageError(`usage:\n${staffUsage}`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      tenant: { type: "string" },
      email: { type: "string" },
      role: { type: "string" },
      name: { type: "string" },
    },
  });
  if (positionals.length > 0) throw new UsageError("staff create takes no positional argument");
  if (!values.tenant || !values.email || !values.role)
    throw new UsageError(`staff create needs --tenant, --email and --role\n${staffUsage}`);
  if (values.role !== "advisor" && values.role !== "admin")
    throw new UsageError("--role must be advisor or admin");
  const tenant = await findTenantBySlug(services.db, values.tenant.trim().toLowerCase());
  if (!tenant)
    throw new DomainError("unknown_tenant", `no tenant "${values.tenant}" (see efacture tenant list)`);
  const { staff, token, created } = await inviteStaff(services.db, {
    tenantId: tenant.id,
    email: values.email,
    displayName: values.name,
    role: values.role,
    actor: { type: "platform", id: "cli", name: "command line" },
  });
  io.out(enrolmentUrl(services.config.publicBaseUrl, tenant.slug, token));
  io.err(
    `${created ? "Created" : "New enrolment link for"} ${staff.role} ${staff.email} on ${tenant.slug}. Give them this link (valid ${ENROLMENT_TOKEN_HOURS} h, once): they choose a password, scan the QR code with an authenticator app and keep their recovery codes.`,
  );
  return 0;
}
