import { describe, expect, it } from "vitest";
import { searchKey } from "./search-key.js";

describe("searchKey", () => {
  it("folds accents, case and white space", () => {
    expect(searchKey("  Élodie \t DURAND ")).toBe("elodie durand");
    expect(searchKey("Société Générale d'Équipement")).toBe("societe generale d'equipement");
    expect(searchKey("ＡＢＣ")).toBe("abc");
  });

  it("folds a prefix the same way as the stored name", () => {
    expect(searchKey("Transports Lefèvre").startsWith(searchKey("transports LEFE"))).toBe(true);
  });
});
