// SaxonJS 2.7, loaded with one fix of its own cost: at EVERY transform it rebuilds the stylesheet's run-time
// tables by walking the whole SEF tree three times (its function `I`: `L("package", …)` twice and
// `L("glob", …)` once, each a recursive descent through every node of the compiled stylesheet, looking for
// the few nodes of that type). The EN 16931 Factur-X SEF has ~10⁵ nodes: measured here, a transform of an
// empty document costs ~45 ms (EN 16931 Factur-X) and ~23 ms (BR-FR) — a third of a whole validation's
// CPU, spent finding the same handful of nodes again (docs/compliance.md, "Validation throughput").
//
// The fix: the same nodes, in the same (document) order, found once per SEF object and kept beside it
// (a WeakMap: the SEF is not touched). The callbacks read the nodes and never add or remove any, so the
// list is the walk's. The package's file is evaluated as it ships with that one function replaced; if a
// SaxonJS upgrade changes the text, the plain package is used (correct, only slower) and `saxonPatched`
// says so (sef-store.test.ts checks it, so an upgrade cannot drop the fix unnoticed).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type SaxonJSType from "saxon-js";

/** SaxonJS's walk: `L(type, callback)` calls `H(root, type, callback)`, a recursive descent (`function H`). */
const WALK =
  "function L(X,V){H(x,X,V)}function H(X,V,ha){X.N===V&&ha(X);X.C&&X.C.forEach(function(w){H(w,V,ha)})}";
const INDEXED =
  "function L(X,V){__saxonNodesOfType(x,X).forEach(function(w){V(w)})}function H(X,V,ha){X.N===V&&ha(X);X.C&&X.C.forEach(function(w){H(w,V,ha)})}";

type SefTree = { N?: string; C?: SefTree[] };
const indexes = new WeakMap<object, Map<string, SefTree[]>>();

/** The nodes of `type` under `root` (itself included), in the order of a depth-first walk, found once. */
export function nodesOfType(root: SefTree, type: string): SefTree[] {
  let byType = indexes.get(root);
  if (!byType) {
    byType = new Map();
    indexes.set(root, byType);
  }
  let nodes = byType.get(type);
  if (!nodes) {
    nodes = [];
    const stack: SefTree[] = [root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.N === type) nodes.push(node);
      if (node.C) for (let i = node.C.length - 1; i >= 0; i--) stack.push(node.C[i]!);
    }
    byType.set(type, nodes);
  }
  return nodes;
}

function load(): { saxon: typeof SaxonJSType; patched: boolean } {
  const require = createRequire(import.meta.url);
  const file = require.resolve("saxon-js");
  const source = readFileSync(file, "utf8");
  if (source.split(WALK).length !== 2) return { saxon: require("saxon-js"), patched: false };
  const module = { exports: {} as typeof SaxonJSType };
  new Function(
    "module",
    "exports",
    "require",
    "__filename",
    "__dirname",
    "__saxonNodesOfType",
    `${source.replace(WALK, INDEXED)}\n//# sourceURL=${file}`,
  )(module, module.exports, require, file, path.dirname(file), nodesOfType);
  return { saxon: module.exports, patched: true };
}

const loaded = load();
/** SaxonJS, with the stylesheet's tables found once per SEF (see above). */
export const SaxonJS = loaded.saxon;
/** Whether the fix applied (false: the package's text changed, SaxonJS runs unpatched). */
export const saxonPatched = loaded.patched;
