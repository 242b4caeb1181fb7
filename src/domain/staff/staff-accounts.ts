import { appendAudit } from "../../db/audit.repository.js";
import type { Database, Sql } from "../../db/database.js";
import { revokeSessions } from "../../db/sessions.repository.js";
import {
  disableStaffRow,
  findStaffByEmail,
  insertStaff,
  lockStaff,
  replaceRecoveryCodes,
  resetStaffToInvited,
  type StaffRole,
  type StaffRow,
} from "../../db/staff.repository.js";
import { insertStaffToken, voidStaffTokens } from "../../db/tokens.repository.js";
import { EMAIL_PATTERN, normalizeEmail } from "../accounts/identifier.js";
import { hashSecret, newSecret } from "../accounts/secrets.js";
import { DomainError } from "../shared/errors.js";
import { tenantOrigin } from "../tenants/tenant-url.js";

/** An enrolment link is valid 72 hours, once. */
export const ENROLMENT_TOKEN_HOURS = 72;

/** Who does something in the back office (or the platform operator from the command line). */
export type StaffActor =
  | { type: "staff"; id: string; name: string }
  | { type: "platform"; id: string; name: string };

export function enrolmentUrl(publicBaseUrl: URL, tenantSlug: string, token: string): string {
  return `${tenantOrigin(publicBaseUrl, tenantSlug)}/conseiller/inscription/${token}`;
}

/** Audits what an advisor, an admin or the platform operator did, and to what. */
export function auditActorAction(
  tx: Sql,
  input: { tenantId: string; actor: StaffActor; ip?: string | null; at?: Date },
  action: string,
  target: { type: string; id: string },
  details: Record<string, unknown>,
) {
  return appendAudit(tx, {
    tenantId: input.tenantId,
    actorType: input.actor.type,
    actorId: input.actor.id,
    action,
    targetType: target.type,
    targetId: target.id,
    ip: input.ip ?? null,
    at: input.at,
    details,
  });
}

async function issueEnrolmentToken(tx: Sql, staff: StaffRow, now: Date): Promise<string> {
  const token = newSecret();
  await voidStaffTokens(tx, staff.tenantId, staff.id, now);
  await insertStaffToken(tx, {
    tokenHash: hashSecret(token),
    tenantId: staff.tenantId,
    staffId: staff.id,
    email: staff.email,
    createdAt: now,
    expiresAt: new Date(now.getTime() + ENROLMENT_TOKEN_HOURS * 3600_000),
  });
  return token;
}

/**
 * Creates a staff member (advisor or admin) of one tenant and returns a one-time enrolment link token
 * (only its SHA-256 is stored). Inviting again someone not yet enrolled gives a new link and voids the old one.
 */
export async function inviteStaff(
  db: Database,
  input: {
    tenantId: string;
    email: string;
    displayName?: string;
    role: string;
    actor: StaffActor;
    ip?: string | null;
    now?: Date;
  },
): Promise<{ staff: StaffRow; token: string; created: boolean }> {
  const now = input.now ?? new Date();
  const email = normalizeEmail(input.email);
  if (!EMAIL_PATTERN.test(email) || email.length > 254)
    throw new DomainError(
      "invalid_email",
      `« ${input.email.slice(0, 100)} » n’est pas une adresse e-mail valide.`,
    );
  if (input.role !== "advisor" && input.role !== "admin")
    throw new DomainError(
      "invalid_role",
      "Le rôle doit être « advisor » (conseiller) ou « admin » (administrateur).",
    );
  const displayName = (input.displayName ?? "").trim();
  if (displayName.length > 120)
    throw new DomainError("invalid_name", "Le nom ne peut pas dépasser 120 caractères.");
  return db.transaction(async (tx) => {
    let staff = await insertStaff(tx, {
      tenantId: input.tenantId,
      email,
      displayName,
      role: input.role as StaffRole,
      createdBy: `${input.actor.type}:${input.actor.id}`,
    });
    const created = staff !== undefined;
    if (!staff) {
      const existing = await findStaffByEmail(tx, input.tenantId, email);
      if (existing?.status !== "invited")
        throw new DomainError(
          "staff_exists",
          `${email} a déjà un compte ${existing?.status === "disabled" ? "désactivé" : "actif"} sur ce portail.`,
        );
      staff = existing;
    }
    const token = await issueEnrolmentToken(tx, staff, now);
    await auditActorAction(
      tx,
      { ...input, at: now },
      created ? "staff.invited" : "staff.invitation_renewed",
      { type: "staff", id: staff.id },
      {
        email,
        role: staff.role,
        by: input.actor.name,
      },
    );
    return { staff, token, created };
  });
}

/**
 * The admin resets someone's second factor (lost phone): password, TOTP and recovery codes are cleared,
 * sessions closed, and a new enrolment link is issued.
 */
export async function resetStaffTotp(
  db: Database,
  input: { tenantId: string; staffId: string; actor: StaffActor; ip?: string | null; now?: Date },
): Promise<{ staff: StaffRow; token: string }> {
  const now = input.now ?? new Date();
  return db.transaction(async (tx) => {
    const staff = await lockStaff(tx, input.tenantId, input.staffId);
    if (!staff) throw new DomainError("staff_not_found", "Ce membre de l’équipe n’existe pas.");
    if (staff.status === "disabled")
      throw new DomainError("staff_disabled", "Ce compte est désactivé : invitez de nouveau la personne.");
    await resetStaffToInvited(tx, staff.id);
    await replaceRecoveryCodes(tx, staff.id, [], now);
    const sessions = await revokeSessions(tx, { tenantId: input.tenantId, staffId: staff.id }, now);
    const token = await issueEnrolmentToken(tx, staff, now);
    await auditActorAction(
      tx,
      { ...input, at: now },
      "staff.totp_reset",
      { type: "staff", id: staff.id },
      { email: staff.email, by: input.actor.name, sessionsRevoked: sessions },
    );
    return { staff, token };
  });
}

/** Disables a staff member: no login, sessions closed, links voided. An admin cannot disable themself. */
export async function disableStaff(
  db: Database,
  input: { tenantId: string; staffId: string; actor: StaffActor; ip?: string | null; now?: Date },
): Promise<StaffRow> {
  const now = input.now ?? new Date();
  if (input.actor.type === "staff" && input.actor.id === input.staffId)
    throw new DomainError("cannot_disable_self", "Vous ne pouvez pas désactiver votre propre compte.");
  return db.transaction(async (tx) => {
    const staff = await lockStaff(tx, input.tenantId, input.staffId);
    if (!staff) throw new DomainError("staff_not_found", "Ce membre de l’équipe n’existe pas.");
    await disableStaffRow(tx, staff.id, now);
    await voidStaffTokens(tx, input.tenantId, staff.id, now);
    const sessions = await revokeSessions(tx, { tenantId: input.tenantId, staffId: staff.id }, now);
    await auditActorAction(
      tx,
      { ...input, at: now },
      "staff.disabled",
      { type: "staff", id: staff.id },
      { email: staff.email, by: input.actor.name, sessionsRevoked: sessions },
    );
    return staff;
  });
}
