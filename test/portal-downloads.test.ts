import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import fc from "fast-check";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, publishDeps } from "../src/app.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { type PublishDeps, publishInvoice } from "../src/domain/invoices/publish-invoice.js";
import { buildFacturX, type FacturXInput } from "../src/einvoice/index.js";
import { buildWebApp } from "../src/http/web-app.js";
import { createFsBlobStore } from "../src/storage/fs-blob-store.js";
import { corpusFiles, corpusPresent } from "./support/corpus.js";
import { facturx, loggedInAccount, makeTenant } from "./support/factories.js";
import { ENGINES, openTestServices, waitFor } from "./support/services.js";
import { WebClient } from "./support/web-client.js";

const actor = { type: "issuer" as const, id: "test" };
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Reads a ZIP through the system's `unzip`: integrity test, listing and entries. */
function unzip(bytes: Buffer) {
  const dir = mkdtempSync(path.join(tmpdir(), "efacture-zip-"));
  const file = path.join(dir, "archive.zip");
  writeFileSync(file, bytes);
  const run = (args: string[]) => spawnSync("unzip", args, { maxBuffer: 256 * 1024 * 1024 });
  const test = run(["-t", file]);
  const names = run(["-Z1", file]).stdout.toString("utf8").split("\n").filter(Boolean);
  const entry = (name: string) => run(["-p", file, name]).stdout;
  return {
    ok: test.status === 0,
    output: test.stdout.toString() + test.stderr.toString(),
    names,
    entry,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function csvRows(csv: Buffer): string[][] {
  const text = csv.toString("utf8");
  expect(text.startsWith("\uFEFF")).toBe(true);
  return text
    .slice(1)
    .split("\r\n")
    .filter(Boolean)
    .map((line) => line.split(";"));
}

describe.each(ENGINES)("invoice detail and downloads on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let deps: PublishDeps;
  let app: FastifyInstance;
  const logLines: string[] = [];
  let tenantA: TenantRow;
  let tenantB: TenantRow;
  let seq = 0;
  const blobPath = (hash: string) =>
    createFsBlobStore(path.join(services.testEnv.dataDir, "blobs")).pathOf(hash);

  /** An active account with its customer numbers and a live session, as a browser holding its cookie. */
  async function account(tenant: TenantRow, numbers = [`C-${++seq}`], contracts: string[] = []) {
    return loggedInAccount(services, app, tenant, {
      numbers,
      email: `client${++seq}@example.com`,
      contracts,
    });
  }

  async function publish(tenant: TenantRow, input: FacturXInput) {
    const bytes = Buffer.from(await buildFacturX(input));
    const { invoice } = await publishInvoice(deps, { tenant, bytes, actor });
    return { id: invoice.id, bytes, sha256: invoice.sha256 };
  }

  const events = (invoiceId: string) =>
    services.db.query<{ code: number }>(
      "select code from invoice_events where invoice_id = $1 order by at, id",
      [invoiceId],
    );
  const audits = (action: string, targetId: string) =>
    services.db.query<{ details: Record<string, unknown> }>(
      "select details from audit_entries where action = $1 and target_id = $2",
      [action, targetId],
    );

  beforeAll(async () => {
    const logger = createLogger(
      { logLevel: "info" },
      new Writable({
        write(chunk, _encoding, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    );
    services = await openTestServices(engine, { logger });
    deps = publishDeps(services);
    tenantA = await makeTenant(services.db);
    tenantB = await makeTenant(services.db, { slug: "other", displayName: "Other Bail" });
    app = await buildWebApp(services);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  describe("detail page", () => {
    it("shows the Factur-X facts, the VAT breakdown, the downloads, the SHA-256 and how to check it, and the history", async () => {
      const me = await account(tenantA, ["FLEET-1"], ["CT-77"]);
      const inv = await publish(tenantA, facturx("F-2026-0001", "FLEET-1", { contractNumber: "CT-77" }));
      const res = await me.client.get(`/factures/${inv.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers["cache-control"]).toBe("no-store");
      const html = res.body;
      for (const text of [
        "Facture F-2026-0001",
        "Acme Location SAS",
        "443061841",
        "FR44443061841",
        "Client FLEET-1",
        "FLEET-1",
        "CT-77",
        "PAY-F-2026-0001",
        "5 novembre 2026",
        "5 décembre 2026",
        "Factur-X EN 16931",
        // 1234.50 at 20 % + 10.00 at 0 %: excl. 1 244,50; VAT 246,90; incl. 1 491,40 (narrow no-break spaces).
        "1\u202f244,50\u00a0€",
        "246,90\u00a0€",
        "1\u202f491,40\u00a0€",
        "Détail de la TVA",
        "Taux normal",
        "Taux zéro",
        "Télécharger le PDF",
        "Télécharger les données (XML)",
        inv.sha256,
        "sha256sum fichier.pdf",
        "Get-FileHash fichier.pdf",
        "Mise à disposition",
        "Disponible jusqu’au",
        "Nouvelle",
      ])
        expect(html, text).toContain(text);
      expect(html).toContain(`href="/factures/${inv.id}/pdf"`);
      expect(html).toContain(`href="/factures/${inv.id}/xml"`);
      // Table semantics: captions, column and row headers.
      expect(html).toMatch(
        /<table class="det-table"><caption id="det-vat-caption">Détail de la TVA<\/caption>/,
      );
      expect(html).toContain('<th scope="col">Statut</th>');
      expect(html).not.toContain("Prise en charge");

      const pdf = await me.client.get(`/factures/${inv.id}/pdf`);
      expect(pdf.statusCode).toBe(200);
      const after = await me.client.get(`/factures/${inv.id}`);
      expect(after.body).toContain("Prise en charge");
      expect(after.body).toContain("Téléchargée le");
    });

    it("shows a removed invoice as « retirée du portail », without download buttons; its downloads answer 410", async () => {
      const me = await account(tenantA);
      const inv = await publish(tenantA, facturx("F-REMOVED-1", me.numbers[0]!));
      await services.db.query("update invoices set removed_at = '2028-11-06T10:00:00Z' where id = $1", [
        inv.id,
      ]);
      const res = await me.client.get(`/factures/${inv.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain("Retirée du portail le 6 novembre 2028");
      expect(res.body).not.toContain("Télécharger le PDF");
      expect(res.body).not.toContain(`/factures/${inv.id}/pdf`);
      for (const kind of ["pdf", "xml"]) {
        const gone = await me.client.get(`/factures/${inv.id}/${kind}`);
        expect(gone.statusCode).toBe(410);
        expect(gone.headers["content-type"]).toContain("text/html");
        expect(gone.body).toContain("retirée du portail le 6 novembre 2028");
      }
    });

    it("offers no XML for a plain PDF, and its /xml is a 404", async () => {
      const [plain] = corpusFiles("plain-pdf");
      if (!plain) return;
      const me = await account(tenantA);
      const { invoice } = await publishInvoice(deps, {
        tenant: tenantA,
        bytes: plain.bytes,
        metadata: {
          customerNumber: me.numbers[0]!,
          invoiceNumber: `PLAIN-${seq}`,
          issueDate: "2016-01-19",
          grandTotal: "12.50",
          currency: "EUR",
        },
        actor,
      });
      const res = await me.client.get(`/factures/${invoice.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain("PDF sans données structurées");
      expect(res.body).not.toContain("Télécharger les données (XML)");
      expect((await me.client.get(`/factures/${invoice.id}/xml`)).statusCode).toBe(404);
      const pdf = await me.client.get(`/factures/${invoice.id}/pdf`);
      expect(Buffer.compare(pdf.rawPayload, plain.bytes)).toBe(0);
    });

    it("answers 404 (never 403) for a malformed id, another account's invoice and another tenant's invoice", async () => {
      const me = await account(tenantA);
      const neighbour = await account(tenantA);
      const foreign = await account(tenantB);
      const mine = await publish(tenantA, facturx(`F-OWN-${seq}`, me.numbers[0]!));
      const theirs = await publish(tenantA, facturx(`F-NEI-${seq}`, neighbour.numbers[0]!));
      const abroad = await publish(tenantB, facturx(`F-FOR-${seq}`, foreign.numbers[0]!));
      expect((await me.client.get(`/factures/${mine.id}`)).statusCode).toBe(200);
      const notFound = await me.client.get("/factures/00000000-0000-4000-8000-000000000000");
      for (const url of [
        `/factures/${theirs.id}`,
        `/factures/${abroad.id}`,
        "/factures/not-a-uuid",
        "/factures/1%27%20or%201=1",
        `/factures/${theirs.id}/pdf`,
        `/factures/${abroad.id}/xml`,
        "/factures/zzz/pdf",
      ]) {
        const res = await me.client.get(url);
        expect(res.statusCode, url).toBe(404);
      }
      // The page of another account's invoice is the page of an invoice that does not exist.
      // (Request ids and the logout form's CSRF token differ per response.)
      const same = (html: string) =>
        html.replace(/[0-9a-f]{16}/g, "").replace(/name="_csrf" value="[^"]*"/g, "");
      const other = await me.client.get(`/factures/${theirs.id}`);
      expect(same(other.body)).toBe(same(notFound.body));
      // Without a session: back to the login page, nothing about the invoice.
      const anonymous = new WebClient(app, "acme.localhost:3000");
      const res = await anonymous.get(`/factures/${mine.id}/pdf`);
      expect(res.statusCode).toBe(303);
    });

    it("gives 200 only to the owner, over random (account, invoice) pairs across two tenants (property)", async () => {
      const people = [
        await account(tenantA),
        await account(tenantA, [`M-${++seq}`, `M-${++seq}`]),
        await account(tenantB),
        await account(tenantB),
      ];
      const tenants = [tenantA, tenantA, tenantB, tenantB];
      const invoices: { id: string; owner: number }[] = [];
      for (const [owner, person] of people.entries())
        for (const number of person.numbers)
          invoices.push({ id: (await publish(tenants[owner]!, facturx(`P-${number}`, number))).id, owner });
      await fc.assert(
        fc.asyncProperty(
          fc.nat(people.length - 1),
          fc.nat(invoices.length - 1),
          fc.constantFrom("", "/pdf"),
          async (who, which, suffix) => {
            const invoice = invoices[which]!;
            const res = await people[who]!.client.get(`/factures/${invoice.id}${suffix}`);
            expect(res.statusCode).toBe(invoice.owner === who ? 200 : 404);
          },
        ),
        { numRuns: 60 },
      );
      await fc.assert(
        fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), async (id) => {
          fc.pre(!/^[0-9a-f-]{36}$/i.test(id) && id !== "." && id !== "..");
          const res = await people[0]!.client.get(`/factures/${encodeURIComponent(id)}`);
          expect(res.statusCode).toBe(404);
        }),
        { numRuns: 60 },
      );
    });
  });

  describe("single downloads", () => {
    it("serves the exact bytes of a generated invoice with the F2 headers and a server-made name", async () => {
      const me = await account(tenantA);
      const inv = await publish(tenantA, facturx("F/2026\u202e..\\0042", me.numbers[0]!));
      const res = await me.client.get(`/factures/${inv.id}/pdf`);
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toBe("application/pdf");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["cache-control"]).toBe("no-store");
      expect(res.headers["content-length"]).toBe(String(inv.bytes.byteLength));
      const disposition = String(res.headers["content-disposition"]);
      expect(disposition).toBe(
        "attachment; filename=\"Acme-Location-SAS_F-2026-0042_2026-11-05.pdf\"; filename*=UTF-8''Acme-Location-SAS_F-2026-0042_2026-11-05.pdf",
      );
      expect(Buffer.compare(res.rawPayload, inv.bytes)).toBe(0);
      expect(sha256(res.rawPayload)).toBe(inv.sha256);
    });

    it("keeps accents in the RFC 5987 name and gives an ASCII fallback", async () => {
      const me = await account(tenantA);
      const inv = await publish(
        tenantA,
        facturx("FA-é 1", me.numbers[0]!, {
          seller: {
            name: "Société Générale d’Équipement",
            siren: "552120222",
            address: { line1: "1 rue", postcode: "75001", city: "Paris", countryCode: "FR" },
          },
        }),
      );
      const res = await me.client.get(`/factures/${inv.id}/pdf`);
      expect(res.headers["content-disposition"]).toBe(
        "attachment; filename=\"Societe-Generale-d-Equipement_FA-e-1_2026-11-05.pdf\"; filename*=UTF-8''Soci%C3%A9t%C3%A9-G%C3%A9n%C3%A9rale-d%E2%80%99%C3%89quipement_FA-%C3%A9-1_2026-11-05.pdf",
      );
    });

    it("serves the embedded XML, byte for byte the one published, as an attachment", async () => {
      const me = await account(tenantA);
      const inv = await publish(tenantA, facturx(`F-XML-${seq}`, me.numbers[0]!));
      const [row] = await services.db.query<{ xml_sha256: string }>(
        "select xml_sha256 from invoices where id = $1",
        [inv.id],
      );
      const res = await me.client.get(`/factures/${inv.id}/xml`);
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toBe("application/xml");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["cache-control"]).toBe("no-store");
      expect(String(res.headers["content-disposition"])).toMatch(
        /^attachment; filename="Acme-Location-SAS_F-XML-\d+_2026-11-05\.xml"/,
      );
      expect(sha256(res.rawPayload)).toBe(row!.xml_sha256);
      expect(res.body).toContain("CrossIndustryInvoice");
      expect((await events(inv.id)).map((e) => e.code)).toEqual([203, 204]);
    });

    describe.skipIf(!corpusPresent)("real corpus files (F4)", () => {
      it.each(corpusFiles("facturx-valid").map((f) => [f.name, f] as const))(
        "%s comes back byte for byte",
        async (name, file) => {
          const tenant = await makeTenant(services.db, {
            slug: `corpus-${engine.slice(0, 2)}-${++seq}`,
            displayName: "Corpus",
          });
          const me = await account(tenant, [`CORPUS-${seq}`]);
          const { invoice } = await publishInvoice(deps, {
            tenant,
            bytes: file.bytes,
            metadata: { customerNumber: me.numbers[0]! },
            actor,
          });
          expect(invoice.sha256).toBe(sha256(file.bytes));
          const detail = await me.client.get(`/factures/${invoice.id}`);
          expect(detail.statusCode, name).toBe(200);
          expect(detail.body).toContain(sha256(file.bytes));
          const res = await me.client.get(`/factures/${invoice.id}/pdf`);
          expect(res.statusCode).toBe(200);
          expect(res.headers["content-length"]).toBe(String(file.bytes.byteLength));
          expect(Buffer.compare(res.rawPayload, file.bytes)).toBe(0);
          const xml = await me.client.get(`/factures/${invoice.id}/xml`);
          expect(xml.statusCode).toBe(200);
          expect(xml.body).toMatch(/CrossIndustryInvoice/);
        },
      );
    });

    it("records 204 and first_downloaded_at once, even for concurrent downloads; later ones change nothing", async () => {
      const me = await account(tenantA);
      const inv = await publish(tenantA, facturx(`F-CONC-${seq}`, me.numbers[0]!));
      const results = await Promise.all(
        Array.from({ length: 8 }, () => me.client.get(`/factures/${inv.id}/pdf`)),
      );
      for (const res of results) {
        expect(res.statusCode).toBe(200);
        expect(Buffer.compare(res.rawPayload, inv.bytes)).toBe(0);
      }
      expect((await events(inv.id)).map((e) => e.code)).toEqual([203, 204]);
      const [row] = await services.db.query<{ first_downloaded_at: Date }>(
        "select first_downloaded_at from invoices where id = $1",
        [inv.id],
      );
      expect(row!.first_downloaded_at).toBeInstanceOf(Date);
      const audit = await audits("invoice.downloaded", inv.id);
      expect(audit).toHaveLength(1);
      expect(audit[0]!.details).toMatchObject({ via: "pdf", status: 204 });
      await me.client.get(`/factures/${inv.id}/pdf`);
      const [again] = await services.db.query<{ first_downloaded_at: Date }>(
        "select first_downloaded_at from invoices where id = $1",
        [inv.id],
      );
      expect(again!.first_downloaded_at.getTime()).toBe(row!.first_downloaded_at.getTime());
      expect(await events(inv.id)).toHaveLength(2);
      expect(logLines.some((l) => l.includes('"event":"invoice.downloaded"') && l.includes(inv.id))).toBe(
        true,
      );
    });

    it("refuses a stored file with a flipped byte: a 500 page instead of the PDF, an error logged, an audit entry (F3)", async () => {
      const me = await account(tenantA);
      const inv = await publish(tenantA, facturx(`F-FLIP-${seq}`, me.numbers[0]!));
      const file = blobPath(inv.sha256);
      const bytes = readFileSync(file);
      bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
      writeFileSync(file, bytes);
      // The XML is served from its own blob (stored at publication, issue 12): damaged too, it is refused too.
      const [{ xml_sha256: xmlSha256 } = { xml_sha256: "" }] = await services.db.query<{
        xml_sha256: string;
      }>("select xml_sha256 from invoices where id = $1", [inv.id]);
      const xmlFile = blobPath(xmlSha256);
      const xmlBytes = readFileSync(xmlFile);
      xmlBytes[Math.floor(xmlBytes.length / 2)]! ^= 0x01;
      writeFileSync(xmlFile, xmlBytes);
      for (const kind of ["pdf", "xml"]) {
        const res = await me.client.get(`/factures/${inv.id}/${kind}`);
        expect(res.statusCode).toBe(500);
        expect(res.headers["content-type"]).toContain("text/html");
        expect(res.headers["content-disposition"]).toBeUndefined();
        expect(res.body).toContain("n’a pas pu être vérifié");
      }
      const alerts = logLines
        .filter((l) => l.includes('"event":"integrity.failed"') && l.includes(inv.id))
        .map((l) => JSON.parse(l));
      expect(alerts.length).toBeGreaterThanOrEqual(2);
      expect(alerts[0]).toMatchObject({
        level: 50,
        tenant: tenantA.id,
        invoice: inv.id,
        expectedSha256: inv.sha256,
        actualSha256: sha256(bytes),
        problem: "hash_mismatch",
      });
      const audit = await audits("integrity.failed", inv.id);
      expect(audit.length).toBeGreaterThanOrEqual(2);
      // Nothing was delivered, so nothing was taken.
      expect((await events(inv.id)).map((e) => e.code)).toEqual([203]);
    });

    it("refuses a missing or truncated stored file the same way", async () => {
      const me = await account(tenantA);
      const gone = await publish(tenantA, facturx(`F-MISS-${seq}`, me.numbers[0]!));
      unlinkSync(blobPath(gone.sha256));
      const missing = await me.client.get(`/factures/${gone.id}/pdf`);
      expect(missing.statusCode).toBe(500);
      expect(logLines.some((l) => l.includes('"problem":"missing"') && l.includes(gone.id))).toBe(true);

      const cut = await publish(tenantA, facturx(`F-CUT-${seq}`, me.numbers[0]!));
      writeFileSync(blobPath(cut.sha256), cut.bytes.subarray(0, cut.bytes.length - 10));
      const truncated = await me.client.get(`/factures/${cut.id}/pdf`);
      expect(truncated.statusCode).toBe(500);
      expect(logLines.some((l) => l.includes('"problem":"size_mismatch"') && l.includes(cut.id))).toBe(true);
    });
  });

  describe("bulk ZIP", () => {
    async function zipOf(client: WebClient, form: Record<string, string | string[]>) {
      const page = await client.get("/compte");
      expect(page.statusCode).toBe(200);
      const body = new URLSearchParams();
      for (const [key, value] of Object.entries(form)) for (const v of [value].flat()) body.append(key, v);
      body.set("_csrf", client.csrf());
      return client.app.inject({
        method: "POST",
        url: "/factures/zip",
        payload: body.toString(),
        headers: {
          host: client.host,
          "content-type": "application/x-www-form-urlencoded",
          cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
        },
      });
    }

    async function fleet(years: string[]) {
      const me = await account(tenantA, [`Z-${++seq}`, `Z-${++seq}`]);
      const published: { id: string; bytes: Buffer; sha256: string; year: string; number: string }[] = [];
      for (const [i, year] of years.entries()) {
        const number = `ZIP-${seq}-${i}`;
        const inv = await publish(
          tenantA,
          facturx(number, me.numbers[i % 2]!, {
            issueDate: `${year}-0${1 + (i % 9)}-15`,
            dueDate: undefined,
          }),
        );
        published.push({ ...inv, year, number });
      }
      return { me, published };
    }

    function checkArchive(
      res: LightMyRequestResponse,
      expected: { bytes: Buffer; sha256: string; year: string; number: string }[],
    ) {
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toBe("application/zip");
      expect(res.headers["cache-control"]).toBe("no-store");
      expect(String(res.headers["content-disposition"])).toMatch(
        /^attachment; filename="factures_acme_\d{4}-\d{2}-\d{2}\.zip"/,
      );
      expect(res.headers["content-length"]).toBe(String(res.rawPayload.byteLength));
      const zip = unzip(res.rawPayload);
      try {
        expect(zip.ok, zip.output).toBe(true);
        expect(zip.names[0]).toBe("index.csv");
        const rows = csvRows(zip.entry("index.csv"));
        expect(rows[0]).toEqual([
          "Numéro",
          "Type",
          "Code type",
          "Date",
          "Contrat",
          "N° client",
          "Total HT",
          "TVA",
          "Total TTC",
          "Net à payer",
          "Devise",
          "SHA-256",
          "Fichier",
        ]);
        const lines = rows.slice(1);
        expect(lines).toHaveLength(expected.length);
        expect(zip.names.slice(1).sort()).toEqual(lines.map((l) => l[12]).sort());
        for (const invoice of expected) {
          const line = lines.find((l) => l[0] === invoice.number);
          expect(line, invoice.number).toBeDefined();
          expect(line![1]).toBe("Facture");
          expect(line![2]).toBe("380");
          expect(line![8]).toBe("1491,40");
          expect(line![10]).toBe("EUR");
          expect(line![11]).toBe(invoice.sha256);
          expect(line![12]).toBe(`${invoice.year}/Acme-Location-SAS_${invoice.number}_${line![3]}.pdf`);
          const pdf = zip.entry(line![12]!);
          expect(sha256(pdf)).toBe(invoice.sha256);
          expect(Buffer.compare(pdf, invoice.bytes)).toBe(0);
        }
        return lines;
      } finally {
        zip.cleanup();
      }
    }

    it("streams the checked invoices in folders by year with index.csv, readable by unzip -t; each counts as a download", async () => {
      const { me, published } = await fleet(["2025", "2026", "2026"]);
      const neighbour = await account(tenantA);
      const theirs = await publish(tenantA, facturx(`ZIP-NEI-${seq}`, neighbour.numbers[0]!));
      const foreign = await account(tenantB);
      const abroad = await publish(tenantB, facturx(`ZIP-FOR-${seq}`, foreign.numbers[0]!));
      const removed = await publish(tenantA, facturx(`ZIP-REM-${seq}`, me.numbers[0]!));
      await services.db.query("update invoices set removed_at = now() where id = $1", [removed.id]);
      const res = await zipOf(me.client, {
        id: [
          published[0]!.id,
          published[2]!.id,
          theirs.id,
          abroad.id,
          removed.id,
          "not-a-uuid",
          published[0]!.id.toUpperCase(),
        ],
      });
      // Ids the account may not see, removed invoices and garbage are skipped silently.
      checkArchive(res, [published[0]!, published[2]!]);
      expect((await events(published[0]!.id)).map((e) => e.code)).toEqual([203, 204]);
      expect((await events(published[2]!.id)).map((e) => e.code)).toEqual([203, 204]);
      expect((await events(published[1]!.id)).map((e) => e.code)).toEqual([203]);
      expect((await events(theirs.id)).map((e) => e.code)).toEqual([203]);
      expect((await audits("invoice.downloaded", published[0]!.id))[0]!.details).toMatchObject({
        via: "zip",
      });
    });

    it("streams every invoice matching the list's filters when « tout » is asked", async () => {
      const { me, published } = await fleet(["2024", "2025", "2025", "2026"]);
      const res = await zipOf(me.client, { tout: "1", annee: "2025" });
      checkArchive(
        res,
        published.filter((p) => p.year === "2025"),
      );
      const everything = await waitFor(async () => {
        const r = await zipOf(me.client, { tout: "1" });
        return r.statusCode === 200 ? r : undefined;
      });
      checkArchive(everything, published);
    });

    it("refuses an empty selection with a clear page", async () => {
      const me = await account(tenantA);
      const res = await zipOf(me.client, { id: "00000000-0000-4000-8000-000000000000" });
      expect(res.statusCode).toBe(422);
      expect(res.body).toContain("Aucune facture à télécharger");
    });

    it("refuses a post without the CSRF token or from another origin", async () => {
      const { me, published } = await fleet(["2026"]);
      await me.client.get("/compte");
      const token = me.client.csrf();
      const noToken = await me.client.post("/factures/zip", { id: published[0]!.id }, { csrf: false });
      expect(noToken.statusCode).toBe(403);
      const foreign = await me.client.post(
        "/factures/zip",
        { id: published[0]!.id },
        { csrf: token, headers: { origin: "http://other.localhost:3000" } },
      );
      expect(foreign.statusCode).toBe(403);
      expect((await events(published[0]!.id)).map((e) => e.code)).toEqual([203]);
    });

    it("limits the number of files per archive, with a message that says to narrow the filters", async () => {
      const limited = await buildWebApp(services, { downloads: { zipMaxFiles: 2 } });
      try {
        const { me, published } = await fleet(["2025", "2026", "2026"]);
        const client = new WebClient(limited, me.client.host);
        for (const [k, v] of me.client.cookies) client.cookies.set(k, v);
        const all = await zipOf(client, { tout: "1" });
        expect(all.statusCode).toBe(422);
        expect(all.body).toContain("Trop de factures pour une seule archive");
        expect(all.body).toContain("Affinez les filtres");
        const picked = await zipOf(client, { id: published.map((p) => p.id) });
        expect(picked.statusCode).toBe(422);
        const narrowed = await zipOf(client, { tout: "1", annee: "2026" });
        checkArchive(narrowed, published.slice(1));
      } finally {
        await limited.close();
      }
    });

    it("refuses a second ZIP of the same account while one runs (429), and takes the next one after", async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let reached!: () => void;
      const started = new Promise<void>((resolve) => {
        reached = resolve;
      });
      let holding = false;
      const held = await buildWebApp(services, {
        downloads: {
          beforeZipFile: async (index) => {
            // Holds the first archive only (on its first file); later ones go through.
            if (index !== 0 || holding) return;
            holding = true;
            reached();
            await gate;
          },
        },
      });
      try {
        const { me, published } = await fleet(["2026", "2026"]);
        const client = new WebClient(held, me.client.host);
        for (const [k, v] of me.client.cookies) client.cookies.set(k, v);
        const first = zipOf(client, { id: published.map((p) => p.id) });
        await started;
        const second = await zipOf(client, { id: [published[0]!.id] });
        expect(second.statusCode).toBe(429);
        expect(second.headers["retry-after"]).toBe("60");
        expect(second.body).toContain("déjà en cours");
        // Another account is not held up.
        const other = await fleet(["2026"]);
        const otherClient = new WebClient(held, other.me.client.host);
        for (const [k, v] of other.me.client.cookies) otherClient.cookies.set(k, v);
        checkArchive(await zipOf(otherClient, { id: [other.published[0]!.id] }), other.published);
        release();
        checkArchive(await first, published);
        const third = await waitFor(async () => {
          const r = await zipOf(client, { id: [published[0]!.id] });
          return r.statusCode === 200 ? r : undefined;
        }, 5_000);
        checkArchive(third, [published[0]!]);
      } finally {
        release();
        await held.close();
      }
    });

    it("aborts the archive when a file fails its SHA-256, and raises the alert (F3)", async () => {
      const { me, published } = await fleet(["2025", "2026", "2026"]);
      const file = blobPath(published[1]!.sha256);
      const bytes = readFileSync(file);
      bytes[100]! ^= 0xff;
      writeFileSync(file, bytes);
      const res = await zipOf(me.client, { id: published.map((p) => p.id) }).catch((error: Error) => error);
      if (!(res instanceof Error)) {
        // Whatever reached the client is not a complete archive.
        expect(res.rawPayload.byteLength).toBeLessThan(Number(res.headers["content-length"]));
        const zip = unzip(res.rawPayload);
        expect(zip.ok).toBe(false);
        zip.cleanup();
      }
      await waitFor(
        async () => (await audits("integrity.failed", published[1]!.id)).length > 0,
        5_000,
        "integrity audit",
      );
      expect(
        logLines.some(
          (l) =>
            l.includes('"event":"integrity.failed"') &&
            l.includes(published[1]!.id) &&
            l.includes('"during":"zip"'),
        ),
      ).toBe(true);
      expect(logLines.some((l) => l.includes('"event":"zip.aborted"'))).toBe(true);
      // The file after the broken one was never reached, so it was not taken.
      expect((await events(published[0]!.id)).map((e) => e.code)).toEqual([203]);
      // The lease is released: the next archive (without the broken file) works.
      const next = await waitFor(async () => {
        const r = await zipOf(me.client, { id: [published[0]!.id] });
        return r.statusCode === 200 ? r : undefined;
      }, 5_000);
      checkArchive(next, [published[0]!]);
    });
  });
});
