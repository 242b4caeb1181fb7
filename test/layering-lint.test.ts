import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The layering rule of docs/architecture.md is enforced by biome.json (noRestrictedImports per folder, and
// the GritQL plugin biome/no-sql.grit). This test runs that very configuration on files that break it, so a
// rule that is loosened or mistyped (a pattern that no longer matches a relative path) fails here.

const ROOT = path.resolve(import.meta.dirname, "..");
const BIOME = path.join(ROOT, "node_modules/.bin/biome");
let dir: string;

function write(file: string, text: string) {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}

/** The diagnostics biome reports for `file`, as "category: message" lines. */
function lint(file: string): string[] {
  let out: string;
  try {
    out = execFileSync(BIOME, ["lint", "--reporter=json", "--max-diagnostics=200", file], {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    out = (error as { stdout: string }).stdout;
  }
  const report = JSON.parse(out) as {
    diagnostics: { category: string; message: string | { content: string }[] }[];
  };
  const found = report.diagnostics.map((d) => {
    const message = typeof d.message === "string" ? d.message : d.message.map((m) => m.content).join("");
    return `${d.category}: ${message}`;
  });
  // A plugin that fails to run reports "errored" and checks nothing: that is a broken rule, not a pass.
  expect(found.filter((d) => d.includes("errored"))).toEqual([]);
  return found;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "efacture-layering-"));
  cpSync(path.join(ROOT, "biome.json"), path.join(dir, "biome.json"));
  cpSync(path.join(ROOT, "biome"), path.join(dir, "biome"), { recursive: true });
  // biome.json names its schema in node_modules: give the copy the same view.
  cpSync(path.join(ROOT, "package.json"), path.join(dir, "package.json"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the layering rule (biome.json)", () => {
  it("refuses drivers, the schema, the file system, entry points and adapters in src/domain", () => {
    write(
      "src/domain/sample/use-case.ts",
      `import pg from "pg";
import PgBoss from "pg-boss";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { eq } from "drizzle-orm";
import { tenants } from "../../db/schema.js";
import { openPglite } from "../../db/pglite.js";
import { site } from "../../http/site.js";
import { queue } from "../../jobs/queue.js";
import { transport } from "../../mail/transport.js";
import { main } from "../../cli/main.js";
import { createFlowClient } from "../../pa/flow-client.js";
export const all = [pg, PgBoss, readFileSync, readFile, eq, tenants, openPglite, site, queue, transport, main, createFlowClient];
`,
    );
    const found = lint("src/domain/sample/use-case.ts");
    expect(found.filter((d) => d.startsWith("lint/style/noRestrictedImports"))).toHaveLength(12);
  });

  it("lets src/domain import the database types, repositories, queries and its own folders", () => {
    write(
      "src/domain/sample/allowed.ts",
      `import type { Tx } from "../../db/database.js";
import { findAccount } from "../../db/accounts.repository.js";
import { listPage } from "../../db/portal-invoices.queries.js";
import { queueMail } from "../mail/queue-mail.js";
import { sendMailJob } from "../shared/jobs.js";
export const all = [findAccount, listPage, queueMail, sendMailJob] as unknown as Tx;
`,
    );
    expect(lint("src/domain/sample/allowed.ts")).toEqual([]);
  });

  it("refuses SQL sent from the domain, a route or a job handler", () => {
    const sql = `export async function run(tx: { query(t: string): Promise<unknown[]>; exec(t: string): Promise<void>; orm: unknown }) {
  await tx.query("select 1");
  await tx.exec("select 1");
  return [tx.orm, /a/.exec("a")];
}
`;
    for (const file of ["src/domain/sample/sql.ts", "src/http/routes/sample.ts", "src/jobs/sample.job.ts"]) {
      write(file, sql);
      const found = lint(file).filter((d) => d.includes("SQL lives only in src/db"));
      expect(found, file).toHaveLength(3); // query, exec, orm — not the RegExp's exec
    }
  });

  it("refuses repositories and the schema in src/http, and accepts named read queries", () => {
    write(
      "src/http/routes/sample.tsx",
      `import { setPassword } from "../../db/accounts.repository.js";
import { tenants } from "../../db/schema.js";
import { listPage } from "../../db/portal-invoices.queries.js";
export const all = [setPassword, tenants, listPage];
`,
    );
    const found = lint("src/http/routes/sample.tsx").filter((d) =>
      d.startsWith("lint/style/noRestrictedImports"),
    );
    expect(found).toHaveLength(2);
  });
});
