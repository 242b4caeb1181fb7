import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT } from "./cli.js";

export const NGINX = "/usr/sbin/nginx";
export const nginxPresent = () => existsSync(NGINX);

/** What the test changes in docs/deploy/nginx.conf: only the lines marked `# substituted by the test`. */
export interface NginxSubstitutions {
  /** host:port of each web server (the upstream's two lines). */
  webServers: [string, string];
  /** host:port of the object store (the upstream and the Host header of the objects location). */
  objectStore: string;
  httpPort: number;
  httpsPort: number;
  /** DATA_DIR/blobs of the portal. */
  blobsDir: string;
  certFile: string;
  keyFile: string;
  /**
   * DOWNLOAD_LINK_SECRET_FILE (`set $efacture_link_secret "…";`), included by the signed links' location.
   * Unset: that include line becomes a `set` of a random secret (nothing signs links then).
   */
  linkSecretFile?: string;
}

/**
 * docs/deploy/nginx.conf with its marked lines substituted, every other directive as written. Each marked
 * line must be found exactly where expected, and every marked line must be substituted: if the file changes
 * shape, this throws rather than testing another configuration.
 */
export function renderNginxConf(s: NginxSubstitutions): string {
  const source = readFileSync(path.join(ROOT, "docs/deploy/nginx.conf"), "utf8");
  const webs = [...s.webServers];
  const rules: [RegExp, (match: string) => string][] = [
    [
      /^(\s*server )10\.0\.0\.1[12]:3000( .*)$/,
      (line) => line.replace(/10\.0\.0\.1[12]:3000/, webs.shift()!),
    ],
    [/^\s*server 10\.0\.0\.21:9000;/, (line) => line.replace("10.0.0.21:9000", s.objectStore)],
    [/^\s*listen 80;/, (line) => line.replace("80", `127.0.0.1:${s.httpPort}`)],
    [/^\s*listen 443 ssl;/, (line) => line.replace("443", `127.0.0.1:${s.httpsPort}`)],
    [/^\s*ssl_certificate \//, (line) => line.replace("/etc/ssl/efacture/fullchain.pem", s.certFile)],
    [/^\s*ssl_certificate_key \//, (line) => line.replace("/etc/ssl/efacture/privkey.pem", s.keyFile)],
    [
      /^\s*alias \/var\/lib\/efacture\/data\/blobs\/;/,
      (line) => line.replace("/var/lib/efacture/data/blobs/", `${s.blobsDir}/`),
    ],
    [/^\s*proxy_set_header Host 10\.0\.0\.21:9000;/, (line) => line.replace("10.0.0.21:9000", s.objectStore)],
    [
      /^\s*alias \/var\/lib\/efacture\/data\/blobs\/\$efacture_ab\//,
      (line) => line.replace("/var/lib/efacture/data/blobs/", `${s.blobsDir}/`),
    ],
    [
      /^\s*include \/etc\/efacture\/download-link-secret\.conf;/,
      (line) =>
        line.replace(
          "include /etc/efacture/download-link-secret.conf;",
          s.linkSecretFile
            ? `include ${s.linkSecretFile};`
            : `set $efacture_link_secret "${randomBytes(32).toString("hex")}";`,
        ),
    ],
  ];
  let substituted = 0;
  const lines = source.split("\n").map((line) => {
    if (!/^\s*[^#\s].*# substituted by the test/.test(line)) return line;
    const rule = rules.find(([pattern]) => pattern.test(line));
    if (!rule) throw new Error(`docs/deploy/nginx.conf: no substitution for the marked line: ${line.trim()}`);
    const next = rule[1](line);
    if (next === line) throw new Error(`docs/deploy/nginx.conf: nothing substituted in: ${line.trim()}`);
    substituted++;
    return next;
  });
  if (substituted !== 12 || webs.length !== 0)
    throw new Error(`docs/deploy/nginx.conf: ${substituted} marked lines substituted, 12 expected`);
  return lines.join("\n");
}

/** A self-signed certificate for e-facture.example and *.e-facture.example, in `dir`. */
export function selfSignedCertificate(dir: string): { certFile: string; keyFile: string } {
  const certFile = path.join(dir, "cert.pem");
  const keyFile = path.join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=e-facture.example",
      "-addext",
      "subjectAltName=DNS:e-facture.example,DNS:*.e-facture.example",
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    { stdio: "ignore" },
  );
  return { certFile, keyFile };
}

export interface RunningNginx {
  dir: string;
  errorLog(): string;
  accessLog(): string;
  stop(): Promise<void>;
}

/**
 * Runs nginx as this user with `siteConf` (the rendered docs/deploy/nginx.conf) inside a minimal main
 * configuration of its own (pid, logs and temporary files in a temp dir), in the foreground, until `stop`.
 */
export async function startNginx(
  siteConf: string,
  listenPorts: number[],
  options: { accessLog?: boolean; workers?: number } = {},
): Promise<RunningNginx> {
  const dir = mkdtempSync(path.join(tmpdir(), "efacture-nginx-"));
  mkdirSync(path.join(dir, "logs"));
  writeFileSync(path.join(dir, "site.conf"), siteConf);
  writeFileSync(
    path.join(dir, "nginx.conf"),
    // As root (CI containers), the workers would become `nobody`: keep them the test user, like the files.
    `${process.getuid?.() === 0 ? "user root root;\n" : ""}worker_processes ${options.workers ?? 1};
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log info;
events { worker_connections 512; }
http {
  access_log ${options.accessLog === false ? "off" : `${dir}/logs/access.log`};
  default_type application/octet-stream;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/site.conf;
}
`,
  );
  const child: ChildProcess = spawn(
    NGINX,
    [
      "-p",
      dir,
      "-c",
      path.join(dir, "nginx.conf"),
      "-e",
      path.join(dir, "logs/error.log"),
      "-g",
      "daemon off;",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const read = (name: string) => {
    try {
      return readFileSync(path.join(dir, "logs", name), "utf8");
    } catch {
      return "";
    }
  };
  const until = Date.now() + 10_000;
  for (const port of listenPorts) {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}${read("error.log")}`);
      if (await canConnect(port)) break;
      if (Date.now() > until)
        throw new Error(`nginx did not listen on ${port}: ${stderr}${read("error.log")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    dir,
    errorLog: () => read("error.log"),
    accessLog: () => read("access.log"),
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGQUIT");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTPS request to nginx on 127.0.0.1:`port` for `host` (SNI and Host), trusting the test certificate. */
export function httpsRequest(
  port: number,
  host: string,
  pathname: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {},
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        host: "127.0.0.1",
        port,
        servername: host,
        path: pathname,
        method: options.method ?? "GET",
        headers: { host, ...options.headers },
        ca: options.ca,
        rejectUnauthorized: options.ca !== undefined,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(options.body);
  });
}
