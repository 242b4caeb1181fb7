import type { EmailChangedParams } from "../../domain/mail/mail-request.js";
import { contactSentence } from "./contact-url.js";
import { type MailContext, parisDateTime, type RenderedMail, renderMail } from "./layout.js";

/** Sent to the old address when an advisor corrects a customer's e-mail (docs/security.md A4). Never names the new address. */
export function emailChangedMail(context: MailContext, params: EmailChangedParams): RenderedMail {
  if (context.language === "en") {
    return renderMail(
      context,
      `${context.tenantName} E-FACTURE: the e-mail address of your customer account was changed`,
      [
        { p: "Hello," },
        {
          p: `On ${parisDateTime(params.at, "en")} (Paris time), ${params.by === "issuer" ? `${context.tenantName} updated its customer records and` : `a ${context.tenantName} customer-service advisor`} replaced this address with another one for customer number ${params.customerNumber}. Its invoices and e-mails now go to the new address; links sent to this address before no longer work.`,
        },
        {
          p: `If you did not ask for this change, contact your customer-service advisor at once.${contactSentence(context)}`,
        },
      ],
      `${context.tenantName} · E-FACTURE`,
    );
  }
  return renderMail(
    context,
    `E-FACTURE ${context.tenantName} : l’adresse e-mail de votre compte client a été modifiée`,
    [
      { p: "Bonjour," },
      {
        p: `Le ${parisDateTime(params.at, "fr")} (heure de Paris), ${params.by === "issuer" ? `${context.tenantName} a mis à jour son fichier clients et` : `un(e) conseiller(e) clientèle ${context.tenantName} a`} remplacé cette adresse par une autre pour le numéro client ${params.customerNumber}. Ses factures et ses e-mails sont désormais adressés à la nouvelle adresse ; les liens envoyés auparavant à cette adresse ne fonctionnent plus.`,
      },
      {
        p: `Si vous n’avez pas demandé ce changement, contactez sans attendre votre conseiller(e) clientèle.${contactSentence(context)}`,
      },
    ],
    `${context.tenantName} · E-FACTURE`,
  );
}
