import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A migrated, closed PGlite database (`DATA_DIR/db`) built once and copied into each test's DATA_DIR:
 * opening and migrating a fresh one costs 6–10 s, copying this one a fraction of a second.
 * Only `db/` is kept: secrets (session key, seal key), outbox and blobs are each test's own.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** What the template's content depends on: a change to any of these builds a new one. */
const KEY_INPUTS = [
  "src/db/migrations",
  "src/db/migrate.ts",
  "src/jobs/queue.ts",
  "node_modules/@electric-sql/pglite/package.json",
  "node_modules/pg-boss/package.json",
];

/** The input itself when it is a file, else the files below it, as paths relative to the repository. */
function filesOf(relative: string): string[] {
  const full = path.join(ROOT, relative);
  if (!existsSync(full) || !statSync(full).isDirectory()) return [relative];
  return readdirSync(full, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)))
    .sort();
}

let memo: string | undefined;

/** The template's directory for the current migrations, PGlite and pg-boss (it may not be built yet). */
export function templateDir(): string {
  if (memo) return memo;
  const hash = createHash("sha256");
  for (const file of KEY_INPUTS.flatMap(filesOf)) {
    const full = path.join(ROOT, file);
    hash.update(file).update("\0");
    hash.update(existsSync(full) ? readFileSync(full) : "missing").update("\0");
  }
  memo = path.join(tmpdir(), `efacture-db-template-${hash.digest("hex").slice(0, 16)}`);
  return memo;
}

/** Whether the template exists (globalSetup builds it before any test runs). */
export function templateReady(): boolean {
  return existsSync(path.join(templateDir(), "db", "PG_VERSION"));
}

/** Copies the template's `db/` into `dataDir` (which must have none yet). False when there is no template. */
export function copyTemplateInto(dataDir: string): boolean {
  if (!templateReady()) return false;
  cpSync(path.join(templateDir(), "db"), path.join(dataDir, "db"), { recursive: true });
  return true;
}

/**
 * Builds the template unless one with the same key exists: opens services on an empty DATA_DIR as the tests
 * do (migrations, pg-boss schema, queues), closes them, keeps `db/` only, and renames the result into place
 * (atomic: a concurrent run either sees the whole template or none, and the loser of a race drops its copy).
 */
export async function ensureTemplate(): Promise<{ dir: string; built: boolean; ms: number }> {
  const started = Date.now();
  const dir = templateDir();
  if (templateReady()) return { dir, built: false, ms: Date.now() - started };
  const { openServices } = await import("../../src/app.js");
  const { loadConfig } = await import("../../src/config.js");
  const { default: pino } = await import("pino");
  const work = mkdtempSync(path.join(tmpdir(), "efacture-db-template-build-"));
  try {
    const dataDir = path.join(work, "data");
    const config = loadConfig({ NODE_ENV: "test", DATA_DIR: dataDir, EFACTURE_DEMO: "0" });
    const services = await openServices(config, { logger: pino({ level: "silent" }) });
    await services.close();
    const staged = path.join(work, "template");
    cpSync(path.join(dataDir, "db"), path.join(staged, "db"), { recursive: true });
    try {
      renameSync(staged, dir);
    } catch (error) {
      // Another run renamed its template first: same key, same content.
      if (!templateReady()) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { dir, built: true, ms: Date.now() - started };
}
