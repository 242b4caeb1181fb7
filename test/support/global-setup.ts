import { ensureTemplate } from "./db-template.js";

/** Once per `vitest run`, before any test file: the migrated PGlite template every DATA_DIR starts from. */
export default async function setup(): Promise<void> {
  const { dir, built, ms } = await ensureTemplate();
  if (built) console.log(`migrated database template built in ${ms} ms: ${dir}`);
}
