import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, publishDeps, type Services } from "../src/app.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { publishInvoice } from "../src/domain/invoices/publish-invoice.js";
import { buildWebApp } from "../src/http/web-app.js";
import { facturx, facturxPdf, loggedInAccount, makeTenant } from "./support/factories.js";
import { freePort } from "./support/free-port.js";
import {
  httpsRequest,
  nginxPresent,
  type RunningNginx,
  renderNginxConf,
  selfSignedCertificate,
  startNginx,
} from "./support/nginx.js";
import { openTestServices } from "./support/services.js";

// docs/deploy/nginx.conf itself (only its marked lines substituted) with Debian's nginx, in front of the
// portal with DOWNLOAD_OFFLOAD=nginx and TRUSTED_PROXIES=127.0.0.1. CI installs nginx (.ci/run).
const HOST = "acme.e-facture.example";

describe.skipIf(!nginxPresent())("nginx in front (docs/deploy/nginx.conf)", () => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let appPort: number;
  let tenant: TenantRow;
  let session: string;
  let certDir: string;
  let cert: { certFile: string; keyFile: string };
  const logLines: string[] = [];
  const nginxes: RunningNginx[] = [];
  const closers: (() => Promise<void>)[] = [];
  let seq = 0;

  /** nginx from the documented file, with the two web servers and object store given. */
  async function nginx(webServers: [string, string], objectStore = "127.0.0.1:9") {
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    const conf = renderNginxConf({
      webServers,
      objectStore,
      httpPort,
      httpsPort,
      blobsDir: path.join(services.testEnv.dataDir, "blobs"),
      ...cert,
    });
    const running = await startNginx(conf, [httpPort, httpsPort]);
    nginxes.push(running);
    const ca = readFileSync(cert.certFile, "utf8");
    return {
      running,
      get: (p: string, headers: Record<string, string> = {}, host = HOST) =>
        httpsRequest(httpsPort, host, p, { headers, ca }),
      post: (p: string, body: string, headers: Record<string, string> = {}) =>
        httpsRequest(httpsPort, HOST, p, { method: "POST", body, headers, ca }),
    };
  }

  async function listen(target: Services): Promise<{ app: FastifyInstance; port: number }> {
    const built = await buildWebApp(target);
    await built.listen({ port: 0, host: "127.0.0.1" });
    closers.push(() => built.close());
    return { app: built, port: (built.server.address() as net.AddressInfo).port };
  }

  async function publish() {
    const number = `NG-${++seq}`;
    const account = await loggedInAccount(services, app, tenant, {
      numbers: [`C-${number}`],
      email: `ng${seq}@example.com`,
    });
    const bytes = await facturxPdf(facturx(number, `C-${number}`));
    const { invoice } = await publishInvoice(publishDeps(services), {
      tenant,
      bytes,
      actor: { type: "issuer", id: "test" },
    });
    return { id: invoice.id, sha256: invoice.sha256, bytes, session: account.session };
  }

  const firstDownloaded = async (id: string) =>
    (
      await services.db.query<{ at: Date | null }>(
        `select first_downloaded_at as "at" from invoices where id = $1`,
        [id],
      )
    )[0]?.at ?? null;

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
    services = await openTestServices("pglite", {
      logger,
      overrides: {
        DOWNLOAD_OFFLOAD: "nginx",
        TRUSTED_PROXIES: "127.0.0.1",
        PUBLIC_BASE_URL: "https://e-facture.example",
      },
    });
    tenant = await makeTenant(services.db);
    ({ app, port: appPort } = await listen(services));
    certDir = mkdtempSync(path.join(tmpdir(), "efacture-cert-"));
    cert = selfSignedCertificate(certDir);
    session = "";
  }, 120_000);

  afterAll(async () => {
    for (const n of nginxes) await n.stop();
    for (const close of closers) await close();
    await services?.dispose();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  it("sends the exact bytes with the portal's headers, records the download, and retries a web server that is down", async () => {
    const downPort = await freePort();
    const front = await nginx([`127.0.0.1:${downPort}`, `127.0.0.1:${appPort}`]);
    const invoice = await publish();
    session = invoice.session;
    const cookie = `efacture-session=${invoice.session}`;

    // Without the nginx of docs/deploy in front (it marks requests `available`), the portal streams the file.
    const unproxied = await app.inject({
      method: "GET",
      url: `/factures/${invoice.id}/pdf`,
      headers: { host: HOST, cookie },
    });
    expect(unproxied.statusCode).toBe(200);
    expect(unproxied.rawPayload.equals(invoice.bytes)).toBe(true);
    expect(unproxied.headers["x-accel-redirect"]).toBeUndefined();

    // The portal's own answer to nginx (what nginx acts upon): no bytes, the internal path, the headers.
    const direct = await app.inject({
      method: "GET",
      url: `/factures/${invoice.id}/pdf`,
      headers: { host: HOST, cookie, "x-efacture-offload": "available" },
    });
    expect(direct.statusCode).toBe(200);
    expect(direct.rawPayload.byteLength).toBe(0);
    expect(direct.headers["x-accel-redirect"]).toBe(
      `/_efacture/blobs/${invoice.sha256.slice(0, 2)}/${invoice.sha256.slice(2, 4)}/${invoice.sha256}`,
    );
    expect(await firstDownloaded(invoice.id)).toBeNull(); // no Sec-Fetch-Site: not from the portal's pages

    const answer = await front.get(`/factures/${invoice.id}/pdf`, {
      cookie,
      "sec-fetch-site": "same-origin",
      "x-forwarded-for": "203.0.113.77",
    });
    expect(answer.status).toBe(200);
    expect(answer.body.equals(invoice.bytes)).toBe(true);
    expect(answer.headers["content-type"]).toBe("application/pdf");
    expect(answer.headers["content-disposition"]).toBe(direct.headers["content-disposition"]);
    expect(String(answer.headers["content-disposition"])).toMatch(/^attachment; filename="[^"]+\.pdf"/);
    expect(answer.headers["cache-control"]).toBe("no-store");
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
    expect(answer.headers["content-length"]).toBe(String(invoice.bytes.byteLength));
    expect(answer.headers["x-accel-redirect"]).toBeUndefined();
    expect(answer.headers.etag).toBeUndefined();

    // Recorded (lifecycle 204) before nginx sent a byte.
    expect(await firstDownloaded(invoice.id)).not.toBeNull();
    const codes = await services.db.query<{ code: number }>(
      "select code from invoice_events where invoice_id = $1",
      [invoice.id],
    );
    expect(codes.map((c) => c.code)).toContain(204);

    // The client's X-Forwarded-For was replaced by nginx: the portal saw nginx's client, 127.0.0.1.
    const line = logLines.find(
      (l) => l.includes('"event":"invoice.downloaded"') && l.includes(invoice.id) && l.includes("offloaded"),
    );
    expect(line).toBeDefined();
    expect(JSON.parse(line!).ip).toBe("127.0.0.1");
    expect(logLines.join("")).not.toContain("203.0.113.77");

    // The first web server refuses connections: nginx went on to the second, and keeps every request whole.
    for (let i = 0; i < 4; i++) {
      const again = await front.get(`/factures/${invoice.id}/pdf`, { cookie });
      expect(again.status).toBe(200);
      expect(again.body.equals(invoice.bytes)).toBe(true);
    }
    expect(front.running.errorLog()).toMatch(
      new RegExp(`connect\\(\\) failed .*127\\.0\\.0\\.1:${downPort}`),
    );
  });

  it("gives no bytes without a session, nor on the internal location asked directly", async () => {
    const front = await nginx([`127.0.0.1:${appPort}`, `127.0.0.1:${appPort}`]);
    const invoice = await publish();
    const signature = invoice.bytes.subarray(0, 64);
    const internal = `/_efacture/blobs/${invoice.sha256.slice(0, 2)}/${invoice.sha256.slice(2, 4)}/${invoice.sha256}`;

    const anonymous = await front.get(`/factures/${invoice.id}/pdf`);
    expect(anonymous.status).not.toBe(200);
    expect(anonymous.body.includes(signature)).toBe(false);

    const otherSession = await front.get(`/factures/${invoice.id}/pdf`, {
      cookie: `efacture-session=${session}`,
    });
    expect(otherSession.status).toBe(404);
    expect(otherSession.body.includes(signature)).toBe(false);

    for (const host of [HOST, "e-facture.example"]) {
      for (const p of [internal, `/_efacture/objects/bucket/${invoice.sha256}`, `/x/..${internal}`]) {
        const direct = await front.get(p, { cookie: `efacture-session=${invoice.session}` }, host);
        expect(direct.status, `${host}${p}`).not.toBe(200);
        expect(direct.body.includes(signature)).toBe(false);
      }
    }
    // A client cannot make the portal's answer point elsewhere: X-Accel-Redirect from a client is just a header.
    const forged = await front.get("/", { "x-accel-redirect": internal });
    expect(forged.body.includes(signature)).toBe(false);
    expect(await firstDownloaded(invoice.id)).toBeNull();
  });

  it("proxies an object store's presigned URL with the portal's headers, not the store's", async () => {
    const invoice = await publish();
    const requests: { url: string; headers: http.IncomingHttpHeaders }[] = [];
    const store = http.createServer((req, res) => {
      requests.push({ url: req.url ?? "", headers: req.headers });
      if (req.url === `/bucket/originals/${invoice.sha256}?X-Amz-Signature=good`) {
        res.writeHead(200, {
          "content-type": "binary/octet-stream",
          etag: '"abc"',
          "x-amz-request-id": "R1",
          "cache-control": "max-age=3600",
        });
        res.end(invoice.bytes);
      } else {
        res.writeHead(403, { "content-type": "application/xml" });
        res.end("<Error><Code>SignatureDoesNotMatch</Code></Error>");
      }
    });
    await new Promise<void>((resolve) => store.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise((resolve) => store.close(() => resolve())));
    const storeHost = `127.0.0.1:${(store.address() as net.AddressInfo).port}`;
    let signature = "good";
    const objectServices: Services = {
      ...services,
      blobs: {
        ...services.blobs,
        offload: async (sha256: string) => ({
          kind: "url" as const,
          url: `http://${storeHost}/bucket/originals/${sha256}?X-Amz-Signature=${signature}`,
          expiresAt: new Date(Date.now() + 60_000),
        }),
      },
    };
    const objectApp = await listen(objectServices);
    const front = await nginx([`127.0.0.1:${objectApp.port}`, `127.0.0.1:${objectApp.port}`], storeHost);
    const cookie = `efacture-session=${invoice.session}`;

    const answer = await front.get(`/factures/${invoice.id}/pdf`, {
      cookie,
      "sec-fetch-site": "same-origin",
    });
    expect(answer.status).toBe(200);
    expect(answer.body.equals(invoice.bytes)).toBe(true);
    expect(answer.headers["content-type"]).toBe("application/pdf");
    expect(String(answer.headers["content-disposition"])).toMatch(/^attachment; filename="[^"]+\.pdf"/);
    expect(answer.headers["cache-control"]).toBe("no-store");
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
    expect(answer.headers.etag).toBeUndefined();
    expect(answer.headers["x-amz-request-id"]).toBeUndefined();
    expect(await firstDownloaded(invoice.id)).not.toBeNull();
    // The store saw its own host and neither the customer's cookie nor anything else of the client's.
    expect(requests[0]?.headers.host).toBe(storeHost);
    expect(requests[0]?.headers.cookie).toBeUndefined();

    // A refused signature (or a store away): the store's error never reaches the customer; nginx hands the
    // request back to the portal, which streams the file itself with its hash check.
    signature = "expired";
    const streamedBefore = logLines.filter((l) => l.includes('"via":"pdf"') && l.includes(invoice.id)).length;
    const refused = await front.get(`/factures/${invoice.id}/pdf`, { cookie });
    expect(refused.status).toBe(200);
    expect(refused.body.equals(invoice.bytes)).toBe(true);
    expect(refused.headers["content-type"]).toBe("application/pdf");
    expect(refused.body.toString()).not.toContain("SignatureDoesNotMatch");
    expect(logLines.filter((l) => l.includes('"via":"pdf"') && l.includes(invoice.id)).length).toBe(
      streamedBefore + 1,
    );
    // A client cannot ask for that itself: nginx sets the header on every request it forwards.
    const offloadedBefore = logLines.filter((l) => l.includes("offloaded") && l.includes(invoice.id)).length;
    signature = "good";
    const forced = await front.get(`/factures/${invoice.id}/pdf`, { cookie, "x-efacture-offload": "failed" });
    expect(forced.body.equals(invoice.bytes)).toBe(true);
    expect(logLines.filter((l) => l.includes("offloaded") && l.includes(invoice.id)).length).toBe(
      offloadedBefore + 1,
    );
  });

  it("retries a GET on the next web server when one drops it, never a POST it received", async () => {
    // Two web servers that read the request and then drop the connection (a process killed mid-request).
    const received: string[] = [];
    const droppers = await Promise.all(
      [0, 1].map(async () => {
        const server = net.createServer((socket) => {
          socket.once("data", (chunk) => {
            received.push(chunk.toString("latin1").split(" ")[0]!);
            socket.destroy();
          });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        closers.push(() => new Promise((resolve) => server.close(() => resolve())));
        return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
      }),
    );
    const front = await nginx([droppers[0]!, droppers[1]!]);
    const get = await front.get("/connexion");
    expect(get.status).toBe(502);
    expect(received).toEqual(["GET", "GET"]); // sent to the second after the first dropped it

    const fresh = await nginx([droppers[0]!, droppers[1]!]);
    received.length = 0;
    const post = await fresh.post("/connexion", "identifier=a&password=b", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(post.status).toBe(502);
    expect(received).toEqual(["POST"]); // received once: never sent twice
  });
});
