// Runs a compiled schematron stylesheet with SaxonJS. Each stylesheet is loaded (read, gunzipped, parsed,
// hash-checked) on first use and kept: SaxonJS prepares a SEF the first time it runs it (~0.6 s for the
// EN 16931 file) and reuses that work on the same object afterwards. One engine per worker thread.
import SaxonJS from "saxon-js";
import type { StylesheetPath } from "./rule-sets.js";
import { loadSef, readSefManifest, rulesDirUrl, type SefManifest } from "./sef-store.js";

export interface RuleEngine {
  /** The SVRL report of one stylesheet on one XML document (text without its XML declaration). */
  run(stylesheet: StylesheetPath, xml: string): string;
}

export function createRuleEngine(rulesDir: URL = rulesDirUrl): RuleEngine {
  let manifest: SefManifest | undefined;
  const loaded = new Map<StylesheetPath, { sef: unknown; baseUri: string }>();
  return {
    run(stylesheet, xml) {
      let entry = loaded.get(stylesheet);
      if (!entry) {
        manifest ??= readSefManifest(rulesDir);
        entry = loadSef(stylesheet, manifest, rulesDir);
        loaded.set(stylesheet, entry);
      }
      return SaxonJS.transform(
        {
          stylesheetInternal: entry.sef,
          stylesheetBaseURI: entry.baseUri,
          sourceText: xml,
          destination: "serialized",
        },
        "sync",
      ).principalResult;
    },
  };
}
