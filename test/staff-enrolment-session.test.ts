import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inviteStaff } from "../src/domain/staff/staff-accounts.js";
import {
  decryptTotpSecret,
  openEnrolmentSecret,
  sealEnrolmentSecret,
  totpCode,
} from "../src/domain/staff/totp.js";
import { buildWebApp } from "../src/http/web-app.js";
import { makeTenant } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";
import { STAFF_PASSWORD } from "./support/staff.js";
import { WebClient } from "./support/web-client.js";

const HOST = "enrol.localhost:3000";
const secretOf = (html: string) => /class="staff-secret">([A-Z2-7]+)</.exec(html)?.[1];

// Issue 12, finding 9: the enrolment link's GET used to draw the TOTP secret and keep it, so whoever
// opened the link first (a mail scanner, a proxy log) knew the second factor for good. Now each browser
// that opens it gets its own candidate secret, bound to it by a cookie, kept only when a code confirms it.
describe.each(ENGINES)("staff enrolment secret per browser on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let tenantId: string;
  let n = 0;

  beforeAll(async () => {
    services = await openTestServices(engine);
    tenantId = (await makeTenant(services.db, { slug: "enrol", displayName: "Enrol Location" })).id;
    app = await buildWebApp(services);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  async function invite() {
    n++;
    return inviteStaff(services.db, {
      tenantId,
      email: `person${n}@enrol.test`,
      role: "advisor",
      displayName: `Person ${n}`,
      actor: { type: "platform", id: "test", name: "test" },
    });
  }
  const storedSecret = async (staffId: string) =>
    (
      await services.db.query<{ totp_secret: string | null }>("select totp_secret from staff where id = $1", [
        staffId,
      ])
    )[0]!.totp_secret;

  it("keeps nothing when the link is opened, and shows each browser its own secret", async () => {
    const { token, staff } = await invite();
    const scanner = new WebClient(app, HOST);
    const person = new WebClient(app, HOST);
    const seen = secretOf((await scanner.get(`/conseiller/inscription/${token}`)).body);
    expect(seen).toBeDefined();
    expect(await storedSecret(staff.id)).toBeNull();
    const page = await person.get(`/conseiller/inscription/${token}`);
    expect(page.statusCode).toBe(200);
    expect(page.headers["cache-control"]).toBe("no-store");
    const mine = secretOf(page.body);
    expect(mine).toBeDefined();
    expect(mine).not.toBe(seen);
    // A reload in the same browser shows the same secret (the app may already hold it).
    expect(secretOf((await person.get(`/conseiller/inscription/${token}`)).body)).toBe(mine);
    // The cookie holding it is HttpOnly and does not carry the secret in clear.
    const cookie = page.cookies.find((c) => c.name.endsWith("efacture_staff_enrol"));
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.value).not.toContain(mine!);
    expect(await storedSecret(staff.id)).toBeNull();
  });

  it("accepts only a code of the secret shown to this browser, then keeps that secret", async () => {
    const { token, staff } = await invite();
    const scanner = new WebClient(app, HOST);
    const person = new WebClient(app, HOST);
    const seen = secretOf((await scanner.get(`/conseiller/inscription/${token}`)).body)!;
    const mine = secretOf((await person.get(`/conseiller/inscription/${token}`)).body)!;
    const form = { password: STAFF_PASSWORD, confirmation: STAFF_PASSWORD };

    // The scanner's secret is worth nothing in the person's browser.
    const wrong = await person.post(`/conseiller/inscription/${token}`, {
      ...form,
      code: totpCode(seen, new Date()),
    });
    expect(wrong.statusCode).toBe(422);
    expect(secretOf(wrong.body)).toBe(mine);
    expect(await storedSecret(staff.id)).toBeNull();

    const done = await person.post(`/conseiller/inscription/${token}`, {
      ...form,
      code: totpCode(mine, new Date()),
    });
    expect(done.statusCode).toBe(200);
    const stored = await storedSecret(staff.id);
    expect(decryptTotpSecret(services.cookieSecret, staff.id, stored!)).toBe(mine);
    expect(done.cookies.find((c) => c.name.endsWith("efacture_staff_enrol"))?.value).toBe("");
  });

  it("refuses a POST from a browser that never opened the link (no candidate secret), showing a fresh one", async () => {
    const { token, staff } = await invite();
    const opener = new WebClient(app, HOST);
    const seen = secretOf((await opener.get(`/conseiller/inscription/${token}`)).body)!;
    const other = new WebClient(app, HOST);
    await other.get("/conseiller/connexion"); // a CSRF token, but no enrolment cookie
    const res = await other.post(`/conseiller/inscription/${token}`, {
      password: STAFF_PASSWORD,
      confirmation: STAFF_PASSWORD,
      code: totpCode(seen, new Date()),
    });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain("nouvelle clé");
    expect(secretOf(res.body)).toBeDefined();
    expect(secretOf(res.body)).not.toBe(seen);
    expect(await storedSecret(staff.id)).toBeNull();
  });

  it("binds the sealed secret to one invitation and lets it expire", () => {
    const now = new Date("2026-12-07T06:00:00Z");
    const sealed = sealEnrolmentSecret("platform", "staff-1:token-a", "JBSWY3DPEHPK3PXP", now);
    expect(openEnrolmentSecret("platform", "staff-1:token-a", sealed, now)).toBe("JBSWY3DPEHPK3PXP");
    expect(openEnrolmentSecret("platform", "staff-1:token-b", sealed, now)).toBeUndefined();
    expect(openEnrolmentSecret("other", "staff-1:token-a", sealed, now)).toBeUndefined();
    expect(openEnrolmentSecret("platform", "staff-1:token-a", `${sealed}x`, now)).toBeUndefined();
    expect(
      openEnrolmentSecret("platform", "staff-1:token-a", sealed, new Date(now.getTime() + 31 * 60_000)),
    ).toBeUndefined();
  });
});
