#!/usr/bin/env node
// The `efacture` command: runs the TypeScript sources through tsx (no build step).
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../src/cli/main.ts");
try {
  process.exitCode = await runCli(process.argv.slice(2));
} catch (error) {
  console.error(`efacture: ${error instanceof Error ? error.message : error}`);
  if (process.env.EFACTURE_DEBUG) console.error(error);
  process.exitCode = 1;
}
