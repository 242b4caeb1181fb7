import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("gives the documented defaults", () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.publicBaseUrl.origin).toBe("http://localhost:3000");
    expect(config.databaseUrl).toBeUndefined();
    expect(config.smtpUrl).toBeUndefined();
    expect(config.demo).toBe(true);
    expect(config.dataDir.endsWith("/data")).toBe(true);
    expect(config.maxPdfBytes).toBe(20 * 1024 * 1024);
  });

  it("builds the default public URL on the listening port", () => {
    expect(loadConfig({ PORT: "3999" }).publicBaseUrl.origin).toBe("http://localhost:3999");
    expect(loadConfig({ PORT: "0" }).publicBaseUrl.origin).toBe("http://localhost:3000");
    expect(
      loadConfig({ PORT: "3999", PUBLIC_BASE_URL: "https://e-facture.example" }).publicBaseUrl.origin,
    ).toBe("https://e-facture.example");
  });

  it.each([
    ["PORT", "abc", /PORT: expected an integer between 0 and 65535, got "abc"/],
    ["PORT", "70000", /PORT: expected an integer/],
    ["PUBLIC_BASE_URL", "not a url", /PUBLIC_BASE_URL: expected a URL/],
    ["PUBLIC_BASE_URL", "ftp://x.test", /PUBLIC_BASE_URL: expected a URL starting with http: or https:/],
    ["PUBLIC_BASE_URL", "https://x.test/portal", /PUBLIC_BASE_URL: expected a bare origin/],
    ["DATABASE_URL", "mysql://x", /DATABASE_URL: expected a URL starting with postgres:/],
    ["SMTP_URL", "http://mail", /SMTP_URL: expected a URL starting with smtp:/],
    ["NODE_ENV", "staging", /NODE_ENV: expected one of development, production, test/],
    ["EFACTURE_DEMO", "yes", /EFACTURE_DEMO: expected one of 0, 1/],
    ["MAIL_FROM", "nobody", /MAIL_FROM: expected an address/],
    ["MAX_PDF_BYTES", "-1", /MAX_PDF_BYTES: expected an integer/],
  ])("names %s when it is %j", (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it("never echoes a password from a URL", () => {
    expect(() => loadConfig({ DATABASE_URL: "mysql://user:secret@db/x" })).toThrow(/user:\*\*\*@/);
    try {
      loadConfig({ DATABASE_URL: "mysql://user:secret@db/x" });
    } catch (error) {
      expect(String((error as Error).message)).not.toContain("secret");
    }
  });

  it("requires https, SMTP and no demo in production", () => {
    expect(() => loadConfig({ NODE_ENV: "production", SMTP_URL: "smtp://mail:25" })).toThrow(
      /PUBLIC_BASE_URL: expected an https/,
    );
    expect(() => loadConfig({ NODE_ENV: "production", PUBLIC_BASE_URL: "https://e-facture.test" })).toThrow(
      /SMTP_URL/,
    );
    const production = {
      NODE_ENV: "production",
      PUBLIC_BASE_URL: "https://e-facture.test",
      SMTP_URL: "smtp://mail:25",
    };
    expect(() => loadConfig(production)).toThrow(/SESSION_SECRET: expected at least 32 random characters/);
    expect(() => loadConfig({ ...production, SESSION_SECRET: "short" })).toThrow(/SESSION_SECRET/);
    expect(() => loadConfig({ ...production, SESSION_SECRET: "short" })).not.toThrow(/short/);
    const config = loadConfig({ ...production, SESSION_SECRET: "x".repeat(32), EFACTURE_DEMO: "1" });
    expect(config.demo).toBe(false);
    expect(config.production).toBe(true);
  });

  it("returns a frozen object", () => {
    expect(Object.isFrozen(loadConfig({}))).toBe(true);
  });
});
