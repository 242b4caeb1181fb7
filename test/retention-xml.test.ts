// The XML extracted at publication is a blob of its own (issue 12, finding 2): retention deletes it with
// its PDF, and keeps it while another live invoice (any tenant) still refers to the same bytes.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runRetention } from "../src/domain/retention/run-retention.js";
import { HOSTILE_INVOICE } from "../src/einvoice/__fixtures__/hostile-pdfs.js";
import { makeTestPdf } from "../src/einvoice/__fixtures__/make-test-pdf.js";
import { buildCiiXml } from "../src/einvoice/index.js";
import { retentionFixture } from "./retention-fixtures.js";
import { ENGINES, openTestServices } from "./support/services.js";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe.each(ENGINES)("retention of stored XML on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let fx: ReturnType<typeof retentionFixture>;

  beforeAll(async () => {
    services = await openTestServices(engine);
    fx = retentionFixture(services);
  });
  afterAll(async () => {
    await services?.dispose();
  });

  it("deletes the XML blob with the last invoice that refers to it, not before", async () => {
    // One XML, embedded in two different PDFs published by two tenants (one keeps invoices 1 month, one 3).
    const xml = new TextEncoder().encode(
      buildCiiXml({
        ...HOSTILE_INVOICE,
        invoiceNumber: "RX-1",
        issueDate: "2024-01-05",
        buyer: { ...HOSTILE_INVOICE.buyer, id: "RX-C" },
      }),
    );
    const xmlSha256 = sha256(xml);
    const short = await fx.tenant("rx-short", 1);
    const long = await fx.tenant("rx-long", 3);
    for (const t of [short, long]) await fx.customer(t, "RX-C", `rx@${t.slug}.example`);
    const publishedAt = new Date("2024-01-05T10:00:00Z");
    const first = await fx.publish(short, "RX-C", publishedAt, {
      number: "RX-1",
      bytes: await makeTestPdf([{ filename: "factur-x.xml", data: xml }]),
    });
    const second = await fx.publish(long, "RX-C", publishedAt, {
      number: "RX-1",
      bytes: await makeTestPdf([{ filename: "factur-x.xml", data: xml, inAssociatedFiles: false }]),
    });
    expect(first.sha256).not.toBe(second.sha256);
    expect(await services.blobs.has(xmlSha256)).toBe(true);

    const deps = { db: services.db, blobs: services.blobs, queue: services.queue };
    // The short tenant's invoice leaves: its PDF goes, the XML stays for the long tenant's live invoice.
    await runRetention(deps, { now: new Date("2024-03-01T00:00:00Z") });
    expect(await services.blobs.has(first.sha256)).toBe(false);
    expect(await services.blobs.has(second.sha256)).toBe(true);
    expect(await services.blobs.has(xmlSha256)).toBe(true);

    // The last holder leaves: the XML goes with its PDF.
    await runRetention(deps, { now: new Date("2024-05-01T00:00:00Z") });
    expect(await services.blobs.has(second.sha256)).toBe(false);
    expect(await services.blobs.has(xmlSha256)).toBe(false);
  });
});
