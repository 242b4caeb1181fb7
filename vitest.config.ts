import { defineConfig } from "vitest/config";

// TSX is compiled by Vite's oxc transformer, which reads `jsx`/`jsxImportSource` from tsconfig.json.
// Three projects: `vitest run --project unit` (or `npm run test:unit`) runs only the pure tests, in seconds.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // The default is cores - 1 (ONE worker on a 2-core machine): the integration tests mostly wait (timers,
    // PostgreSQL, child processes, SMTP), so two files at a time use the machine. Measured for .ci/run on this
    // 2-core machine: 1 worker 18 min, 2 workers 14 min, 3 workers 12.6 min but with Chromium files competing
    // for the cores and load-sensitive tests (TOTP steps, 110 concurrent logins) closer to their edges.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        // Pure functions, parsers, templates: no database, no services, no server.
        test: { name: "unit", include: ["src/**/*.test.ts", "src/**/*.test.tsx"] },
      },
      {
        extends: true,
        // Services on a database (PGlite, and PostgreSQL too when TEST_DATABASE_URL is set), HTTP, CLI processes.
        test: {
          name: "integration",
          include: ["test/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
        },
      },
      {
        extends: true,
        // Chromium driven by Playwright against a real server (skipped without Chromium unless E2E=required).
        test: {
          name: "browser",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
        },
      },
    ],
  },
});
