// Writes test/durations.json (seconds per test file, read by vitest.config.ts to start the longest files first)
// from a JSON report: `vitest run --reporter=json --outputFile=report.json`, then
// `npx tsx test/support/record-durations.ts report.json`.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const report = JSON.parse(readFileSync(process.argv[2] ?? "report.json", "utf8")) as {
  testResults: { name: string; startTime: number; endTime: number }[];
};
const seconds = Object.fromEntries(
  report.testResults
    .map(
      (file) =>
        [path.relative(ROOT, file.name), Math.round((file.endTime - file.startTime) / 100) / 10] as const,
    )
    .sort(([a], [b]) => (a < b ? -1 : 1)),
);
writeFileSync(path.join(ROOT, "test", "durations.json"), `${JSON.stringify(seconds, null, 2)}\n`);
