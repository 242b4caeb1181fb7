import { describe, expect, it } from "vitest";
import { isCreditNote, signedAmount } from "./credit-note.js";

describe("signed amounts of credit notes", () => {
  it("negates the amounts of every credit note type of the reform's list", () => {
    for (const code of ["381", "261", "262", "396", "502", "503"]) {
      expect(isCreditNote(code), code).toBe(true);
      expect(signedAmount("120.50", code)).toBe("-120.50");
    }
  });

  it("keeps an invoice's amounts as issued", () => {
    for (const code of ["380", "384", "386", "389"]) {
      expect(isCreditNote(code), code).toBe(false);
      expect(signedAmount("120.50", code)).toBe("120.50");
      expect(signedAmount("-3.00", code)).toBe("-3.00");
    }
  });

  it("leaves zero unsigned and turns a negative credit note (a warning at publication) positive", () => {
    expect(signedAmount("0.00", "381")).toBe("0.00");
    expect(signedAmount("-15.00", "381")).toBe("15.00");
  });
});
