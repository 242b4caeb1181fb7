// The load generator of bench/portal.ts, run in its own process (forked, IPC) so that it does not share
// the server's event loop: autocannon, one keep-alive connection per logged-in session. Each connection
// gets its own Cookie header and path through autocannon's `setupClient` (called once per connection).
import http from "node:http";
import autocannon from "autocannon";

export interface LoadRequest {
  type: "run";
  name: string;
  url: string;
  connections: number;
  seconds: number;
  /** Requests per second across all connections, paced (an offered load); unset = as fast as answers come. */
  overallRate?: number;
  /** One entry per connection (cycled): the path asked and the headers sent on that connection. */
  perConnection: { path: string; headers: Record<string, string> }[];
}

export interface LoadResult {
  type: "result";
  name: string;
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  throughputMBps: number;
  /** CPU time of this process (the load generator) during the run, in ms. */
  clientCpuMs: number;
}

const cpuMs = (used: NodeJS.CpuUsage) => (used.user + used.system) / 1000;

/**
 * An open-loop load: requests start on a fixed schedule (every 1/rate s, spread over the connections in
 * turn), whether or not earlier ones were answered, and each latency counts from the scheduled start, so
 * a slow answer is not hidden by the requests it delayed (no coordinated omission). autocannon's own rate
 * option sends each second's quota in a burst, which measures the burst rather than the server.
 */
async function runPaced(request: LoadRequest & { overallRate: number }): Promise<LoadResult> {
  const cpu = process.cpuUsage();
  const target = new URL(request.url);
  const lanes = Array.from({ length: request.connections }, (_, i) => ({
    agent: new http.Agent({ keepAlive: true, maxSockets: 1 }),
    mine: request.perConnection[i % request.perConnection.length]!,
  }));
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let bytes = 0;
  const interval = 1000 / request.overallRate;
  const started = performance.now();
  const end = started + request.seconds * 1000;
  const pending: Promise<void>[] = [];
  for (let k = 0; ; k++) {
    const due = started + k * interval;
    if (due >= end) break;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const lane = lanes[k % lanes.length]!;
    pending.push(
      new Promise<void>((resolve) => {
        const req = http.request(
          {
            host: target.hostname,
            port: target.port,
            path: lane.mine.path,
            headers: lane.mine.headers,
            agent: lane.agent,
          },
          (res) => {
            res.on("data", (chunk: Buffer) => {
              bytes += chunk.length;
            });
            res.on("end", () => {
              if ((res.statusCode ?? 0) >= 300) non2xx++;
              latencies.push(performance.now() - due);
              resolve();
            });
          },
        );
        req.on("error", () => {
          errors++;
          resolve();
        });
        req.end();
      }),
    );
  }
  await Promise.all(pending);
  const duration = (performance.now() - started) / 1000;
  for (const lane of lanes) lane.agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  return {
    type: "result",
    name: request.name,
    requests: latencies.length,
    rps: latencies.length / duration,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: Math.round(latencies.at(-1) ?? 0),
    errors,
    timeouts: 0,
    non2xx,
    throughputMBps: bytes / duration / 2 ** 20,
    clientCpuMs: cpuMs(process.cpuUsage(cpu)),
  };
}

async function run(request: LoadRequest): Promise<LoadResult> {
  if (request.overallRate) return runPaced({ ...request, overallRate: request.overallRate });
  let next = 0;
  const cpu = process.cpuUsage();
  const result = await autocannon({
    url: request.url,
    connections: request.connections,
    duration: request.seconds,
    pipelining: 1,
    timeout: 30,
    setupClient(client) {
      const mine = request.perConnection[next++ % request.perConnection.length]!;
      client.setRequests([{ method: "GET", path: mine.path, headers: mine.headers }]);
    },
  });
  return {
    type: "result",
    name: request.name,
    requests: result.requests.total,
    rps: result.requests.total / (result.duration || request.seconds),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    throughputMBps: result.throughput.average / 2 ** 20,
    clientCpuMs: cpuMs(process.cpuUsage(cpu)),
  };
}

process.on("message", (message: LoadRequest | { type: "exit" }) => {
  if (message.type === "exit") process.exit(0);
  run(message).then(
    (result) => process.send!(result),
    (error: Error) => {
      console.error(error);
      process.exit(1);
    },
  );
});
process.send!({ type: "ready" });
