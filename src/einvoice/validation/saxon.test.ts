// The SaxonJS fix (saxon.ts): a transform no longer walks the whole compiled stylesheet to find its
// tables, and finds the same nodes in the same order as SaxonJS's own walk.
import { describe, expect, it } from "vitest";
import { ruleSet } from "./rule-sets.js";
import { nodesOfType, SaxonJS, saxonPatched } from "./saxon.js";
import { loadSef, readSefManifest } from "./sef-store.js";

type Tree = { N?: string; C?: Tree[] };

describe("SaxonJS loaded by saxon.ts", () => {
  const stylesheet = ruleSet("EN16931").stylesheets[1]!; // BR-FR: the smaller file, ~1 s to load
  const entry = loadSef(stylesheet, readSefManifest()) as { sef: Tree; baseUri: string };
  const run = (xml: string) =>
    SaxonJS.transform(
      {
        stylesheetInternal: entry.sef,
        stylesheetBaseURI: entry.baseUri,
        sourceText: xml,
        destination: "serialized",
      },
      "sync",
    ).principalResult;

  it("applies to the installed SaxonJS (an upgrade that changes its text must be looked at)", () => {
    expect(saxonPatched).toBe(true);
  });

  it("lists a type's nodes as SaxonJS's recursive walk meets them", () => {
    const walked = new Map<string, Tree[]>();
    const walk = (node: Tree) => {
      if (node.N) walked.set(node.N, [...(walked.get(node.N) ?? []), node]);
      node.C?.forEach(walk);
    };
    walk(entry.sef);
    for (const type of ["package", "glob", "co", "mode", "templateRule"]) {
      const found = nodesOfType(entry.sef, type);
      const expected = walked.get(type) ?? [];
      expect(found.length).toBe(expected.length);
      expect(found.every((node, i) => node === expected[i])).toBe(true);
    }
    // Found once: the same list the second time.
    expect(nodesOfType(entry.sef, "co")).toBe(nodesOfType(entry.sef, "co"));
  });

  it("does not walk the stylesheet's tree again at each transform", () => {
    const first = run("<a/>");
    expect(first).toContain("schematron-output");
    // A walk of SaxonJS reads the type (N) of every node: count the reads of the deepest node's type (an
    // expression inside a rule that <a/> never fires) over three more transforms.
    let deepest: { node: Tree; depth: number } = { node: entry.sef, depth: 0 };
    const descend = (node: Tree, depth: number) => {
      if (depth > deepest.depth) deepest = { node, depth };
      for (const child of node.C ?? []) descend(child, depth + 1);
    };
    descend(entry.sef, 0);
    const { node } = deepest;
    const type = node.N;
    let reads = 0;
    Object.defineProperty(node, "N", {
      configurable: true,
      enumerable: true,
      get: () => {
        reads++;
        return type;
      },
    });
    try {
      for (let i = 0; i < 3; i++) expect(run("<a/>")).toBe(first);
    } finally {
      Object.defineProperty(node, "N", { configurable: true, enumerable: true, writable: true, value: type });
    }
    // Unpatched SaxonJS reads it once per walk, three walks per transform: 9 here.
    expect(deepest.depth).toBeGreaterThan(5);
    expect(reads).toBe(0);
  });
});
