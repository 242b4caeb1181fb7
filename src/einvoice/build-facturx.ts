import { createHash } from "node:crypto";
import {
  PDFDocument,
  type PDFFont,
  PDFHexString,
  PDFName,
  type PDFPage,
  PDFString,
  type RGB,
  rgb,
  StandardFonts,
} from "pdf-lib";
import {
  buildCiiXml,
  computeInvoiceTotals,
  type FacturXInput,
  type FacturXParty,
  InvalidFacturXInput,
  type InvoiceTotals,
} from "./build-cii-xml.js";
import { parseDecimal } from "./decimal.js";

export type { FacturXAddress, FacturXInput, FacturXLine, FacturXParty } from "./build-cii-xml.js";

/** Look of the generated page. */
export interface FacturXOptions {
  /** `#rgb` or `#rrggbb`; default a sober dark blue. */
  brandColor?: string;
  /** Brand shown as the page heading (e.g. the portal's display name); the seller's legal name follows it. */
  title?: string;
}

const XML_FILENAME = "factur-x.xml";
const PRODUCER = "E-FACTURE";
const DEFAULT_BRAND = "#1f3a5f";

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 48;
const RIGHT = A4[0] - MARGIN;
const FOOTER_TOP = 78;

const INK = rgb(0.13, 0.15, 0.18);
const MUTED = rgb(0.42, 0.45, 0.5);
const RULE = rgb(0.82, 0.84, 0.87);
const ZEBRA = rgb(0.965, 0.97, 0.975);

/**
 * A Factur-X PDF (EN 16931 profile): one French A4 invoice or credit note page (more if the lines do
 * not fit) with its CII XML as associated file, and the Factur-X XMP metadata. The same input gives
 * the same bytes: dates come from the issue date and identifiers from a hash of the content.
 */
export async function buildFacturX(input: FacturXInput, options: FacturXOptions = {}): Promise<Uint8Array> {
  const xml = buildCiiXml(input);
  const xmlBytes = new TextEncoder().encode(xml);
  const totals = computeInvoiceTotals(input);
  const brand = parseColor(options.brandColor ?? DEFAULT_BRAND);
  const isCreditNote = input.typeCode === "381";
  const docLabel = isCreditNote ? "Avoir" : "Facture";
  const title = `${docLabel} ${input.invoiceNumber} - ${input.seller.name}`;
  // Midnight UTC of the issue date: metadata must not depend on when the file was built.
  const stamp = new Date(`${input.issueDate}T00:00:00Z`);

  const doc = await PDFDocument.create({ updateMetadata: false });
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const layout = new InvoiceLayout(doc, regular, bold, brand, input, totals, options.title);
  layout.draw();

  const safe = (s: string) => winAnsi(s, regular);
  const subject = `${docLabel} ${input.invoiceNumber} - ${input.buyer.name}`;
  doc.setTitle(safe(title), { showInWindowTitleBar: true });
  doc.setAuthor(safe(input.seller.name));
  doc.setSubject(safe(subject));
  doc.setCreator(PRODUCER);
  doc.setProducer(PRODUCER);
  doc.setLanguage("fr-FR");
  doc.setCreationDate(stamp);
  doc.setModificationDate(stamp);

  const context = doc.context;
  const embedded = context.flateStream(xmlBytes, {
    Type: "EmbeddedFile",
    Subtype: "text/xml",
    Params: {
      Size: xmlBytes.length,
      ModDate: PDFString.fromDate(stamp),
      CheckSum: PDFHexString.of(createHash("md5").update(xmlBytes).digest("hex")),
    },
  });
  const embeddedRef = context.register(embedded);
  const fileSpec = context.obj({
    Type: "Filespec",
    F: PDFString.of(XML_FILENAME),
    UF: PDFHexString.fromText(XML_FILENAME),
    Desc: PDFString.of("Factur-X invoice data (CII, EN 16931)"),
    AFRelationship: "Data",
    EF: { F: embeddedRef, UF: embeddedRef },
  });
  const fileSpecRef = context.register(fileSpec);
  const catalog = doc.catalog;
  catalog.set(PDFName.of("AF"), context.obj([fileSpecRef]));
  catalog.set(
    PDFName.of("Names"),
    context.obj({ EmbeddedFiles: { Names: [PDFString.of(XML_FILENAME), fileSpecRef] } }),
  );
  const xmp = buildXmp({
    title: safe(title),
    author: safe(input.seller.name),
    subject: safe(subject),
    stamp,
  });
  const metadata = context.stream(new TextEncoder().encode(xmp), { Type: "Metadata", Subtype: "XML" });
  catalog.set(PDFName.of("Metadata"), context.register(metadata));

  // PDF/A wants a file identifier; derive it from the content instead of a random value.
  const id = createHash("sha256").update(xmlBytes).update(JSON.stringify(options)).digest("hex").slice(0, 32);
  context.trailerInfo.ID = context.obj([PDFHexString.of(id), PDFHexString.of(id)]);

  return doc.save({ useObjectStreams: true });
}

function parseColor(hex: string): RGB {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) throw new InvalidFacturXInput(`brandColor must be #rgb or #rrggbb: "${hex}"`);
  const h = m[1]!.length === 3 ? [...m[1]!].map((c) => c + c).join("") : m[1]!;
  return rgb(
    Number.parseInt(h.slice(0, 2), 16) / 255,
    Number.parseInt(h.slice(2, 4), 16) / 255,
    Number.parseInt(h.slice(4, 6), 16) / 255,
  );
}

const charsetCache = new WeakMap<PDFFont, Set<number>>();
// Letters with no Unicode decomposition to a WinAnsi letter.
const TRANSLITERATION: Record<string, string> = {
  Ł: "L",
  ł: "l",
  Đ: "D",
  đ: "d",
  Ħ: "H",
  ħ: "h",
  ı: "i",
  ŀ: "l",
  Ŀ: "L",
};

/** Text the standard fonts can encode (WinAnsi): accents kept when possible, else stripped, else '?'. */
export function winAnsi(text: string, font: PDFFont): string {
  let charset = charsetCache.get(font);
  if (!charset) {
    charset = new Set(font.getCharacterSet());
    charsetCache.set(font, charset);
  }
  let out = "";
  for (const ch of text.replace(/[\t\r\n\u2028\u2029\u00a0\u2000-\u200b\u202f\u205f\u3000]/g, " ")) {
    const cp = ch.codePointAt(0)!;
    if (charset.has(cp)) {
      out += ch;
      continue;
    }
    const stripped = (TRANSLITERATION[ch] ?? ch).normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
    out += [...stripped].every((c) => charset.has(c.codePointAt(0)!)) && stripped !== "" ? stripped : "?";
  }
  return out;
}

/** `1234.5` → `1 234,50 €` (French grouping, decimal comma). */
export function formatMoney(amount: string, currency: string): string {
  const d = parseDecimal(amount);
  if (d === undefined) return amount;
  const negative = d.units < 0n;
  const digits = (negative ? -d.units : d.units).toString().padStart(d.scale + 1, "0");
  const intPart = digits.slice(0, digits.length - d.scale).replace(/\B(?=(\d{3})+(?!\d))/g, " ");
  const frac = d.scale > 0 ? digits.slice(digits.length - d.scale).padEnd(2, "0") : "00";
  const symbol = currency === "EUR" ? "€" : currency;
  return `${negative ? "-" : ""}${intPart},${frac} ${symbol}`;
}

function formatQuantity(q: string): string {
  return q.replace(".", ",");
}

function formatRate(rate: string): string {
  const trimmed = rate.includes(".") ? rate.replace(/0+$/, "").replace(/\.$/, "") : rate;
  return `${trimmed.replace(".", ",")} %`;
}

function formatDate(isoDate: string): string {
  const [y, m, d] = isoDate.split("-");
  return `${d}/${m}/${y}`;
}

function partyLegalLine(p: FacturXParty): string {
  const parts: string[] = [];
  if (p.siren) parts.push(`SIREN ${p.siren.replace(/^(\d{3})(\d{3})(\d{3})$/, "$1 $2 $3")}`);
  if (p.vatId) parts.push(`TVA ${p.vatId}`);
  return parts.join("  ·  ");
}

/** Draws the invoice pages; keeps a cursor and starts a new page when the next block does not fit. */
class InvoiceLayout {
  private page!: PDFPage;
  private y = 0;
  private readonly pages: PDFPage[] = [];

  constructor(
    private readonly doc: PDFDocument,
    private readonly regular: PDFFont,
    private readonly bold: PDFFont,
    private readonly brand: RGB,
    private readonly input: FacturXInput,
    private readonly totals: InvoiceTotals,
    private readonly brandTitle: string | undefined,
  ) {}

  draw(): void {
    this.newPage();
    this.drawHeader();
    this.drawParties();
    this.drawLines();
    this.drawSummary();
    this.drawPayment();
    this.drawFooters();
  }

  private newPage(): void {
    this.page = this.doc.addPage(A4);
    this.pages.push(this.page);
    this.page.drawRectangle({ x: 0, y: A4[1] - 8, width: A4[0], height: 8, color: this.brand });
    this.y = A4[1] - MARGIN;
    if (this.pages.length > 1) {
      const label = this.input.typeCode === "381" ? "Avoir" : "Facture";
      this.text(`${label} N° ${this.input.invoiceNumber} (suite)`, MARGIN, this.y - 6, 9, {
        font: this.bold,
        color: MUTED,
      });
      this.textRight(this.input.seller.name, RIGHT, this.y - 6, 9, { color: MUTED });
      this.y -= 26;
    }
  }

  private ensureSpace(height: number): boolean {
    if (this.y - height >= FOOTER_TOP + 12) return false;
    this.newPage();
    return true;
  }

  private text(s: string, x: number, y: number, size: number, opts: { font?: PDFFont; color?: RGB } = {}) {
    const font = opts.font ?? this.regular;
    this.page.drawText(winAnsi(s, font), { x, y, size, font, color: opts.color ?? INK });
  }

  private textRight(
    s: string,
    right: number,
    y: number,
    size: number,
    opts: { font?: PDFFont; color?: RGB } = {},
  ) {
    const font = opts.font ?? this.regular;
    const safe = winAnsi(s, font);
    this.page.drawText(safe, {
      x: right - font.widthOfTextAtSize(safe, size),
      y,
      size,
      font,
      color: opts.color ?? INK,
    });
  }

  /** Splits text into lines no wider than `width`, breaking long words if needed. */
  private wrap(s: string, width: number, size: number, font: PDFFont = this.regular): string[] {
    const lines: string[] = [];
    let current = "";
    for (const word of winAnsi(s, font).split(/ +/)) {
      const candidate = current === "" ? word : `${current} ${word}`;
      if (font.widthOfTextAtSize(candidate, size) <= width) {
        current = candidate;
        continue;
      }
      if (current !== "") lines.push(current);
      current = word;
      while (font.widthOfTextAtSize(current, size) > width && current.length > 1) {
        let cut = current.length - 1;
        while (cut > 1 && font.widthOfTextAtSize(current.slice(0, cut), size) > width) cut--;
        lines.push(current.slice(0, cut));
        current = current.slice(cut);
      }
    }
    if (current !== "") lines.push(current);
    return lines.length > 0 ? lines : [""];
  }

  private drawHeader(): void {
    const { seller, invoiceNumber, issueDate, dueDate, typeCode } = this.input;
    const top = this.y;
    const heading = this.brandTitle?.trim() || seller.name;
    let y = top - 12;
    for (const line of this.wrap(heading, 270, 17, this.bold).slice(0, 3)) {
      this.text(line, MARGIN, y, 17, { font: this.bold, color: this.brand });
      y -= 20;
    }
    y += 4;
    if (heading !== seller.name) {
      for (const line of this.wrap(seller.name, 270, 10, this.bold).slice(0, 2)) {
        this.text(line, MARGIN, y, 10, { font: this.bold });
        y -= 13;
      }
    }
    const address = [
      seller.address.line1,
      `${seller.address.postcode} ${seller.address.city}`,
      seller.address.countryCode === "FR" ? "" : seller.address.countryCode,
      partyLegalLine(seller),
    ].filter((l) => l !== "");
    for (const line of address) {
      this.text(line, MARGIN, y, 9, { color: MUTED });
      y -= 12;
    }

    const title = typeCode === "381" ? "AVOIR" : "FACTURE";
    this.textRight(title, RIGHT, top - 14, 24, { font: this.bold, color: INK });
    let ry = top - 36;
    this.textRight(`N° ${invoiceNumber}`, RIGHT, ry, 11, { font: this.bold });
    ry -= 16;
    this.textRight(`Date d'émission : ${formatDate(issueDate)}`, RIGHT, ry, 9.5, { color: MUTED });
    if (dueDate) {
      ry -= 13;
      this.textRight(`Date d'échéance : ${formatDate(dueDate)}`, RIGHT, ry, 9.5, { color: MUTED });
    }
    this.y = Math.min(y, ry) - 22;
  }

  private drawParties(): void {
    const { buyer, contractNumber, paymentReference } = this.input;
    const boxX = 318;
    const boxWidth = RIGHT - boxX;
    const nameLines = this.wrap(buyer.name, boxWidth - 24, 11, this.bold);
    const addressLines = [
      buyer.address.line1,
      `${buyer.address.postcode} ${buyer.address.city}`,
      ...(buyer.address.countryCode === "FR" ? [] : [buyer.address.countryCode]),
    ];
    const boxHeight = 30 + nameLines.length * 14 + addressLines.length * 12;
    const top = this.y;
    this.page.drawRectangle({
      x: boxX,
      y: top - boxHeight,
      width: boxWidth,
      height: boxHeight,
      color: ZEBRA,
      borderColor: RULE,
      borderWidth: 0.6,
    });
    this.page.drawRectangle({ x: boxX, y: top - boxHeight, width: 3, height: boxHeight, color: this.brand });
    let y = top - 16;
    this.text("CLIENT", boxX + 14, y, 7.5, { font: this.bold, color: this.brand });
    y -= 15;
    for (const line of nameLines) {
      this.text(line, boxX + 14, y, 11, { font: this.bold });
      y -= 14;
    }
    for (const line of addressLines) {
      this.text(line, boxX + 14, y, 9.5);
      y -= 12;
    }

    const refs: [string, string][] = [];
    if (buyer.id) refs.push(["N° client", buyer.id]);
    if (contractNumber) refs.push(["Contrat", contractNumber]);
    if (paymentReference) refs.push(["Référence de paiement", paymentReference]);
    if (buyer.siren) refs.push(["SIREN client", buyer.siren]);
    if (buyer.vatId) refs.push(["N° TVA client", buyer.vatId]);
    let ly = top - 16;
    this.text("VOS RÉFÉRENCES", MARGIN, ly, 7.5, { font: this.bold, color: this.brand });
    ly -= 15;
    for (const [label, value] of refs) {
      this.text(`${label}`, MARGIN, ly, 9, { color: MUTED });
      this.text(value, MARGIN + 112, ly, 9.5, { font: this.bold });
      ly -= 14;
    }
    this.y = Math.min(top - boxHeight, ly) - 26;
  }

  private static readonly COLUMNS = {
    description: MARGIN + 8,
    quantityRight: 345,
    unitPriceRight: 430,
    rateRight: 475,
    amountRight: RIGHT - 8,
  };

  private drawTableHeader(): void {
    const c = InvoiceLayout.COLUMNS;
    const h = 20;
    this.page.drawRectangle({
      x: MARGIN,
      y: this.y - h,
      width: RIGHT - MARGIN,
      height: h,
      color: this.brand,
    });
    const ty = this.y - 13.5;
    const white = rgb(1, 1, 1);
    const o = { font: this.bold, color: white };
    this.text("Désignation", c.description, ty, 8.5, o);
    this.textRight("Qté", c.quantityRight, ty, 8.5, o);
    this.textRight("Prix unit. HT", c.unitPriceRight, ty, 8.5, o);
    this.textRight("TVA", c.rateRight, ty, 8.5, o);
    this.textRight("Montant HT", c.amountRight, ty, 8.5, o);
    this.y -= h;
  }

  private drawLines(): void {
    const c = InvoiceLayout.COLUMNS;
    const { lines, currency } = this.input;
    this.ensureSpace(60);
    this.drawTableHeader();
    lines.forEach((line, i) => {
      const descLines = this.wrap(line.description, c.quantityRight - c.description - 50, 9.5);
      const rowHeight = 10 + descLines.length * 12;
      if (this.ensureSpace(rowHeight)) this.drawTableHeader();
      if (i % 2 === 1) {
        this.page.drawRectangle({
          x: MARGIN,
          y: this.y - rowHeight,
          width: RIGHT - MARGIN,
          height: rowHeight,
          color: ZEBRA,
        });
      }
      const baseline = this.y - 15;
      descLines.forEach((dl, k) => {
        this.text(dl, c.description, baseline - k * 12, 9.5);
      });
      this.textRight(formatQuantity(line.quantity), c.quantityRight, baseline, 9.5);
      this.textRight(formatMoney(line.unitPrice, currency), c.unitPriceRight, baseline, 9.5);
      this.textRight(formatRate(line.vatRatePercent), c.rateRight, baseline, 9.5);
      this.textRight(formatMoney(this.totals.lines[i]!.netAmount, currency), c.amountRight, baseline, 9.5);
      this.y -= rowHeight;
    });
    this.page.drawLine({
      start: { x: MARGIN, y: this.y },
      end: { x: RIGHT, y: this.y },
      thickness: 0.8,
      color: RULE,
    });
    this.y -= 22;
  }

  private drawSummary(): void {
    const { currency, typeCode } = this.input;
    const t = this.totals;
    const vatRows = t.vatGroups.length;
    this.ensureSpace(Math.max(110, 40 + vatRows * 14));
    const top = this.y;

    // VAT breakdown, left.
    const cols = { rate: MARGIN + 4, basisRight: 200, taxRight: 280 };
    this.text("Taux TVA", cols.rate, top, 8, { font: this.bold, color: MUTED });
    this.textRight("Base HT", cols.basisRight, top, 8, { font: this.bold, color: MUTED });
    this.textRight("Montant TVA", cols.taxRight, top, 8, { font: this.bold, color: MUTED });
    this.page.drawLine({
      start: { x: MARGIN, y: top - 5 },
      end: { x: 284, y: top - 5 },
      thickness: 0.6,
      color: RULE,
    });
    let ly = top - 18;
    for (const g of t.vatGroups) {
      this.text(g.categoryCode === "Z" ? "0 % (taux zéro)" : formatRate(g.ratePercent), cols.rate, ly, 9);
      this.textRight(formatMoney(g.basisAmount, currency), cols.basisRight, ly, 9);
      this.textRight(formatMoney(g.taxAmount, currency), cols.taxRight, ly, 9);
      ly -= 14;
    }

    // Totals, right.
    const labelX = 338;
    let ry = top;
    const row = (label: string, value: string, strong = false) => {
      const font = strong ? this.bold : this.regular;
      this.text(label, labelX, ry, 9.5, { font, color: strong ? INK : MUTED });
      this.textRight(value, RIGHT - 8, ry, 9.5, { font });
      ry -= 16;
    };
    row("Total HT", formatMoney(t.taxBasisTotal, currency));
    row("Total TVA", formatMoney(t.taxTotal, currency));
    this.page.drawLine({
      start: { x: labelX - 10, y: ry + 11 },
      end: { x: RIGHT, y: ry + 11 },
      thickness: 0.6,
      color: RULE,
    });
    ry -= 2;
    row("Total TTC", formatMoney(t.grandTotal, currency), true);
    ry -= 10;
    const boxH = 26;
    this.page.drawRectangle({
      x: labelX - 10,
      y: ry - boxH + 16,
      width: RIGHT - labelX + 10,
      height: boxH,
      color: this.brand,
    });
    const white = rgb(1, 1, 1);
    const label = typeCode === "381" ? "Montant en votre faveur" : "Net à payer";
    this.text(label, labelX, ry - 3, 10.5, { font: this.bold, color: white });
    this.textRight(formatMoney(t.duePayable, currency), RIGHT - 8, ry - 3, 11.5, {
      font: this.bold,
      color: white,
    });
    ry -= boxH;
    this.y = Math.min(ly, ry) - 18;
  }

  private drawPayment(): void {
    const { paymentReference, dueDate, note, typeCode } = this.input;
    const paragraphs: { text: string; bold?: boolean }[] = [];
    if (typeCode === "381") {
      paragraphs.push({
        text: "Cet avoir vient en déduction de vos prochaines factures ou vous sera remboursé.",
      });
    } else {
      paragraphs.push({
        text: dueDate ? `À régler au plus tard le ${formatDate(dueDate)}.` : "Payable à réception.",
        bold: true,
      });
    }
    if (paymentReference) {
      paragraphs.push({
        text: `Merci de rappeler la référence ${paymentReference} lors de votre règlement.`,
      });
    }
    if (note) paragraphs.push({ text: note });
    const wrapped = paragraphs.map((p) => ({ ...p, lines: this.wrap(p.text, RIGHT - MARGIN - 24, 9) }));
    const height = 30 + wrapped.reduce((h, p) => h + p.lines.length * 12 + 4, 0);
    this.ensureSpace(height);
    const top = this.y;
    this.page.drawRectangle({
      x: MARGIN,
      y: top - height,
      width: RIGHT - MARGIN,
      height,
      borderColor: RULE,
      borderWidth: 0.6,
    });
    let y = top - 16;
    this.text(typeCode === "381" ? "REMBOURSEMENT" : "RÈGLEMENT", MARGIN + 12, y, 7.5, {
      font: this.bold,
      color: this.brand,
    });
    y -= 15;
    for (const p of wrapped) {
      for (const line of p.lines) {
        this.text(line, MARGIN + 12, y, 9, { font: p.bold ? this.bold : this.regular });
        y -= 12;
      }
      y -= 4;
    }
    this.y = top - height - 16;
  }

  private drawFooters(): void {
    const { seller } = this.input;
    const legal = [
      seller.name,
      `${seller.address.line1}, ${seller.address.postcode} ${seller.address.city}`,
      partyLegalLine(seller),
    ]
      .filter((s) => s !== "")
      .join("  ·  ");
    const notice =
      "Facture électronique Factur-X (profil EN 16931) : les données structurées sont jointes à ce PDF (factur-x.xml).";
    this.pages.forEach((page, i) => {
      this.page = page;
      page.drawLine({
        start: { x: MARGIN, y: FOOTER_TOP - 18 },
        end: { x: RIGHT, y: FOOTER_TOP - 18 },
        thickness: 0.6,
        color: RULE,
      });
      const lines = this.wrap(legal, RIGHT - MARGIN - 60, 7.5);
      let y = FOOTER_TOP - 32;
      for (const line of lines.slice(0, 2)) {
        this.text(line, MARGIN, y, 7.5, { color: MUTED });
        y -= 10;
      }
      this.text(notice, MARGIN, y, 7, { color: MUTED });
      this.textRight(`Page ${i + 1}/${this.pages.length}`, RIGHT, FOOTER_TOP - 32, 7.5, { color: MUTED });
    });
  }
}

function xmlText(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** XMP packet: PDF/A-3B identification, Dublin Core / XMP basics matching the Info dictionary, and Factur-X. */
function buildXmp(m: { title: string; author: string; subject: string; stamp: Date }): string {
  const date = m.stamp.toISOString().replace(/\.\d{3}Z$/, "Z");
  const fxProperty = (name: string, description: string) =>
    `<rdf:li rdf:parseType="Resource"><pdfaProperty:name>${name}</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>${description}</pdfaProperty:description></rdf:li>`;
  return [
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">',
    "<pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>",
    "</rdf:Description>",
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">',
    "<dc:format>application/pdf</dc:format>",
    `<dc:title><rdf:Alt><rdf:li xml:lang="x-default">${xmlText(m.title)}</rdf:li></rdf:Alt></dc:title>`,
    `<dc:creator><rdf:Seq><rdf:li>${xmlText(m.author)}</rdf:li></rdf:Seq></dc:creator>`,
    `<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${xmlText(m.subject)}</rdf:li></rdf:Alt></dc:description>`,
    "</rdf:Description>",
    '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">',
    `<xmp:CreatorTool>${PRODUCER}</xmp:CreatorTool><xmp:CreateDate>${date}</xmp:CreateDate><xmp:ModifyDate>${date}</xmp:ModifyDate><xmp:MetadataDate>${date}</xmp:MetadataDate>`,
    "</rdf:Description>",
    '<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">',
    `<pdf:Producer>${PRODUCER}</pdf:Producer>`,
    "</rdf:Description>",
    '<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">',
    "<pdfaExtension:schemas><rdf:Bag>",
    '<rdf:li rdf:parseType="Resource">',
    "<pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>",
    "<pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>",
    "<pdfaSchema:prefix>fx</pdfaSchema:prefix>",
    "<pdfaSchema:property><rdf:Seq>",
    fxProperty("DocumentFileName", "The name of the embedded XML document"),
    fxProperty("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"),
    fxProperty("Version", "The actual version of the standard applying to the embedded XML document"),
    fxProperty("ConformanceLevel", "The conformance level of the embedded XML document"),
    "</rdf:Seq></pdfaSchema:property>",
    "</rdf:li>",
    "</rdf:Bag></pdfaExtension:schemas>",
    "</rdf:Description>",
    '<rdf:Description rdf:about="" xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#">',
    `<fx:DocumentType>INVOICE</fx:DocumentType><fx:DocumentFileName>${XML_FILENAME}</fx:DocumentFileName><fx:Version>1.0</fx:Version><fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>`,
    "</rdf:Description>",
    "</rdf:RDF>",
    "</x:xmpmeta>",
    '<?xpacket end="w"?>',
  ].join("\n");
}
