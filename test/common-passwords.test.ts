import { describe, expect, it } from "vitest";
import { commonPasswordsFromPackage } from "../bin/common-passwords.js";
import list from "../src/domain/accounts/common-passwords.json" with { type: "json" };
import { commonPasswords, selectCommonPasswords } from "../src/domain/accounts/password-policy.js";

describe("the common-password list the password rule reads", () => {
  it("is the package's list as the rule needs it (regenerate with `npx tsx bin/common-passwords.ts`)", () => {
    expect(list).toEqual(commonPasswordsFromPackage());
    expect(commonPasswords().size).toBe(list.length);
  });

  it("keeps the entries the length rule would accept, lower-cased, once each, in list order", () => {
    expect(
      selectCommonPasswords([
        "short",
        "FourteenChars!",
        "Fifteen-Chars-1",
        "fifteen-chars-1",
        "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀",
        "another-long-one",
      ]),
    ).toEqual(["fifteen-chars-1", "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀", "another-long-one"]);
  });
});
