// Where the compiled rules live and how they are checked: rules/fnfe-1.4.0/sef/manifest.json records, for
// every XSLT, the sha256 of the source it was compiled from and of the gzipped SEF written. Nothing is
// compiled at run time or in tests: a stale SEF is refused with the command that fixes it.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { RULES_DIR, SEF_MANIFEST, type StylesheetPath } from "./rule-sets.js";
import type { SefNode } from "./sef.js";

export interface SefManifestEntry {
  /** sha256 (hex) of the XSLT the SEF was compiled from. */
  xsltSha256: string;
  /** File name of the gzipped SEF, in the manifest's directory. */
  sef: string;
  /** sha256 (hex) of that gzipped file. */
  sefSha256: string;
  /** `round() div` expressions patched (sef.ts, patchRoundDivision). */
  roundPatches: number;
}

export interface SefManifest {
  /** The compiler that wrote the SEFs (xslt3 / SaxonJS version). */
  compiler: string;
  stylesheets: Record<StylesheetPath, SefManifestEntry>;
}

/** The repository's rules directory as a file URL ending in `/`. */
export const rulesDirUrl = new URL(`../../../${RULES_DIR}/`, import.meta.url);

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function readSefManifest(rulesDir: URL = rulesDirUrl): SefManifest {
  return JSON.parse(readFileSync(new URL(SEF_MANIFEST, rulesDir), "utf8")) as SefManifest;
}

/** Raised when a SEF is missing or was compiled from another version of its XSLT. */
export class StaleRulesError extends Error {
  constructor(stylesheet: string, why: string) {
    super(`${stylesheet}: ${why}; run \`npm run rules:compile\` and commit rules/**/sef.`);
    this.name = "StaleRulesError";
  }
}

/** Why a stylesheet's SEF cannot be trusted, or undefined when it matches its XSLT. */
export function staleness(stylesheet: StylesheetPath, manifest: SefManifest, rulesDir = rulesDirUrl) {
  const entry = manifest.stylesheets[stylesheet];
  if (!entry) return "not compiled";
  if (sha256Hex(readFileSync(new URL(stylesheet, rulesDir))) !== entry.xsltSha256)
    return "the XSLT changed since it was compiled";
  const sefUrl = new URL(`${SEF_MANIFEST.replace(/[^/]*$/, "")}${entry.sef}`, rulesDir);
  try {
    if (sha256Hex(readFileSync(sefUrl)) !== entry.sefSha256)
      return "the SEF file does not match the manifest";
  } catch {
    return "the SEF file is missing";
  }
  return undefined;
}

/**
 * The SEF of one stylesheet, parsed, with the base URI its `document()` calls resolve against (the
 * code lists beside the XSLT). Checks the source and SEF hashes first: a few ms per stylesheet, once per
 * worker.
 */
export function loadSef(
  stylesheet: StylesheetPath,
  manifest: SefManifest = readSefManifest(),
  rulesDir = rulesDirUrl,
): { sef: SefNode; baseUri: string } {
  const why = staleness(stylesheet, manifest, rulesDir);
  if (why) throw new StaleRulesError(stylesheet, why);
  const entry = manifest.stylesheets[stylesheet]!;
  const gz = readFileSync(new URL(`${SEF_MANIFEST.replace(/[^/]*$/, "")}${entry.sef}`, rulesDir));
  return {
    sef: JSON.parse(gunzipSync(gz).toString("utf8")) as SefNode,
    baseUri: new URL(stylesheet, rulesDir).href,
  };
}
