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
