import { describe, expect, it } from "vitest";
import { resolveHost, tenantOrigin } from "./tenant-url.js";

const base = new URL("http://localhost:3000");
const prod = new URL("https://e-facture.net");

describe("resolveHost", () => {
  it("finds the tenant slug in the first label", () => {
    expect(resolveHost(base, "demo.localhost:3000")).toEqual({ kind: "tenant", slug: "demo" });
    expect(resolveHost(prod, "diac-diaclocation.e-facture.net")).toEqual({
      kind: "tenant",
      slug: "diac-diaclocation",
    });
  });

  it("ignores case and a trailing dot", () => {
    expect(resolveHost(base, "DEMO.LocalHost:3000")).toEqual({ kind: "tenant", slug: "demo" });
    expect(resolveHost(prod, "Diac-DiacLocation.E-Facture.NET.")).toEqual({
      kind: "tenant",
      slug: "diac-diaclocation",
    });
  });

  it("accepts the default port written out", () => {
    expect(resolveHost(prod, "diac.e-facture.net:443")).toEqual({ kind: "tenant", slug: "diac" });
  });

  it("refuses another port, another domain, nested labels and junk", () => {
    expect(resolveHost(base, "demo.localhost:3001")).toEqual({ kind: "unknown" });
    expect(resolveHost(base, "demo.localhost")).toEqual({ kind: "unknown" });
    expect(resolveHost(prod, "diac.evil.test")).toEqual({ kind: "unknown" });
    expect(resolveHost(prod, "e-facture.net.evil.test")).toEqual({ kind: "unknown" });
    expect(resolveHost(prod, "a.b.e-facture.net")).toEqual({ kind: "unknown" });
    expect(resolveHost(prod, "user@diac.e-facture.net")).toEqual({ kind: "unknown" });
    expect(resolveHost(prod, "")).toEqual({ kind: "unknown" });
    expect(resolveHost(prod, undefined)).toEqual({ kind: "unknown" });
    expect(resolveHost(prod, "diac.e-facture.net/x")).toEqual({ kind: "unknown" });
  });

  it("recognises the platform host itself", () => {
    expect(resolveHost(base, "localhost:3000")).toEqual({ kind: "platform" });
    expect(resolveHost(prod, "E-FACTURE.net")).toEqual({ kind: "platform" });
  });
});

describe("tenantOrigin", () => {
  it("puts the slug before the platform host, keeping scheme and port", () => {
    expect(tenantOrigin(base, "demo")).toBe("http://demo.localhost:3000");
    expect(tenantOrigin(prod, "diac")).toBe("https://diac.e-facture.net");
  });
});
