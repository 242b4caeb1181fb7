import { XMLParser, XMLValidator } from "fast-xml-parser";
import { DomainError } from "../shared/errors.js";

export const MAX_LOGO_BYTES = 512 * 1024;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

// A logo is drawn, never scripted: only these elements and presentation attributes are accepted. Anything
// else (script, foreignObject, on* handlers, style, links, external references, DOCTYPE/entities) is refused
// rather than "cleaned", so what is stored is exactly what the admin uploaded and checked.
const ELEMENTS = new Set([
  "svg",
  "g",
  "path",
  "rect",
  "circle",
  "ellipse",
  "line",
  "polyline",
  "polygon",
  "text",
  "tspan",
  "title",
  "desc",
  "defs",
  "lineargradient",
  "radialgradient",
  "stop",
  "clippath",
]);
const ATTRIBUTES = new Set([
  "xmlns",
  "version",
  "viewbox",
  "width",
  "height",
  "x",
  "y",
  "x1",
  "y1",
  "x2",
  "y2",
  "cx",
  "cy",
  "r",
  "rx",
  "ry",
  "d",
  "points",
  "fill",
  "fill-opacity",
  "fill-rule",
  "clip-rule",
  "stroke",
  "stroke-width",
  "stroke-opacity",
  "stroke-linecap",
  "stroke-linejoin",
  "stroke-miterlimit",
  "stroke-dasharray",
  "opacity",
  "transform",
  "id",
  "class",
  "font-family",
  "font-size",
  "font-weight",
  "text-anchor",
  "dominant-baseline",
  "offset",
  "stop-color",
  "stop-opacity",
  "gradientunits",
  "gradienttransform",
  "clip-path",
  "preserveaspectratio",
  "role",
  "aria-label",
  "aria-hidden",
  "letter-spacing",
]);
const SVG_NS = "http://www.w3.org/2000/svg";

export type LogoKind = "image/png" | "image/svg+xml";

/** Checks an uploaded logo: a PNG by its signature, or an SVG drawn only with allow-listed elements and attributes. */
export function checkLogoFile(bytes: Uint8Array): LogoKind {
  if (bytes.byteLength === 0) throw new DomainError("invalid_logo", "Le fichier est vide.");
  if (bytes.byteLength > MAX_LOGO_BYTES)
    throw new DomainError("invalid_logo", "Le logo ne peut pas dépasser 512 Ko.");
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return "image/png";
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    throw new DomainError("invalid_logo", "Le logo doit être un fichier PNG ou SVG.");
  }
  if (/<!DOCTYPE|<!ENTITY/i.test(text))
    throw new DomainError(
      "invalid_logo",
      "Ce SVG contient une déclaration DOCTYPE ou ENTITY : elle est refusée.",
    );
  // Only the XML declaration may open with `<?`: any other processing instruction (xml-stylesheet loads CSS
  // from anywhere) is refused, since the parser below would skip it rather than show it to the checks.
  if (/<\?/.test(text.replace(/^\s*<\?xml\s[^<>?]*\?>/, "")))
    throw new DomainError(
      "invalid_logo",
      "Ce SVG contient une instruction de traitement (<?…?>) : elle est refusée.",
    );
  if (XMLValidator.validate(text) !== true)
    throw new DomainError("invalid_logo", "Le logo doit être un fichier PNG ou un SVG bien formé.");
  const tree = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: "",
    allowBooleanAttributes: true,
    processEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    commentPropName: "#comment",
  }).parse(text) as Node[];
  const roots = tree.filter((n) => !("#comment" in n) && !("#text" in n && String(n["#text"]).trim() === ""));
  if (roots.length !== 1 || firstKey(roots[0]!) !== "svg")
    throw new DomainError("invalid_logo", "Le logo doit être un fichier PNG ou SVG.");
  const root = roots[0]!;
  if (attributes(root).xmlns !== SVG_NS)
    throw new DomainError("invalid_logo", `Le SVG doit déclarer xmlns="${SVG_NS}".`);
  walk(root);
  return "image/svg+xml";
}

type Node = Record<string, unknown>;

function firstKey(node: Node): string {
  return Object.keys(node).find((k) => k !== ":@") ?? "";
}

function attributes(node: Node): Record<string, string> {
  return (node[":@"] as Record<string, string> | undefined) ?? {};
}

function walk(node: Node): void {
  const name = firstKey(node);
  if (name === "#text" || name === "#comment") return;
  if (!ELEMENTS.has(name.toLowerCase()))
    throw new DomainError(
      "invalid_logo",
      `Ce SVG contient un élément non autorisé : <${name.slice(0, 40)}>.`,
    );
  for (const [attr, value] of Object.entries(attributes(node))) {
    const lower = attr.toLowerCase();
    if (!ATTRIBUTES.has(lower))
      throw new DomainError(
        "invalid_logo",
        `Ce SVG contient un attribut non autorisé : ${attr.slice(0, 40)}.`,
      );
    // url(#id) points inside the file; any other url(...) or a javascript:/data: value reaches outside.
    // Checked on the value as the renderer reads it, character references decoded (`&#117;rl(` is `url(`).
    const v = decodeReferences(String(value), attr);
    if (lower === "xmlns") {
      if (v !== SVG_NS) throw new DomainError("invalid_logo", `Le SVG doit déclarer xmlns="${SVG_NS}".`);
      continue;
    }
    if (/url\(\s*['"]?(?!#)/i.test(v) || /javascript:|data:|https?:|\/\//i.test(v))
      throw new DomainError(
        "invalid_logo",
        `Ce SVG fait référence à une ressource extérieure (${attr.slice(0, 40)}).`,
      );
  }
  for (const child of (node[name] as Node[] | undefined) ?? []) walk(child);
}

const XML_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeReferences(value: string, attr: string): string {
  return value.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z0-9]+);?/gi, (match, ref: string) => {
    const code = /^#x/i.test(ref)
      ? Number.parseInt(ref.slice(2), 16)
      : ref.startsWith("#")
        ? Number.parseInt(ref.slice(1), 10)
        : undefined;
    if (code === undefined) {
      const named = XML_ENTITIES[ref];
      if (named !== undefined && match.endsWith(";")) return named;
    } else if (match.endsWith(";") && code > 0 && code <= 0x10ffff) return String.fromCodePoint(code);
    throw new DomainError(
      "invalid_logo",
      `Ce SVG contient une référence de caractère non reconnue (${attr.slice(0, 40)}).`,
    );
  });
}

/** WCAG 2.1 contrast ratio between a #rrggbb colour and white (the text colour on brand surfaces). */
export function contrastWithWhite(hex: string): number {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return 1.05 / (luminance + 0.05);
}
