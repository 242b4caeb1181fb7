import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateIdentifier, IDENTIFIER_PATTERN, normalizeIdentifier } from "./identifier.js";

describe("account identifiers", () => {
  it("use only unambiguous characters, in two groups of four, never an e-mail", () => {
    for (let i = 0; i < 5000; i++) {
      const id = generateIdentifier();
      expect(id).toMatch(IDENTIFIER_PATTERN);
      expect(id).not.toMatch(/[01ILO@]/);
    }
  });

  it("are practically unique (no collision in 100,000 draws)", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(generateIdentifier());
    expect(seen.size).toBe(100_000);
  });

  it("are recognised however they are typed: case, spaces and the dash do not matter", () => {
    fc.assert(
      fc.property(
        fc.constant(null).map(() => generateIdentifier()),
        fc.boolean(),
        fc.boolean(),
        (id, lower, dropDash) => {
          let typed = lower ? id.toLowerCase() : id;
          if (dropDash) typed = typed.replace("-", "");
          expect(normalizeIdentifier(`  ${typed} `)).toBe(id);
        },
      ),
    );
  });
});
