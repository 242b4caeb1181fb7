import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
].filter(Boolean) as string[];

/** The system Chromium, or undefined (browser tests then skip, unless E2E=required makes that a failure). */
export const chromiumPath = CANDIDATES.find((p) => existsSync(p));
export const e2eRequired = process.env.E2E === "required";

/**
 * Each browser test's time limit (the suites pass it to `describe`): a test of four pages, each with axe and a
 * full-page screenshot, takes ~8 s alone on the 2-core machine and ~3× that while two other files run beside it;
 * the suite-wide 30 s failed one such test in CI. A hang still fails, in 90 s.
 */
export const BROWSER_TEST_TIMEOUT = 90_000;

if (!chromiumPath) {
  const message =
    "No Chromium found (set CHROMIUM_PATH or apt-get install chromium): browser tests are skipped.";
  if (e2eRequired) throw new Error(`E2E=required but ${message}`);
  console.warn(message);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
