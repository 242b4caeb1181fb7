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
 * The browser files (test/e2e) are spread among the other integration files, longest first on both sides, so that
 * at any point of the queue each side has used the same share of its total: about one Chromium file runs beside
 * two files that mostly wait (timers, PostgreSQL, SMTP). Three browser files at once only fight for the two cores
 * (axe and full-page screenshots are CPU): in the CI run of 7 December 2026, with the browser files first, each
 * took 2–3× its time alone and one test passed its 30 s (portal-contact, 8 s alone). The browser files belong to the
 * `integration` project, so that a worker going from one kind to the other keeps its loaded modules (an earlier
 * try with a separate `browser` project re-imported the application at every switch: import 48 s → 92 s). The
 * isolated files (`integration-mocks`) go in the same stream; unit files fill the tail. Files not in the table
 * count as long (a new file may be).
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const seconds = (file: TestSpecification) =>
      durations[relative(this.ctx.config.root, file.moduleId)] ?? Number.POSITIVE_INFINITY;
    const isBrowser = (file: TestSpecification) =>
      relative(this.ctx.config.root, file.moduleId).startsWith("test/e2e/");
    const longestFirst = (keep: (file: TestSpecification) => boolean) =>
      files.filter(keep).sort((a, b) => seconds(b) - seconds(a));
    const isIntegration = (file: TestSpecification) => file.project.name.startsWith("integration");
    const browser = longestFirst((f) => isIntegration(f) && isBrowser(f));
    const others = longestFirst((f) => isIntegration(f) && !isBrowser(f));
    // A file not in the table weighs as much as the longest known file.
    const weight = (file: TestSpecification) => {
      const s = seconds(file);
      return Number.isFinite(s) ? s : Math.max(60, ...Object.values(durations));
    };
    const total = (list: TestSpecification[]) => list.reduce((sum, f) => sum + weight(f), 0) || 1;
    const browserTotal = total(browser);
    const othersTotal = total(others);
    const mixed: TestSpecification[] = [];
    let browserDone = 0;
    let othersDone = 0;
    while (browser.length > 0 || others.length > 0) {
      const takeBrowser =
        others.length === 0 || (browser.length > 0 && browserDone / browserTotal <= othersDone / othersTotal);
      const next = (takeBrowser ? browser : others).shift()!;
      if (takeBrowser) browserDone += weight(next);
      else othersDone += weight(next);
      mixed.push(next);
    }
    return [...mixed, ...longestFirst((f) => !isIntegration(f))];
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
          // With the browser files (test/e2e: Chromium driven by Playwright against a real server; skipped
          // without Chromium unless E2E=required): same trade-off, and see LongestFirst for why one project.
          include: ["test/*.test.ts", "test/e2e/**/*.test.ts"],
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
    ],
  },
});
