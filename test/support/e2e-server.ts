/// <reference lib="dom" />
import { mkdirSync } from "node:fs";
import path from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { loadConfig } from "../../src/config.js";
import { type RunningServer, startServer } from "../../src/main.js";
import { launchBrowser } from "./browser.js";
import { ROOT } from "./cli.js";
import { freePort } from "./free-port.js";
import { makeTestEnv, type TestEnv } from "./services.js";

const silentIo = { out() {}, err() {}, cwd: ROOT, isTTY: false };

/** A real server on a free port (PGlite in a temporary DATA_DIR) and a Chromium, for the browser tests. */
export interface E2eServer {
  port: number;
  server: RunningServer;
  services: RunningServer["services"];
  browser: Browser;
  /** Screenshots of this test file land here (test-results/screenshots/<name>/). */
  shots: string;
  /** `http://<slug>.localhost:<port><path>`; no slug: the platform host. */
  url(slug: string | undefined, p: string): string;
  /** A browser context, French unless told otherwise (Accept-Language follows `locale`). */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** A page of its own context (see newContext). */
  newPage(options?: BrowserContextOptions): Promise<Page>;
  screenshot(page: Page, name: string, fullPage?: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function startE2eServer(options: {
  shots: string;
  env?: Record<string, string>;
  worker?: boolean;
  /** An empty database the server migrates itself (a first start), instead of the migrated template. */
  fresh?: boolean;
}): Promise<E2eServer> {
  const port = await freePort();
  const testEnv: TestEnv = makeTestEnv(
    "pglite",
    { PORT: String(port), PUBLIC_BASE_URL: `http://localhost:${port}`, ...options.env },
    { fresh: options.fresh },
  );
  const server = await startServer(
    loadConfig(testEnv.env),
    { web: true, worker: options.worker ?? false },
    { io: silentIo, pollingIntervalSeconds: 0.5 },
  );
  const browser = await launchBrowser();
  const shots = path.join(ROOT, "test-results", "screenshots", options.shots);
  mkdirSync(shots, { recursive: true });
  const contexts: BrowserContext[] = [];
  const newContext = async (contextOptions: BrowserContextOptions = {}) => {
    const context = await browser.newContext({ locale: "fr-FR", ...contextOptions });
    contexts.push(context);
    return context;
  };
  return {
    port,
    server,
    services: server.services,
    browser,
    shots,
    url: (slug, p) => `http://${slug ? `${slug}.` : ""}localhost:${port}${p}`,
    newContext,
    newPage: async (contextOptions) => (await newContext(contextOptions)).newPage(),
    screenshot: async (page, name, fullPage = true) => {
      await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage });
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => {});
      await browser.close();
      await server.stop();
      await testEnv.cleanup();
    },
  };
}

/**
 * What axe reports on the page, as `rule: targets` lines (an empty list is the goal). By default every
 * rule axe runs (WCAG 2.1 A/AA and best practices); `wcag` keeps the WCAG 2.x A/AA rules only.
 */
export async function axeViolations(page: Page, options: { wcag?: boolean } = {}): Promise<string[]> {
  let builder = new AxeBuilder({ page });
  if (options.wcag) builder = builder.withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]);
  const result = await builder.analyze();
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Logs in from the portal's home page with the labels of the page's language; waits for the list. */
export async function logIn(
  page: Page,
  homeUrl: string,
  identifier: string,
  password: string,
  labels = { identifier: "Identifiant", password: "Mot de passe", submit: "Se connecter" },
): Promise<void> {
  await page.goto(homeUrl);
  await page.getByLabel(labels.identifier).fill(identifier);
  await page.getByLabel(labels.password, { exact: true }).fill(password);
  await page.getByRole("button", { name: labels.submit }).click();
  await page.waitForURL(/\/factures/);
}
