import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CliIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/main.js";

export const BIN = fileURLToPath(new URL("../../bin/efacture.js", import.meta.url));
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `efacture <args>` in this process: `runCli` (src/cli/main.ts) with the same environment a process would
 * get and an io that collects what it prints. The command, its configuration, its services (opened and closed)
 * and the control socket of a running server are the real ones; what a process adds is tsx's start and the
 * imports, ~2 s of CPU per call, which the CLI tests paid hundreds of times. bin/efacture.js (one catch, the exit
 * code), a process that ends once its command is done and the caller's folder are tested with real processes
 * (`runEfactureProcess` in cli.test.ts, staff-cli.test.ts and cli-import.test.ts), servers and signals too
 * (`startEfacture`, and the SIGKILLed run of retention-cli.test.ts).
 *
 * Unlike a process, a run here shares the test file's memory: never call it while this process itself holds the
 * embedded database open (the lock in src/db/embedded-lock.ts is per process). Log lines (LOG_LEVEL) go to this
 * process's stdout, not into `stdout`.
 */
export async function runEfacture(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
  cwd = ROOT,
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const line = (text: string) => (text.endsWith("\n") ? text : `${text}\n`);
  const io: CliIo = {
    out(text) {
      stdout += line(text);
    },
    err(text) {
      stderr += line(text);
    },
    cwd,
    isTTY: false,
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`efacture ${args.join(" ")} timed out\n${stdout}\n${stderr}`)),
      timeoutMs,
    );
  });
  try {
    const code = await Promise.race([
      // What bin/efacture.js does with an error runCli does not turn into an exit code.
      runCli(args, io, { ...baseEnv(), ...env }).catch((error: unknown) => {
        stderr += line(`efacture: ${error instanceof Error ? error.message : error}`);
        return 1;
      }),
      timeout,
    ]);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `efacture <args>` as a user would, in its own process (from `cwd`, the repository by default). */
export function runEfactureProcess(
  args: string[],
  env: Record<string, string>,
  options: { timeoutMs?: number; cwd?: string } = {},
): Promise<CliRun> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...baseEnv(), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`efacture ${args.join(" ")} timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ["PATH", "HOME", "TMPDIR", "LANG"]) if (process.env[key]) env[key] = process.env[key]!;
  return env;
}
/** Starts `efacture <args>` (a server) and resolves once it printed `readyLine`. */
export function startEfacture(
  args: string[],
  env: Record<string, string>,
  readyLine: RegExp,
  timeoutMs = 90_000,
) {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...baseEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const ready = new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${output}`)), timeoutMs);
    const onData = (d: Buffer) => {
      output += d;
      const match = output.match(readyLine);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    child,
    ready,
    output: () => output,
    stop: (signal: NodeJS.Signals = "SIGTERM") =>
      new Promise<number | null>((resolve) => {
        // A child already gone (exited, or killed by a signal) emits no further 'exit'.
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill(signal);
      }),
  };
}
