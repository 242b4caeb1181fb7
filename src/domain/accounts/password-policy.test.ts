import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "./password-hashing.js";
import { characters, checkNewPassword, commonPasswords, MIN_PASSWORD_LENGTH } from "./password-policy.js";

describe("password policy (docs/security.md P1, P2)", () => {
  it("accepts any password of 15 characters or more that is not common, whatever its characters", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", minLength: MIN_PASSWORD_LENGTH, maxLength: 200 }),
        (password) => {
          fc.pre(
            characters(password) >= MIN_PASSWORD_LENGTH && !commonPasswords().has(password.toLowerCase()),
          );
          expect(checkNewPassword(password, password)).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses any password of 14 characters or fewer", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: MIN_PASSWORD_LENGTH - 1 }), (password) => {
        fc.pre(characters(password) < MIN_PASSWORD_LENGTH);
        expect(checkNewPassword(password)).toBe("too_short");
      }),
      { numRuns: 300 },
    );
  });

  it("has no composition rule: 15 times the same letter or only spaces and emoji are accepted unless common", () => {
    expect(checkNewPassword("😀".repeat(15))).toBeUndefined();
    expect(checkNewPassword("un chat très gris")).toBeUndefined();
    expect(checkNewPassword("x".repeat(128))).toBeUndefined();
  });

  it("refuses 100 entries of the common-password list that the length rule would allow", () => {
    const entries = [...commonPasswords()].slice(0, 100);
    expect(entries).toHaveLength(100);
    for (const entry of entries) expect(checkNewPassword(entry), entry).toBe("common");
    expect(commonPasswords().size).toBeGreaterThan(5000);
  });

  it("never truncates: an 80-byte password plus one character does not verify", async () => {
    const password = "a".repeat(80);
    const stored = await hashPassword(password);
    expect(stored.startsWith("$argon2id$")).toBe(true);
    expect(await verifyPassword(stored, password)).toBe(true);
    expect(await verifyPassword(stored, `${password}x`)).toBe(false);
    expect(await verifyPassword(null, password)).toBe(false);
  });

  it("matches the same password typed with composed or decomposed accents", async () => {
    const stored = await hashPassword("le caf\u00e9 est tr\u00e8s chaud");
    expect(await verifyPassword(stored, "le cafe\u0301 est tre\u0300s chaud")).toBe(true);
  });
});
