import { describe, expect, it } from "vitest";
import { DomainError } from "../shared/errors.js";
import {
  checkSeller,
  declaredSellers,
  frenchVatKey,
  isValidSiren,
  parseSellerIdentity,
} from "./seller-identities.js";

describe("seller identities", () => {
  it("checks a SIREN by its Luhn key and a French VAT id by its key", () => {
    expect(isValidSiren("443061841")).toBe(true);
    expect(isValidSiren("999999998")).toBe(true); // valid key: refused later only because it is not declared
    expect(isValidSiren("443061842")).toBe(false);
    expect(frenchVatKey("443061841")).toBe("64");
    expect(parseSellerIdentity(" fr64 443 061 841 ")).toEqual({ kind: "vat", value: "FR64443061841" });
    expect(parseSellerIdentity("443 061 841")).toEqual({ kind: "siren", value: "443061841" });
    expect(parseSellerIdentity("DE123456789")).toEqual({ kind: "vat", value: "DE123456789" });
    for (const bad of ["443061842", "FR44443061841", "44306184100013", "hello", "FR12"])
      expect(() => parseSellerIdentity(bad), bad).toThrow(DomainError);
  });

  it("accepts any seller while none is declared, then only a declared one (SIREN, or inside a FR VAT id)", () => {
    const none = declaredSellers([]);
    expect(checkSeller(none, { siren: "999999998" })).toBe("ok");
    const acme = declaredSellers([
      { kind: "siren", value: "443061841" },
      { kind: "vat", value: "FR02702002221" },
    ]);
    expect(checkSeller(acme, { siren: "443061841" })).toBe("ok");
    expect(checkSeller(acme, { vatId: "fr64 443061841" })).toBe("ok");
    // A declared French VAT id declares its SIREN too (same legal entity).
    expect(checkSeller(acme, { siren: "702002221" })).toBe("ok");
    expect(checkSeller(acme, {})).toBe("unchecked");
    const refused = checkSeller(acme, { name: "Other Co", siren: "999999998", vatId: "FR11999999998" });
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({
      code: "seller_not_declared",
      details: {
        seller: { name: "Other Co", siren: "999999998", vatId: "FR11999999998" },
        declared: ["443061841", "FR02702002221"],
      },
    });
  });
});
