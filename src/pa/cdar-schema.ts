import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { validateXML, type XMLFileInfo } from "xmllint-wasm";

// The XSD check of lifecycle messages (CDAR D22B, rules/fnfe-1.4.0/CDAR/1xsd-CDAR_D22B_uncoupled/, Apache-2.0) through libxml2 compiled to
// WebAssembly (xmllint-wasm: no install script, no native binary). The FNFE CDAR schematron is not run here yet.

const XSD_DIR = path.resolve(import.meta.dirname, "../../rules/fnfe-1.4.0/CDAR/1xsd-CDAR_D22B_uncoupled");
const ROOT_XSD = "CrossDomainAcknowledgementAndResponse_100pD22B.xsd";

let files: XMLFileInfo[] | undefined;

function schemaFiles(): XMLFileInfo[] {
  files ??= readdirSync(XSD_DIR)
    .filter((name) => name.endsWith(".xsd"))
    .map((fileName) => ({ fileName, contents: readFileSync(path.join(XSD_DIR, fileName), "utf8") }));
  return files;
}

/** The XSD errors of a CDAR document (empty when it is valid). */
export async function checkCdarSchema(xml: string): Promise<string[]> {
  const all = schemaFiles();
  const root = all.find((f) => f.fileName === ROOT_XSD)!;
  const result = await validateXML({
    xml: { fileName: "cdar.xml", contents: xml },
    schema: root,
    preload: all.filter((f) => f !== root),
  });
  return result.valid ? [] : result.errors.map((e) => e.message ?? e.rawMessage).slice(0, 20);
}
