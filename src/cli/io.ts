/** Where a command writes: the terminal, or a remote CLI whose command runs inside the server. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Relative paths in arguments are resolved against this directory. */
  readonly cwd: string;
  readonly isTTY: boolean;
}

export function terminalIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY),
  };
}

/** A wrong use of the command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  readonly code = "usage";
}
