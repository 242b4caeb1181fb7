import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { upsertCustomer } from "../src/domain/customers/upsert-customer.js";
import { completeStaffLogIn } from "../src/domain/staff/staff-log-in.js";
import { decryptTotpSecret, totpCode } from "../src/domain/staff/totp.js";
import { buildWebApp } from "../src/http/web-app.js";
import { makeTenant } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";
import { enrolStaff, nextCode, STAFF_PASSWORD, staffLogin } from "./support/staff.js";
import { WebClient } from "./support/web-client.js";

// Counts the argon2 verifications, to see how many attempts of a burst reach the hash (docs/security.md H3).
const verifications = vi.hoisted(() => ({ count: 0 }));
vi.mock("../src/domain/accounts/password-hashing.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/domain/accounts/password-hashing.js")>();
  return {
    ...real,
    verifyPassword: (...args: Parameters<typeof real.verifyPassword>) => {
      verifications.count++;
      return real.verifyPassword(...args);
    },
  };
});

const HOST = "acme.localhost:3000";
const OTHER_HOST = "other.localhost:3000";

describe.each(ENGINES)("staff accounts and login on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let tenantId: string;
  let otherTenantId: string;
  let advisor: Awaited<ReturnType<typeof enrolStaff>>;
  let admin: Awaited<ReturnType<typeof enrolStaff>>;
  let customerId: string;
  let otherCustomerId: string;

  beforeAll(async () => {
    services = await openTestServices(engine);
    app = await buildWebApp(services);
    tenantId = (await makeTenant(services.db)).id;
    otherTenantId = (await makeTenant(services.db, { slug: "other", displayName: "Other" })).id;
    advisor = await enrolStaff(services, app, {
      tenantId,
      host: HOST,
      email: "paul@acme.test",
      role: "advisor",
    });
    admin = await enrolStaff(services, app, { tenantId, host: HOST, email: "anne@acme.test", role: "admin" });
    customerId = (
      await upsertCustomer(services.db, {
        queue: services.queue,
        tenantId,
        customerNumber: "C-1",
        name: "Élodie Durand",
        email: "elodie@example.com",
        actor: { type: "issuer", id: "t" },
      })
    ).customer.id;
    otherCustomerId = (
      await upsertCustomer(services.db, {
        queue: services.queue,
        tenantId: otherTenantId,
        customerNumber: "C-1",
        name: "Other customer",
        email: "x@example.com",
        actor: { type: "issuer", id: "t" },
      })
    ).customer.id;
  }, 120_000);
  // Each test logs in afresh: forget the steps used by earlier tests (replays are tested within one test).
  beforeEach(async () => {
    await services?.db.query(
      "update staff set totp_last_step = null, failed_logins = 0 where email <> 'lock@acme.test'",
    );
  });
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  it("stores the TOTP secret encrypted, the password as argon2id and only hashes of the recovery codes", async () => {
    const [row] = await services.db.query<{ totp_secret: string; password_hash: string; status: string }>(
      "select totp_secret, password_hash, status from staff where id = $1",
      [advisor.staffId],
    );
    expect(row!.status).toBe("active");
    expect(row!.password_hash.startsWith("$argon2id$")).toBe(true);
    expect(row!.totp_secret).not.toContain(advisor.secret);
    expect(decryptTotpSecret(services.cookieSecret, advisor.staffId, row!.totp_secret)).toBe(advisor.secret);
    expect(() => decryptTotpSecret("another platform secret", advisor.staffId, row!.totp_secret)).toThrow();
    const codes = await services.db.query<{ code_hash: string }>(
      "select code_hash from staff_recovery_codes where staff_id = $1",
      [advisor.staffId],
    );
    expect(codes).toHaveLength(10);
    expect(JSON.stringify(codes)).not.toContain(advisor.codes[0]!.replaceAll("-", ""));
    const tokens = await services.db.query<{ token_hash: string; used_at: Date | null }>(
      "select token_hash, used_at from tokens where staff_id = $1",
      [advisor.staffId],
    );
    expect(tokens[0]!.used_at).not.toBeNull();
    expect(JSON.stringify(tokens)).not.toContain(advisor.token);
  });

  it("refuses an enrolment link a second time", async () => {
    const client = new WebClient(app, HOST);
    expect((await client.get(`/conseiller/inscription/${advisor.token}`)).statusCode).toBe(410);
  });

  it("logs in with password and a code of the next step, and opens the search page", async () => {
    const { client, first, second } = await staffLogin(app, HOST, "paul@acme.test", nextCode(advisor.secret));
    expect(first.statusCode).toBe(303);
    expect(second!.statusCode).toBe(303);
    expect(second!.headers.location).toBe("/conseiller");
    expect(second!.cookies.some((c) => c.name === "efacture_staff")).toBe(true);
    const home = await client.get("/conseiller");
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain("Rechercher un client");
    expect(String(home.headers["cache-control"])).toContain("no-store");
  });

  it("refuses a wrong code, a replayed code, and a code two steps away", async () => {
    const wrong = await staffLogin(app, HOST, "paul@acme.test", "000000");
    expect(wrong.second!.statusCode).toBe(401);
    expect(wrong.second!.body).toContain("n’est pas valable");
    // The current step's code: still inside the ±1 window when the replay comes, even if a 30 s boundary
    // passes between the two logins (a previous step's code then fell out of the window: "not valid", not
    // "already used" — which failed under load). Drift itself is tested below with a fixed clock.
    const code = nextCode(admin.secret, 0);
    const ok = await staffLogin(app, HOST, "anne@acme.test", code);
    expect(ok.second!.statusCode).toBe(303);
    const replay = await staffLogin(app, HOST, "anne@acme.test", code);
    expect(replay.second!.statusCode).toBe(401);
    expect(replay.second!.body).toContain("déjà été utilisé");
    const far = await staffLogin(app, HOST, "anne@acme.test", nextCode(admin.secret, 3));
    expect(far.second!.statusCode).toBe(401);
  });

  it("accepts ±1 step of clock drift and nothing beyond (domain, fixed clock)", async () => {
    const base = new Date(Date.now() + 3600_000);
    const attempt = (at: Date, codeAt: Date) =>
      completeStaffLogIn(services.db, {
        tenantId,
        staffId: advisor.staffId,
        code: totpCode(advisor.secret, codeAt),
        platformSecret: services.cookieSecret,
        ip: "10.0.0.1",
        userAgent: null,
        now: at,
      });
    expect((await attempt(base, new Date(base.getTime() - 30_000))).ok).toBe(true);
    expect((await attempt(base, base)).ok).toBe(true);
    expect((await attempt(base, new Date(base.getTime() + 30_000))).ok).toBe(true);
    const later = new Date(base.getTime() + 10 * 30_000);
    expect((await attempt(later, new Date(later.getTime() + 60_000))).ok).toBe(false);
    expect((await attempt(later, new Date(later.getTime() - 60_000))).ok).toBe(false);
    // An earlier step than the last used one is a replay too.
    expect((await attempt(later, new Date(base.getTime()))).ok).toBe(false);
    await services.db.query("update staff set failed_logins = 0 where id = $1", [advisor.staffId]);
  });

  it("accepts a recovery code once", async () => {
    const first = await staffLogin(app, HOST, "paul@acme.test", advisor.codes[0]!);
    expect(first.second!.statusCode).toBe(303);
    const again = await staffLogin(app, HOST, "paul@acme.test", advisor.codes[0]!.toUpperCase());
    expect(again.second!.statusCode).toBe(401);
  });

  it("gives the same answer for an unknown address and a wrong password", async () => {
    const unknown = await staffLogin(app, HOST, "nobody@acme.test", "000000");
    const wrong = await staffLogin(app, HOST, "paul@acme.test", "000000", "not the right password at all");
    expect(unknown.first.statusCode).toBe(401);
    expect(wrong.first.statusCode).toBe(401);
    const text = (html: string) => /<p class="error"[^>]*>([^<]+)</.exec(html)?.[1];
    expect(text(unknown.first.body)).toBe(text(wrong.first.body));
  });

  it("verifies at most 5 of 60 concurrent wrong passwords; the advisor still gets in from elsewhere (H3)", async () => {
    const attacker = new WebClient(app, HOST);
    await attacker.get("/conseiller/connexion");
    const csrf = attacker.csrf();
    const before = verifications.count;
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        attacker.post(
          "/conseiller/connexion",
          { email: "paul@acme.test", password: `wrong password number ${i}` },
          { csrf },
        ),
      ),
    );
    const verified = verifications.count - before;
    expect(verified).toBeGreaterThanOrEqual(1);
    expect(verified).toBeLessThanOrEqual(5);
    expect(answers.filter((res) => res.statusCode === 429)).toHaveLength(60 - verified);
    const { second } = await staffLogin(app, HOST, "paul@acme.test", nextCode(advisor.secret));
    expect(second?.statusCode).toBe(303);
  }, 60_000);

  it("says plainly when the platform secret changed since enrolment, and still takes a recovery code", async () => {
    const member = await enrolStaff(services, app, {
      tenantId,
      host: HOST,
      email: "rotated@acme.test",
      role: "advisor",
    });
    const attempt = (code: string) =>
      completeStaffLogIn(services.db, {
        tenantId,
        staffId: member.staffId,
        code,
        platformSecret: "another platform secret, as after a SESSION_SECRET change",
        ip: "10.0.0.9",
        userAgent: null,
      });
    await expect(attempt(nextCode(member.secret))).rejects.toMatchObject({ code: "totp_unreadable" });
    expect((await attempt(member.codes[0]!)).ok).toBe(true);
  });

  it("locks the staff account after ten wrong codes", async () => {
    await enrolStaff(services, app, { tenantId, host: HOST, email: "lock@acme.test", role: "advisor" });
    let last = 0;
    for (let i = 0; i < 10; i++) {
      const r = await staffLogin(app, HOST, "lock@acme.test", "000000");
      last = r.second?.statusCode ?? r.first.statusCode;
    }
    expect(last).toBe(429);
    const [row] = await services.db.query<{ locked_until: Date | null }>(
      "select locked_until from staff where email = 'lock@acme.test'",
    );
    expect(row!.locked_until!.getTime()).toBeGreaterThan(Date.now());
    const actions = await services.db.query<{ action: string }>(
      "select action from audit_entries where tenant_id = $1 and action = 'staff.locked'",
      [tenantId],
    );
    expect(actions.length).toBe(1);
  });

  it("never lets a customer session or no session reach staff pages", async () => {
    const anonymous = new WebClient(app, HOST);
    const res = await anonymous.get("/conseiller");
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toContain("/conseiller/connexion");
    // A valid customer session cookie, presented as both cookies, is not a staff session.
    const forged = new WebClient(app, HOST);
    await services.db.query(
      `insert into accounts (tenant_id, identifier, email, status) values ($1, 'AAAA-BBBB', 'c@example.com', 'active')`,
      [tenantId],
    );
    const { startSession } = await import("../src/domain/accounts/sessions.js");
    const [account] = await services.db.query<{ id: string }>(
      "select id from accounts where identifier = 'AAAA-BBBB'",
    );
    const cookie = await startSession(services.db, {
      tenantId,
      accountId: account!.id,
      kind: "customer",
      ip: null,
      userAgent: null,
      now: new Date(),
    });
    forged.cookies.set("efacture-session", cookie);
    forged.cookies.set("efacture_staff", cookie);
    expect((await forged.get("/factures")).statusCode).toBe(200);
    const staffPage = await forged.get("/conseiller");
    expect(staffPage.statusCode).toBe(303);
    expect(staffPage.headers.location).toContain("/conseiller/connexion");
    expect((await forged.get(`/conseiller/clients/${customerId}`)).statusCode).toBe(303);
  });

  it("keeps a staff session out of customer pages", async () => {
    const { client } = await staffLogin(app, HOST, "anne@acme.test", nextCode(admin.secret, 1));
    const res = await client.get("/factures");
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toContain("/?message=session");
  });

  it("refuses staff of tenant A on tenant B: login, session and record ids", async () => {
    const onB = await staffLogin(app, OTHER_HOST, "paul@acme.test", "000000");
    expect(onB.first.statusCode).toBe(401);
    const { client } = await staffLogin(app, HOST, "paul@acme.test", nextCode(advisor.secret, 1));
    // Same cookie on the other tenant's host: no session there.
    const other = new WebClient(app, OTHER_HOST);
    for (const [k, v] of client.cookies) other.cookies.set(k, v);
    expect((await other.get("/conseiller")).statusCode).toBe(303);
    // Another tenant's customer id on this host: 404.
    expect((await client.get(`/conseiller/clients/${otherCustomerId}`)).statusCode).toBe(404);
    expect((await client.get(`/conseiller/clients/${otherCustomerId}/email`)).statusCode).toBe(404);
    expect((await client.get(`/conseiller/clients/${customerId}`)).statusCode).toBe(200);
  });

  it("closes a staff session after 15 idle minutes, and at logout", async () => {
    const { client } = await staffLogin(app, HOST, "anne@acme.test", nextCode(admin.secret, 1));
    expect((await client.get("/conseiller")).statusCode).toBe(200);
    await services.db.query(
      "update sessions set last_seen_at = now() - interval '16 minutes' where kind = 'staff' and staff_id = $1 and revoked_at is null",
      [admin.staffId],
    );
    expect((await client.get("/conseiller")).statusCode).toBe(303);
    const again = await staffLogin(app, HOST, "anne@acme.test", nextCode(admin.secret, 1));
    expect(again.second!.statusCode).toBe(401); // the same step again: a replay
    const fresh = await staffLogin(app, HOST, "paul@acme.test", advisor.codes[1]!);
    const copy = [...fresh.client.cookies];
    await fresh.client.get("/conseiller");
    const out = await fresh.client.post("/conseiller/deconnexion", {});
    expect(out.statusCode).toBe(303);
    const replay = new WebClient(app, HOST);
    for (const [k, v] of copy) replay.cookies.set(k, v);
    expect((await replay.get("/conseiller")).statusCode).toBe(303);
  });

  it("refuses a staff form posted from another origin or without its CSRF token", async () => {
    const { client } = await staffLogin(app, HOST, "paul@acme.test", advisor.codes[2]!);
    await client.get(`/conseiller/clients/${customerId}`);
    const foreign = await client.post(
      `/conseiller/clients/${customerId}/sessions`,
      {},
      {
        headers: { origin: "http://other.localhost:3000" },
      },
    );
    expect(foreign.statusCode).toBe(403);
    const noToken = await client.post(`/conseiller/clients/${customerId}/sessions`, {}, { csrf: false });
    expect(noToken.statusCode).toBe(403);
  });

  it("refuses a weak password and a wrong code at enrolment, keeping the link usable", async () => {
    const { inviteStaff } = await import("../src/domain/staff/staff-accounts.js");
    const { token } = await inviteStaff(services.db, {
      tenantId,
      email: "new@acme.test",
      role: "advisor",
      actor: { type: "platform", id: "t", name: "t" },
    });
    const client = new WebClient(app, HOST);
    const page = await client.get(`/conseiller/inscription/${token}`);
    const secret = /class="staff-secret">([A-Z2-7]+)</.exec(page.body)![1]!;
    const short = await client.post(`/conseiller/inscription/${token}`, {
      password: "short",
      confirmation: "short",
      code: totpCode(secret, new Date()),
    });
    expect(short.statusCode).toBe(422);
    expect(short.body).toContain("au moins 15 caractères");
    const common = await client.post(`/conseiller/inscription/${token}`, {
      password: "123456789012345",
      confirmation: "123456789012345",
      code: totpCode(secret, new Date()),
    });
    expect(common.statusCode).toBe(422);
    const badCode = await client.post(`/conseiller/inscription/${token}`, {
      password: STAFF_PASSWORD,
      confirmation: STAFF_PASSWORD,
      code: "123456",
    });
    expect(badCode.statusCode).toBe(422);
    expect(badCode.body).toContain(secret);
    const ok = await client.post(`/conseiller/inscription/${token}`, {
      password: STAFF_PASSWORD,
      confirmation: STAFF_PASSWORD,
      code: totpCode(secret, new Date()),
    });
    expect(ok.statusCode).toBe(200);
  });
});
