// The profile's XSD, checked with libxml2 compiled to WebAssembly (xmllint-wasm): SaxonJS is not
// schema-aware, and a native xmllint would need an install step.
import { readdirSync, readFileSync } from "node:fs";
import { validateXML, type XMLFileInfo } from "xmllint-wasm";
import type { RuleSet } from "./rule-sets.js";
import type { ValidationFinding } from "./types.js";

const schemas = new Map<string, XMLFileInfo[]>();

/** Every XSD of the set's directory (the entry imports the others by relative name), read once. */
function schemaFiles(rulesDir: URL, xsd: RuleSet["xsd"]): XMLFileInfo[] {
  const key = `${rulesDir.href}${xsd.dir}`;
  let files = schemas.get(key);
  if (!files) {
    const dir = new URL(`${xsd.dir}/`, rulesDir);
    files = readdirSync(dir)
      .filter((name) => name.endsWith(".xsd"))
      .sort((a, b) => (a === xsd.main ? -1 : b === xsd.main ? 1 : a.localeCompare(b)))
      .map((fileName) => ({ fileName, contents: readFileSync(new URL(fileName, dir), "utf8") }));
    schemas.set(key, files);
  }
  return files;
}

/** Schema errors of the XML as findings (rule `XSD`, fatal, location `line N`). */
export async function checkXsd(
  xml: Uint8Array,
  xsd: RuleSet["xsd"],
  rulesDir: URL,
): Promise<ValidationFinding[]> {
  const [main, ...imported] = schemaFiles(rulesDir, xsd);
  const result = await validateXML({
    xml: [{ fileName: "invoice.xml", contents: xml }],
    schema: [main!],
    preload: imported,
    // Invoices are small; 64 MiB leaves room for a large one without letting libxml2 grow unbounded.
    maxMemoryPages: 1024,
  });
  // libxml2 follows a parser error with the offending line and a caret, on lines of their own: noise.
  return result.errors
    .filter((e, i) => e.loc !== null || i === 0)
    .map((e) => ({
      rule: "XSD",
      flag: "fatal" as const,
      message: e.message.replace(/\s+/g, " ").trim(),
      location: e.loc ? `line ${e.loc.lineNumber}` : "",
      explanation: null,
    }));
}
