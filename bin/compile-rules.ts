// `npm run rules:compile`: compiles the FNFE-MPE schematron XSLTs of rules/ to SEF (SaxonJS's compiled
// form) once, patches them for SaxonJS 2.7 (src/einvoice/validation/sef.ts) and writes them gzipped
// beside a manifest of hashes. Only stylesheets whose XSLT changed are recompiled (~100 s for all on
// 2 cores); --force recompiles everything. Run it after updating rules/ and commit the result
// (docs/compliance.md, "Mettre à jour les règles").
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { ALL_STYLESHEETS, SEF_MANIFEST } from "../src/einvoice/validation/rule-sets.js";
import { patchRoundDivision, type SefNode, sefChecksum } from "../src/einvoice/validation/sef.js";
import {
  readSefManifest,
  rulesDirUrl,
  type SefManifest,
  sha256Hex,
  staleness,
} from "../src/einvoice/validation/sef-store.js";

const require = createRequire(import.meta.url);
const xslt3 = require.resolve("xslt3/xslt3.js");
const xslt3Version = (require("xslt3/package.json") as { version: string }).version;
const force = process.argv.includes("--force");
const exportedAt = process.argv.indexOf("--exported");
const exportedDir = exportedAt > 0 ? process.argv[exportedAt + 1] : undefined;
const rulesDir = fileURLToPath(rulesDirUrl);
const sefDir = join(rulesDir, SEF_MANIFEST.replace(/\/[^/]*$/, ""));
mkdirSync(sefDir, { recursive: true });

const previous: SefManifest = existsSync(join(rulesDir, SEF_MANIFEST))
  ? readSefManifest()
  : { compiler: "", stylesheets: {} };
const manifest: SefManifest = { compiler: `xslt3 ${xslt3Version} (SaxonJS)`, stylesheets: {} };
const work = mkdtempSync(join(tmpdir(), "efacture-sef-"));
const started = Date.now();
try {
  for (const stylesheet of ALL_STYLESHEETS) {
    const source = readFileSync(join(rulesDir, stylesheet));
    const xsltSha256 = sha256Hex(source);
    const kept = previous.stylesheets[stylesheet];
    if (!force && kept && previous.compiler === manifest.compiler && !staleness(stylesheet, previous)) {
      manifest.stylesheets[stylesheet] = kept;
      console.log(`up to date  ${stylesheet}`);
      continue;
    }
    // Identical XSLTs (the French rules are copied in every Factur-X folder) share one SEF.
    const twin = Object.values(manifest.stylesheets).find((e) => e.xsltSha256 === xsltSha256);
    if (twin) {
      manifest.stylesheets[stylesheet] = twin;
      continue;
    }
    const t0 = Date.now();
    // --exported DIR reuses SEFs exported by hand with the same command (file name: path with / → _).
    const handMade = exportedDir && join(exportedDir, `${stylesheet.replaceAll("/", "_")}.sef.json`);
    const exported = handMade && existsSync(handMade) ? handMade : join(work, "out.sef.json");
    // -relocate:on: the SEF records no absolute path; the loader gives the base URI (for document()).
    if (exported !== handMade)
      execFileSync(
        process.execPath,
        [xslt3, `-xsl:${join(rulesDir, stylesheet)}`, `-export:${exported}`, "-nogo", "-relocate:on"],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
    const sef = JSON.parse(readFileSync(exported, "utf8")) as SefNode;
    // Reproducible output (the same XSLT gives the same bytes): no build time, so the checksum is redone.
    delete sef.buildDateTime;
    const roundPatches = patchRoundDivision(sef);
    sef[String.fromCharCode(931)] = sefChecksum(sef);
    const base = stylesheet
      .split("/")
      .pop()!
      .replace(/\.xslt$/, "");
    const name = `${base}-${xsltSha256.slice(0, 12)}.sef.json.gz`;
    const gz = gzipSync(JSON.stringify(sef), { level: 9 });
    writeFileSync(join(sefDir, name), gz);
    manifest.stylesheets[stylesheet] = { xsltSha256, sef: name, sefSha256: sha256Hex(gz), roundPatches };
    console.log(
      `compiled    ${stylesheet} in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${roundPatches} round() patched, ${(gz.length / 1024).toFixed(0)} KiB`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
writeFileSync(join(rulesDir, SEF_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`rules:compile done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
