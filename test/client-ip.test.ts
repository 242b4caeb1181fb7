import { isIP } from "node:net";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/app.js";
import { ConfigError, loadConfig } from "../src/config.js";
import { setAccountPassword } from "../src/db/accounts.repository.js";
import { hashPassword } from "../src/domain/accounts/password-hashing.js";
import { upsertCustomer } from "../src/domain/customers/upsert-customer.js";
import { ipNetwork } from "../src/domain/shared/ip-network.js";
import { API_RATE_LIMIT_PER_MINUTE } from "../src/http/routes/api/index.js";
import { buildWebApp } from "../src/http/web-app.js";
import { makeTenant } from "./support/factories.js";
import { completePortalDetails } from "./support/portal-details.js";
import { ENGINES, openTestServices } from "./support/services.js";

const PASSWORD = "le vélo bleu dort au garage";
const HOST = "acme.e-facture.test";
const JUNK = ["<script>alert(1)</script>", "=1+1", "a".repeat(5000)];

describe("TRUSTED_PROXIES", () => {
  it.each([
    [undefined, undefined],
    ["", undefined],
    ["0", undefined],
    ["1", 1],
    ["2", 2],
    ["127.0.0.1", ["127.0.0.1"]],
    ["127.0.0.1, 10.0.0.0/8,::1", ["127.0.0.1", "10.0.0.0/8", "::1"]],
    ["2001:db8::/32,fd00::/8", ["2001:db8::/32", "fd00::/8"]],
  ])("reads %j", (value, expected) => {
    expect(loadConfig(value === undefined ? {} : { TRUSTED_PROXIES: value }).trustedProxies).toEqual(
      expected,
    );
  });

  it.each([
    "true",
    "yes",
    "-1",
    "11",
    "10.0.0.0/33",
    "::1/129",
    "1.2.3",
    "127.0.0.1,",
    "*",
    "10.0.0.0/8/8",
    "fe80::1%eth0",
    "localhost",
  ])("refuses %j with one line naming the variable", (value) => {
    expect(() => loadConfig({ TRUSTED_PROXIES: value })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUSTED_PROXIES: value })).toThrow(
      /^TRUSTED_PROXIES: expected a hop count \(e\.g\. 1\) or a comma-separated list of IP addresses or CIDR ranges/,
    );
  });
});

describe("ipNetwork", () => {
  it("counts an IPv4 address alone, an IPv6 address by its /64, a mapped IPv4 as IPv4", () => {
    expect(ipNetwork("203.0.113.7")).toBe("203.0.113.7");
    expect(ipNetwork("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(ipNetwork("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(ipNetwork("2001:DB8:1:2:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(ipNetwork("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(ipNetwork("::1")).toBe("0:0:0:0::/64");
    expect(ipNetwork("<script>")).toBe("invalid");
  });
});

describe.each(ENGINES)("client addresses in production on %s (docs/security.md H2)", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let proxied: FastifyInstance;
  let tenantId: string;
  let identifier: string;
  let accountId: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    services = await openTestServices(engine, {
      overrides: {
        NODE_ENV: "production",
        PUBLIC_BASE_URL: "https://e-facture.test",
        SMTP_URL: "smtp://127.0.0.1:9",
        SESSION_SECRET: "0123456789abcdef0123456789abcdef",
        LOG_LEVEL: "silent",
      },
      logger: createLogger(
        { logLevel: "info" },
        new Writable({
          write(chunk, _encoding, done) {
            logLines.push(String(chunk));
            done();
          },
        }),
      ),
    });
    app = await buildWebApp(services);
    // The same server behind a front end at 127.0.0.1 (TRUSTED_PROXIES=127.0.0.1).
    const behindProxy = loadConfig({ ...services.testEnv.env, TRUSTED_PROXIES: "127.0.0.1" });
    proxied = await buildWebApp({ ...services, config: behindProxy });
    tenantId = (await makeTenant(services.db, { slug: "acme", displayName: "Acme" })).id;
    await completePortalDetails(services.db, tenantId);
    await upsertCustomer(services.db, {
      queue: services.queue,
      tenantId,
      customerNumber: "C-1",
      name: "C",
      email: "c@example.com",
      actor: { type: "issuer", id: null },
    });
    const [account] = await services.db.query<{ id: string; identifier: string }>(
      "select id, identifier from accounts",
    );
    identifier = account!.identifier;
    accountId = account!.id;
    await setAccountPassword(services.db, tenantId, accountId, await hashPassword(PASSWORD));
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await proxied?.close();
    await services?.dispose();
  });

  /** One login attempt through app.inject, from `remoteAddress`, with the page's CSRF token. */
  async function attempt(
    server: FastifyInstance,
    form: { identifier: string; password: string },
    remoteAddress: string,
    headers: Record<string, string> = {},
  ) {
    const home = await server.inject({ url: "/", remoteAddress, headers: { host: HOST, ...headers } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(home.body)![1]!;
    const cookie = ([] as string[])
      .concat((home.headers["set-cookie"] as string | string[] | undefined) ?? [])
      .map((c) => c.split(";")[0])
      .join("; ");
    return server.inject({
      method: "POST",
      url: "/connexion",
      remoteAddress,
      payload: new URLSearchParams({ ...form, _csrf: csrf }).toString(),
      headers: {
        host: HOST,
        cookie,
        origin: `https://${HOST}`,
        "content-type": "application/x-www-form-urlencoded",
        ...headers,
      },
    });
  }

  const stored = async () => ({
    audit: (await services.db.query<{ ip: string | null }>("select ip from audit_entries")).map((r) => r.ip),
    sessions: (await services.db.query<{ ip: string | null }>("select ip from sessions")).map((r) => r.ip),
    throttles: (await services.db.query<{ key: string }>("select key from throttles")).map((r) => r.key),
  });

  it("ignores X-Forwarded-For without TRUSTED_PROXIES: rotating it does not escape the per-IP limit", async () => {
    await services.db.query("delete from throttles");
    const statuses: number[] = [];
    // 50 failures per network in 15 minutes, then delays: distinct identifiers, a new forwarded address each time.
    for (let i = 0; i < 51; i++) {
      const res = await attempt(
        app,
        { identifier: `ZZZZ-${String(1000 + i)}`, password: "not the password at all" },
        "198.51.100.20",
        { "x-forwarded-for": `1.2.3.${i + 1}` },
      );
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, 50).every((status) => status === 401)).toBe(true);
    expect(statuses[50]).toBe(429);
  }, 60_000);

  it("never stores a forwarded non-address: audit, sessions and throttles keep the socket's address", async () => {
    await services.db.query("delete from throttles");
    for (const junk of JUNK) {
      const wrong = await attempt(app, { identifier, password: "not the password at all" }, "198.51.100.30", {
        "x-forwarded-for": junk,
      });
      expect(wrong.statusCode).toBe(401);
      const right = await attempt(app, { identifier, password: PASSWORD }, "198.51.100.30", {
        "x-forwarded-for": junk,
      });
      expect(right.statusCode).toBe(303);
      // Behind the trusted front end, a junk value it passed on falls back to the front end's address.
      const viaProxy = await attempt(proxied, { identifier, password: PASSWORD }, "127.0.0.1", {
        "x-forwarded-for": junk,
      });
      expect(viaProxy.statusCode).toBe(303);
    }
    const { audit, sessions, throttles } = await stored();
    for (const ip of [...audit, ...sessions]) if (ip !== null) expect(isIP(ip), ip.slice(0, 40)).not.toBe(0);
    expect(sessions).toContain("127.0.0.1");
    // Nor in the logs, "incoming request" included (logged before any hook runs).
    const logs = logLines.join("");
    expect(logs).toContain('"ip":"127.0.0.1"');
    for (const junk of ["<script>", "=1+1", "a".repeat(100)]) expect(logs).not.toContain(junk);
    for (const key of throttles) {
      expect(key).not.toMatch(/<|=1\+1|aaaa/);
      expect(key.length).toBeLessThan(120);
    }
  });

  it("keys the API rate limit on the socket's address, whatever X-Forwarded-For says", async () => {
    let last: Awaited<ReturnType<FastifyInstance["inject"]>> | undefined;
    for (let i = 0; i <= API_RATE_LIMIT_PER_MINUTE; i++) {
      last = await app.inject({
        url: "/api/v1/invoices",
        remoteAddress: "198.51.100.50",
        headers: { host: HOST, "x-forwarded-for": `1.2.${i >> 8}.${i & 255}` },
      });
      if (i < API_RATE_LIMIT_PER_MINUTE) expect(last.statusCode).toBe(401);
    }
    expect(last!.statusCode).toBe(429);
  }, 60_000);

  it("takes the forwarded address from a trusted proxy (TRUSTED_PROXIES=127.0.0.1), and only from it", async () => {
    await services.db.query("delete from sessions");
    const viaProxy = await attempt(proxied, { identifier, password: PASSWORD }, "127.0.0.1", {
      "x-forwarded-for": "203.0.113.9",
    });
    expect(viaProxy.statusCode).toBe(303);
    // A peer that is not the proxy cannot claim an address.
    const direct = await attempt(proxied, { identifier, password: PASSWORD }, "198.51.100.40", {
      "x-forwarded-for": "203.0.113.10",
    });
    expect(direct.statusCode).toBe(303);
    const { sessions } = await stored();
    expect(sessions.sort()).toEqual(["198.51.100.40", "203.0.113.9"]);
  });
});
