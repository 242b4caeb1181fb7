// The profile's XSD, checked with libxml2 compiled to WebAssembly (xmllint-wasm): SaxonJS is not
// schema-aware, and a native xmllint would need an install step. xmllint-wasm's own validateXML() starts a
// worker thread and compiles the 1 MB wasm module on every call (~400 ms here, more than the rules): we
// run its Emscripten module in the calling thread (a validator worker) with the wasm compiled once.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { RuleSet } from "./rule-sets.js";
import type { ValidationFinding } from "./types.js";

interface XmllintRun {
  inputFiles: { fileName: string; contents: Uint8Array | string }[];
  arguments: string[];
  print(text: string): void;
  printErr(text: string): void;
  onExit(code: number): void;
  onAbort(reason: unknown): void;
  instantiateWasm(
    imports: WebAssembly.Imports,
    done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
  ): object;
  wasmMemory: WebAssembly.Memory;
}

let xmllint: { run: (options: XmllintRun) => unknown; wasm: WebAssembly.Module } | undefined;

/**
 * xmllint-wasm's Emscripten factory, without the worker glue appended to the same file (it listens on
 * worker_threads' parentPort, absent in the main thread). The package's file is evaluated as it ships.
 */
function loadXmllint() {
  if (xmllint) return xmllint;
  const require = createRequire(import.meta.url);
  const file = require.resolve("xmllint-wasm/xmllint-node.js");
  const source = readFileSync(file, "utf8");
  const glue = source.indexOf(";(function initWorker()");
  if (glue < 0) throw new Error(`${file}: unexpected layout (xmllint-wasm upgraded?)`);
  const factory = new Function(
    "require",
    "__filename",
    "__dirname",
    `${source.slice(0, glue)}\nreturn Module;`,
  )(require, file, path.dirname(file)) as (options: XmllintRun) => unknown;
  const wasm = new WebAssembly.Module(readFileSync(path.join(path.dirname(file), "xmllint.wasm")));
  xmllint = { run: factory, wasm };
  return xmllint;
}

const schemas = new Map<string, { main: string; files: { fileName: string; contents: string }[] }>();

/** Every XSD of the set's directory (the entry imports the others by relative name), read once. */
function schemaFiles(rulesDir: URL, xsd: RuleSet["xsd"]) {
  const key = `${rulesDir.href}${xsd.dir}`;
  let entry = schemas.get(key);
  if (!entry) {
    const dir = new URL(`${xsd.dir}/`, rulesDir);
    const files = readdirSync(dir)
      .filter((name) => name.endsWith(".xsd"))
      .map((fileName) => ({ fileName, contents: readFileSync(new URL(fileName, dir), "utf8") }));
    entry = { main: xsd.main, files };
    schemas.set(key, entry);
  }
  return entry;
}

const INPUT = "invoice.xml";
/** Invoices are small: 16 MiB to start, 64 MiB at most, so libxml2 cannot grow without bound. */
const MEMORY = { initial: 256, maximum: 1024 };

/** Schema errors of the XML as findings (rule `XSD`, fatal, location `line N`). */
export async function checkXsd(
  xml: Uint8Array,
  xsd: RuleSet["xsd"],
  rulesDir: URL,
): Promise<ValidationFinding[]> {
  const { run, wasm } = loadXmllint();
  const schema = schemaFiles(rulesDir, xsd);
  let stderr = "";
  // Emscripten's exit() sets process.exitCode: the validator must not change the process's exit status.
  const exitCode = process.exitCode;
  const code = await new Promise<number>((resolve, reject) => {
    run({
      inputFiles: [{ fileName: INPUT, contents: xml }, ...schema.files],
      arguments: ["--schema", schema.main, "--noout", INPUT],
      print: () => {},
      printErr: (text) => {
        stderr += `${text}\n`;
      },
      onExit: resolve,
      onAbort: (reason) => reject(new Error(`xmllint aborted: ${String(reason)}`)),
      instantiateWasm(imports, done) {
        WebAssembly.instantiate(wasm, imports).then((instance) => done(instance, wasm), reject);
        return {};
      },
      wasmMemory: new WebAssembly.Memory(MEMORY),
    });
  }).finally(() => {
    process.exitCode = exitCode;
  });
  if (code === 0) return [];
  // Lines are `invoice.xml:12: element X: Schemas validity error : …`; libxml2 follows a parser error with
  // the offending line and a caret (noise), and ends with `invoice.xml fails to validate`.
  const findings: ValidationFinding[] = [];
  for (const line of stderr.split("\n")) {
    const located = /^invoice\.xml:(\d+): (.*)$/.exec(line);
    if (!located) continue;
    findings.push({
      rule: "XSD",
      flag: "fatal",
      message: located[2]!.replace(/\s+/g, " ").trim(),
      location: `line ${located[1]}`,
      explanation: null,
    });
  }
  if (findings.length === 0) {
    const message = stderr.split("\n").find((l) => l.trim() !== "" && !l.endsWith("fails to validate"));
    findings.push({
      rule: "XSD",
      flag: "fatal",
      message: message?.trim() ?? `xmllint exited with code ${code}`,
      location: "",
      explanation: null,
    });
  }
  return findings;
}
