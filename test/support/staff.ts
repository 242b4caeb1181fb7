import type { FastifyInstance } from "fastify";
import { expect } from "vitest";
import type { Services } from "../../src/app.js";
import { inviteStaff } from "../../src/domain/staff/staff-accounts.js";
import { totpCode } from "../../src/domain/staff/totp.js";
import { WebClient } from "./web-client.js";

export const STAFF_PASSWORD = "la mouette grise survole le port";

/** The advisor most tests log in as. */
export const ADVISOR_PAUL = { email: "paul@acme.test", role: "advisor" as const, name: "Paul Martin" };

/** Invites a staff member and completes the enrolment through the pages; returns the TOTP secret and recovery codes. */
export async function enrolStaff(
  services: Services,
  app: FastifyInstance,
  options: { tenantId: string; host: string; email: string; role: "advisor" | "admin"; name?: string },
) {
  const { token, staff } = await inviteStaff(services.db, {
    tenantId: options.tenantId,
    email: options.email,
    role: options.role,
    displayName: options.name ?? options.email.split("@")[0],
    actor: { type: "platform", id: "test", name: "test" },
  });
  const client = new WebClient(app, options.host);
  const page = await client.get(`/conseiller/inscription/${token}`);
  expect(page.statusCode).toBe(200);
  const secret = /class="staff-secret">([A-Z2-7]+)</.exec(page.body)?.[1];
  expect(secret).toBeDefined();
  const done = await client.post(`/conseiller/inscription/${token}`, {
    password: STAFF_PASSWORD,
    confirmation: STAFF_PASSWORD,
    code: totpCode(secret!, new Date()),
  });
  expect(done.statusCode).toBe(200);
  const codes = [
    ...done.body.matchAll(/<li(?: class="ident")?>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})<\/li>/g),
  ].map((m) => m[1]!);
  expect(codes).toHaveLength(10);
  return { staffId: staff.id, secret: secret!, codes, token };
}

/** Password then code (by default the next step's code: the current one was spent at enrolment). */
export async function staffLogin(
  app: FastifyInstance,
  host: string,
  email: string,
  code: string,
  password = STAFF_PASSWORD,
) {
  const client = new WebClient(app, host);
  await client.get("/conseiller/connexion");
  const first = await client.post("/conseiller/connexion", { email, password });
  if (first.statusCode !== 303) return { client, first, second: undefined };
  await client.get("/conseiller/code");
  const second = await client.post("/conseiller/code", { code });
  return { client, first, second };
}

export const nextCode = (secret: string, stepsAhead = 1) =>
  totpCode(secret, new Date(Date.now() + stepsAhead * 30_000));

/** Enrols an advisor (or admin) and logs them in: their staff id and a client holding the session. */
export async function loggedInStaff(
  services: Services,
  app: FastifyInstance,
  options: { tenantId: string; host: string; email: string; role: "advisor" | "admin"; name?: string },
) {
  const enrolled = await enrolStaff(services, app, options);
  const { client } = await staffLogin(app, options.host, options.email, enrolled.codes[0]!);
  return { staffId: enrolled.staffId, client, enrolled };
}
