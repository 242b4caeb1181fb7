// Neither `npm test` nor `npm start` compiles the rules: the committed SEFs must match their XSLT. This
// test is the guard (hashes only, ~10 MB read): it fails when an XSLT of rules/ changed without
// `npm run rules:compile`.
import { describe, expect, it } from "vitest";
import { ALL_STYLESHEETS, ruleSet } from "./rule-sets.js";
import { patchRoundDivision, recordedChecksum, type SefNode, sefChecksum } from "./sef.js";
import { loadSef, readSefManifest, staleness } from "./sef-store.js";

describe("compiled rules (rules/fnfe-1.4.0/sef)", () => {
  const manifest = readSefManifest();

  it("has an up-to-date SEF for every stylesheet", () => {
    expect(ALL_STYLESHEETS.map((s) => [s, staleness(s, manifest) ?? "ok"])).toEqual(
      ALL_STYLESHEETS.map((s) => [s, "ok"]),
    );
  });

  it("records the round() patches: 1 in each EN 16931 file, 2 in each EXTENDED file", () => {
    const patches = (s: string) => manifest.stylesheets[s]?.roundPatches;
    expect(patches(ruleSet("EN16931").stylesheets[0]!)).toBe(1);
    expect(patches(ruleSet("CII-EN16931").stylesheets[0]!)).toBe(1);
    expect(patches(ruleSet("EXTENDED").stylesheets[0]!)).toBe(2);
    expect(patches(ruleSet("CII-EXTENDED-CTC-FR").stylesheets[0]!)).toBe(2);
  });

  it("writes patched SEFs whose checksum SaxonJS accepts, with no decimal-only round() division left", () => {
    const { sef } = loadSef(ruleSet("EXTENDED").stylesheets[0]!, manifest);
    expect(recordedChecksum(sef)).toBe(sefChecksum(sef));
    expect(patchRoundDivision(sef)).toBe(0);
  });

  it("computes SaxonJS's checksum, and a patch changes it", () => {
    const tree: SefNode = {
      N: "package",
      C: [
        {
          N: "arith",
          op: "div",
          calc: "c/c",
          C: [{ N: "treat", as: "AD", C: [{ N: "fn", name: "round" }] }],
        },
      ],
    };
    const before = sefChecksum(tree);
    expect(patchRoundDivision(tree)).toBe(1);
    expect(tree.C![0]!.calc).toBe("a/a");
    expect(recordedChecksum(tree)).not.toBe(before);
    expect(recordedChecksum(tree)).toBe(sefChecksum(tree));
  });
});
