import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, publishDeps, type Services } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { publishInvoice } from "../src/domain/invoices/publish-invoice.js";
import {
  linkSignature,
  PAGE_LINK_SECONDS,
  readLinkSecret,
  SIGNED_LINK_SECONDS,
  signedDownloadLink,
  signedPageLink,
} from "../src/http/download-link.js";
import { pageDownloadLinks } from "../src/http/page-download-links.js";
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
  async function nginx(webServers: [string, string], objectStore = "127.0.0.1:9", linkSecretFile?: string) {
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    const conf = renderNginxConf({
      webServers,
      objectStore,
      httpPort,
      httpsPort,
      blobsDir: path.join(services.testEnv.dataDir, "blobs"),
      ...cert,
      linkSecretFile,
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

  /**
   * The portal with DOWNLOAD_OFFLOAD=nginx-signed and a fresh secret in `fileName` (after `preamble`, e.g. a
   * comment), behind the committed nginx.conf that includes the same file.
   */
  async function signedFront(fileName: string, preamble = "") {
    const secret = randomBytes(32).toString("hex");
    const secretFile = path.join(certDir, fileName);
    writeFileSync(secretFile, `${preamble}set $efacture_link_secret "${secret}";\n`, { mode: 0o600 });
    const signedServices: Services = {
      ...services,
      config: { ...services.config, downloadOffload: "nginx-signed", downloadLinkSecretFile: secretFile },
    };
    const signed = await listen(signedServices);
    const front = await nginx(
      [`127.0.0.1:${signed.port}`, `127.0.0.1:${signed.port}`],
      "127.0.0.1:9",
      secretFile,
    );
    return { secret, signedServices, signed, front };
  }

  async function publish() {
    const number = `NG-${++seq}`;
    const account = await loggedInAccount(services, app, tenant, {
      numbers: [`C-${number}`],
      email: `ng${seq}@example.com`,
    });
    return { ...(await publishFor(`C-${number}`)), session: account.session };
  }

  /** One more invoice for the customer number `customer` (an account made by `publish`). */
  async function publishFor(customer: string) {
    const bytes = await facturxPdf(facturx(`NG-${++seq}`, customer));
    const { invoice } = await publishInvoice(publishDeps(services), {
      tenant,
      bytes,
      actor: { type: "issuer", id: "test" },
    });
    return { id: invoice.id, sha256: invoice.sha256, bytes };
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
  it("DOWNLOAD_OFFLOAD=nginx-signed: the portal authorises and records, then nginx checks the 30 s link and sends the same bytes; a tampered, expired, other-file or other-session link is refused", async () => {
    const { secret, signedServices, signed, front } = await signedFront(
      "download-link-secret.conf",
      "# the test's\n",
    );
    const invoice = await publish();
    const other = await publish();
    const cookie = `efacture-session=${invoice.session}`;
    const pdfBytes = invoice.bytes.subarray(0, 64);
    const refused = async (p: string, headers: Record<string, string> = { cookie }) => {
      const answer = await front.get(p, headers);
      expect(answer.body.includes(pdfBytes), p).toBe(false);
      return answer.status;
    };

    // Reached without the nginx of docs/deploy (no `X-Efacture-Offload: available`): streamed, as with `off`.
    const unproxied = await signed.app.inject({
      method: "GET",
      url: `/factures/${invoice.id}/pdf`,
      headers: { host: HOST, cookie },
    });
    expect(unproxied.statusCode).toBe(200);
    expect(unproxied.rawPayload.equals(invoice.bytes)).toBe(true);

    // The authorising hop: a 303 to the signed link, nothing cached, and the first download recorded.
    const hop = await front.get(`/factures/${invoice.id}/pdf`, { cookie, "sec-fetch-site": "same-origin" });
    expect(hop.status).toBe(303);
    expect(hop.body.byteLength).toBe(0);
    expect(hop.headers["cache-control"]).toBe("no-store");
    const location = String(hop.headers.location);
    expect(location).toMatch(
      new RegExp(
        `^/_efacture/dl/${invoice.sha256}/[A-Za-z0-9][A-Za-z0-9._-]*\\.pdf\\?name=[A-Za-z0-9._~%-]+&expires=\\d+&md5=[A-Za-z0-9_-]{22}$`,
      ),
    );
    const expires = Number(new URL(location, "https://x").searchParams.get("expires"));
    expect(expires - Date.now() / 1000).toBeGreaterThan(SIGNED_LINK_SECONDS - 5);
    expect(expires - Date.now() / 1000).toBeLessThanOrEqual(SIGNED_LINK_SECONDS + 1);
    expect(await firstDownloaded(invoice.id)).not.toBeNull();

    // The link: the exact bytes, with the headers the portal sends (docs/security.md F2) and no Referer leak.
    const file = await front.get(location, { cookie });
    expect(file.status).toBe(200);
    expect(file.body.equals(invoice.bytes)).toBe(true);
    expect(file.headers["content-type"]).toBe("application/pdf");
    expect(file.headers["content-disposition"]).toBe(unproxied.headers["content-disposition"]);
    expect(String(file.headers["content-disposition"])).toMatch(
      /^attachment; filename="[^"]+\.pdf"; filename\*=UTF-8''/,
    );
    expect(file.headers["cache-control"]).toBe("no-store");
    expect(file.headers["x-content-type-options"]).toBe("nosniff");
    expect(file.headers["referrer-policy"]).toBe("no-referrer");
    expect(file.headers["content-length"]).toBe(String(invoice.bytes.byteLength));
    expect(file.headers.etag).toBeUndefined();

    // Downloaded again (a fresh hop, the same link twice): still one first download, one 204.
    const again = await front.get(`/factures/${invoice.id}/pdf`, { cookie, "sec-fetch-site": "same-origin" });
    expect(again.status).toBe(303);
    expect((await front.get(String(again.headers.location), { cookie })).body.equals(invoice.bytes)).toBe(
      true,
    );
    expect((await front.get(location, { cookie })).status).toBe(200);
    const events = await services.db.query<{ n: number }>(
      "select count(*)::int as n from invoice_events where invoice_id = $1 and code = 204",
      [invoice.id],
    );
    expect(events[0]?.n).toBe(1);

    // Refused: every part of the link is signed, and it is bound to the session it was made for.
    const url = new URL(location, "https://x");
    const md5 = url.searchParams.get("md5")!;
    const withParam = (name: string, value: string) => {
      const u = new URL(url);
      u.searchParams.set(name, value);
      return u.pathname + u.search;
    };
    const flipped = `${md5.slice(0, -2)}${md5.at(-2) === "A" ? "B" : "A"}${md5.at(-1)}`;
    expect(await refused(withParam("md5", flipped))).toBe(403);
    expect(await refused(withParam("expires", String(expires + 3600)))).toBe(403);
    expect(await refused(withParam("name", "autre.pdf"))).toBe(403);
    expect(await refused(url.pathname)).toBe(403);
    expect(await refused(url.pathname.replace(/\/[^/]+\.pdf$/, "/autre.pdf") + url.search)).toBe(403);
    // Another file under the same signature (a customer swapping in a sha they learnt): refused.
    expect(await refused(url.pathname.replace(invoice.sha256, other.sha256) + url.search)).toBe(403);
    // The right link, but another customer's session, or none.
    expect(await refused(location, { cookie: `efacture-session=${other.session}` })).toBe(403);
    expect(await refused(location, {})).toBe(403);
    // A link made with another secret.
    const forged = signedDownloadLink("0".repeat(64), {
      sha256: other.sha256,
      asciiName: "x.pdf",
      encodedName: "x.pdf",
      session: invoice.session,
    })!;
    expect(await refused(forged)).toBe(403);
    // Expired (signed right, 31 s ago): 410; the same made now is served, so the 410 is the expiry's.
    const link = (at: number) =>
      signedDownloadLink(
        secret,
        {
          sha256: invoice.sha256,
          asciiName: url.pathname.split("/").at(-1)!,
          encodedName: url.searchParams.get("name")!,
          session: invoice.session,
        },
        at,
      )!;
    expect(await refused(link(Date.now() - (SIGNED_LINK_SECONDS + 1) * 1000))).toBe(410);
    expect((await front.get(link(Date.now()), { cookie })).body.equals(invoice.bytes)).toBe(true);
    // Another customer's hop for this invoice gives no link at all (404, as before).
    const foreign = await front.get(`/factures/${invoice.id}/pdf`, {
      cookie: `efacture-session=${other.session}`,
    });
    expect(foreign.status).toBe(404);
    expect(foreign.headers.location).toBeUndefined();

    // The secret is never logged; nor is a link.
    expect(logLines.some((l) => l.includes(secret))).toBe(false);
    expect(logLines.some((l) => l.includes(md5))).toBe(false);
    expect(front.running.errorLog()).not.toContain(secret);

    // An object store keeps today's offload (X-Accel to the presigned URL), whatever the mode.
    const objectApp = await buildWebApp({
      ...signedServices,
      blobs: {
        ...services.blobs,
        offload: async (sha256: string) => ({
          kind: "url" as const,
          url: `http://127.0.0.1:9/bucket/originals/${sha256}?X-Amz-Signature=s`,
          expiresAt: new Date(Date.now() + 60_000),
        }),
      },
    });
    closers.push(() => objectApp.close());
    const objectAnswer = await objectApp.inject({
      method: "GET",
      url: `/factures/${other.id}/pdf`,
      headers: { host: HOST, cookie: `efacture-session=${other.session}`, "x-efacture-offload": "available" },
    });
    expect(objectAnswer.statusCode).toBe(200);
    expect(objectAnswer.headers["x-accel-redirect"]).toBe(
      `/_efacture/objects/bucket/originals/${other.sha256}?X-Amz-Signature=s`,
    );
  });

  it("DOWNLOAD_OFFLOAD=nginx-signed: the list and detail pages carry nginx's 10-minute link for an invoice already downloaded (one hop, nothing recorded), the portal route for a first download; a failed page link goes back through the portal", async () => {
    const { secret, signed, front } = await signedFront("page-link-secret.conf");
    const taken = await publish();
    const customer = (
      await services.db.query<{ n: string }>(
        "select c.customer_number as n from invoices i join customers c on c.id = i.customer_id where i.id = $1",
        [taken.id],
      )
    )[0]!.n;
    const fresh = await publishFor(customer);
    const stranger = await publish();
    const cookie = `efacture-session=${taken.session}`;
    const browser = { cookie, "sec-fetch-site": "same-origin" };
    const pdfBytes = taken.bytes.subarray(0, 64);
    const taken204 = async (id: string) =>
      (
        await services.db.query<{ n: number }>(
          "select count(*)::int as n from invoice_events where invoice_id = $1 and code = 204",
          [id],
        )
      )[0]!.n;
    const portalDownloads = (id: string) =>
      logLines.filter((l) => l.includes('"event":"invoice.downloaded"') && l.includes(id)).length;
    /** The href of the row's download icon on the list page (HTML-decoded), as the browser follows it. */
    const listPage = async (headers: Record<string, string> = { cookie }) => {
      const page = await front.get("/factures", headers);
      expect(page.status).toBe(200);
      expect(page.headers["cache-control"]).toBe("no-store");
      const html = page.body.toString();
      const icon = (id: string) => {
        const rows = html.split("<tr").filter((row) => row.includes(`value="${id}"`));
        if (rows.length !== 1) return undefined;
        const link = /<a class="inv-dl" href="([^"]+)"([^>]*)>/.exec(rows[0]!);
        return link ? { href: link[1]!.replaceAll("&amp;", "&"), rest: link[2]! } : undefined;
      };
      return { html, icon };
    };
    const detailPdf = async (id: string, headers: Record<string, string> = { cookie }) => {
      const page = await front.get(`/factures/${id}`, headers);
      expect(page.headers["cache-control"]).toBe("no-store");
      const link = /<a class="button det-button" href="([^"]+)"/.exec(page.body.toString());
      return { status: page.status, html: page.body.toString(), href: link?.[1]?.replaceAll("&amp;", "&") };
    };
    const pageLink = new RegExp(
      `^/_efacture/dl/${taken.sha256}/${taken.id}/[A-Za-z0-9][A-Za-z0-9._-]*\\.pdf\\?name=[A-Za-z0-9._~%-]+&expires=(\\d+)&md5=[A-Za-z0-9_-]{22}$`,
    );

    // Nothing downloaded yet: both rows link the portal's route (the first download is recorded there).
    let list = await listPage();
    expect(list.icon(taken.id)?.href).toBe(`/factures/${taken.id}/pdf`);
    expect(list.icon(fresh.id)?.href).toBe(`/factures/${fresh.id}/pdf`);
    const markupBefore = list.icon(taken.id)!.rest;
    const markupPage = list.html;
    expect((await detailPdf(taken.id)).href).toBe(`/factures/${taken.id}/pdf`);

    // The first download: the portal's hop records it (once), then nginx sends the bytes.
    const first = await front.get(list.icon(taken.id)!.href, browser);
    expect(first.status).toBe(303);
    expect((await front.get(String(first.headers.location), { cookie })).body.equals(taken.bytes)).toBe(true);
    expect(await firstDownloaded(taken.id)).not.toBeNull();
    expect(await taken204(taken.id)).toBe(1);

    // Now the list and the detail page carry nginx's signed link for it, the same markup otherwise; the
    // invoice never downloaded keeps the portal's route.
    list = await listPage();
    const icon = list.icon(taken.id)!;
    const match = pageLink.exec(icon.href);
    expect(match, icon.href).not.toBeNull();
    expect(icon.rest).toBe(markupBefore); // accessible name, title
    expect(list.html).toContain('class="inv-dl-icon"');
    const expires = Number(match![1]);
    expect(expires - Date.now() / 1000).toBeGreaterThan(PAGE_LINK_SECONDS - 5);
    expect(expires - Date.now() / 1000).toBeLessThanOrEqual(PAGE_LINK_SECONDS + 1);
    expect(list.icon(fresh.id)?.href).toBe(`/factures/${fresh.id}/pdf`);
    expect((await detailPdf(taken.id)).href).toMatch(pageLink);
    expect((await detailPdf(fresh.id)).href).toBe(`/factures/${fresh.id}/pdf`);
    // The CSV and ZIP paths are the portal's, as before (only the single PDF link changed).
    const bulk = (html: string) =>
      html.match(/action="\/factures\/zip"|href="\/factures\/export\.csv[^"]*"/g);
    expect(bulk(list.html)).toEqual(bulk(markupPage));
    const csv = await front.get("/factures/export.csv?format=csv", { cookie });
    expect(csv.status).toBe(200);
    expect(String(csv.headers["content-type"])).toMatch(/^text\/csv/);
    expect(csv.body.toString()).not.toContain("/_efacture/");

    // One hop: nginx serves the link itself, the exact bytes with the portal's headers; the portal sees nothing
    // and records nothing (a download after the first is not recorded anyway).
    const before = portalDownloads(taken.id);
    const unproxied = await signed.app.inject({
      method: "GET",
      url: `/factures/${taken.id}/pdf`,
      headers: { host: HOST, cookie },
    });
    const file = await front.get(icon.href, browser);
    expect(file.status).toBe(200);
    expect(file.body.equals(taken.bytes)).toBe(true);
    expect(file.headers["content-type"]).toBe("application/pdf");
    expect(file.headers["content-disposition"]).toBe(unproxied.headers["content-disposition"]);
    expect(file.headers["cache-control"]).toBe("no-store");
    expect(file.headers["x-content-type-options"]).toBe("nosniff");
    expect(file.headers["referrer-policy"]).toBe("no-referrer");
    expect(portalDownloads(taken.id)).toBe(before + 1); // the inject above only
    expect(await taken204(taken.id)).toBe(1);

    // The never-downloaded invoice: the portal's route, its first download recorded once.
    const hop = await front.get(list.icon(fresh.id)!.href, browser);
    expect(hop.status).toBe(303);
    expect(String(hop.headers.location)).toMatch(/^\/_efacture\/dl\/[0-9a-f]{64}\/[^/]+\.pdf\?/);
    expect((await front.get(String(hop.headers.location), { cookie })).body.equals(fresh.bytes)).toBe(true);
    expect(await taken204(fresh.id)).toBe(1);
    expect((await listPage()).icon(fresh.id)?.href).toMatch(
      /^\/_efacture\/dl\/[0-9a-f]{64}\/[0-9a-f-]{36}\//,
    );

    // A page link that fails nginx's check goes back to the portal's route of that invoice (303, relative,
    // nothing cached), which answers as it does: the file for its owner, a 404 for anyone else.
    const url = new URL(icon.href, "https://x");
    const withParam = (name: string, value: string) => {
      const u = new URL(url);
      u.searchParams.set(name, value);
      return u.pathname + u.search;
    };
    const md5 = url.searchParams.get("md5")!;
    const flipped = `${md5.slice(0, -2)}${md5.at(-2) === "A" ? "B" : "A"}${md5.at(-1)}`;
    const name = url.pathname.split("/").at(-1)!;
    const madeAt = (at: number) =>
      signedPageLink(
        secret,
        {
          sha256: taken.sha256,
          invoiceId: taken.id,
          asciiName: name,
          encodedName: url.searchParams.get("name")!,
          session: taken.session,
        },
        at,
      )!;
    const back = async (p: string, headers: Record<string, string> = { cookie }) => {
      const answer = await front.get(p, headers);
      expect(answer.body.includes(pdfBytes), p).toBe(false);
      expect(answer.status, p).toBe(303);
      expect(answer.headers["cache-control"], p).toBe("no-store");
      return String(answer.headers.location);
    };
    const portalRoute = `/factures/${taken.id}/pdf`;
    expect(await back(withParam("md5", flipped))).toBe(portalRoute);
    expect(await back(withParam("expires", String(expires + 3600)))).toBe(portalRoute);
    expect(await back(withParam("name", "autre.pdf"))).toBe(portalRoute);
    expect(await back(url.pathname)).toBe(portalRoute);
    expect(await back(madeAt(Date.now() - (PAGE_LINK_SECONDS + 1) * 1000))).toBe(portalRoute); // expired
    expect((await front.get(madeAt(Date.now()), { cookie })).body.equals(taken.bytes)).toBe(true);
    expect(await back(icon.href, { cookie: `efacture-session=${stranger.session}` })).toBe(portalRoute);
    expect(await back(icon.href, {})).toBe(portalRoute);
    // Whoever follows it: the owner gets the file through the portal's hop, another account a 404, no one a link.
    const owner = await front.get(portalRoute, { cookie });
    expect(owner.status).toBe(303);
    expect((await front.get(String(owner.headers.location), { cookie })).body.equals(taken.bytes)).toBe(true);
    const foreign = await front.get(portalRoute, { cookie: `efacture-session=${stranger.session}` });
    expect(foreign.status).toBe(404);
    expect(foreign.headers.location).toBeUndefined();
    // Another id in the path breaks the signature: back to that id's route (a 404 for this account).
    const swapped = icon.href.replace(taken.id, stranger.id);
    expect(await back(swapped)).toBe(`/factures/${stranger.id}/pdf`);
    expect((await front.get(`/factures/${stranger.id}/pdf`, { cookie })).status).toBe(404);
    // Only a lower-case UUID is an id: anything else is no link (nginx's 404, never the portal's log), never a redirect.
    for (const p of [
      icon.href.replace(taken.id, taken.id.toUpperCase()),
      icon.href.replace(taken.id, "https:%2F%2Fevil.example"),
      icon.href.replace(taken.id, "evil.example"),
      icon.href.replace(taken.id, `${taken.id}/x`),
    ]) {
      const answer = await front.get(p, { cookie });
      expect(answer.status, p).toBe(404);
      expect(answer.headers.location, p).toBeUndefined();
    }
    // The portal's own 303 links (no id) keep their 403 and 410.
    const portalLink = new URL(String(owner.headers.location), "https://x");
    portalLink.searchParams.set("md5", flipped);
    expect((await front.get(portalLink.pathname + portalLink.search, { cookie })).status).toBe(403);

    // Reached without the nginx of docs/deploy, the pages keep the portal's route (nothing would serve the link).
    const direct = await signed.app.inject({
      method: "GET",
      url: "/factures",
      headers: { host: HOST, cookie },
    });
    expect(direct.statusCode).toBe(200);
    expect(direct.body).not.toContain("/_efacture/dl/");
    expect(direct.body).toContain(`href="/factures/${taken.id}/pdf"`);

    // A file gone from the disk since the page was rendered: back to the portal, which says why.
    const blob = path.join(
      services.testEnv.dataDir,
      "blobs",
      taken.sha256.slice(0, 2),
      taken.sha256.slice(2, 4),
      taken.sha256,
    );
    renameSync(blob, `${blob}.away`);
    try {
      expect(await back(icon.href)).toBe(portalRoute);
    } finally {
      renameSync(`${blob}.away`, blob);
    }

    // Removed (retention) and withdrawn invoices: no signed link on any page.
    await services.db.query("update invoices set removed_at = now() where id = $1", [taken.id]);
    await services.db.query(
      "update invoices set removed_at = now(), withdrawn_at = now(), withdrawal_reason = 'test' where id = $1",
      [fresh.id],
    );
    list = await listPage();
    expect(list.html).toContain(taken.id);
    expect(list.html).not.toContain("/_efacture/dl/");
    const removed = await detailPdf(taken.id);
    expect(removed.status).toBe(200);
    expect(removed.html).not.toContain("/_efacture/dl/");
    const withdrawn = await detailPdf(fresh.id);
    expect(withdrawn.html).not.toContain("/_efacture/dl/");
    const leaked = logLines.filter((l) => l.includes(secret) || l.includes(md5));
    expect(leaked).toEqual([]);
  });
});

describe("DOWNLOAD_OFFLOAD=nginx-signed settings", () => {
  it("signs page links only with nginx-signed, its secret and the filesystem store", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "efacture-page-links-"));
    try {
      const file = path.join(dir, "s.conf");
      writeFileSync(file, `set $efacture_link_secret "${"b2".repeat(32)}";\n`);
      const auth = { readSessionCookie: () => "s" } as never;
      const blobs = { offload: async () => undefined } as never;
      const servicesOf = (env: Record<string, string>) =>
        ({ config: loadConfig({ DOWNLOAD_LINK_SECRET_FILE: file, ...env }), blobs }) as unknown as Services;
      expect(pageDownloadLinks(servicesOf({ DOWNLOAD_OFFLOAD: "nginx-signed" }), auth)).toBeTypeOf(
        "function",
      );
      expect(pageDownloadLinks(servicesOf({ DOWNLOAD_OFFLOAD: "nginx" }), auth)).toBeUndefined();
      expect(pageDownloadLinks(servicesOf({}), auth)).toBeUndefined();
      const s3 = { DOWNLOAD_OFFLOAD: "nginx-signed", BLOB_STORE: "s3://bucket/originals", S3_REGION: "x" };
      expect(pageDownloadLinks(servicesOf(s3), auth)).toBeUndefined();
      // A part nginx's location would not match: no link (the page keeps the portal's route).
      const target = { sha256: "a".repeat(64), asciiName: "f.pdf", encodedName: "f.pdf", session: "s" };
      expect(signedPageLink("k", { ...target, invoiceId: "not-a-uuid" })).toBeUndefined();
      expect(
        signedPageLink("k", { ...target, invoiceId: "0190A000-0000-7000-8000-000000000000" }),
      ).toBeUndefined();
      expect(signedPageLink("k", { ...target, invoiceId: "0190a000-0000-7000-8000-000000000000" })).toMatch(
        /^\/_efacture\/dl\/a{64}\/0190a000-0000-7000-8000-000000000000\/f\.pdf\?name=f\.pdf&expires=\d+&md5=/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("needs DOWNLOAD_LINK_SECRET_FILE, and a file of the one documented line, never quoted in the error", () => {
    expect(() => loadConfig({ DOWNLOAD_OFFLOAD: "nginx-signed" })).toThrow(/DOWNLOAD_LINK_SECRET_FILE/);
    const config = loadConfig({ DOWNLOAD_OFFLOAD: "nginx-signed", DOWNLOAD_LINK_SECRET_FILE: "secret.conf" });
    expect(config.downloadLinkSecretFile).toBe(path.resolve("secret.conf"));
    const dir = mkdtempSync(path.join(tmpdir(), "efacture-link-secret-"));
    try {
      const file = path.join(dir, "s.conf");
      const good = "a1".repeat(32);
      writeFileSync(file, `set $efacture_link_secret "${good}";\n`);
      expect(readLinkSecret(file)).toBe(good);
      for (const bad of [`${good}\n`, 'set $efacture_link_secret "short";\n', `set $other "${good}";\n`]) {
        writeFileSync(file, bad);
        expect(() => readLinkSecret(file)).toThrow(/DOWNLOAD_LINK_SECRET_FILE/);
        try {
          readLinkSecret(file);
        } catch (error) {
          expect(String(error)).not.toContain(good);
        }
      }
      expect(() => readLinkSecret(path.join(dir, "missing.conf"))).toThrow(/cannot be read \(ENOENT\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The routes alone (no nginx): what the pages sign, for whom, and when they keep the portal's route.
describe("pages with DOWNLOAD_OFFLOAD=nginx-signed (routes)", () => {
  const secret = "c3".repeat(32);
  let dir: string;
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let tenant: TenantRow;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "efacture-page-links-routes-"));
    const secretFile = path.join(dir, "secret.conf");
    writeFileSync(secretFile, `set $efacture_link_secret "${secret}";\n`, { mode: 0o600 });
    services = await openTestServices("pglite", {
      overrides: {
        DOWNLOAD_OFFLOAD: "nginx-signed",
        DOWNLOAD_LINK_SECRET_FILE: secretFile,
        PUBLIC_BASE_URL: "https://e-facture.example",
      },
    });
    tenant = await makeTenant(services.db);
    app = await buildWebApp(services);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await services?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("signs, one per row, the link of the invoices already downloaded, with the session the page was read with", async () => {
    const account = await loggedInAccount(services, app, tenant, {
      numbers: ["C-R1"],
      email: "r1@example.com",
    });
    const published = [];
    for (const number of ["R-1", "R-2", "R-3"]) {
      const { invoice } = await publishInvoice(publishDeps(services), {
        tenant,
        bytes: await facturxPdf(facturx(number, "C-R1")),
        actor: { type: "issuer", id: "test" },
      });
      published.push(invoice);
    }
    const [taken, fresh, gone] = published as [
      (typeof published)[0],
      (typeof published)[0],
      (typeof published)[0],
    ];
    await services.db.query("update invoices set first_downloaded_at = now() where id = any($1)", [
      [taken.id, gone.id],
    ]);
    await services.db.query("update invoices set removed_at = now() where id = $1", [gone.id]);
    const cookie = `efacture-session=${account.session}`;
    const viaNginx = { host: HOST, cookie, "x-efacture-offload": "available" };
    const get = (url: string, headers: Record<string, string> = viaNginx) =>
      app.inject({ method: "GET", url, headers });

    const list = await get("/factures");
    expect(list.statusCode).toBe(200);
    expect(list.headers["cache-control"]).toBe("no-store");
    const links = [...list.body.matchAll(/href="(\/_efacture\/dl\/[^"]+)"/g)].map((m) =>
      m[1]!.replaceAll("&amp;", "&"),
    );
    expect(links).toHaveLength(1);
    const url = new URL(links[0]!, "https://x");
    expect(url.pathname).toMatch(new RegExp(`^/_efacture/dl/${taken.sha256}/${taken.id}/[^/]+\\.pdf$`));
    // The signature nginx computes (docs/deploy/nginx.conf): expiry, path, name, the cookie as sent, the secret.
    const expires = Number(url.searchParams.get("expires"));
    expect(url.searchParams.get("md5")).toBe(
      linkSignature(secret, expires, url.pathname, url.searchParams.get("name")!, account.session),
    );
    expect(list.body).toContain(`href="/factures/${fresh.id}/pdf"`);
    expect(list.body).not.toContain(`/factures/${gone.id}/pdf`);

    const detail = await get(`/factures/${taken.id}`);
    expect(detail.headers["cache-control"]).toBe("no-store");
    expect(detail.body).toMatch(
      new RegExp(`class="button det-button" href="/_efacture/dl/${taken.sha256}/${taken.id}/`),
    );
    expect((await get(`/factures/${fresh.id}`)).body).toContain(`href="/factures/${fresh.id}/pdf"`);
    expect((await get(`/factures/${gone.id}`)).body).not.toContain("/_efacture/dl/");

    // Not through that nginx, or a cookie nginx would read otherwise than the portal: the portal's route.
    for (const headers of [
      { host: HOST, cookie },
      { ...viaNginx, cookie: `${cookie}; __Host-efacture-session=other` },
    ]) {
      const page = await get("/factures", headers);
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toContain("/_efacture/dl/");
      expect(page.body).toContain(`href="/factures/${taken.id}/pdf"`);
    }
  });
});
