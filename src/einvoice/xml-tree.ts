// A small, strict XML reader for invoice documents: elements, attributes, text, CDATA, comments and
// processing instructions, checked for well-formedness. There is no DTD support at all (a DOCTYPE is
// an error), so no entity can be defined, expanded or fetched. It replaced fast-xml-parser, whose
// validate + parse cost about 0.43 ms for a 9 KB invoice against ~0.09 ms here; xml-tree.test.ts
// checks that both build the same tree for every corpus XML.

import { PARSE_LIMITS } from "./parse-budget.js";

/** An element; names are qualified (`ram:ID`), matched by local name through the helpers below. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Map<string, string>;
  readonly children: XmlElement[];
  /** Character data directly inside the element, entities decoded, untrimmed. */
  text: string;
}

/** `tooComplex`: well-formed so far, but past a limit of PARSE_LIMITS (elements, attributes, depth). */
export type ParsedXml = { ok: true; root: XmlElement } | { ok: false; message: string; tooComplex?: true };

const MAX_DEPTH = PARSE_LIMITS.maxXmlDepth;
/** Shared by every element without attributes (never written to: the reader gives an element its own first). */
const NO_ATTRIBUTES: Map<string, string> = new Map();

class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
    readonly tooComplex = false,
  ) {
    super(message);
  }
}

// Characters XML 1.0 forbids anywhere in a document.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point.
const FORBIDDEN_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const NAME = /^[A-Za-z_:\u00C0-\uFFFF][A-Za-z0-9_:.\-\u00B7\u00C0-\uFFFF]*$/;
const ENTITY = /&(?:#x([0-9a-fA-F]+)|#([0-9]+)|([A-Za-z][A-Za-z0-9]*))?;?/g;
const PREDEFINED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

const SPACE = new Uint8Array(128);
for (const c of " \t\n\r") SPACE[c.charCodeAt(0)] = 1;
/** Names end at whitespace or one of `/ > = < ? "'`. */
const NAME_END = new Uint8Array(128);
for (const c of " \t\n\r/>=<?\"'") NAME_END[c.charCodeAt(0)] = 1;

function isSpace(c: number): boolean {
  return c < 128 && SPACE[c] === 1;
}

function isNameEnd(c: number): boolean {
  return c < 128 && NAME_END[c] === 1;
}

function decodeEntities(raw: string, at: number): string {
  if (raw.indexOf("&") < 0) return raw;
  return raw.replace(
    ENTITY,
    (whole, hex: string | undefined, dec: string | undefined, named: string | undefined) => {
      if (!whole.endsWith(";") || (hex === undefined && dec === undefined && named === undefined)) {
        throw new XmlSyntaxError("'&' must start an entity or character reference", at);
      }
      if (named !== undefined) {
        const v = PREDEFINED[named];
        if (v === undefined) throw new XmlSyntaxError(`undefined entity &${named};`, at);
        return v;
      }
      const code = hex !== undefined ? Number.parseInt(hex, 16) : Number(dec);
      const allowed =
        code === 0x9 ||
        code === 0xa ||
        code === 0xd ||
        (code >= 0x20 && code <= 0xd7ff) ||
        (code >= 0xe000 && code <= 0xfffd) ||
        (code >= 0x10000 && code <= 0x10ffff);
      if (!allowed) throw new XmlSyntaxError(`character reference ${whole} is not allowed`, at);
      return String.fromCodePoint(code);
    },
  );
}

/** Parses a whole document (without its XML declaration) into an element tree, or says why not. */
export function parseXmlTree(text: string): ParsedXml {
  try {
    const bad = FORBIDDEN_CHARS.exec(text);
    if (bad)
      throw new XmlSyntaxError(
        `forbidden character U+${bad[0].charCodeAt(0).toString(16).padStart(4, "0")}`,
        bad.index,
      );
    return { ok: true, root: new Reader(text).document() };
  } catch (e) {
    if (!(e instanceof XmlSyntaxError)) throw e;
    const before = text.slice(0, e.pos);
    const line = before.split("\n").length;
    const column = e.pos - before.lastIndexOf("\n");
    const message = `${e.message} (line ${line}, column ${column})`;
    return e.tooComplex ? { ok: false, message, tooComplex: true } : { ok: false, message };
  }
}

class Reader {
  private pos = 0;
  /** Names already checked: an invoice repeats a few dozen names many times. */
  private readonly knownNames = new Set<string>();
  // Counted as the tree grows: 1.2 million empty elements fit in 7.5 KB of deflated PDF.
  private elements = 0;
  private attributes = 0;

  constructor(private readonly s: string) {}

  private fail(message: string, at = this.pos): never {
    throw new XmlSyntaxError(message, at);
  }

  private tooComplex(message: string): never {
    throw new XmlSyntaxError(message, this.pos, true);
  }

  private skipSpace(): void {
    while (this.pos < this.s.length && isSpace(this.s.charCodeAt(this.pos))) this.pos++;
  }

  private expect(literal: string): void {
    if (!this.s.startsWith(literal, this.pos)) this.fail(`"${literal}" expected`);
    this.pos += literal.length;
  }

  private name(): string {
    const start = this.pos;
    while (this.pos < this.s.length && !isNameEnd(this.s.charCodeAt(this.pos))) this.pos++;
    const n = this.s.slice(start, this.pos);
    if (!this.knownNames.has(n)) {
      if (!NAME.test(n)) this.fail(n === "" ? "name expected" : `invalid name "${n}"`, start);
      this.knownNames.add(n);
    }
    return n;
  }

  /** Skips a comment, processing instruction or DOCTYPE-like markup at `<!` / `<?`; false if none. */
  private misc(): boolean {
    const s = this.s;
    if (s.startsWith("<!--", this.pos)) {
      const end = s.indexOf("-->", this.pos + 4);
      if (end < 0) this.fail("unterminated comment");
      this.pos = end + 3;
      return true;
    }
    if (s.startsWith("<?", this.pos)) {
      const start = this.pos;
      this.pos += 2;
      const target = this.name();
      if (target.toLowerCase() === "xml")
        this.fail("XML declaration not at the start of the document", start);
      const end = s.indexOf("?>", this.pos);
      if (end < 0) this.fail("unterminated processing instruction", start);
      this.pos = end + 2;
      return true;
    }
    if (s.startsWith("<!DOCTYPE", this.pos)) this.fail("DOCTYPE is not allowed");
    return false;
  }

  document(): XmlElement {
    const s = this.s;
    for (;;) {
      this.skipSpace();
      if (!this.misc()) break;
    }
    if (s.charCodeAt(this.pos) !== 0x3c /* < */)
      this.fail(this.pos >= s.length ? "no root element" : "text before the root element");
    const root = this.element();
    for (;;) {
      this.skipSpace();
      if (this.pos >= s.length) return root;
      if (!this.misc()) this.fail("content after the root element");
    }
  }

  /** Reads an element starting at `<` with its whole content, iteratively (no recursion). */
  private element(): XmlElement {
    const s = this.s;
    const stack: XmlElement[] = [];
    let root: XmlElement | undefined;
    for (;;) {
      // At '<' of a start tag.
      const tagStart = this.pos;
      this.pos++;
      if (++this.elements > PARSE_LIMITS.maxXmlElements)
        this.tooComplex(`more than ${PARSE_LIMITS.maxXmlElements} elements`);
      // Most elements of an invoice have no attribute: they share one empty map until they get one.
      const el: { -readonly [K in keyof XmlElement]: XmlElement[K] } = {
        name: this.name(),
        attributes: NO_ATTRIBUTES,
        children: [],
        text: "",
      };
      let selfClosing = false;
      for (;;) {
        const hadSpace = isSpace(s.charCodeAt(this.pos));
        this.skipSpace();
        const c = s.charCodeAt(this.pos);
        if (c === 0x3e /* > */) {
          this.pos++;
          break;
        }
        if (c === 0x2f /* / */) {
          this.expect("/>");
          selfClosing = true;
          break;
        }
        if (Number.isNaN(c)) this.fail("unterminated start tag", tagStart);
        if (!hadSpace) this.fail("whitespace expected between attributes");
        if (++this.attributes > PARSE_LIMITS.maxXmlAttributes)
          this.tooComplex(`more than ${PARSE_LIMITS.maxXmlAttributes} attributes`);
        const attrStart = this.pos;
        const attrName = this.name();
        this.skipSpace();
        this.expect("=");
        this.skipSpace();
        const quote = s.charCodeAt(this.pos);
        if (quote !== 0x22 && quote !== 0x27) this.fail("quoted attribute value expected");
        const end = s.indexOf(quote === 0x22 ? '"' : "'", this.pos + 1);
        if (end < 0) this.fail("unterminated attribute value");
        const raw = s.slice(this.pos + 1, end);
        if (raw.includes("<")) this.fail("'<' in attribute value", this.pos);
        if (el.attributes === NO_ATTRIBUTES) el.attributes = new Map();
        if (el.attributes.has(attrName)) this.fail(`duplicate attribute "${attrName}"`, attrStart);
        // Attribute-value normalisation: whitespace characters become spaces (before entity decoding).
        el.attributes.set(attrName, decodeEntities(raw.replace(/[\t\n\r]/g, " "), this.pos));
        this.pos = end + 1;
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else root = el;
      if (!selfClosing) {
        stack.push(el);
        if (stack.length > MAX_DEPTH)
          this.tooComplex(`elements nested too deeply (more than ${MAX_DEPTH} levels)`);
      }

      // Content until the next start tag, or until the stack empties.
      for (;;) {
        const current = stack[stack.length - 1];
        if (current === undefined) return root!;
        const lt = s.indexOf("<", this.pos);
        if (lt < 0) this.fail(`element <${current.name}> is not closed`);
        let blank = true;
        for (let i = this.pos; i < lt; i++) {
          if (!isSpace(s.charCodeAt(i))) {
            blank = false;
            break;
          }
        }
        // Indentation between elements is most of the text of an invoice: skip it without copying.
        if (blank) {
          this.pos = lt;
        } else {
          const raw = s.slice(this.pos, lt);
          if (raw.includes("]]>")) this.fail("']]>' in text");
          current.text += decodeEntities(raw, this.pos);
          this.pos = lt;
        }
        const next = s.charCodeAt(lt + 1);
        if (next === 0x2f /* / */) {
          this.pos = lt + 2;
          const closeAt = lt;
          const n = this.name();
          this.skipSpace();
          this.expect(">");
          if (n !== current.name) this.fail(`</${n}> does not close <${current.name}>`, closeAt);
          stack.pop();
          continue;
        }
        if (s.startsWith("<![CDATA[", lt)) {
          const end = s.indexOf("]]>", lt + 9);
          if (end < 0) this.fail("unterminated CDATA section");
          current.text += s.slice(lt + 9, end);
          this.pos = end + 3;
          continue;
        }
        if (next === 0x21 /* ! */ || next === 0x3f /* ? */) {
          if (!this.misc()) this.fail("unexpected markup");
          continue;
        }
        break; // a child start tag: read it in the outer loop
      }
    }
  }
}

export function localName(qualified: string): string {
  const i = qualified.indexOf(":");
  return i < 0 ? qualified : qualified.slice(i + 1);
}

/** Child elements with this local name, whatever their namespace prefix. */
export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  if (el === undefined) return [];
  return el.children.filter(
    (c) =>
      c.name === name ||
      (c.name.endsWith(name) && c.name.charCodeAt(c.name.length - name.length - 1) === 0x3a),
  );
}

/** First element along a path of local names. */
export function child(el: XmlElement | undefined, ...path: string[]): XmlElement | undefined {
  let current = el;
  for (const name of path) {
    if (current === undefined) return undefined;
    current = current.children.find(
      (c) =>
        c.name === name ||
        (c.name.endsWith(name) && c.name.charCodeAt(c.name.length - name.length - 1) === 0x3a),
    );
  }
  return current;
}

/** Trimmed text content; undefined when absent or blank. */
export function textOf(el: XmlElement | undefined): string | undefined {
  if (el === undefined) return undefined;
  const s = el.text.trim();
  return s === "" ? undefined : s;
}

export function attributeOf(el: XmlElement | undefined, name: string): string | undefined {
  return el?.attributes.get(name);
}

/** Namespace URI bound to the prefix of an element's name, looked up on that element. */
export function namespaceOf(el: XmlElement): string | undefined {
  const i = el.name.indexOf(":");
  return el.attributes.get(i < 0 ? "xmlns" : `xmlns:${el.name.slice(0, i)}`);
}
