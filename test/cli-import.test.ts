import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/open-database.js";
import { buildFacturX, type FacturXInput } from "../src/einvoice/index.js";
import { runEfacture, runEfactureProcess, startEfacture } from "./support/cli.js";
import { CORPUS, corpusPresent } from "./support/corpus.js";
import { invoiceInput } from "./support/factories.js";
import { ENGINES, makeTestEnv, type TestEnv } from "./support/services.js";

/** A 300.00 € + VAT invoice due on 20 November for customer `buyerId`. */
function invoice(invoiceNumber: string, buyerId: string): FacturXInput {
  return invoiceInput(invoiceNumber, buyerId, {
    dueDate: "2026-11-20",
    seller: { vatId: "FR44443061841" },
    lines: [{ description: "Loyer", quantity: "1", unitPrice: "300.00", vatRatePercent: "20" }],
  });
}

/** Rows from the test database, opened after the command lines have exited (PGlite has one owner). */
async function query<R>(testEnv: TestEnv, text: string, params: unknown[] = []): Promise<R[]> {
  const opened = await openDatabase(testEnv.config, { schema: testEnv.schema });
  try {
    return await opened.db.query<R>(text, params);
  } finally {
    await opened.close();
  }
}

async function counts(testEnv: TestEnv) {
  const [row] = await query<Record<string, number>>(
    testEnv,
    `select (select count(*)::int from invoices) as invoices, (select count(*)::int from invoice_events) as events,
            (select count(*)::int from mails) as mails, (select count(*)::int from audit_entries) as audit`,
  );
  return row!;
}

function blobCount(dataDir: string): number {
  const root = path.join(dataDir, "blobs");
  let n = 0;
  for (const a of readdirSync(root).filter((d) => d !== "tmp"))
    for (const b of readdirSync(path.join(root, a))) n += readdirSync(path.join(root, a, b)).length;
  return n;
}

/** A folder as an issuer sends it: Factur-X files in sub-folders, a plain PDF with its manifest line, a stray text file. */
async function writeInvoiceFolder(folder: string): Promise<void> {
  mkdirSync(path.join(folder, "2026-11"), { recursive: true });
  mkdirSync(path.join(folder, "plain"));
  writeFileSync(path.join(folder, "FA-1.pdf"), await buildFacturX(invoice("FA-1", "C-1")));
  writeFileSync(path.join(folder, "FA-2.PDF"), await buildFacturX(invoice("FA-2", "C-2")));
  writeFileSync(path.join(folder, "2026-11", "FA-3.pdf"), await buildFacturX(invoice("FA-3", "C-3")));
  writeFileSync(path.join(folder, "2026-11", "FA-4.pdf"), await buildFacturX(invoice("FA-4", "C-4")));
  writeFileSync(path.join(folder, "notes.txt"), "not an invoice, not in the manifest: skipped");
  writeFileSync(path.join(folder, "bad.pdf"), "this is a text file renamed .pdf\n");
  const plain = readdirSync(path.join(CORPUS, "plain-pdf"))[0]!;
  copyFileSync(path.join(CORPUS, "plain-pdf", plain), path.join(folder, "plain", plain));
  writeFileSync(
    path.join(folder, "manifest.csv"),
    "file,customerNumber,contractNumber,invoiceNumber,issueDate,grandTotal,currency\n" +
      `plain/${plain},C-3,,R0005532486,2016-01-19,23.80,EUR\n`,
  );
}

describe.each(ENGINES)("efacture customers import and invoices import (%s)", (engine) => {
  let testEnv: TestEnv;
  let env: Record<string, string>;
  let work: string;

  beforeAll(async () => {
    testEnv = makeTestEnv(engine);
    env = { ...testEnv.env, LOG_LEVEL: "warn" };
    work = mkdtempSync(path.join(tmpdir(), "efacture-import-"));
    if (corpusPresent) await writeInvoiceFolder(folder());
    const created = await runEfacture(["tenant", "create", "acme", "--name", "Acme Location"], env);
    expect(created.code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await testEnv.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  const customersFile = () => path.join(work, "clients.csv");
  const folder = () => path.join(work, "invoices");

  it("imports a customer file with a BOM, `;` separators, quoted names and several contracts; a shared address gives one account", async () => {
    writeFileSync(
      customersFile(),
      "\uFEFFcustomerNumber;name;email;contracts\r\n" +
        'C-1;"Dupont, Jean";Flotte@Example.com;K-1|K-2\r\n' +
        'C-2;"Dupont ""Sud""";flotte@example.com;K-3\r\n' +
        "C-3;Sans Adresse;;\r\n",
    );
    const run = await runEfacture(["customers", "import", "--tenant", "acme", customersFile()], env);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.stdout).toContain("Customers of acme: 3 created, 0 updated, 0 unchanged, 0 rejected (3 rows");
    expect(run.code).toBe(0);
    const customers = await query<{
      customer_number: string;
      name: string;
      email: string | null;
      account: string | null;
      contracts: string[];
    }>(
      testEnv,
      `select c.customer_number, c.name, c.email, a.identifier as account,
              array(select k.contract_number from contracts k where k.customer_id = c.id order by 1) as contracts
         from customers c left join accounts a on a.id = c.account_id order by 1`,
    );
    expect(customers.map(({ account: _, ...c }) => c)).toEqual([
      {
        customer_number: "C-1",
        name: "Dupont, Jean",
        email: "flotte@example.com",
        contracts: ["K-1", "K-2"],
      },
      { customer_number: "C-2", name: 'Dupont "Sud"', email: "flotte@example.com", contracts: ["K-3"] },
      { customer_number: "C-3", name: "Sans Adresse", email: null, contracts: [] },
    ]);
    expect(customers[0]!.account).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
    expect(customers[1]!.account).toBe(customers[0]!.account);
    expect(customers[2]!.account).toBeNull();
  });

  it("finds everything unchanged when the same file is imported again", async () => {
    const run = await runEfacture(["customers", "import", "--tenant", "acme", customersFile()], env);
    expect(run.stdout).toContain("Customers of acme: 0 created, 0 updated, 3 unchanged, 0 rejected");
    expect(run.code).toBe(0);
  });

  it("reports a bad row with its line number, imports the others and exits 1", async () => {
    const file = path.join(work, "with-bad-row.csv");
    writeFileSync(
      file,
      "customerNumber,name,email,contracts\nC-4,Quatre,quatre@example.com,\nC-5,Cinq,pas-une-adresse,\nC-1,Jean Dupont,flotte@example.com,K-1\n",
    );
    const run = await runEfacture(["customers", "import", "--tenant", "acme", file], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${file}:3: invalid_email: "pas-une-adresse" is not an e-mail address`);
    expect(run.stdout).toContain("Customers of acme: 1 created, 1 updated, 0 unchanged, 1 rejected");
    const numbers = await query<{ customer_number: string }>(
      testEnv,
      "select customer_number from customers order by 1",
    );
    expect(numbers.map((r) => r.customer_number)).toEqual(["C-1", "C-2", "C-3", "C-4"]);
  });

  it("refuses a file without its header line, in one line (usage, exit 2)", async () => {
    const file = path.join(work, "no-header.csv");
    writeFileSync(file, "C-9,Neuf,neuf@example.com,\n");
    const run = await runEfacture(["customers", "import", "--tenant", "acme", file], env);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("the first line must be the header customerNumber,name,email,contracts");
  });

  it("refuses an unknown tenant in one line, exit 1", async () => {
    for (const args of [
      ["customers", "import", "--tenant", "nope", customersFile()],
      ["invoices", "import", "--tenant", "nope", work],
    ]) {
      const run = await runEfacture(args, env);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr.trim()).toBe(
        'efacture: no tenant "nope" (see efacture tenant list) (unknown_tenant)',
      );
    }
  });

  it.runIf(engine === "pglite")(
    "imports through the running server's socket, with paths relative to the caller's folder",
    async () => {
      const server = startEfacture(["start"], { ...env, PORT: "0" }, /listening on/);
      try {
        await server.ready;
        writeFileSync(
          path.join(work, "remote.csv"),
          "customerNumber,name,email,contracts\nR-1,Remote,remote@example.com,\n",
        );
        mkdirSync(path.join(work, "remote"));
        writeFileSync(path.join(work, "remote", "R-1.pdf"), await buildFacturX(invoice("REM-1", "R-1")));
        expect(
          (await runEfacture(["tenant", "create", "remote", "--name", "Remote"], env, 60_000, work)).code,
        ).toBe(0);
        // One real process started in `work`: its own folder is what it sends to the server.
        const customers = await runEfactureProcess(
          ["customers", "import", "--tenant", "remote", "remote.csv"],
          env,
          { cwd: work },
        );
        expect(customers.stdout).toContain("Customers of remote: 1 created");
        const invoices = await runEfacture(
          ["invoices", "import", "--tenant", "remote", "remote"],
          env,
          60_000,
          work,
        );
        expect(invoices.stdout).toContain("Invoices of remote: 1 published, 0 already present, 0 rejected");
        expect(invoices.code).toBe(0);
      } finally {
        expect(await server.stop()).toBe(0);
      }
    },
    120_000,
  );

  describe.skipIf(!corpusPresent)("invoices import", () => {
    const importFolder = () =>
      runEfacture(
        [
          "invoices",
          "import",
          "--tenant",
          "acme",
          "--manifest",
          path.join(folder(), "manifest.csv"),
          folder(),
        ],
        env,
      );

    it("publishes a folder with its manifest, reports the rejected file and exits 1", async () => {
      const run = await importFolder();
      expect(run.code).toBe(1);
      const out = run.stdout.trim().split("\n");
      expect(out).toEqual([
        `${path.join(folder(), "bad.pdf")}: not_pdf: The file is not a PDF (it does not start with %PDF-).`,
        expect.stringMatching(
          /^Invoices of acme: 5 published, 0 already present, 1 rejected \(6 files in [\d.]+ s, \d+\/s\)\.$/,
        ),
        "Rejected by reason: not_pdf 1",
      ]);
      // Not a terminal: plain progress lines, no bar redrawn in place.
      expect(run.stderr).toMatch(/^progress: 6\/6 files \(100%\) [\d.]+\/s elapsed \d+ s$/m);
      expect(run.stderr).not.toContain("\r");
      const invoices = await query<{ invoice_number: string; customer_number: string }>(
        testEnv,
        `select i.invoice_number, c.customer_number from invoices i join customers c on c.id = i.customer_id
          join tenants t on t.id = i.tenant_id where t.slug = 'acme' order by 1`,
      );
      expect(invoices).toEqual([
        { invoice_number: "FA-1", customer_number: "C-1" },
        { invoice_number: "FA-2", customer_number: "C-2" },
        { invoice_number: "FA-3", customer_number: "C-3" },
        { invoice_number: "FA-4", customer_number: "C-4" },
        { invoice_number: "R0005532486", customer_number: "C-3" },
      ]);
      // C-1 and C-2 share one pending account: one activation mail; C-3 has no address.
      const mails = await query<{ to_address: string }>(
        testEnv,
        "select to_address from mails where kind = 'activation' and to_address not like 'remote@%' order by 1",
      );
      expect(mails.map((m) => m.to_address)).toEqual(["flotte@example.com", "quatre@example.com"]);
    });

    it("finds every file already present when run again", async () => {
      const before = await counts(testEnv);
      const run = await importFolder();
      expect(run.code).toBe(1);
      expect(run.stdout).toContain("Invoices of acme: 0 published, 5 already present, 1 rejected");
      expect(await counts(testEnv)).toEqual(before);
    });

    it("stores nothing in a dry run, and says what would happen", async () => {
      const fresh = path.join(work, "next-month");
      mkdirSync(fresh);
      writeFileSync(path.join(fresh, "FA-10.pdf"), await buildFacturX(invoice("FA-10", "C-4")));
      writeFileSync(path.join(fresh, "FA-11.pdf"), await buildFacturX(invoice("FA-11", "C-1")));
      writeFileSync(path.join(fresh, "FA-12.pdf"), await buildFacturX(invoice("FA-12", "C-404")));
      // Same number as a published invoice, other content.
      writeFileSync(
        path.join(fresh, "FA-1-bis.pdf"),
        await buildFacturX({ ...invoice("FA-1", "C-1"), dueDate: "2026-12-31" }),
      );
      copyFileSync(path.join(folder(), "FA-2.PDF"), path.join(fresh, "FA-2-copy.pdf"));
      const before = await counts(testEnv);
      const blobsBefore = blobCount(testEnv.dataDir);

      const run = await runEfacture(["invoices", "import", "--tenant", "acme", "--dry-run", fresh], env);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(
        "Dry run for acme, nothing stored: 2 would be published, 1 already present, 2 rejected",
      );
      expect(run.stdout).toContain(`${path.join(fresh, "FA-1-bis.pdf")}: invoice_number_conflict: `);
      expect(run.stdout).toContain(`${path.join(fresh, "FA-12.pdf")}: unknown_customer: `);
      expect(await counts(testEnv)).toEqual(before);
      expect(blobCount(testEnv.dataDir)).toBe(blobsBefore);

      // The same folder for real: what the dry run announced.
      const real = await runEfacture(["invoices", "import", "--tenant", "acme", fresh], env);
      expect(real.stdout).toContain("Invoices of acme: 2 published, 1 already present, 2 rejected");
      expect((await counts(testEnv)).invoices).toBe(before.invoices! + 2);
    });
  });
});
