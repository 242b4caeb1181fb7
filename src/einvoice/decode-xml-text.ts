import { error, warning } from "./findings.js";
import type { Finding } from "./types.js";

const XML_DECLARATION =
  /^<\?xml\s+version\s*=\s*(["'])1\.\d\1(?:\s+encoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\4)?\s*\?>/;

/** Encodings we decode, by lower-case label (XML encoding names are case-insensitive). */
const DECODERS: Record<string, string> = {
  "utf-8": "utf-8",
  utf8: "utf-8",
  "us-ascii": "utf-8",
  ascii: "utf-8",
  "iso-8859-1": "latin1",
  latin1: "latin1",
  "iso-8859-15": "iso-8859-15",
  "windows-1252": "windows-1252",
  cp1252: "windows-1252",
  // Only readable with a BOM, which selects the byte order; listed so its declaration is not "unknown".
  "utf-16": "utf-16le",
};

/** Decoded XML text, or the findings that prevented decoding it. */
export interface DecodedXml {
  /** The document without its BOM and XML declaration. */
  text?: string;
  findings: Finding[];
}

/**
 * Turns XML bytes into text. The XML declaration is checked here and removed, so that a bogus one
 * (seen in the wild: `encoding="UTF-8-W/O-BOM"`) costs a warning instead of a refusal.
 */
export function decodeXmlText(input: Uint8Array | string, maxXmlBytes: number): DecodedXml {
  const size = typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.length;
  if (size > maxXmlBytes) {
    return {
      findings: [error("xml_too_large", `The XML is ${size} bytes; the limit is ${maxXmlBytes} bytes.`)],
    };
  }
  const findings: Finding[] = [];
  let text: string;
  if (typeof input === "string") {
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  } else {
    let bytes = input;
    let label: string | undefined;
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      bytes = bytes.subarray(3);
      label = "utf-8";
    } else if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
      label = bytes[0] === 0xff ? "utf-16le" : "utf-16be";
      bytes = bytes.subarray(2);
    } else {
      // The declaration is ASCII in every encoding we accept without a BOM.
      const head = new TextDecoder("latin1").decode(bytes.subarray(0, 200));
      const declared = XML_DECLARATION.exec(head)?.[3]?.toLowerCase();
      label = declared === undefined ? "utf-8" : (DECODERS[declared] ?? "utf-8");
    }
    try {
      text = new TextDecoder(label, { fatal: true }).decode(bytes);
    } catch {
      return { findings: [error("xml_malformed", `The XML is not valid ${label.toUpperCase()} text.`)] };
    }
  }

  if (text.startsWith("<?xml")) {
    const m = XML_DECLARATION.exec(text);
    const end = text.indexOf("?>");
    if (end < 0) return { findings: [error("xml_malformed", "The XML declaration is not closed.")] };
    const encoding = m?.[3];
    if (!m) {
      findings.push(
        warning(
          "xml_declaration_invalid",
          `The XML declaration ${JSON.stringify(text.slice(0, end + 2))} is invalid; the XML was read as UTF-8.`,
        ),
      );
    } else if (encoding !== undefined && DECODERS[encoding.toLowerCase()] === undefined) {
      findings.push(
        warning(
          "xml_declaration_invalid",
          `Unknown encoding "${encoding}" declared; the XML was read as UTF-8.`,
        ),
      );
    }
    text = text.slice(end + 2);
  }
  return { text, findings };
}
