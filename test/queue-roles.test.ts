import type { EventEmitter } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { type RunningServer, startServer } from "../src/main.js";
import { ROOT } from "./support/cli.js";
import { freePort } from "./support/free-port.js";
import { ENGINES, makeTestEnv, type TestEnv } from "./support/services.js";

const silentIo = { out() {}, err() {}, cwd: ROOT, isTTY: false };

// pg-boss's maintenance (expiring a dead worker's jobs, archiving, deleting) is the worker role's work. Web
// processes only send jobs: with `efacture web --processes N` each of them ran it too, every 30 s, on its own
// connections (issue 17, bench:list). The maintenance event is pg-boss's, emitted when this process ran one.
describe.each(ENGINES)("pg-boss maintenance by role on %s", (engine) => {
  let server: RunningServer | undefined;
  let testEnv: TestEnv | undefined;
  afterEach(async () => {
    await server?.stop();
    await testEnv?.cleanup();
    server = undefined;
    testEnv = undefined;
  });

  const start = async (roles: { web: boolean; worker: boolean }) => {
    const port = await freePort();
    testEnv = makeTestEnv(engine, {
      PORT: String(port),
      HOST: "127.0.0.1",
      PUBLIC_BASE_URL: `http://localhost:${port}`,
      JOB_MAINTENANCE_INTERVAL_SECONDS: "1",
    });
    server = await startServer(loadConfig(testEnv.env), roles, {
      io: silentIo,
      schema: testEnv.schema,
      pollingIntervalSeconds: 0.5,
    });
    const runs: unknown[] = [];
    // pg-boss emits it (src/boss.js) but its typings do not list it.
    (server.services.queue.boss as unknown as EventEmitter).on("maintenance", (result: unknown) =>
      runs.push(result),
    );
    return runs;
  };

  it("a web process sends jobs but runs no maintenance", async () => {
    const runs = await start({ web: true, worker: false });
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect(runs).toEqual([]);
    // It still sends jobs (publication queues checks, mails…).
    expect(await server!.services.queue.boss.send("send-mail", { mailId: "x" })).toBeTruthy();
  });

  it("a worker process runs it at its interval", async () => {
    const runs = await start({ web: false, worker: true });
    const end = Date.now() + 10_000;
    while (runs.length === 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runs.length).toBeGreaterThan(0);
  });
});
