import { describe, expect, it } from "vitest";
import { missingPortalDetails, readContact } from "./portal-details.js";

const LEGAL = {
  companyName: "Acme SAS",
  address: "1 rue A, Paris",
  siren: "443061841",
  contactEmail: "contact@acme.test",
  dpoEmail: "dpo@acme.test",
  publisherName: "Anne",
  hostName: "Hôte SAS",
  hostAddress: "2 rue B, Roubaix",
};

describe("missingPortalDetails", () => {
  it("lists every required detail of an empty tenant, in order, and none of a complete one", () => {
    expect(missingPortalDetails({}).map((d) => d.key)).toEqual([
      "companyName",
      "address",
      "siren",
      "contactEmail",
      "dpoEmail",
      "publisherName",
      "hostName",
      "hostAddress",
      "contact",
    ]);
    expect(missingPortalDetails({ legal: LEGAL, contact: { phone: "01 23 45 67 89" } })).toEqual([]);
  });

  it("counts blanks and non-strings as missing, and the host's phone as optional", () => {
    const missing = missingPortalDetails({
      legal: { ...LEGAL, hostName: "   ", siren: 443061841, hostPhone: "" },
      contact: { hours: "9 h – 18 h" },
    });
    expect(missing.map((d) => d.key)).toEqual(["siren", "hostName", "contact"]);
  });
});

describe("readContact", () => {
  it("drops a stored value that would make a dangerous or broken link", () => {
    expect(
      readContact({ contact: { formUrl: "javascript:alert(1)", email: "a@b.test", phone: "tel:1" } }),
    ).toEqual({ phone: "", hours: "", address: "", email: "a@b.test", formUrl: "" });
    expect(readContact({ contact: { formUrl: "javascript:alert(1)" } })).toBeUndefined();
    expect(readContact(null)).toBeUndefined();
  });
});
