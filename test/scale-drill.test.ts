// The scale-out drill (issue 17 §4) in a reduced form: the topology of `npm run drill:scale` (nginx from
// docs/deploy/nginx.conf, `efacture web --processes 2`, 2 workers, a PostgreSQL server of its own, s3rver, an SMTP
// sink), a shorter load, one of each fault. It asserts that nothing is lost; throughput ratios are the bench's
// business (bench/drill-scale.ts prints them), never a test's.
//
// In the default run wherever nginx and PostgreSQL's server binaries are (CI installs both; `E2E=required` makes
// their absence an error): 104 s on this 2-core machine at load 3-10, most of it starting 2 web processes, 2
// workers and a replacement under tsx, hence its own 240 s limit. test/durations.json starts it early.
import { describe, expect, it } from "vitest";
import { runScaleDrill } from "../bench/drill-scale.js";
import { nginxPresent } from "./support/nginx.js";
import { drillRequired, postgresBinDir } from "./support/private-postgres.js";

const missing = [
  postgresBinDir() ? undefined : "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)",
  nginxPresent() ? undefined : "nginx (/usr/sbin/nginx)",
].filter(Boolean);
if (missing.length > 0) {
  const message = `No ${missing.join(" nor ")}: the scale drill is skipped.`;
  if (drillRequired) throw new Error(`E2E=required but ${message}`);
  console.warn(message);
}

describe.skipIf(missing.length > 0)("scale drill: faults under load through nginx", () => {
  it("loses nothing when a web process, a worker, PostgreSQL and the object store fail in turn", async () => {
    const lines: string[] = [];
    const report = await runScaleDrill({
      steadySeconds: 4,
      phaseSeconds: 4,
      s3DownSeconds: 3,
      pgDownSeconds: 2,
      readers: 3,
      publishers: 2,
      log: (line) => lines.push(line),
    });
    const context = JSON.stringify(report, null, 1);
    // Each fault happened under load and the load went on after it.
    const phase = (name: string) => report.phases.find((p) => p.phase === name)!;
    expect(phase("steady").ok, context).toBeGreaterThan(0);
    expect(phase("after").ok, context).toBeGreaterThan(0);
    expect(phase("after").byKind.publish ?? 0, context).toBeGreaterThan(0);
    expect(phase("after").byKind.pdf ?? 0, context).toBeGreaterThan(0);
    // The primary replaced the killed web process.
    expect(report.webKill.replacedBy, context).toBeDefined();
    // During the outages, refusals are clean 503s (never a 500 nor a wrong file).
    for (const p of report.phases)
      for (const what of Object.keys(p.failures)) expect(what, context).not.toMatch(/ 500$|wrong bytes/);
    expect(
      Object.keys(phase("s3-stop").failures).some((w) => w === "pdf 503"),
      context,
    ).toBe(true);
    // Nothing lost: every accepted publication stored once with its blob, no duplicate, no mail twice.
    expect(report.publications.missing, context).toEqual([]);
    expect(report.publications.wrongHash, context).toEqual([]);
    expect(report.publications.accepted, context).toBeGreaterThan(0);
    expect(report.invoices.rows, context).toBe(report.invoices.distinctNumbers);
    expect(report.invoices.withoutBlob, context).toEqual([]);
    expect(report.downloads.wrongBytes, context).toBe(0);
    expect(report.mails.handedOverTwice, context).toEqual([]);
    expect(report.mails.sentNotReceived, context).toBe(0);
    expect(report.mails.pending, context).toBe(0);
    expect(report.mails.rows, context).toBeGreaterThan(0);
    expect(report.nothingLost, context).toBe(true);
  }, 240_000);
});
