import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAudit } from "../src/db/audit.repository.js";
import { addSealTimestamp } from "../src/db/audit-seals.repository.js";
import type { Database, Sql, Tx } from "../src/db/database.js";
import { migrate } from "../src/db/migrate.js";
import { sealAuditChains } from "../src/domain/audit/seal-audit-chains.js";
import { verifyAudit } from "../src/domain/audit/verify-audit.js";
import { makeTenant } from "./support/factories.js";
import { openTestServices } from "./support/services.js";

/** Only PostgreSQL has roles: on PGlite alone this file is skipped (set TEST_DATABASE_URL to run it). */
describe.skipIf(!process.env.TEST_DATABASE_URL)(
  "GRANTs of the application role on PostgreSQL (docs/sql/app-role-grants.sql)",
  () => {
    let services: Awaited<ReturnType<typeof openTestServices>>;
    let client: pg.Client;
    let app: Database;
    const role = `efacture_app_${randomBytes(4).toString("hex")}`;
    let tenantId: string;

    beforeAll(async () => {
      services = await openTestServices("postgres");
      tenantId = (await makeTenant(services.db, { slug: "grants", displayName: "Grants" })).id;
      const schema = services.testEnv.schema!;
      // The application's type parsing (src/db/postgres.ts): int8 as numbers, dates and numerics as strings.
      client = new pg.Client({
        connectionString: process.env.TEST_DATABASE_URL,
        types: {
          getTypeParser: ((oid: number, format?: string) =>
            oid === 20
              ? (v: string) => Number(v)
              : oid === 1082 || oid === 1700
                ? (v: string) => v
                : pg.types.getTypeParser(oid, format as "text")) as pg.CustomTypesConfig["getTypeParser"],
        },
      });
      await client.connect();
      // The documented grants, applied by the owner (here the superuser) as psql would with -v schema= -v app_role=.
      const grants = readFileSync("docs/sql/app-role-grants.sql", "utf8")
        .replaceAll(':"schema"', `"${schema}"`)
        .replaceAll(':"app_role"', `"${role}"`);
      await client.query(`create role "${role}" nologin`);
      await client.query(`set search_path to "${schema}"`);
      await client.query(grants);
      // From here on the session has the application role's rights only.
      await client.query(`set role "${role}"`);
      const sql: Sql = {
        query: async (text, params) => (await client.query(text, params as unknown[])).rows,
        queryArrays: async (text, params) =>
          (await client.query({ text, values: params as unknown[], rowMode: "array" })).rows,
        exec: async (text) => {
          await client.query(text);
        },
      };
      app = {
        ...sql,
        engine: "postgres",
        orm: undefined as unknown as Tx["orm"],
        async transaction(work) {
          await client.query("begin");
          try {
            const result = await work(app);
            await client.query("commit");
            return result;
          } catch (error) {
            await client.query("rollback");
            throw error;
          }
        },
        ping: async () => {},
        close: async () => {},
      };
    }, 120_000);

    afterAll(async () => {
      if (client) {
        await client.query("reset role").catch(() => {});
        await client.query(`drop owned by "${role}"`).catch(() => {});
        await client.query(`drop role if exists "${role}"`).catch(() => {});
        await client.end();
      }
      await services?.dispose();
    });

    it("appends, seals, verifies and checks the migrations as the application role", async () => {
      await app.transaction((tx) => appendAudit(tx, { tenantId, actorType: "system", action: "as.app" }));
      const sealed = await sealAuditChains(
        { db: app, sealKey: services.sealKey(), logger: pino({ level: "silent" }) },
        { tenantId },
      );
      expect(sealed.sealed).toHaveLength(1);
      const [seal] = await app.query<{ id: number }>("select id from audit_seals where tenant_id = $1", [
        tenantId,
      ]);
      await addSealTimestamp(app, seal!.id, "http://tsa.test/", "dG9rZW4=");
      expect(await migrate(app)).toEqual([]);
      const report = await verifyAudit(
        { db: app, blobs: services.blobs, trustedPublicKeys: [services.sealKey().publicKeyPem] },
        { tenantId, skipBlobs: true },
      );
      // The token added above is not a real one: the verifier says so (its check runs as the app role too).
      expect(report.chains[0]!.problem).toMatch(/^the timestamp token of the seal of .* is unreadable$/);
    });

    it.each([
      ["update audit_entries set action = 'x'"],
      ["delete from audit_entries"],
      ["truncate audit_entries"],
      ["update audit_seals set payload = '{}'"],
      ["update audit_seals set head_hash = 'x'"],
      ["delete from audit_seals"],
      ["truncate audit_seals"],
      ["delete from efacture_migrations"],
    ])("refuses %s (permission denied)", async (statement) => {
      await expect(client.query(statement)).rejects.toThrow(/permission denied/);
    });
  },
);
