import type { RetentionReminderParams } from "../../domain/mail/mail-request.js";
import { REMINDER_LIST_PATH } from "../../domain/retention/retention-rules.js";
import { type MailContext, type RenderedMail, renderMail } from "./layout.js";

const NBSP = "\u00a0";

const longDate = {
  fr: new Intl.DateTimeFormat("fr-FR", { dateStyle: "long", timeZone: "Europe/Paris" }),
  en: new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "Europe/Paris" }),
};

/** The list of exactly these invoices, with its one-click ZIP: `<tenant origin>/factures?retrait=60&nouvelles=1`. */
function listUrl(portalUrl: string): string {
  return `${portalUrl.replace(/\/$/, "")}${REMINDER_LIST_PATH}`;
}

/**
 * One digest per account and reminder step: how many invoices never downloaded leave the portal, from
 * when, and the link to save them all at once. Sent even to accounts that turned new-invoice notices off:
 * it is about documents the customer is about to lose, not an announcement.
 */
export function retentionReminderMail(context: MailContext, params: RetentionReminderParams): RenderedMail {
  const en = context.language === "en";
  const n = params.count;
  const first = longDate[context.language].format(new Date(params.earliest));
  const last = params.days <= 15;
  const href = listUrl(context.portalUrl);
  if (en) {
    const subject = last
      ? `Last reminder: ${n === 1 ? "an invoice" : `${n} invoices`} from ${context.tenantName} leave${n === 1 ? "s" : ""} the portal on ${first}`
      : `${n === 1 ? "An invoice" : `${n} invoices`} from ${context.tenantName} will leave the portal from ${first}`;
    return renderMail(
      context,
      subject,
      [
        { p: "Hello," },
        {
          p:
            n === 1
              ? `An invoice you have not downloaded yet will leave your E-FACTURE portal on ${first}.`
              : `${n} invoices you have not downloaded yet will leave your E-FACTURE portal within ${params.days} days, the first on ${first}.`,
        },
        {
          p: `After that date ${n === 1 ? "it" : "they"} can no longer be downloaded. Save ${n === 1 ? "it" : "them"} now: one click downloads ${n === 1 ? "it" : "them all in a ZIP file"}.`,
        },
        { button: n === 1 ? "See and download my invoice" : "See and download my invoices", href },
        {
          p: "Your invoices are originals: keep them with your accounting records for as long as the law requires.",
        },
      ],
      "You receive this reminder even if you turned off new-invoice notices: it is about documents you are about to lose.",
    );
  }
  const subject = last
    ? `Dernier rappel${NBSP}: ${n === 1 ? "une facture" : `${n} factures`} ${context.tenantName} ${n === 1 ? "quitte" : "quittent"} le portail le ${first}`
    : `${n === 1 ? "Une facture" : `${n} factures`} ${context.tenantName} ${n === 1 ? "quittera" : "quitteront"} le portail à partir du ${first}`;
  return renderMail(
    context,
    subject,
    [
      { p: "Bonjour," },
      {
        p:
          n === 1
            ? `Une facture que vous n’avez pas encore téléchargée quittera votre portail E-FACTURE le ${first}.`
            : `${n} factures que vous n’avez pas encore téléchargées quitteront votre portail E-FACTURE d’ici ${params.days} jours, la première le ${first}.`,
      },
      {
        p:
          n === 1
            ? "Passé cette date, elle ne sera plus téléchargeable. Enregistrez-la dès maintenant, en un clic."
            : `Passé cette date, elles ne seront plus téléchargeables. Enregistrez-les dès maintenant${NBSP}: un clic suffit pour les télécharger toutes dans un fichier ZIP.`,
      },
      { button: n === 1 ? "Voir et télécharger ma facture" : "Voir et télécharger mes factures", href },
      {
        p: `Vos factures sont des originaux${NBSP}: conservez-les avec vos documents comptables pendant la durée prévue par la loi.`,
      },
    ],
    `Ce rappel vous est adressé même si vous avez désactivé les avis de nouvelles factures${NBSP}: il concerne des documents que vous risquez de perdre.`,
  );
}
