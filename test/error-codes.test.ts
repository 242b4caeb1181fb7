import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DOMAIN_ERROR_CODES } from "../src/domain/shared/error-codes.js";
import { FINDING_CODES } from "../src/einvoice/findings.js";
import { STATUS_BY_CODE } from "../src/http/error-status.js";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));

/** Every source file of src/ (tests excepted), path relative to src/ → text. */
function sources(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name) || entry.name.includes(".test.")) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(SRC, file), readFileSync(file, "utf8"));
  }
  return files;
}

/**
 * The codes src/ throws, found in the text: each snake_case literal in the first argument of
 * `new DomainError(` (a ternary gives two), in `super("…"` of a DomainError subclass, and in
 * `readonly code = "…"` of any error class. The type catches literals; this also catches a code
 * built elsewhere and passed through a variable typed `string` with a cast.
 */
function thrownCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  const add = (code: string, file: string) => {
    if (/^[a-z][a-z0-9]*(_[a-z0-9]+)+$|^[a-z]+$/.test(code)) codes.set(code, file);
  };
  for (const [file, text] of sources()) {
    for (const match of text.matchAll(/new DomainError\(\s*((?:"[^"]*"|[^,"])*),/g))
      for (const literal of match[1]!.matchAll(/"([^"]*)"/g)) add(literal[1]!, file);
    if (/extends DomainError\b/.test(text))
      for (const match of text.matchAll(/super\(\s*"([^"]*)"/g)) add(match[1]!, file);
    for (const match of text.matchAll(/readonly code = "([^"]*)"/g)) add(match[1]!, file);
  }
  return codes;
}

/**
 * Codes of error classes that never reach a person as a code, each for its reason: a new error class with a
 * code must be listed in DOMAIN_ERROR_CODES (and so get a status) or here.
 */
const NEVER_ANSWERED: Record<string, string> = {
  usage: "UsageError: the CLI prints its message and exits 2",
  embedded_database_busy:
    "EmbeddedDatabaseBusy: the CLI sends its command to the running server, or says it is busy",
  invalid_facturx_input: "InvalidFacturXInput: a programming error in the demo invoice generator",
  pdf_syntax: "PdfSyntaxError: caught inside the Factur-X reader, which reports a finding instead",
  permanent_job_failure: "PermanentJobFailure: the job queue logs it and drops the job",
};

describe("domain error codes", () => {
  const listed = new Set<string>([...DOMAIN_ERROR_CODES, ...Object.keys(FINDING_CODES)]);

  it("lists every code thrown in src/ in the ErrorCode union", () => {
    const thrown = thrownCodes();
    // Sanity: the scan does find codes of each form (a regex that matched nothing would pass below).
    expect([...thrown.keys()]).toEqual(
      expect.arrayContaining(["unknown_customer", "file_not_found", "unauthorized", "integrity_failed"]),
    );
    const missing = [...thrown]
      .filter(([code]) => !listed.has(code) && !(code in NEVER_ANSWERED))
      .map(([code, file]) => `${code} (${file})`);
    expect(missing, "thrown but not in DOMAIN_ERROR_CODES").toEqual([]);
  });

  it("lists no code that src/ no longer uses", () => {
    const text = [...sources()]
      .filter(([file]) => file !== path.join("domain", "shared", "error-codes.ts"))
      .map(([, body]) => body)
      .join("\n");
    const unused = DOMAIN_ERROR_CODES.filter((code) => !text.includes(`"${code}"`));
    expect(unused).toEqual([]);
  });

  it("lists each code once and gives every code, and only those, an HTTP status", () => {
    expect(new Set(DOMAIN_ERROR_CODES).size).toBe(DOMAIN_ERROR_CODES.length);
    expect(Object.keys(STATUS_BY_CODE).sort()).toEqual([...listed].sort());
    for (const [code, status] of Object.entries(STATUS_BY_CODE))
      expect(status >= 400 && status <= 599, `${code}: ${status}`).toBe(true);
  });
});
