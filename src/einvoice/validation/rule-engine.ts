// Runs a compiled schematron stylesheet with SaxonJS. Each stylesheet is loaded (read, gunzipped, parsed,
// hash-checked) on first use and kept: SaxonJS prepares a SEF the first time it runs it (~0.6 s for the
// EN 16931 file) and reuses that work on the same object afterwards. One engine per worker thread.

import { buildCiiXml } from "../build-cii-xml.js";
import type { StylesheetPath } from "./rule-sets.js";
import { SaxonJS } from "./saxon.js";
import { loadSef, readSefManifest, rulesDirUrl, type SefManifest } from "./sef-store.js";

export interface RuleEngine {
  /** Whether the stylesheets are loaded and prepared (the next run costs only the rules). */
  ready(stylesheets: readonly StylesheetPath[]): boolean;
  /** Loads and prepares the stylesheets (once per engine: ~1 to 4 s per profile). */
  load(stylesheets: readonly StylesheetPath[]): void;
  /** The SVRL report of one stylesheet on one XML document (text without its XML declaration). */
  run(stylesheet: StylesheetPath, xml: string): string;
}

/**
 * An ordinary invoice, run once through each stylesheet when it loads: SaxonJS prepares a template the
 * first time it fires (the first real file took ~1 s instead of ~0.3 s), and that belongs to the loading,
 * which the pool's time budget does not count.
 */
const WARM_UP = buildCiiXml({
  invoiceNumber: "WARM-UP",
  typeCode: "380",
  issueDate: "2026-01-01",
  dueDate: "2026-01-31",
  currency: "EUR",
  processingRule: "B2B",
  seller: {
    name: "S",
    siren: "443061841",
    address: { line1: "1", postcode: "75002", city: "P", countryCode: "FR" },
  },
  buyer: {
    name: "B",
    siren: "552081317",
    address: { line1: "2", postcode: "69001", city: "L", countryCode: "FR" },
  },
  lines: [
    { description: "A", quantity: "2", unitPrice: "10.00", vatRatePercent: "20" },
    { description: "B", quantity: "1", unitPrice: "5.00", vatRatePercent: "0" },
  ],
}).replace(/^<\?xml[^>]*\?>\n?/, "");

export function createRuleEngine(rulesDir: URL = rulesDirUrl): RuleEngine {
  let manifest: SefManifest | undefined;
  const loaded = new Map<StylesheetPath, { sef: unknown; baseUri: string }>();
  const transform = (entry: { sef: unknown; baseUri: string }, xml: string) =>
    SaxonJS.transform(
      {
        stylesheetInternal: entry.sef,
        stylesheetBaseURI: entry.baseUri,
        sourceText: xml,
        destination: "serialized",
      },
      "sync",
    ).principalResult;
  const entryOf = (stylesheet: StylesheetPath) => {
    let entry = loaded.get(stylesheet);
    if (!entry) {
      manifest ??= readSefManifest(rulesDir);
      entry = loadSef(stylesheet, manifest, rulesDir);
      try {
        transform(entry, WARM_UP);
      } catch {
        // An empty document may trip a rule; the preparation is done all the same.
      }
      loaded.set(stylesheet, entry);
    }
    return entry;
  };
  return {
    ready: (stylesheets) => stylesheets.every((s) => loaded.has(s)),
    load(stylesheets) {
      for (const s of stylesheets) entryOf(s);
    },
    run: (stylesheet, xml) => transform(entryOf(stylesheet), xml),
  };
}
