import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { serveControlSocket } from "../src/cli/control-socket.js";
import { zipIndexLine } from "../src/domain/invoices/zip-index.js";
import { checkLogoFile } from "../src/domain/staff/logo-file.js";
import { csvField } from "../src/http/invoice-csv.js";

// Issue 12, finding 11: the small hardening items, each with the case the outside attack used.

describe("CSV defusing", () => {
  const formulas = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "＋1", "－1", "＠SUM(A1)"];

  it.each(formulas)("writes %j as text in the exports", (value) => {
    const field = csvField(value, ";");
    expect(field.replace(/^"/, "").startsWith(`'${value.slice(0, 1)}`)).toBe(true);
  });

  it("writes the fullwidth signs as text in the ZIP index too", () => {
    const line = zipIndexLine({
      path: "2026/a.pdf",
      invoiceNumber: '＝HYPERLINK("http://x")',
      typeCode: "380",
      issueDate: "2026-11-05",
      contractNumber: "＋33 1 23",
      customerNumber: "＠evil",
      taxBasisTotal: "1.00",
      taxTotal: "0.20",
      grandTotal: "1.20",
      duePayable: "1.20",
      currency: "EUR",
      sha256: "0".repeat(64),
    });
    expect(line).toContain("'＝HYPERLINK");
    expect(line).toContain("'＋33 1 23");
    expect(line).toContain("'＠evil");
  });

  it("leaves ordinary text alone", () => {
    expect(csvField("Acme Location", ";")).toBe("Acme Location");
    expect(csvField("1+1=2", ";")).toBe("1+1=2");
  });
});

describe("SVG logo check", () => {
  const svg = (inner: string, attributes = "") =>
    Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"${attributes}>${inner}</svg>`);

  it("still accepts a clean logo with an XML declaration and an internal url(#id)", () => {
    expect(
      checkLogoFile(
        Buffer.from(
          `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"><defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs><rect width="1" height="1" fill="url(#g)"/></svg>`,
        ),
      ),
    ).toBe("image/svg+xml");
  });

  it.each([
    [
      "a stylesheet processing instruction",
      `<?xml-stylesheet href="https://evil.example/x.css"?><svg xmlns="http://www.w3.org/2000/svg"/>`,
    ],
    [
      "a processing instruction inside",
      `<svg xmlns="http://www.w3.org/2000/svg"><?evil data?><rect width="1" height="1"/></svg>`,
    ],
  ])("refuses %s", (_name, text) => {
    expect(() => checkLogoFile(Buffer.from(text))).toThrow(/instruction/);
  });

  it.each([
    [
      "decimal",
      `<rect width="1" height="1" fill="&#117;&#114;&#108;&#40;&#104;&#116;&#116;&#112;&#115;&#58;&#47;&#47;evil.example/a&#41;"/>`,
    ],
    [
      "hexadecimal",
      `<rect width="1" height="1" fill="&#x75;&#x72;&#x6C;&#x28;&#x2F;&#x2F;evil.example/a)"/>`,
    ],
    ["padded", `<rect width="1" height="1" fill="u&#0000114;l(evil.example&#x2f;a)"/>`],
    ["a javascript: scheme", `<rect width="1" height="1" fill="&#106;avascript&#58;alert(1)"/>`],
  ])("refuses an entity-encoded external reference (%s)", (_name, inner) => {
    expect(() => checkLogoFile(svg(inner))).toThrow(/extérieure/);
  });
});

describe("control socket", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "efacture-socket-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is created with mode 0600, as the README says", async () => {
    const socketPath = path.join(dir, "efacture.sock");
    const previous = process.umask(0o022);
    try {
      const close = await serveControlSocket(socketPath, async () => 0, pino({ level: "silent" }));
      try {
        expect(statSync(socketPath).isSocket()).toBe(true);
        expect((statSync(socketPath).mode & 0o777).toString(8)).toBe("600");
      } finally {
        await close();
      }
    } finally {
      process.umask(previous);
    }
  });
});
