import type { Services } from "../../app.js";
import { migrate, pendingMigrations } from "../../db/migrate.js";
import type { CliIo } from "../io.js";

/** `migrate`: applies pending migrations (opening the services already did; this reports the state). */
export async function migrateCommand(_args: string[], io: CliIo, services: Services): Promise<number> {
  const applied = await migrate(services.db);
  const pending = await pendingMigrations(services.db);
  io.out(applied.length > 0 ? `Applied: ${applied.join(", ")}` : "The database schema is up to date.");
  if (pending.length > 0) {
    io.err(`Still pending: ${pending.join(", ")}`);
    return 1;
  }
  return 0;
}
