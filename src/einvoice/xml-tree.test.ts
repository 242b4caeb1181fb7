import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { readInvoicePdf } from "./read-invoice-pdf.js";
import { parseXmlTree, type XmlElement } from "./xml-tree.js";

function ok(text: string): XmlElement {
  const r = parseXmlTree(text);
  if (!r.ok) throw new Error(r.message);
  return r.root;
}

describe("parseXmlTree", () => {
  it("reads elements, attributes, text, CDATA, comments and processing instructions", () => {
    const root = ok(
      `<!-- c --><?pi x?>\n<a:r xmlns:a="urn:x" k='v &amp; &#x41;&#66;'><b>t &lt;1&gt; &quot;&apos;</b><!-- c --><c/><d><![CDATA[<raw> & ]]></d><e  x = "1"\ty="2" ></e ></a:r>\n<!-- end -->`,
    );
    expect(root.name).toBe("a:r");
    expect(root.attributes.get("k")).toBe("v & AB");
    expect(root.children.map((c) => c.name)).toEqual(["b", "c", "d", "e"]);
    expect(root.children[0]?.text).toBe(`t <1> "'`);
    expect(root.children[2]?.text).toBe("<raw> & ");
    expect(Object.fromEntries(root.children[3]?.attributes ?? [])).toEqual({ x: "1", y: "2" });
  });

  it("normalises whitespace in attribute values but keeps character references", () => {
    expect(ok(`<r a="x\ny&#10;z"/>`).attributes.get("a")).toBe("x y\nz");
  });

  it.each([
    ["", "no root element"],
    ["   ", "no root element"],
    ["text<r/>", "text before the root element"],
    ["<r>", "not closed"],
    ["<r></s>", "does not close"],
    ["<r><a></r>", "does not close"],
    ["<r/><s/>", "content after the root element"],
    ["<r/>text", "content after the root element"],
    ["<r a=1/>", "quoted attribute value"],
    ['<r a="1"b="2"/>', "whitespace expected"],
    ['<r a="1" a="2"/>', "duplicate attribute"],
    ['<r a="<"/>', "'<' in attribute value"],
    ["<r>&nbsp;</r>", "undefined entity"],
    ["<r>a & b</r>", "'&' must start"],
    ["<r>&amp</r>", "'&' must start"],
    ["<r>&#0;</r>", "not allowed"],
    ["<r>\u0001</r>", "forbidden character"],
    ["<1r/>", "invalid name"],
    ["<r><!-- x </r>", "unterminated comment"],
    ["<r><![CDATA[x</r>", "unterminated CDATA"],
    ["<r>]]></r>", "']]>' in text"],
    ['<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>', "DOCTYPE is not allowed"],
    ['<r><?xml version="1.0"?></r>', "XML declaration not at the start"],
    [`${"<a>".repeat(300)}${"</a>".repeat(300)}`, "nested too deeply"],
  ])("refuses %j (%s)", (text, reason) => {
    const r = parseXmlTree(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(reason);
  });

  it("reports the line and column of the error", () => {
    const r = parseXmlTree("<r>\n  <a>\n</r>");
    expect(r).toEqual({ ok: false, message: "</r> does not close <a> (line 3, column 1)" });
  });
});

// fast-xml-parser, which this reader replaced for speed, serves as an oracle on real invoices.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const corpus = path.resolve(repoRoot, "..", "shared", "corpus");

type Shape = { name: string; attributes: Record<string, string>; text: string; children: Shape[] };

function shapeOfTree(el: XmlElement): Shape {
  return {
    name: el.name,
    attributes: Object.fromEntries(el.attributes),
    text: el.text.trim(),
    children: el.children.map(shapeOfTree),
  };
}

function shapeOfOracle(node: Record<string, unknown>): Shape {
  const name = Object.keys(node).find((k) => k !== ":@")!;
  const content = node[name] as Record<string, unknown>[];
  const attrs = (node[":@"] ?? {}) as Record<string, string>;
  return {
    name,
    attributes: Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k.replace(/^@_/, ""), v])),
    text: content
      .filter((c) => "#text" in c)
      .map((c) => String(c["#text"]))
      .join("")
      .trim(),
    children: content.filter((c) => !("#text" in c) && !("?xml" in c)).map(shapeOfOracle),
  };
}

const oracle = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
});

const skipped = existsSync(corpus) ? "" : ` (skipped: corpus folder ${corpus} not found)`;
describe.skipIf(!existsSync(corpus))(`parseXmlTree against fast-xml-parser on the corpus${skipped}`, () => {
  const pdfs = ["facturx-valid", "facturx-flawed"].flatMap((d) =>
    readdirSync(path.join(corpus, d)).map((f) => `${d}/${f}`),
  );
  const xmls = readdirSync(path.join(corpus, "cii-xml")).map((f) => `cii-xml/${f}`);

  it.each([...pdfs, ...xmls])("builds the same tree for %s", async (rel) => {
    const bytes = new Uint8Array(readFileSync(path.join(corpus, rel)));
    const xml = rel.endsWith(".pdf") ? (await readInvoicePdf(bytes)).xml! : bytes;
    const text = new TextDecoder()
      .decode(xml)
      .replace(/^\uFEFF/, "")
      .replace(/^<\?xml[^>]*\?>/, "");
    const ours = shapeOfTree(ok(text));
    const theirs = (oracle.parse(text) as Record<string, unknown>[]).filter(
      (n) => !("#text" in n) && !("?xml" in n),
    );
    expect(theirs).toHaveLength(1);
    expect(ours).toEqual(shapeOfOracle(theirs[0]!));
  });
});
