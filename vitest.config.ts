import { readdirSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Seconds each test file took in a full run (`test/durations.json`, written by test/support/record-durations.ts
 * from a JSON report). A clean clone has no vitest cache, so without this the two workers take files in name
 * order and a 100 s file picked up last keeps one worker busy alone at the end.
 */
const durations: Record<string, number> = JSON.parse(
  readFileSync(new URL("./test/durations.json", import.meta.url), "utf8"),
);

/**
 * Project by project (a worker keeps its loaded modules only while the next file belongs to the same project),
 * browser files first (the longest), then the isolated integration files, the integration files and the unit
 * files last, which fill the tail; within a project the longest first, and files not in the table before
 * the others (a new file may be long). Tried and dropped: one browser file between two integration files (so
 * Chromium does not run three at a time): every project switch re-imports the application, and the run was
 * no faster (import time 48 s → 92 s).
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const order = ["browser", "integration-mocks", "integration", "unit-mocks", "unit"];
    const rank = (file: TestSpecification) => order.indexOf(file.project.name);
    const seconds = (file: TestSpecification) =>
      durations[relative(this.ctx.config.root, file.moduleId)] ?? Number.POSITIVE_INFINITY;
    return [...files].sort((a, b) => rank(a) - rank(b) || seconds(b) - seconds(a));
  }
}

/**
 * Test files that replace modules (vi.mock), spy on them or stub globals need a module graph of their own (an
 * isolated project): found by reading the files, so a new file that mocks is isolated without a list to keep.
 */
function mockingFiles(dir: string): string[] {
  return readdirSync(new URL(`./${dir}/`, import.meta.url), { recursive: true, encoding: "utf8" })
    .filter((name) => /\.test\.tsx?$/.test(name))
    .map((name) => `${dir}/${name}`)
    .filter((file) =>
      /\bvi\.(mock|doMock|spyOn|stubEnv|stubGlobal|useFakeTimers)\(/.test(
        readFileSync(new URL(`./${file}`, import.meta.url), "utf8"),
      ),
    );
}
const MOCKING_UNIT = mockingFiles("src");
const MOCKING = mockingFiles("test").filter((file) => !file.startsWith("test/e2e/"));

// TSX is compiled by Vite's oxc transformer, which reads `jsx`/`jsxImportSource` from tsconfig.json.
// Projects: `vitest run --project 'unit*'` (or `npm run test:unit`) runs only the pure tests, in seconds.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // The default is cores - 1 (ONE worker on a 2-core machine): the integration tests mostly wait (timers,
    // PostgreSQL, SMTP, Chromium), so more files at a time use the machine. Measured for .ci/run on this 2-core
    // machine (clean clone): 2 workers 10 min 13 s with the CPU busy 63 % of the time (user+sys 12.9 min over
    // 2 cores); 3 workers fill the idle part. The load-sensitive tests (TOTP steps, 110 concurrent logins, the
    // 38-page narrow-screens sweep) have margins measured at load 15-20, far above what 3 workers make.
    maxWorkers: 3,
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        extends: true,
        // Pure functions, parsers, templates: no database, no services, no server. Not isolated (see integration).
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
          exclude: MOCKING_UNIT,
          isolate: false,
        },
      },
      // The pure tests that mock, isolated (`--project 'unit*'`, npm run test:unit, runs both).
      ...(MOCKING_UNIT.length > 0
        ? [{ extends: true as const, test: { name: "unit-mocks", include: MOCKING_UNIT } }]
        : []),
      {
        extends: true,
        // Services on a database (PGlite, and PostgreSQL too when TEST_DATABASE_URL is set), HTTP, the CLI.
        // Not isolated: a worker keeps the modules it has loaded from one file to the next. Loading the
        // application (Fastify, the routes, PGlite, pg-boss, pdf-lib: ~300 modules through Vite) cost 2.5–4 s
        // per file, ~30 % of all worker time. The trade-off: module-level state is shared between the files
        // of a worker, so it must stay harmless (per-process caches such as the parser pool, the common
        // password list); each file still opens its own services, database and server.
        test: {
          name: "integration",
          include: ["test/*.test.ts"],
          exclude: MOCKING,
          isolate: false,
          globalSetup: ["test/support/global-setup.ts"],
        },
      },
      {
        extends: true,
        // The integration files that mock a module: isolated, so a mock neither leaks out nor misses a module
        // another file loaded first (`--project 'integration*'` runs both integration projects).
        test: { name: "integration-mocks", include: MOCKING, globalSetup: ["test/support/global-setup.ts"] },
      },
      {
        extends: true,
        // Chromium driven by Playwright against a real server (skipped without Chromium unless E2E=required).
        // Not isolated either (same trade-off as integration): each file starts its own server and browser.
        test: {
          name: "browser",
          isolate: false,
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
        },
      },
    ],
  },
});
