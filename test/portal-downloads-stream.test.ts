import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/app.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { invoiceFileName } from "../src/domain/invoices/invoice-file-name.js";
import { BlobIntegrityError, checkBlob, openVerifiedBlob } from "../src/domain/invoices/verified-blob.js";
import { zipIndexHeader, zipIndexLine } from "../src/domain/invoices/zip-index.js";
import { contentDisposition } from "../src/http/routes/downloads.js";
import { buildWebApp } from "../src/http/web-app.js";
import { createZipStream } from "../src/http/zip-stream.js";
import type { BlobStore } from "../src/storage/blob-store.js";
import { invoiceInput, loggedInAccount, makeTenant, publishFacturX } from "./support/factories.js";
import { ENGINES, openTestServices, waitFor } from "./support/services.js";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A blob store over a map; from the n-th `open` on (`corruptFrom`), the bytes come back with one byte flipped. */
function memoryBlobs(options: { chunkBytes?: number } = {}) {
  const blobs = new Map<string, Buffer>();
  let opens = 0;
  let corruptFromOpen = Number.POSITIVE_INFINITY;
  const store: BlobStore = {
    async put(bytes) {
      const hash = sha256(bytes);
      blobs.set(hash, Buffer.from(bytes));
      return { sha256: hash, sizeBytes: bytes.byteLength };
    },
    async has(hash) {
      return blobs.has(hash);
    },
    async open(hash) {
      const bytes = blobs.get(hash);
      if (!bytes) return undefined;
      const n = ++opens;
      const served = Buffer.from(bytes);
      if (n >= corruptFromOpen) served[served.length - 1]! ^= 0x01;
      const size = options.chunkBytes ?? 16 * 1024;
      const chunks: Buffer[] = [];
      for (let i = 0; i < served.length; i += size) chunks.push(served.subarray(i, i + size));
      return Readable.from(chunks);
    },
    async read(hash) {
      return blobs.get(hash);
    },
    async delete(hash) {
      blobs.delete(hash);
    },
  };
  return {
    store,
    corruptFrom(open: number) {
      corruptFromOpen = open;
      opens = 0;
    },
  };
}

describe("download building blocks", () => {
  it("makes safe names: no path, control or bidi characters; ASCII fallback; date last", () => {
    expect(
      invoiceFileName(
        { issuer: "Démo Location", invoiceNumber: "F 2026/001", issueDate: "2026-11-05" },
        "pdf",
      ),
    ).toEqual({
      utf8: "Démo-Location_F-2026-001_2026-11-05.pdf",
      ascii: "Demo-Location_F-2026-001_2026-11-05.pdf",
    });
    const nasty = invoiceFileName(
      { issuer: "../../etc", invoiceNumber: "x\u202Efdp.exe\r\n\u0000", issueDate: "2026-01-02" },
      "pdf",
    );
    expect(nasty.utf8).toBe("etc_x-fdp.exe_2026-01-02.pdf");
    expect(nasty.ascii).toBe("etc_x-fdp.exe_2026-01-02.pdf");
    expect(invoiceFileName({ issuer: "", invoiceNumber: "…", issueDate: "bad" }, "xml")).toEqual({
      utf8: "facture_….xml",
      ascii: "facture_sans-numero.xml",
    });
    const long = invoiceFileName(
      { issuer: "A".repeat(500), invoiceNumber: "1", issueDate: "2026-01-02" },
      "pdf",
    );
    expect(long.ascii.length).toBeLessThan(100);
  });

  it("writes RFC 6266 / 5987 Content-Disposition", () => {
    expect(contentDisposition({ ascii: "a_b.pdf", utf8: "é (1)'*.pdf" })).toBe(
      "attachment; filename=\"a_b.pdf\"; filename*=UTF-8''%C3%A9%20%281%29%27%2A.pdf",
    );
  });

  it("escapes index.csv cells for French Excel: BOM, ';', quotes, newlines, formulas, decimal commas", () => {
    expect(zipIndexHeader().startsWith("\uFEFFNuméro;Type;Code type;Date;")).toBe(true);
    const line = zipIndexLine({
      invoiceNumber: '=HYPERLINK("x";"y")',
      typeCode: "381",
      issueDate: "2026-01-02",
      contractNumber: "CT;1\nB",
      customerNumber: "C-1",
      // A credit note is issued with positive amounts; index.csv counts them negative.
      taxBasisTotal: "100.50",
      taxTotal: "20.10",
      grandTotal: "120.60",
      duePayable: null,
      currency: "EUR",
      sha256: "ab".repeat(32),
      path: "2026/x.pdf",
    });
    expect(line).toBe(
      `"'=HYPERLINK(""x"";""y"")";Avoir;381;2026-01-02;"CT;1\nB";C-1;-100,50;-20,10;-120,60;;EUR;${"ab".repeat(32)};2026/x.pdf\r\n`,
    );
  });

  it("checks a blob whole before sending, and a verified stream never ends on other bytes", async () => {
    const { store, corruptFrom } = memoryBlobs({ chunkBytes: 1000 });
    const bytes = randomBytes(10_000);
    const expected = await store.put(bytes);
    await expect(checkBlob(store, expected)).resolves.toBeUndefined();
    await expect(checkBlob(store, { ...expected, sizeBytes: 9_999 })).rejects.toMatchObject({
      problem: "size_mismatch",
    });
    await expect(checkBlob(store, { sha256: "0".repeat(64), sizeBytes: 1 })).rejects.toMatchObject({
      problem: "missing",
    });

    const good: Buffer[] = [];
    for await (const chunk of await openVerifiedBlob(store, expected)) good.push(chunk as Buffer);
    expect(Buffer.compare(Buffer.concat(good), bytes)).toBe(0);

    corruptFrom(1);
    const received: Buffer[] = [];
    const stream = await openVerifiedBlob(store, expected);
    const failure = await new Promise((resolve) => {
      stream.on("data", (chunk: Buffer) => received.push(chunk));
      stream.on("error", resolve);
      stream.on("end", () => resolve(undefined));
    });
    expect(failure).toBeInstanceOf(BlobIntegrityError);
    expect((failure as BlobIntegrityError).problem).toBe("hash_mismatch");
    // The last chunk is held back until the hash is known: the reader got less than the whole file.
    expect(Buffer.concat(received).byteLength).toBe(9_000);
  });

  it("writes a ZIP whose announced length is exact past a 64 KB central directory (ZIP64 end record)", async () => {
    const files = Array.from({ length: 1_200 }, (_, i) => {
      const bytes = Buffer.from(`%PDF-1.7 file ${i}\n`);
      return {
        path: `2026/Facture-numero-${String(i).padStart(5, "0")}_2026-01-01.pdf`,
        sizeBytes: bytes.byteLength,
        mtime: new Date(),
        open: async () => Readable.from([bytes]),
      };
    });
    const zip = createZipStream({
      leading: [{ path: "index.csv", bytes: Buffer.from("a;b\r\n"), mtime: new Date() }],
      files,
    });
    const chunks: Buffer[] = [];
    for await (const chunk of zip.stream) chunks.push(chunk as Buffer);
    const archive = Buffer.concat(chunks);
    expect(zip.sizeBytes).toBe(archive.byteLength);
    const dir = mkdtempSync(path.join(tmpdir(), "efacture-zip-"));
    try {
      writeFileSync(path.join(dir, "a.zip"), archive);
      const test = spawnSync("unzip", ["-t", path.join(dir, "a.zip")]);
      expect(test.status, test.stdout.toString()).toBe(0);
      expect(test.stdout.toString()).toContain("No errors detected");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as received, and whether it arrived whole (false when the server dropped the connection). */
  body: Promise<{ bytes: Buffer; complete: boolean }>;
  abort(): void;
}

/** A plain HTTP request (fetch may not set Host), keeping what arrived when the connection breaks. */
function send(
  base: string,
  method: string,
  url: string,
  headers: Record<string, string>,
  payload?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${url}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      const body = new Promise<{ bytes: Buffer; complete: boolean }>((done) => {
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", () => undefined);
        res.on("close", () => done({ bytes: Buffer.concat(chunks), complete: res.complete }));
      });
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body, abort: () => req.destroy() });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

describe.each(ENGINES)("downloads over a real socket on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let base: string;
  let tenant: TenantRow;
  const memory = memoryBlobs();
  const logLines: string[] = [];
  let gate: Promise<void> = Promise.resolve();
  let reached: () => void = () => {};
  let seq = 0;

  async function login() {
    const number = `S-${++seq}`;
    const { accountId, session } = await loggedInAccount(services, app, tenant, {
      numbers: [number],
      email: `sock${seq}@example.com`,
      name: () => "Client",
      passwordHash: "x",
    });
    return { number, accountId, cookie: `efacture-session=${session}` };
  }

  async function publish(number: string, customerNumber: string, issueDate = "2026-03-04") {
    const input = invoiceInput(number, customerNumber, {
      issueDate,
      seller: {
        name: "Sock SA",
        address: { line1: "1 rue", postcode: "75001", city: "Paris", countryCode: "FR" },
      },
      buyer: { address: { line1: "2 rue", postcode: "69001", city: "Lyon", countryCode: "FR" } },
    });
    const { id, bytes } = await publishFacturX(
      { ...services, blobs: { ...services.blobs, putMany: undefined, ...memory.store } },
      tenant,
      input,
    );
    return { id, bytes };
  }

  const HOST = "sock.localhost:3000";

  async function csrfOf(cookie: string) {
    const res = await send(base, "GET", "/compte", { host: HOST, cookie });
    const html = (await res.body).bytes.toString("utf8");
    const token = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const setCookie = [res.headers["set-cookie"] ?? []].flat().map((c) => c.split(";")[0]);
    return { token, cookie: [cookie, ...setCookie].join("; ") };
  }

  async function postZip(cookie: string, ids: string[]) {
    const { token, cookie: withCsrf } = await csrfOf(cookie);
    const body = new URLSearchParams(ids.map((id) => ["id", id]));
    body.set("_csrf", token);
    return send(
      base,
      "POST",
      "/factures/zip",
      { host: HOST, cookie: withCsrf, "content-type": "application/x-www-form-urlencoded" },
      body.toString(),
    );
  }

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
    tenant = await makeTenant(services.db, { slug: "sock", displayName: "Sock" });
    app = await buildWebApp(
      { ...services, blobs: { ...services.blobs, putMany: undefined, ...memory.store } },
      {
        downloads: {
          beforeZipFile: async (index) => {
            if (index !== 1) return;
            reached();
            await gate;
          },
        },
      },
    );
    base = await app.listen({ port: 0, host: "127.0.0.1" });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  it("drops the connection before the last bytes when the file changes between the check and the send (F3)", async () => {
    const me = await login();
    const inv = await publish(`SOCK-${seq}`, me.number);
    // The first read (the whole-file check) sees the right bytes, the second (the send) other ones.
    memory.corruptFrom(2);
    const res = await send(base, "GET", `/factures/${inv.id}/pdf`, { host: HOST, cookie: me.cookie });
    const body = await res.body;
    if (res.status === 200) {
      // Bytes had left: the connection is dropped before the last chunk, never a complete file.
      expect(res.headers["content-length"]).toBe(String(inv.bytes.byteLength));
      expect(body.complete).toBe(false);
      expect(body.bytes.byteLength).toBeLessThan(inv.bytes.byteLength);
    } else {
      // The failure came before the first byte: the generic error page.
      expect(res.status).toBe(500);
      expect(res.headers["content-type"]).toContain("text/html");
    }
    await waitFor(
      async () => logLines.some((l) => l.includes('"event":"integrity.failed"') && l.includes(inv.id)),
      5_000,
      "alert",
    );
    memory.corruptFrom(Number.POSITIVE_INFINITY);
    const again = await send(base, "GET", `/factures/${inv.id}/pdf`, { host: HOST, cookie: me.cookie });
    expect(Buffer.compare((await again.body).bytes, inv.bytes)).toBe(0);
  });

  it("breaks the ZIP download when a file fails while streaming, and releases the account's lease", async () => {
    const me = await login();
    const a = await publish(`SZ-${seq}-A`, me.number, "2026-05-01");
    const b = await publish(`SZ-${seq}-B`, me.number, "2026-04-01");
    memory.corruptFrom(4); // open 1: check A, 2: send A, 3: check B, 4: send B (corrupt)
    const res = await postZip(me.cookie, [a.id, b.id]);
    expect(res.status).toBe(200);
    const body = await res.body;
    expect(body.complete).toBe(false);
    expect(body.bytes.byteLength).toBeLessThan(Number(res.headers["content-length"]));
    await waitFor(
      async () => logLines.some((l) => l.includes('"event":"integrity.failed"') && l.includes(b.id)),
      5_000,
      "alert",
    );
    memory.corruptFrom(Number.POSITIVE_INFINITY);
    const next = await waitFor(async () => {
      const r = await postZip(me.cookie, [a.id]);
      return r.status === 200 ? r : undefined;
    }, 5_000);
    const whole = await next.body;
    expect(whole.complete).toBe(true);
    expect(whole.bytes.byteLength).toBe(Number(next.headers["content-length"]));
  });

  it("releases the lease when the customer cancels a ZIP midway", async () => {
    const me = await login();
    const a = await publish(`SC-${seq}-A`, me.number, "2026-05-01");
    const b = await publish(`SC-${seq}-B`, me.number, "2026-04-01");
    let open!: () => void;
    gate = new Promise((resolve) => {
      open = resolve;
    });
    const atSecond = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const res = await postZip(me.cookie, [a.id, b.id]);
    expect(res.status).toBe(200);
    await atSecond;
    const busy = await postZip(me.cookie, [a.id]);
    expect(busy.status).toBe(429);
    await busy.body;
    const interrupted = () => logLines.filter((l) => l.includes("zip (interrupted)")).length;
    const before = interrupted();
    res.abort();
    await res.body;
    await waitFor(async () => interrupted() > before, 5_000, "the server to see the cancel");
    open();
    gate = Promise.resolve();
    const next = await waitFor(async () => {
      const r = await postZip(me.cookie, [a.id]);
      if (r.status !== 200) await r.body;
      return r.status === 200 ? r : undefined;
    }, 5_000);
    expect((await next.body).complete).toBe(true);
    // The archive was cancelled before its last file: B was never taken (A was, by the next archive).
    const taken = await services.db.query(
      "select 1 from invoice_events where invoice_id = $1 and code = 204",
      [b.id],
    );
    expect(taken).toHaveLength(0);
  });
});
