// Measures the cost of the foundation's pages: tenant home (Host resolution + tenant lookup + TSX render),
// readiness (a database round trip) and /healthz (the framework's ceiling in the same run).
// Usage: npm run bench:pages   (DATABASE_URL=... to run on PostgreSQL; BENCH_SECONDS, BENCH_CONNECTIONS)
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "../src/config.js";
import { startServer } from "../src/main.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);

async function load(port: number, host: string, url: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  const until = Date.now() + seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const started = process.hrtime.bigint();
      const req = http.request({ host: "127.0.0.1", port, path: url, agent, headers: { host } }, (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode !== 200) errors++;
          latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          resolve();
        });
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end();
    });
  const worker = async () => {
    while (Date.now() < until) await one();
  };
  const start = Date.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (Date.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
  return { rps: Math.round(latencies.length / elapsed), p50: pct(50), p99: pct(99), errors };
}

const dataDir = mkdtempSync(path.join(tmpdir(), "efacture-bench-"));
const port = 3900 + Math.floor(Math.random() * 50);
const config = loadConfig({
  ...process.env,
  DATA_DIR: dataDir,
  PORT: String(port),
  PUBLIC_BASE_URL: `http://localhost:${port}`,
  LOG_LEVEL: "error",
  EFACTURE_DEMO: "1",
});
const seedStart = Date.now();
const server = await startServer(
  config,
  { web: true, worker: false },
  { io: { out() {}, err: console.error, cwd: process.cwd(), isTTY: false } },
);
const startMs = Date.now() - seedStart;
console.log(
  `engine: ${server.services.db.engine}; start with demo seed (165 Factur-X invoices built and published): ${startMs} ms`,
);
console.log(`${connections} connections, ${seconds} s each, load generator in the same process\n`);
console.log("| page | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|");
for (const [name, host, url] of [
  ["/healthz (ceiling)", `localhost:${port}`, "/healthz"],
  ["tenant home page", `demo.localhost:${port}`, "/"],
  ["/readyz (database round trip)", `localhost:${port}`, "/readyz"],
] as const) {
  const r = await load(port, host, url);
  console.log(`| ${name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} |`);
}
await server.stop();
rmSync(dataDir, { recursive: true, force: true });
