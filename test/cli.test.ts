import { mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runEfacture, runEfactureProcess, startEfacture } from "./support/cli.js";
import { ENGINES, makeTestEnv } from "./support/services.js";
import { startTcpProxy } from "./support/tcp-proxy.js";

describe("efacture command line", () => {
  it("stops on a wrong configuration with one line naming the variable, exit 1", async () => {
    // A real process: bin/efacture.js, its exit code and what reaches the terminal.
    const { code, stdout, stderr } = await runEfactureProcess(["tenant", "list"], { PORT: "eighty" });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toEqual([
      'efacture: invalid configuration: PORT: expected an integer between 0 and 65535, got "eighty"',
    ]);
  });

  it("names DATA_DIR when it is not writable", async () => {
    // Root can write anywhere, so use a path below a regular file: no directory can exist there.
    const file = path.join(mkdtempSync(path.join(tmpdir(), "efacture-")), "a-file");
    writeFileSync(file, "");
    const { code, stderr } = await runEfacture(["tenant", "list"], { DATA_DIR: `${file}/data` });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(`efacture: DATA_DIR ${file}/data is not writable (ENOTDIR)`);
  });

  it("names PostgreSQL when it is unreachable at start", async () => {
    const { code, stderr } = await runEfacture(["migrate"], {
      DATABASE_URL: "postgres://postgres@127.0.0.1:1/none",
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/PostgreSQL unreachable/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("explains its usage", async () => {
    const { code, stdout } = await runEfacture(["help"], {});
    expect(code).toBe(0);
    expect(stdout).toContain("efacture tenant create <slug> --name <display name>");
  });
});

describe.each(ENGINES)("efacture while the server runs (%s)", (engine) => {
  it("creates and lists tenants without stopping the server, which then serves them", async () => {
    const testEnv = makeTestEnv(engine);
    const env = { ...testEnv.env, PORT: "0", LOG_LEVEL: "warn" };
    const server = startEfacture(["start"], env, /listening on (http:\/\/[\d.:]+)/);
    try {
      const [, url] = await server.ready;
      const port = new URL(url!).port;
      // A second process, as an operator's shell would start it: on PGlite through the server's control socket,
      // on PostgreSQL with services of its own, which it must close for the process to end.
      const created = await runEfactureProcess(
        ["tenant", "create", "acme", "--name", "Acme Crédit", "--retention-months", "36"],
        env,
      );
      expect(created.stderr).toBe("");
      expect(created.code).toBe(0);
      expect(created.stdout).toContain('Tenant "acme" created: Acme Crédit, invoices kept 36 months.');
      const duplicate = await runEfacture(["tenant", "create", "acme", "--name", "Again"], env);
      expect(duplicate.code).toBe(1);
      expect(duplicate.stderr).toContain('a tenant "acme" already exists');
      const listed = await runEfacture(["tenant", "list"], env);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(/acme\s+Acme Crédit\s+36 months/);
      const migrated = await runEfacture(["migrate"], env);
      expect(migrated.code).toBe(0);
      // PUBLIC_BASE_URL keeps its default (port 3000): the portal answers to that name only.
      const viaPublic = await get(Number(port), "acme.localhost:3000");
      expect(viaPublic.status).toBe(200);
      expect(viaPublic.body).toContain("Acme Crédit");
      expect((await get(Number(port), `acme.localhost:${port}`)).status).toBe(404);
    } finally {
      expect(await server.stop()).toBe(0);
      await testEnv.cleanup();
    }
  }, 120_000);
});

/** GET / with a chosen Host header (fetch cannot set Host). */
function get(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", headers: { host } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe.skipIf(!ENGINES.includes("postgres"))("efacture web/worker when PostgreSQL stays away", () => {
  it("exits 1 past DATABASE_OUTAGE_LIMIT_SECONDS, for its supervisor to restart it, instead of hanging", async () => {
    const target = new URL(process.env.TEST_DATABASE_URL!);
    const proxy = await startTcpProxy(Number(target.port || 5432), target.hostname);
    const via = new URL(target);
    via.port = String(proxy.port);
    const testEnv = makeTestEnv("postgres");
    const env = {
      ...testEnv.env,
      DATABASE_URL: via.toString(),
      DATABASE_OUTAGE_LIMIT_SECONDS: "5",
      PORT: "0",
      LOG_LEVEL: "warn",
    };
    const server = startEfacture(["start"], env, /worker running/);
    try {
      await server.ready;
      proxy.cut();
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => resolve(-1), 60_000);
        server.child.once("exit", (exit) => {
          clearTimeout(timer);
          resolve(exit);
        });
      });
      expect(code, server.output()).toBe(1);
      expect(server.output()).toMatch(/database unreachable for \d+ s \(DATABASE_OUTAGE_LIMIT_SECONDS\)/);
    } finally {
      if (server.child.exitCode === null) await server.stop("SIGKILL");
      proxy.restore();
      await proxy.close();
      await testEnv.cleanup();
    }
  }, 90_000);
});
