import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { runEfacture, startEfacture } from "./support/cli.js";
import { freePort } from "./support/free-port.js";
import { makeTestEnv, type TestEnv } from "./support/services.js";

// `efacture web --processes N` as a user runs it: real processes (node:cluster), on PostgreSQL.
/** The web processes whose parent is `pid`, from /proc (tsx also starts an esbuild service: left out). */
const children = (pid: number): number[] => {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("efacture.js\0web"))
        found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found.sort((a, b) => a - b);
};

async function until<T>(check: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("efacture web --processes", () => {
  const envs: TestEnv[] = [];
  afterAll(async () => {
    for (const env of envs) await env.cleanup();
  });

  it("refuses several processes without PostgreSQL, and for start", async () => {
    const env = makeTestEnv("pglite");
    envs.push(env);
    const web = await runEfacture(["web", "--processes", "2"], env.env);
    expect(web.code).toBe(2);
    expect(web.stderr).toContain("needs PostgreSQL (DATABASE_URL)");
    const bad = await runEfacture(["web", "--processes", "zero"], env.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--processes: expected a number of processes between 1 and 64");
    const start = await runEfacture(["start", "--processes", "2"], env.env);
    expect(start.code).toBe(2);
    expect(start.stderr).toContain('only "efacture web" runs several processes');
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    "replaces a web process killed with SIGKILL while the port keeps answering, and drains on SIGTERM",
    async () => {
      const port = await freePort();
      const env = makeTestEnv("postgres", {
        PORT: String(port),
        PUBLIC_BASE_URL: `http://localhost:${port}`,
      });
      envs.push(env);
      const server = startEfacture(
        ["web", "--processes", "2"],
        env.env,
        /listening on[\s\S]*listening on/,
        180_000,
      );
      try {
        await server.ready;
        const primary = server.child.pid!;
        const before = await until(
          () => children(primary).length === 2 && children(primary),
          10_000,
          "2 children",
        );

        // Ask /healthz all along, one request at a time, as a client would.
        let stop = false;
        const outcomes: { at: number; ok: boolean }[] = [];
        const poller = (async () => {
          while (!stop) {
            const at = Date.now();
            const ok = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) })
              .then((r) => r.status === 200)
              .catch(() => false);
            outcomes.push({ at, ok });
            await new Promise((r) => setTimeout(r, 25));
          }
        })();

        const victim = before[0]!;
        process.kill(victim, "SIGKILL");
        const after = await until(
          () => {
            const now = children(primary);
            return now.length === 2 && !now.includes(victim) && now;
          },
          120_000,
          "a replacement process",
        );
        expect(after).toContain(before[1]);
        await until(
          () =>
            /exited \(signal SIGKILL\)[\s\S]*listening on/.test(server.output().split(`${victim}`)[1] ?? ""),
          120_000,
          "the replacement to listen",
        );
        // The replacement serves: wait until the survivor is gone and it alone answers.
        process.kill(before[1]!, "SIGKILL");
        await until(
          () => /exited \(signal SIGKILL\)/.test(server.output().split(`${before[1]}`)[1] ?? ""),
          10_000,
          "the second kill",
        );
        const served = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status);
        expect(served).toBe(200);
        stop = true;
        await poller;

        // The port answered all along: a failure only for a request in flight on the killed process.
        const failures = outcomes.filter((o) => !o.ok);
        expect(outcomes.length).toBeGreaterThan(20);
        expect(failures.length).toBeLessThanOrEqual(2);
        expect(server.output()).toContain(`web process ${victim} (slot`);

        const code = await server.stop("SIGTERM");
        expect(code).toBe(0);
        expect(server.output()).toContain(
          "SIGTERM received: the web processes finish their requests and stop",
        );
        expect(server.output()).toContain("all web processes stopped");
        expect(children(primary)).toEqual([]);
      } finally {
        if (server.child.exitCode === null) await server.stop("SIGKILL");
      }
    },
    300_000,
  );

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    "waits longer and longer before replacing a process that keeps dying (never a fork loop)",
    async () => {
      // The port is taken: every web process fails to listen and exits at once.
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
      const port = (blocker.address() as net.AddressInfo).port;
      const env = makeTestEnv("postgres", {
        PORT: String(port),
        PUBLIC_BASE_URL: `http://localhost:${port}`,
      });
      envs.push(env);
      const server = startEfacture(["web", "--processes", "2"], env.env, /replacement in 2 s/, 180_000);
      try {
        await server.ready;
        const out = server.output();
        expect(out).toMatch(/exited \(code 1\) after \d+ s: starting a replacement in 1 s/);
        expect(out).toMatch(/exited \(code 1\) after \d+ s: starting a replacement in 2 s/);
        // One slot at a time until one listens: the second slot never started.
        expect(out).not.toContain("(slot 1)");
        expect(out.match(/exited \(code 1\)/g)?.length).toBe(2);
      } finally {
        await server.stop("SIGTERM");
        await new Promise((resolve) => blocker.close(resolve));
      }
    },
    240_000,
  );
});
