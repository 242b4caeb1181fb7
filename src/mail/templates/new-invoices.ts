import type { NewInvoicesParams } from "../../domain/mail/mail-request.js";
import { isCreditNote } from "../../einvoice/document-types.js";
import { type MailContext, type RenderedMail, renderMail } from "./layout.js";

function amount(value: string, currency: string, language: "fr" | "en"): string {
  const [int, frac = ""] = value.replace("-", "").split(".");
  const grouped = (int ?? "0").replace(/\B(?=(\d{3})+(?!\d))/g, language === "fr" ? "\u202f" : ",");
  const cents = `${frac}00`.slice(0, 2);
  const sign = value.startsWith("-") ? "-" : "";
  return language === "fr"
    ? `${sign}${grouped},${cents} ${currency}`
    : `${sign}${currency} ${grouped}.${cents}`;
}

function date(iso: string, language: "fr" | "en"): string {
  const [y, m, d] = iso.split("-");
  return language === "fr" ? `${d}/${m}/${y}` : `${y}-${m}-${d}`;
}

/** One digest per account and publication burst: the new invoices, and where to get them. */
export function newInvoicesMail(context: MailContext, params: NewInvoicesParams): RenderedMail {
  const en = context.language === "en";
  const lines = params.invoices.map((i) => {
    const kind = isCreditNote(i.typeCode) ? (en ? "Credit note" : "Avoir") : en ? "Invoice" : "Facture";
    return `${kind} ${i.invoiceNumber} ${en ? "of" : "du"} ${date(i.issueDate, context.language)} : ${amount(i.grandTotal, i.currency, context.language)}`;
  });
  const more = params.count - params.invoices.length;
  if (more > 0) lines.push(en ? `… and ${more} more` : `… et ${more} autre${more > 1 ? "s" : ""}`);
  if (en) {
    return renderMail(
      context,
      params.count === 1
        ? `A new invoice from ${context.tenantName} is available`
        : `${params.count} new documents from ${context.tenantName} are available`,
      [
        { p: "Hello," },
        {
          p:
            params.count === 1
              ? "A new document is available on your E-FACTURE portal:"
              : `${params.count} new documents are available on your E-FACTURE portal:`,
        },
        ...lines.map((p) => ({ p })),
        { button: "See my invoices", href: context.portalUrl },
        { p: "Remember to download and keep your invoices: they stay on the portal for a limited time." },
      ],
      `You can turn these notices off in your account settings on the portal.`,
    );
  }
  return renderMail(
    context,
    params.count === 1
      ? `Nouvelle facture ${context.tenantName} disponible`
      : `${params.count} nouveaux documents ${context.tenantName} disponibles`,
    [
      { p: "Bonjour," },
      {
        p:
          params.count === 1
            ? "Un nouveau document est disponible sur votre portail E-FACTURE :"
            : `${params.count} nouveaux documents sont disponibles sur votre portail E-FACTURE :`,
      },
      ...lines.map((p) => ({ p })),
      { button: "Voir mes factures", href: context.portalUrl },
      {
        p: "Pensez à récupérer et à sauvegarder vos factures : elles restent disponibles sur le portail pour une durée limitée.",
      },
    ],
    "Vous pouvez désactiver ces avis dans votre espace, rubrique « Mon compte ».",
  );
}
