import {
  absDecimal,
  addDecimals,
  compareDecimals,
  type Decimal,
  divideDecimals,
  formatDecimal,
  multiplyDecimals,
  parseDecimal,
  roundHalfUp,
  subtractDecimals,
  ZERO,
} from "./decimal.js";
import { CREDIT_NOTE_TYPE_CODES } from "./document-types.js";
import { error, warning } from "./findings.js";
import type { Finding, InvoiceFacts } from "./types.js";

/** Amounts read from the XML that are checked but not kept as facts. */
export interface LineAmounts {
  lineId: string;
  quantity?: string;
  netPrice?: string;
  basisQuantity?: string;
  lineTotal?: string;
  allowanceCharges: { isCharge: boolean; amount?: string }[];
}

/** Document-level amounts that only the consistency checks need. */
export interface DocumentAmounts {
  lines: LineAmounts[];
  allowanceTotal?: string;
  chargeTotal?: string;
  prepaidTotal?: string;
  roundingAmount?: string;
}

// UNTDID 1001 document types that EN 16931 uses for invoices and credit notes.
const INVOICE_TYPE_CODES = new Set(
  [
    "71 80 82 84 102 218 219 326 331 380 382 383 384 386 388 389",
    "390 393 394 395 456 527 575 623 633 751 780 870 875 876 877 935",
  ]
    .join(" ")
    .split(" "),
);

const MANDATORY: { field: keyof InvoiceFacts | "seller.name" | "buyer.name"; label: string }[] = [
  { field: "invoiceNumber", label: "Invoice number (BT-1)" },
  { field: "typeCode", label: "Document type code (BT-3)" },
  { field: "issueDate", label: "Issue date (BT-2)" },
  { field: "currency", label: "Invoice currency (BT-5)" },
  { field: "grandTotal", label: "Grand total (BT-112)" },
  { field: "seller.name", label: "Seller name (BT-27)" },
  { field: "buyer.name", label: "Buyer name (BT-44)" },
];

function dec(s: string | undefined): Decimal | undefined {
  return s === undefined ? undefined : parseDecimal(s);
}

function sum(values: Decimal[]): Decimal {
  return values.reduce(addDecimals, ZERO);
}

function fmt(d: Decimal): string {
  return formatDecimal(d);
}

/**
 * Business rules on the extracted facts. Only what the portal must act on is an error (a fact it
 * cannot store or a document that lies about its nature); arithmetic slips are recorded as warnings.
 */
export function checkInvoice(
  facts: InvoiceFacts,
  amounts: DocumentAmounts,
  readFindings: Finding[],
): Finding[] {
  const findings: Finding[] = [];
  for (const { field, label } of MANDATORY) {
    const value =
      field === "seller.name" ? facts.seller.name : field === "buyer.name" ? facts.buyer.name : facts[field];
    // A value present but invalid was already reported while reading (invalid_date, invalid_amount).
    if (value === undefined && !readFindings.some((f) => f.field === field)) {
      findings.push(error("missing_field", `${label} is missing.`, field));
    }
  }

  if (facts.currency !== undefined && !/^[A-Z]{3}$/.test(facts.currency)) {
    findings.push(
      error("invalid_currency", `Currency "${facts.currency}" is not an ISO 4217 code.`, "currency"),
    );
  }

  const typeCode = facts.typeCode;
  if (typeCode !== undefined && !INVOICE_TYPE_CODES.has(typeCode) && !CREDIT_NOTE_TYPE_CODES.has(typeCode)) {
    findings.push(
      warning(
        "type_code_unknown",
        `Document type code "${typeCode}" is not an invoice or credit note code.`,
        "typeCode",
      ),
    );
  }

  const grand = dec(facts.grandTotal);
  if (grand !== undefined && grand.units < 0n) {
    if (typeCode === "380") {
      findings.push(
        error(
          "credit_note_typed_as_invoice",
          `Typed 380 (invoice) with a negative grand total (${facts.grandTotal}): a credit note must be typed 381 with positive amounts.`,
          "typeCode",
        ),
      );
    } else if (typeCode === "381") {
      findings.push(
        warning(
          "credit_note_negative_total",
          `Typed 381 (credit note) with a negative grand total (${facts.grandTotal}).`,
          "grandTotal",
        ),
      );
    }
  }

  if (facts.profile === "MINIMUM" || facts.profile === "BASIC WL") {
    findings.push(
      warning(
        "profile_not_accepted_for_issuing",
        `Profile ${facts.profile} is not a complete invoice under the French e-invoicing reform; published, but the issuer should send EN 16931 or richer.`,
        "profile",
      ),
    );
  } else if (facts.profile === "UNKNOWN") {
    findings.push(
      warning(
        "profile_unknown",
        facts.profileId === undefined
          ? "The guideline identifier (BT-24) is missing."
          : `Unknown guideline identifier "${facts.profileId}".`,
        "profileId",
      ),
    );
  }

  findings.push(...checkTotals(facts, amounts));
  return findings;
}

function inconsistent(field: string, rule: string, message: string): Finding {
  return warning("totals_inconsistent", `${message} (${rule}).`, field);
}

function checkTotals(facts: InvoiceFacts, amounts: DocumentAmounts): Finding[] {
  const findings: Finding[] = [];
  const grand = dec(facts.grandTotal);
  const basis = dec(facts.taxBasisTotal);
  const tax = dec(facts.taxTotal);
  const lineTotal = dec(facts.lineTotal);

  // BR-CO-15: grand total = tax basis total + VAT total.
  if (grand && basis && compareDecimals(addDecimals(basis, tax ?? ZERO), grand) !== 0) {
    findings.push(
      inconsistent(
        "grandTotal",
        "BR-CO-15",
        `Tax basis total ${facts.taxBasisTotal} + VAT total ${facts.taxTotal ?? "0"} is not the grand total ${facts.grandTotal}`,
      ),
    );
  }

  // BR-CO-13: tax basis total = line total - allowances + charges.
  const allowances = dec(amounts.allowanceTotal) ?? ZERO;
  const charges = dec(amounts.chargeTotal) ?? ZERO;
  if (lineTotal && basis) {
    const expected = addDecimals(subtractDecimals(lineTotal, allowances), charges);
    if (compareDecimals(expected, basis) !== 0) {
      findings.push(
        inconsistent(
          "taxBasisTotal",
          "BR-CO-13",
          `Line total ${facts.lineTotal} - allowances + charges = ${fmt(expected)}, not the tax basis total ${facts.taxBasisTotal}`,
        ),
      );
    }
  }

  // BR-CO-14: VAT total = sum of the VAT breakdown tax amounts.
  if (tax && facts.vatBreakdown.length > 0) {
    const breakdownTax = sum(facts.vatBreakdown.map((v) => dec(v.taxAmount) ?? ZERO));
    if (compareDecimals(breakdownTax, tax) !== 0) {
      findings.push(
        inconsistent(
          "taxTotal",
          "BR-CO-14",
          `VAT breakdown sums to ${fmt(breakdownTax)}, not the VAT total ${facts.taxTotal}`,
        ),
      );
    }
  }

  // BR-CO-16: amount due = grand total - prepaid + rounding. The MINIMUM profile has no prepaid
  // amount (BT-113) at all, so its amount due cannot be checked.
  const due = dec(facts.duePayable);
  if (grand && due && facts.profile !== "MINIMUM") {
    const expected = addDecimals(
      subtractDecimals(grand, dec(amounts.prepaidTotal) ?? ZERO),
      dec(amounts.roundingAmount) ?? ZERO,
    );
    if (compareDecimals(expected, due) !== 0) {
      findings.push(
        inconsistent(
          "duePayable",
          "BR-CO-16",
          `Grand total - prepaid + rounding = ${fmt(expected)}, not the amount due ${facts.duePayable}`,
        ),
      );
    }
  }

  // BR-CO-10: line total = sum of line net amounts.
  const lineNets = amounts.lines.map((l) => dec(l.lineTotal));
  if (lineTotal && amounts.lines.length > 0 && lineNets.every((x) => x !== undefined)) {
    const s = sum(lineNets as Decimal[]);
    if (compareDecimals(s, lineTotal) !== 0) {
      findings.push(
        inconsistent(
          "lineTotal",
          "BR-CO-10",
          `Line net amounts sum to ${fmt(s)}, not the line total ${facts.lineTotal}`,
        ),
      );
    }
  }

  // BR-S-09 and siblings: category tax = basis × rate, rounded to 2 decimals. One cent of tolerance
  // for producers that round half-even or per line.
  const cent: Decimal = { units: 1n, scale: 2 };
  facts.vatBreakdown.forEach((v, i) => {
    const rate = dec(v.ratePercent);
    const b = dec(v.basisAmount);
    const t = dec(v.taxAmount);
    if (!rate || !b || !t) return;
    const product = multiplyDecimals(b, rate);
    const expected = roundHalfUp({ units: product.units, scale: product.scale + 2 }, 2);
    if (compareDecimals(absDecimal(subtractDecimals(expected, t)), cent) > 0) {
      findings.push(
        warning(
          "vat_breakdown_inconsistent",
          `VAT ${v.categoryCode} ${v.ratePercent}%: ${v.basisAmount} × rate = ${fmt(expected)}, not ${v.taxAmount}.`,
          `vatBreakdown[${i}].taxAmount`,
        ),
      );
    }
  });

  // Line net amount = quantity × (net price / price base quantity) + charges - allowances.
  amounts.lines.forEach((line, i) => {
    const q = dec(line.quantity);
    const price = dec(line.netPrice);
    const total = dec(line.lineTotal);
    if (!q || !price || !total) return;
    const baseQuantity = dec(line.basisQuantity);
    const gross = multiplyDecimals(q, price);
    let net =
      baseQuantity && baseQuantity.units !== 0n
        ? divideDecimals(gross, baseQuantity, Math.max(total.scale, 2))
        : gross;
    for (const ac of line.allowanceCharges) {
      const a = dec(ac.amount);
      if (a) net = ac.isCharge ? addDecimals(net, a) : subtractDecimals(net, a);
    }
    const expected = roundHalfUp(net, Math.max(total.scale, 2));
    if (compareDecimals(expected, total) !== 0) {
      findings.push(
        warning(
          "line_amount_inconsistent",
          `Line ${line.lineId}: ${line.quantity} × ${line.netPrice} gives ${fmt(expected)}, but the line net amount is ${line.lineTotal}.`,
          `lines[${i}].lineTotal`,
        ),
      );
    }
  });
  return findings;
}
