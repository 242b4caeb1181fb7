import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// TSX is compiled by Vite's oxc transformer, which reads `jsx`/`jsxImportSource` from tsconfig.json.
// Three projects: `vitest run --project unit` (or `npm run test:unit`) runs only the pure tests, in seconds.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // The default is cores - 1 (ONE worker on a 2-core machine): the integration and browser tests mostly
    // wait (timers, PostgreSQL, child processes, SMTP, Chromium), so one file more than there are cores keeps
    // the machine busy (measured on 2 cores: 1 worker 18 min, 2 workers 14 min for the CI run).
    maxWorkers: availableParallelism() + 1,
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
