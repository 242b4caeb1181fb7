// Compiled stylesheets (SEF, SaxonJS's JSON export of an XSLT) of the FNFE-MPE rules, and the one patch they
// need to run on SaxonJS 2.7. See docs/compliance.md, "Le correctif SaxonJS".

/** A node of a SEF tree: `N` its kind, `C` its children, every other key a string attribute. */
export interface SefNode {
  N: string;
  C?: SefNode[];
  [key: string]: unknown;
}

const SIGMA = String.fromCharCode(931);
const EXPORT_NS = "http://ns.saxonica.com/xslt/export";

/**
 * The checksum SaxonJS 2.7 verifies before running a SEF (its `Σ` field), computed as SaxonJS does
 * (SaxonJS2N.js, the function that throws "Invalid checksum in SEF"): a 32-bit hash of every node's kind
 * and attributes in document order. A patched SEF must carry the checksum of its patched tree.
 */
export function sefChecksum(root: SefNode): string {
  const hashString = (text: unknown, seed: number): number => {
    let k = seed << 8;
    if (typeof text === "string") for (let i = 0; i < text.length; i++) k = (k << 1) + text.charCodeAt(i);
    return k;
  };
  const pair = (a: unknown, b: string, seed: number) => hashString(a, seed) ^ hashString(b, seed);
  let h = 0;
  let s = 0;
  const visit = (node: SefNode): void => {
    h ^= pair(node.N, EXPORT_NS, s++);
    for (const key in node) {
      if (!Object.hasOwn(node, key)) continue;
      if (key === "N" || key === "C" || key === "ELAB" || key === "PUSH" || key === SIGMA) continue;
      if (node.N === "catch" && key === "test") continue;
      h ^= pair(key, "", s);
      h ^= hashString(node[key], s);
    }
    if (node.C) for (const child of node.C) visit(child);
    h ^= 1;
  };
  visit(root);
  return (h < 0 ? 4294967295 + h + 1 : h).toString(16);
}

/** The checksum recorded in a SEF. */
export function recordedChecksum(root: SefNode): string | undefined {
  const value = root[SIGMA];
  return typeof value === "string" ? value : undefined;
}

const ANY_NUMERIC = "A m[AO,AD,AF]";

/**
 * SaxonJS 2.7's compiler types `round(x)` as xs:decimal when x is numeric of unknown kind, and compiles
 * `round(x) div xs:decimal(100)` as a decimal-only division behind a `treat as xs:decimal` of the round.
 * At run time x is an xs:double (sum() of untyped amounts), round() returns an xs:double, and the treat
 * stops the whole stylesheet with XPTY0004 ("Required item type of first operand of 'arith' is
 * xs:decimal; supplied value is xs:double"): every EXTENDED invoice failed on it, and one rule of the
 * EN 16931 file. The patch makes that division generic (any numeric, as XPath says), which is what the
 * same compiler emits for the 160 other `round(..) div ..` of these files. The rules then cast the
 * quotient to xs:decimal themselves. Returns the number of expressions patched; updates the checksum.
 */
export function patchRoundDivision(root: SefNode): number {
  let patched = 0;
  const visit = (node: SefNode): void => {
    if (node.N === "arith" && typeof node.calc === "string" && node.calc !== "") {
      const first = node.C?.[0];
      const inner = first?.N === "treat" && first.as === "AD" ? first.C?.[0] : undefined;
      const round = inner?.N === "check" ? inner.C?.[0] : inner;
      if (first && round?.N === "fn" && round.name === "round") {
        first.as = ANY_NUMERIC;
        node.calc = `a${String(node.op === "div" ? "/" : node.calc.charAt(1))}a`;
        patched++;
      }
    }
    if (node.C) for (const child of node.C) visit(child);
  };
  visit(root);
  if (patched > 0) root[SIGMA] = sefChecksum(root);
  return patched;
}
