import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pendingMigrations } from "../src/db/migrate.js";
import { openDatabase } from "../src/db/open-database.js";
import { templateDir } from "./support/db-template.js";
import { invoiceInput } from "./support/factories.js";
import { makeTestEnv } from "./support/services.js";

// The helpers every other test stands on: the migrated template (test/support/db-template.ts) and the factories.

describe("the migrated PGlite template", () => {
  it("gives each new DATA_DIR a migrated database of its own, and nothing else of the template's", async () => {
    const testEnv = makeTestEnv("pglite");
    try {
      expect(testEnv.dataDir.startsWith(templateDir())).toBe(false);
      expect(existsSync(path.join(testEnv.dataDir, "db", "PG_VERSION"))).toBe(true);
      // Secrets (session and seal keys), outbox and blobs are never copied: each test generates its own.
      for (const own of ["secrets", "outbox", "blobs", "db.lock"])
        expect(existsSync(path.join(testEnv.dataDir, own))).toBe(false);
      const opened = await openDatabase(testEnv.config);
      try {
        expect(await pendingMigrations(opened.db)).toEqual([]);
      } finally {
        await opened.close();
      }
    } finally {
      await testEnv.cleanup();
    }
  });

  it("leaves the database out when the test asks for a fresh one", () => {
    const testEnv = makeTestEnv("pglite", {}, { fresh: true });
    try {
      expect(existsSync(path.join(testEnv.dataDir, "db"))).toBe(false);
    } finally {
      void testEnv.cleanup();
    }
  });
});

describe("invoiceInput", () => {
  it("replaces seller and buyer field by field, and has no buyer id unless given one", () => {
    const input = invoiceInput("F-1", undefined, {
      seller: { name: "Autre SA" },
      buyer: { name: "Camille" },
    });
    expect(input.seller).toEqual({
      name: "Autre SA",
      siren: "443061841",
      address: { line1: "1 rue A", postcode: "75001", city: "Paris", countryCode: "FR" },
    });
    expect(input.buyer).toEqual({
      name: "Camille",
      address: { line1: "2 rue B", postcode: "69001", city: "Lyon", countryCode: "FR" },
    });
    expect("id" in input.buyer).toBe(false);
    expect(invoiceInput("F-2", "C-9").buyer.id).toBe("C-9");
  });
});
