import { describe, expect, it } from "vitest";
import { openServices } from "../src/app.js";
import type { CliIo } from "../src/cli/io.js";
import { runWithServices } from "../src/cli/main.js";
import { buildWebApp } from "../src/http/web-app.js";
import { runEfacture } from "./support/cli.js";
import { ENGINES, makeTestEnv, openTestServices } from "./support/services.js";

describe.each(ENGINES)("efacture api-key (%s)", (engine) => {
  it("creates a key shown once, lists it, revokes it, and the API follows", async () => {
    const testEnv = makeTestEnv(engine);
    const env = testEnv.env;
    /** Calls the API with the key, in this process, while no command holds the database. */
    const apiStatus = async (key: string) => {
      const services = await openServices(testEnv.config, { schema: testEnv.schema });
      try {
        const app = await buildWebApp(services);
        const res = await app.inject({
          url: "/api/v1/invoices",
          headers: { host: "acme.localhost:3000", authorization: `Bearer ${key}` },
        });
        await app.close();
        return res.statusCode;
      } finally {
        await services.close();
      }
    };
    try {
      expect((await runEfacture(["tenant", "create", "acme", "--name", "Acme"], env)).code).toBe(0);

      const created = await runEfacture(
        ["api-key", "create", "--tenant", "acme", "--label", "ERP nightly"],
        env,
      );
      expect(created.code, created.stderr).toBe(0);
      const key = created.stdout.trim();
      expect(key).toMatch(/^efk_[0-9a-f]{8}_[0-9a-f]{64}$/);
      const prefix = key.split("_")[1]!;
      expect(created.stderr.trim().split("\n")).toEqual([
        `API key ${prefix} (ERP nightly) created for acme: copy it now, it will not be shown again. Send it as "Authorization: Bearer <key>" to http://acme.localhost:3000/api/v1/`,
      ]);

      const fresh = await runEfacture(["api-key", "list", "--tenant", "acme"], env);
      expect(fresh.code).toBe(0);
      const [header, row] = fresh.stdout.trim().split("\n");
      expect(header).toMatch(/^PREFIX\s+LABEL\s+CREATED\s+LAST USED\s+REVOKED$/);
      expect(row).toMatch(
        new RegExp(`^${prefix}\\s+ERP nightly\\s+\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC\\s+never\\s+-$`),
      );
      expect(fresh.stdout).not.toContain(key.slice(13));

      expect(await apiStatus(key)).toBe(200);

      const revoked = await runEfacture(["api-key", "revoke", "--tenant", "acme", prefix], env);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(revoked.stdout.trim()).toBe(`API key ${prefix} of acme revoked: it is refused from now on.`);
      const listed = await runEfacture(["api-key", "list", "--tenant", "acme"], env);
      // Created, last used (by the request above), revoked.
      expect(listed.stdout.trim().split("\n")[1]).toMatch(
        /^\S+\s+ERP nightly(\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC){3}$/,
      );
      expect(await apiStatus(key)).toBe(401);
    } finally {
      await testEnv.cleanup();
    }
  }, 120_000);

  it("says clearly when the tenant or the key is unknown, and explains its usage", async () => {
    const services = await openTestServices(engine);
    const run = async (argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = {
        out: (t) => out.push(t),
        err: (t) => err.push(t),
        cwd: process.cwd(),
        isTTY: false,
      };
      const code = await runWithServices(argv, io, services);
      return { code, stdout: out.join("\n"), stderr: err.join("\n") };
    };
    try {
      const unknown = await run(["api-key", "create", "--tenant", "nobody"]);
      expect(unknown).toEqual({
        code: 1,
        stdout: "",
        stderr: 'efacture: no tenant "nobody" (see efacture tenant list) (unknown_tenant)',
      });
      expect((await run(["tenant", "create", "acme", "--name", "Acme"])).code).toBe(0);
      expect(await run(["api-key", "revoke", "--tenant", "acme", "deadbeef"])).toEqual({
        code: 1,
        stdout: "",
        stderr: 'efacture: this tenant has no API key with prefix "deadbeef" (api_key_not_found)',
      });
      expect((await run(["api-key", "list", "--tenant", "acme"])).stdout).toBe(
        "No API key for acme. Create one with: efacture api-key create --tenant acme",
      );
      const created = await run(["api-key", "create", "--tenant", "acme"]);
      const prefix = created.stdout.split("_")[1]!;
      await run(["api-key", "revoke", "--tenant", "acme", prefix]);
      const again = await run(["api-key", "revoke", "--tenant", "acme", `efk_${prefix}`]);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(new RegExp(`^API key ${prefix} of acme was already revoked on \\d{4}-`));
      expect(await run(["api-key", "create"])).toMatchObject({
        code: 2,
        stderr: "efacture: api-key create needs --tenant <slug>",
      });
      expect((await run(["api-key", "rotate", "--tenant", "acme"])).code).toBe(2);
      expect(
        (await run(["api-key", "create", "--tenant", "acme", "--label", "x".repeat(101)])).stderr,
      ).toContain("(invalid_label)");
      const help = await runEfacture(["help"], {});
      expect(help.stdout).toContain("efacture api-key create --tenant <slug> [--label L]");
      expect(help.stdout).toContain("efacture api-key revoke --tenant <slug> <prefix>");
    } finally {
      await services.dispose();
    }
  });
});
