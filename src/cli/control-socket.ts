import { chmodSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import type { Logger } from "pino";
import type { CliIo } from "./io.js";

// PGlite lives inside one process. When a command line starts while that process runs, the command
// is sent here over a Unix socket (mode 0600, in DATA_DIR/run) and runs inside the owning process.
// Protocol: one JSON line {argv, cwd, isTTY} in; JSON lines {out} / {err} and a final {exit} out.

export type RunInProcess = (argv: string[], io: CliIo) => Promise<number>;

export async function serveControlSocket(
  socketPath: string,
  run: RunInProcess,
  logger: Logger,
): Promise<() => Promise<void>> {
  rmSync(socketPath, { force: true });
  const server = net.createServer((socket) => {
    let buffer = "";
    let started = false;
    socket.setEncoding("utf8");
    socket.on("error", () => {});
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      const newline = buffer.indexOf("\n");
      if (started || newline < 0) return;
      started = true;
      let request: { argv?: unknown; cwd?: unknown; isTTY?: unknown };
      try {
        request = JSON.parse(buffer.slice(0, newline));
      } catch {
        socket.end(`${JSON.stringify({ err: "bad request" })}\n${JSON.stringify({ exit: 2 })}\n`);
        return;
      }
      const argv = Array.isArray(request.argv) ? request.argv.map(String) : [];
      const send = (message: object) => {
        if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
      };
      const io: CliIo = {
        out: (text) => send({ out: text }),
        err: (text) => send({ err: text }),
        cwd: typeof request.cwd === "string" ? request.cwd : process.cwd(),
        isTTY: request.isTTY === true,
      };
      logger.info({ command: argv.slice(0, 2).join(" ") }, "command from a local command line");
      run(argv, io)
        .catch((error: Error) => {
          io.err(`error: ${error.message}`);
          return 1;
        })
        .then((exit) => {
          send({ exit });
          socket.end();
        });
    });
  });
  // The socket runs any command as the server: it must never be reachable by another user, not even for
  // the moment between bind() and chmod(). It is bound inside a fresh 0700 directory, made 0600 there,
  // then renamed into place (a rename keeps the listening socket; no process-wide umask is touched).
  const privateDir = mkdtempSync(path.join(path.dirname(socketPath), ".sock-"));
  const boundPath = path.join(privateDir, "s");
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ path: boundPath, readableAll: false, writableAll: false }, () => resolve());
    });
    chmodSync(boundPath, 0o600);
    renameSync(boundPath, socketPath);
  } catch (error) {
    server.close();
    throw error;
  } finally {
    rmSync(privateDir, { recursive: true, force: true });
  }
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => {
        rmSync(socketPath, { force: true });
        resolve();
      });
    });
}

/** Sends a command to the process that owns the embedded database and relays its output. */
export function runRemotely(socketPath: string, argv: string[], io: CliIo): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path: socketPath });
    let buffer = "";
    let exit: number | undefined;
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(`${JSON.stringify({ argv, cwd: io.cwd, isTTY: io.isTTY })}\n`));
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      let newline = buffer.indexOf("\n");
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf("\n");
        const message = JSON.parse(line) as { out?: string; err?: string; exit?: number };
        if (message.out !== undefined) io.out(message.out);
        if (message.err !== undefined) io.err(message.err);
        if (message.exit !== undefined) exit = message.exit;
      }
    });
    socket.on("error", reject);
    socket.on("close", () =>
      exit === undefined ? reject(new Error("the server closed the connection")) : resolve(exit),
    );
  });
}
