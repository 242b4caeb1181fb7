import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runEfacture, runEfactureProcess, startEfacture } from "./support/cli.js";

describe("efacture staff create", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "efacture-staff-cli-"));
  const env = { DATA_DIR: dataDir, EFACTURE_DEMO: "0", NODE_ENV: "test" };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("prints a one-time enrolment link alone on stdout, and clear errors for bad input", async () => {
    // A real process on the embedded database: it opens PGlite, closes it and ends (the others run in-process).
    expect((await runEfactureProcess(["tenant", "create", "acme", "--name", "Acme"], env)).code).toBe(0);
    const run = await runEfacture(
      [
        "staff",
        "create",
        "--tenant",
        "acme",
        "--email",
        "Paul@Acme.test",
        "--role",
        "advisor",
        "--name",
        "Paul",
      ],
      env,
    );
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(
      /^http:\/\/acme\.localhost:3000\/conseiller\/inscription\/[A-Za-z0-9_-]{43}$/,
    );
    expect(run.stderr).toContain("Created advisor paul@acme.test on acme");
    const role = await runEfacture(
      ["staff", "create", "--tenant", "acme", "--email", "x@acme.test", "--role", "boss"],
      env,
    );
    expect(role.code).toBe(2);
    expect(role.stderr).toContain("--role must be advisor or admin");
    const email = await runEfacture(
      ["staff", "create", "--tenant", "acme", "--email", "nope", "--role", "admin"],
      env,
    );
    expect(email.code).toBe(1);
    expect(email.stderr).toContain("invalid_email");
    const tenant = await runEfacture(
      ["staff", "create", "--tenant", "nope", "--email", "a@b.test", "--role", "admin"],
      env,
    );
    expect(tenant.code).toBe(1);
    expect(tenant.stderr).toContain("unknown_tenant");
  }, 120_000);

  it("works while the server runs (through its control socket), and renews the link of someone not yet enrolled", async () => {
    const server = startEfacture(["start"], { ...env, PORT: "0" }, /listening on/);
    try {
      await server.ready;
      const first = await runEfacture(
        ["staff", "create", "--tenant", "acme", "--email", "anne@acme.test", "--role", "admin"],
        env,
      );
      expect(first.code).toBe(0);
      const again = await runEfacture(
        ["staff", "create", "--tenant", "acme", "--email", "anne@acme.test", "--role", "admin"],
        env,
      );
      expect(again.code).toBe(0);
      expect(again.stderr).toContain("New enrolment link for admin anne@acme.test");
      expect(again.stdout.trim()).not.toBe(first.stdout.trim());
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);
});
