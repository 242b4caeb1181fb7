// The local PA of the tests (test/support/local-pa.ts) in a process of its own, for bench/pa.ts: its OpenAPI
// validation and multipart parsing then do not take the benchmark's own event loop. Prints one JSON line with its
// URLs, then reads commands on stdin, one JSON per line: {"emit": <CDAR xml>} adds a lifecycle flow for the client
// "bench"; {"invalid": true} answers how many requests the OpenAPI file refused. Each answer is one JSON line.
import { createInterface } from "node:readline";
import { startLocalPa } from "../test/support/local-pa.js";

const pa = await startLocalPa();
pa.addClient("bench", "bench-secret");
process.stdout.write(`${JSON.stringify({ flowUrl: pa.flowUrl, tokenUrl: pa.tokenUrl })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as { emit?: string; invalid?: boolean };
  if (command.emit !== undefined) {
    const flow = await pa.emitLifecycle("bench", command.emit);
    process.stdout.write(`${JSON.stringify({ flowId: flow.flowId })}\n`);
  } else if (command.invalid)
    process.stdout.write(`${JSON.stringify({ invalid: pa.invalidRequests.length })}\n`);
}
await pa.close();
process.exit(0);
