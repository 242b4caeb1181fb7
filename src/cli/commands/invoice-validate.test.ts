// The command's own logic (files walked, one line per file, summary, exit code, CSV) with a stand-in
// validator: the real one is tested in src/einvoice/validation.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Services } from "../../app.js";
import {
  type InvoiceValidator,
  NotAnInvoiceError,
  type ValidationReport,
} from "../../einvoice/validation/index.js";
import type { CliIo } from "../io.js";
import { invoiceValidateCommand } from "./invoice-validate.js";

const work = mkdtempSync(path.join(tmpdir(), "efacture-validate-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const report = (status: ValidationReport["status"], rules: string[]): ValidationReport => ({
  profile: "EN16931",
  rulesVersion: "FNFE-MPE 1.4.0.01",
  status,
  findings: rules.map((rule) => ({
    rule,
    flag: rule.startsWith("W:") ? "warning" : "fatal",
    message: `=${rule}, "quoted"`,
    location: "/rsm:CrossIndustryInvoice[1]",
    explanation: null,
  })),
});

/** Answers by the file's content: "passed", "failed", "warnings", or refuses anything else. */
const variants: (string | undefined)[] = [];
const validator: InvoiceValidator = {
  async validate(bytes, options) {
    variants.push(options.brFr);
    const text = new TextDecoder().decode(bytes);
    if (text === "passed") return report("passed", []);
    if (text === "failed") return report("failed", ["BR-FR-10", "BR-FR-12"]);
    if (text === "warnings") return report("warnings", ["W:PEPPOL-EN16931-R008"]);
    throw new NotAnInvoiceError("The file is neither a PDF nor an XML invoice.");
  },
  close: async () => {},
};

function io(): CliIo & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (t) => lines.push(t), err: (t) => lines.push(t), cwd: work, isTTY: false };
}

describe("efacture invoices validate", () => {
  const services = { validator } as unknown as Services;

  it("prints one line per file and a summary, exits 0 when nothing failed", async () => {
    mkdirSync(path.join(work, "ok"));
    writeFileSync(path.join(work, "ok", "a.pdf"), "passed");
    writeFileSync(path.join(work, "ok", "b.xml"), "warnings");
    writeFileSync(path.join(work, "ok", "notes.txt"), "ignored");
    const out = io();
    expect(await invoiceValidateCommand(["ok"], out, services)).toBe(0);
    expect(out.lines).toEqual([
      "ok/a.pdf: passed (EN16931)",
      "ok/b.xml: warnings (EN16931), 1 warning(s)",
      "2 files: 1 passed, 1 with warnings, 0 failed, 0 not an invoice",
    ]);
  });

  it("exits 1 when a file failed or is not an invoice, and writes one CSV line per finding", async () => {
    writeFileSync(path.join(work, "bad.pdf"), "failed");
    writeFileSync(path.join(work, "junk.pdf"), "junk");
    const out = io();
    expect(await invoiceValidateCommand(["--report", "out.csv", "bad.pdf", "junk.pdf"], out, services)).toBe(
      1,
    );
    expect(out.lines).toContain("bad.pdf: failed (EN16931) BR-FR-10 BR-FR-12");
    expect(out.lines).toContain("junk.pdf: not an invoice: The file is neither a PDF nor an XML invoice.");
    expect(readFileSync(path.join(work, "out.csv"), "utf8").split("\r\n")).toEqual([
      "file,profile,status,rule,flag,message,location",
      `bad.pdf,EN16931,failed,BR-FR-10,fatal,"'=BR-FR-10, ""quoted""",/rsm:CrossIndustryInvoice[1]`,
      `bad.pdf,EN16931,failed,BR-FR-12,fatal,"'=BR-FR-12, ""quoted""",/rsm:CrossIndustryInvoice[1]`,
      "junk.pdf,,not_an_invoice,,,The file is neither a PDF nor an XML invoice.,",
      "",
    ]);
  });

  it("passes the BR-FR variant asked with --br-fr (fatal by default) and refuses another", async () => {
    writeFileSync(path.join(work, "v.pdf"), "passed");
    variants.length = 0;
    expect(await invoiceValidateCommand(["v.pdf"], io(), services)).toBe(0);
    expect(await invoiceValidateCommand(["--br-fr", "warning", "v.pdf"], io(), services)).toBe(0);
    expect(variants).toEqual(["fatal", "warning"]);
    await expect(invoiceValidateCommand(["--br-fr", "lenient", "v.pdf"], io(), services)).rejects.toThrow(
      /--br-fr must be fatal or warning/,
    );
  });
});
