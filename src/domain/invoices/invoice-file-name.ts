/** A server-made name for a downloaded invoice: `<issuer>_<invoice number>_<issue date>.<ext>`. */
export interface InvoiceFileName {
  /** Unicode form (RFC 6266 `filename*`): no control, format (bidi) or path characters. */
  utf8: string;
  /** ASCII fallback (`filename="…"`, ZIP entries): letters, digits, `.`, `-`, `_` only. */
  ascii: string;
}

const PART_MAX = 60;

// Control and format characters (a bidi override could disguise the extension), path separators and
// the characters Windows refuses in names.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}/\\:*?"<>|]+/gu;

function cleanPart(value: string, fallback: string): string {
  const cleaned = value
    .normalize("NFC")
    .replace(UNSAFE, "-")
    .replace(/\s+/gu, "-")
    .replace(/_+/g, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/-[.-]*-|-\.|\.-/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "");
  return (
    Array.from(cleaned)
      .slice(0, PART_MAX)
      .join("")
      .replace(/[-.]+$/, "") || fallback
  );
}

function asciiPart(value: string, fallback: string): string {
  const ascii = value
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .replace(/[^A-Za-z0-9.-]+/g, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/-[.-]*-|-\.|\.-/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "");
  return ascii.slice(0, PART_MAX).replace(/[-.]+$/, "") || fallback;
}

/** Builds the download name of an invoice file from facts the issuer sent (never trusted as a path). */
export function invoiceFileName(
  input: { issuer: string; invoiceNumber: string; issueDate: string },
  extension: "pdf" | "xml",
): InvoiceFileName {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(input.issueDate) ? input.issueDate : "";
  const utf8Parts = [cleanPart(input.issuer, "facture"), cleanPart(input.invoiceNumber, "sans-numero")];
  const asciiParts = [asciiPart(utf8Parts[0]!, "facture"), asciiPart(utf8Parts[1]!, "sans-numero")];
  if (date) {
    utf8Parts.push(date);
    asciiParts.push(date);
  }
  return { utf8: `${utf8Parts.join("_")}.${extension}`, ascii: `${asciiParts.join("_")}.${extension}` };
}
