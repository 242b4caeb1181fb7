import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import { openServices, type Services } from "../../src/app.js";
import { type Config, loadConfig } from "../../src/config.js";
import type { InvoiceValidator } from "../../src/einvoice/validation/types.js";
import { createSmtpTransport, type MailTransport } from "../../src/mail/transport.js";
import { copyTemplateInto } from "./db-template.js";
import type { SmtpSink } from "./smtp-sink.js";

export type Engine = "pglite" | "postgres";

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL is set (CI sets it). */
export const ENGINES: Engine[] = process.env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];

export interface TestEnv {
  config: Config;
  dataDir: string;
  /** A schema of its own on PostgreSQL, so parallel runs never collide. */
  schema: string | undefined;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export interface TestEnvOptions {
  /**
   * An empty database (no migration applied) instead of a copy of the migrated template, for the tests
   * about migrating, a first start or the demo seed. PostgreSQL schemas always start empty.
   */
  fresh?: boolean;
}

/**
 * A new DATA_DIR (and PostgreSQL schema) for one test file. On PGlite its `db/` is a copy of the migrated
 * template (test/support/db-template.ts) unless `fresh`; secrets, outbox and blobs are always its own.
 */
export function makeTestEnv(
  engine: Engine,
  overrides: Record<string, string> = {},
  options: TestEnvOptions = {},
): TestEnv {
  const dataDir = mkdtempSync(path.join(tmpdir(), "efacture-test-"));
  if (engine === "pglite" && !options.fresh) copyTemplateInto(dataDir);
  const schema = engine === "postgres" ? `t_${process.pid}_${randomBytes(4).toString("hex")}` : undefined;
  const env: Record<string, string> = {
    NODE_ENV: "test",
    DATA_DIR: dataDir,
    EFACTURE_DEMO: "0",
    MAIL_RETRY_DELAY_SECONDS: "1",
    ...(engine === "postgres"
      ? { DATABASE_URL: process.env.TEST_DATABASE_URL!, DATABASE_SCHEMA: schema! }
      : {}),
    ...overrides,
  };
  const config = loadConfig(env);
  return {
    config,
    dataDir,
    schema,
    env,
    async cleanup() {
      if (schema) {
        const pg = (await import("pg")).default;
        const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
        await client.connect();
        await client.query(`drop schema if exists ${schema} cascade`);
        await client.query(`drop schema if exists ${schema}_boss cascade`);
        await client.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Services on a new database (see makeTestEnv); `dispose` also removes the data. */
export async function openTestServices(
  engine: Engine,
  options: TestEnvOptions & {
    overrides?: Record<string, string>;
    transport?: MailTransport;
    logger?: Logger;
    /** Mails go to this SMTP sink (SMTP_URL and the transport). */
    smtp?: Pick<SmtpSink, "url">;
    /** The rules' validator (default: the services' own pool, started by the first validation). */
    validator?: InvoiceValidator;
    /** pg-boss's polling interval (default 0.5 s; production's is 1 s). */
    pollingIntervalSeconds?: number;
  } = {},
): Promise<Services & { testEnv: TestEnv; dispose(): Promise<void> }> {
  const smtpUrl = options.smtp?.url;
  const overrides = smtpUrl ? { SMTP_URL: smtpUrl, ...options.overrides } : options.overrides;
  const testEnv = makeTestEnv(engine, overrides, { fresh: options.fresh });
  const services = await openServices(testEnv.config, {
    schema: testEnv.schema,
    pollingIntervalSeconds: options.pollingIntervalSeconds ?? 0.5,
    transport: options.transport ?? (smtpUrl ? createSmtpTransport(smtpUrl) : undefined),
    logger: options.logger,
    ...(options.validator ? { validator: options.validator } : {}),
  });
  return Object.assign(services, {
    testEnv,
    async dispose() {
      await services.close();
      await testEnv.cleanup();
    },
  });
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false | null>,
  timeoutMs = 15_000,
  what = "condition",
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
