import path from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import type { Services } from "../app.js";
import { findTenantBySlug, type TenantRow } from "../db/tenants.repository.js";
import { DomainError } from "../domain/shared/errors.js";
import { type CliIo, UsageError } from "./io.js";

/** The tenant named by `--tenant`, or the one-line `unknown_tenant` error (exit 1). */
export async function findTenantArgument(services: Services, slug: string): Promise<TenantRow> {
  const tenant = await findTenantBySlug(services.db, slug.trim().toLowerCase());
  if (!tenant) throw new DomainError("unknown_tenant", `no tenant "${slug}" (see efacture tenant list)`);
  return tenant;
}

/** A path as the user would type it again: relative to their directory when it is below it. */
export function displayPath(io: CliIo, file: string): string {
  const relative = path.relative(io.cwd, file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

/** `parseArgs`, with a mistyped option reported as wrong usage (exit 2) like any other. */
export function parseCommandArgs<T extends ParseArgsConfig["options"]>(args: string[], options: T) {
  try {
    return parseArgs({ args, allowPositionals: true, strict: true, options: options as NonNullable<T> });
  } catch (error) {
    // Node adds advice about "--" that does not apply here.
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
}

const FS_ERRORS: Record<string, string> = {
  ENOENT: "no such file or folder",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "it is a folder",
  ENOTDIR: "not a folder",
  ELOOP: "too many symbolic links",
  EMFILE: "too many open files",
};

/** A file-system error as a person reads it: `no such file or folder (ENOENT)`. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code && FS_ERRORS[code]) return `${FS_ERRORS[code]} (${code})`;
  return code ?? (error instanceof Error ? error.message : String(error));
}
