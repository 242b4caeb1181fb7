import type { Sql } from "./database.js";
import type { StaffRole, StaffStatus } from "./staff.repository.js";

// Reads of the back office's pages about its own team. Every function takes the tenant id.

export type { StaffRole };

/** A member of the team as the back office lists it: never the password hash nor the TOTP secret. */
export interface StaffMember {
  id: string;
  email: string;
  displayName: string;
  role: StaffRole;
  status: StaffStatus;
  lastLoginAt: Date | null;
}

/** The tenant's team, admins first, then by e-mail. */
export async function listStaff(sql: Sql, tenantId: string): Promise<StaffMember[]> {
  return sql.query<StaffMember>(
    `select id, email, display_name as "displayName", role, status, last_login_at as "lastLoginAt"
       from staff where tenant_id = $1 order by role desc, email`,
    [tenantId],
  );
}
