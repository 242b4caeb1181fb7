import { describe, expect, it } from "vitest";
import { activationMail } from "./activation.js";

const context = {
  tenantName: "Acme <Crédit>",
  tenantColor: "#123456",
  portalUrl: "https://acme.e-facture.test/",
};
const params = { identifier: "K7QM-4TZP", email: "client@example.com", retentionMonths: 24 };

describe("activation mail", () => {
  it("is French by default, with the identifier and the first-connection steps in text and HTML", () => {
    const mail = activationMail({ ...context, language: "fr" }, params);
    expect(mail.subject).toBe("Activation de votre compte E-FACTURE Acme <Crédit>\u00a0: votre identifiant");
    for (const body of [mail.text, mail.html]) {
      expect(body).toContain("K7QM-4TZP");
      expect(body).toContain("Mot de passe ou identifiant oublié");
      expect(body).toContain("https://acme.e-facture.test/");
      expect(body).toContain("24 mois");
    }
    expect(mail.html).toContain('<html lang="fr">');
    // The issuer's name is escaped in the HTML part.
    expect(mail.html).toContain("Acme &lt;Crédit>");
    expect(mail.html).not.toContain("Acme <Crédit");
  });

  it("is English when the account prefers it", () => {
    const mail = activationMail({ ...context, language: "en" }, params);
    expect(mail.subject).toBe("Your Acme <Crédit> E-FACTURE account: your identifier");
    expect(mail.text).toContain('"Forgot password or identifier?"');
    expect(mail.text).toContain("K7QM-4TZP");
    expect(mail.html).toContain('<html lang="en">');
  });
});
