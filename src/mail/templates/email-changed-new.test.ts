import { describe, expect, it } from "vitest";
import { emailChangedNewMail } from "./email-changed-new.js";

const context = {
  tenantName: "Acme <Crédit>",
  tenantColor: "#123456",
  portalUrl: "https://acme.e-facture.test/",
};
const params = { at: "2026-12-07T08:00:00.000Z", identifier: "K7QM-4TZP", customerNumbers: "C101015" };

describe("new-address notice after an e-mail correction", () => {
  it("tells, in French by default, that the identifier and password stay the same", () => {
    const mail = emailChangedNewMail({ ...context, language: "fr" }, params);
    expect(mail.subject).toContain("cette adresse est désormais celle de votre compte client");
    for (const body of [mail.text, mail.html]) {
      expect(body).toContain("K7QM-4TZP");
      expect(body).toContain("C101015");
      expect(body).toContain("mot de passe");
      expect(body).toContain("7 décembre 2026");
      expect(body).toContain("https://acme.e-facture.test/");
    }
    expect(mail.html).toContain("Acme &lt;Crédit>");
  });

  it("is English when the account prefers it", () => {
    const mail = emailChangedNewMail({ ...context, language: "en" }, params);
    expect(mail.subject).toContain("this is now the e-mail address of your customer account");
    expect(mail.text).toContain("Your identifier does not change: K7QM-4TZP");
    expect(mail.text).toContain("7 December 2026");
  });
});
