import { defineConfig } from "vitest/config";

export default defineConfig({
  // TSX is compiled by Vite's oxc transformer, which reads `jsx`/`jsxImportSource` from tsconfig.json
  // (an `esbuild` block here is ignored by Vitest 4 and only printed a warning at every run).
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    globalSetup: ["test/support/global-setup.ts"],
  },
});
