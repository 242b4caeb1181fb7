import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFacturX } from "../src/einvoice/index.js";
import { runEfacture } from "./support/cli.js";
import { CORPUS, corpusPresent } from "./support/corpus.js";
import { facturx } from "./support/factories.js";
import { ENGINES, makeTestEnv, type TestEnv } from "./support/services.js";

// Issue #13 item 7: the warnings stored at publication (here profile BASIC WL) were in no CLI output.

describe.skipIf(!corpusPresent).each(ENGINES)(
  "efacture invoices import: findings in the summary and --report (%s)",
  (engine) => {
    let testEnv: TestEnv;
    let env: Record<string, string>;
    let work: string;
    const folder = () => path.join(work, "invoices");

    beforeAll(async () => {
      testEnv = makeTestEnv(engine);
      env = { ...testEnv.env, LOG_LEVEL: "warn" };
      work = mkdtempSync(path.join(tmpdir(), "efacture-report-"));
      mkdirSync(folder());
      // FA-2017-0010, contract MSPE2017, profile BASIC WL: published with the warning profile_not_accepted_for_issuing.
      copyFileSync(
        path.join(CORPUS, "facturx-valid", "Facture_FR_BASICWL.pdf"),
        path.join(folder(), "a-basicwl.pdf"),
      );
      // EN 16931, totals that add up: no finding.
      writeFileSync(path.join(folder(), "b-clean.pdf"), await buildFacturX(facturx("CL-1", "C-1")));
      writeFileSync(path.join(folder(), "c-bad.pdf"), "not a pdf\n");
      writeFileSync(
        path.join(work, "clients.csv"),
        "customerNumber,name,email,contracts\nMJB-1,Ma jolie boutique,,MSPE2017\nC-1,Client C-1,,\n",
      );
      expect((await runEfacture(["tenant", "create", "acme", "--name", "Acme Location"], env)).code).toBe(0);
      const customers = await runEfacture(
        ["customers", "import", "--tenant", "acme", path.join(work, "clients.csv")],
        env,
      );
      expect(customers.code, customers.stderr).toBe(0);
    }, 120_000);
    afterAll(async () => {
      await testEnv?.cleanup();
      rmSync(work, { recursive: true, force: true });
    });

    it("counts the files published with warnings per code and lists each file's findings in --report", async () => {
      const reportFile = path.join(work, "report.csv");
      const run = await runEfacture(
        ["invoices", "import", "--tenant", "acme", "--report", reportFile, folder()],
        env,
      );
      expect(run.code).toBe(1);
      const out = run.stdout.trim().split("\n");
      expect(out).toContain("Rejected by reason: not_pdf 1");
      expect(out.at(-1)).toBe(
        `Files with warnings (stored with the invoice, not refused): 1 (profile_not_accepted_for_issuing 1); see ${reportFile}`,
      );
      const lines = readFileSync(reportFile, "utf8").split("\r\n");
      expect(lines[0]).toBe("file,status,invoiceNumber,code,message,findings");
      const row = (name: string) => lines.find((l) => l.startsWith(path.join(folder(), name)));
      expect(row("a-basicwl.pdf"), lines.join("\n")).toMatch(
        /,published,FA-2017-0010,,,"profile_not_accepted_for_issuing: Profile BASIC WL is not a complete invoice/,
      );
      expect(row("b-clean.pdf")).toBe(`${path.join(folder(), "b-clean.pdf")},published,CL-1,,,`);
      expect(row("c-bad.pdf")).toMatch(/,rejected,,not_pdf,/);
      expect(lines.filter(Boolean)).toHaveLength(4);
    });

    it("counts them in a dry run too", async () => {
      const run = await runEfacture(["invoices", "import", "--tenant", "acme", "--dry-run", folder()], env);
      expect(run.stdout).toContain(
        "Files with warnings (stored with the invoice, not refused): 1 (profile_not_accepted_for_issuing 1); --report <file.csv> lists them",
      );
    });
  },
);
