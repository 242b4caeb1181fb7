// The load generator of bench/portal.ts, run in its own process (forked, IPC) so that it does not share
// the server's event loop: autocannon, one keep-alive connection per logged-in session. Each connection
// gets its own Cookie header and path through autocannon's `setupClient` (called once per connection).
import autocannon from "autocannon";

export interface LoadRequest {
  type: "run";
  name: string;
  url: string;
  connections: number;
  seconds: number;
  /** Requests per second across all connections (an offered load); unset = as fast as answers come. */
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

async function run(request: LoadRequest): Promise<LoadResult> {
  let next = 0;
  const cpu = process.cpuUsage();
  const result = await autocannon({
    url: request.url,
    connections: request.connections,
    duration: request.seconds,
    pipelining: 1,
    timeout: 30,
    ...(request.overallRate ? { overallRate: request.overallRate } : {}),
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
