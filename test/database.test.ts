import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, isDatabaseDown } from "../src/db/database.js";
import { loadMigrations, migrate, pendingMigrations } from "../src/db/migrate.js";
import { type OpenedDatabase, openDatabase } from "../src/db/open-database.js";
import { tenants } from "../src/db/schema.js";
import { ENGINES, makeTestEnv, type TestEnv } from "./support/services.js";

describe.each(ENGINES)("migrations on %s", (engine) => {
  let testEnv: TestEnv;
  let opened: OpenedDatabase;
  let db: Database;

  beforeAll(async () => {
    testEnv = makeTestEnv(engine, {}, { fresh: true });
    opened = await openDatabase(testEnv.config, { schema: testEnv.schema });
    db = opened.db;
  });
  afterAll(async () => {
    await opened.close();
    await testEnv.cleanup();
  });

  it("applies every migration once to an empty database, then nothing", async () => {
    const all = loadMigrations().map((m) => m.tag);
    expect(await pendingMigrations(db)).toEqual(all);
    expect(await migrate(db)).toEqual(all);
    expect(await migrate(db)).toEqual([]);
    expect(await pendingMigrations(db)).toEqual([]);
  });

  it("creates the tables of the model", async () => {
    const rows = await db.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = current_schema() order by table_name`,
    );
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([
        "accounts",
        "audit_entries",
        "contracts",
        "customers",
        "invoice_events",
        "invoices",
        "mails",
        "tenants",
      ]),
    );
  });

  it("returns money as decimal strings and dates as YYYY-MM-DD on this engine", async () => {
    const [row] = await db.query<{ amount: string; day: string; count: number }>(
      "select 1234567890.10::numeric as amount, '2026-02-28'::date as day, count(*) as count from tenants",
    );
    expect(row).toEqual({ amount: "1234567890.10", day: "2026-02-28", count: 0 });
  });

  it("runs the typed query builder inside transactions and rolls back on error", async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.orm.insert(tenants).values({ slug: "rollback", displayName: "Rolled back" });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await db.orm.select().from(tenants)).toEqual([]);
    await db.transaction(async (tx) => {
      await tx.orm.insert(tenants).values({ slug: "kept", displayName: "Kept" });
    });
    expect((await db.orm.select().from(tenants)).map((t) => t.slug)).toEqual(["kept"]);
  });

  it("enforces the schema's rules (slug format, unique slug)", async () => {
    await expect(
      db.query("insert into tenants (slug, display_name) values ('Bad Slug', 'x')"),
    ).rejects.toThrow(/tenants_slug_format/);
    await expect(db.query("insert into tenants (slug, display_name) values ('kept', 'x')")).rejects.toThrow(
      /tenants_slug_key|duplicate/,
    );
  });
});

if (ENGINES.includes("postgres")) {
  describe("migrations on postgres, concurrently", () => {
    it("two processes starting together apply each migration once", async () => {
      const testEnv = makeTestEnv("postgres");
      const a = await openDatabase(testEnv.config, { schema: testEnv.schema });
      const b = await openDatabase(testEnv.config, { schema: testEnv.schema });
      try {
        const [ra, rb] = await Promise.all([migrate(a.db), migrate(b.db)]);
        expect([...ra, ...rb].sort()).toEqual(
          loadMigrations()
            .map((m) => m.tag)
            .sort(),
        );
      } finally {
        await a.close();
        await b.close();
        await testEnv.cleanup();
      }
    });
  });
}

if (ENGINES.includes("postgres")) {
  describe("PostgreSQL going away under a transaction", () => {
    it("fails the transaction as 'database down' instead of crashing the process, and the next query reconnects", async () => {
      const testEnv = makeTestEnv("postgres");
      const opened = await openDatabase(testEnv.config, { schema: testEnv.schema });
      const killer = await openDatabase(testEnv.config, { schema: testEnv.schema });
      try {
        const outcome = opened.db.transaction(async (tx) => {
          const [row] = await tx.query<{ pid: number }>("select pg_backend_pid() as pid");
          // What a restart does to every connection (57P01), while this one sits between two statements.
          await killer.db.query("select pg_terminate_backend($1)", [row!.pid]);
          await new Promise((resolve) => setTimeout(resolve, 300));
          await tx.query("select 1");
        });
        const error = await outcome.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeDefined();
        expect(isDatabaseDown(error)).toBe(true);
        expect(await opened.db.query("select 1 as one")).toEqual([{ one: 1 }]);
        await opened.db.ping();
      } finally {
        await killer.close();
        await opened.close();
        await testEnv.cleanup();
      }
    });
  });
}
