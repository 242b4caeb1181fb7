import type { EmailChangedNewParams } from "../../domain/mail/mail-request.js";
import { contactSentence } from "./contact-url.js";
import { type MailContext, parisDateTime, type RenderedMail, renderMail } from "./layout.js";

/**
 * Sent to the new address when an advisor moves an activated account to it (docs/security.md A4): the customer
 * learns that nothing but the address changed, so they log in as before instead of calling the hotline.
 * Never names the old address.
 */
export function emailChangedNewMail(context: MailContext, params: EmailChangedNewParams): RenderedMail {
  if (context.language === "en") {
    return renderMail(
      context,
      `${context.tenantName} E-FACTURE: this is now the e-mail address of your customer account`,
      [
        { p: "Hello," },
        {
          p: `On ${parisDateTime(params.at, "en")} (Paris time), ${params.by === "issuer" ? `${context.tenantName} updated its customer records and` : `a ${context.tenantName} customer-service advisor`} registered this address for your E-FACTURE account (customer number ${params.customerNumbers}).`,
        },
        { strong: "Your identifier does not change:", value: params.identifier },
        {
          p: "Your password, your invoices and their history are kept. For your security, open sessions were closed: log in again with your identifier and your usual password.",
        },
        {
          p: `If you did not ask for this change, contact your customer-service advisor at once.${contactSentence(context)}`,
        },
        { button: "Open the portal", href: context.portalUrl },
      ],
      `${context.tenantName} · E-FACTURE`,
    );
  }
  return renderMail(
    context,
    `E-FACTURE ${context.tenantName} : cette adresse est désormais celle de votre compte client`,
    [
      { p: "Bonjour," },
      {
        p: `Le ${parisDateTime(params.at, "fr")} (heure de Paris), ${params.by === "issuer" ? `${context.tenantName} a mis à jour son fichier clients et` : `un(e) conseiller(e) clientèle ${context.tenantName} a`} enregistré cette adresse pour votre compte E-FACTURE (numéro client ${params.customerNumbers}).`,
      },
      { strong: "Votre identifiant ne change pas :", value: params.identifier },
      {
        p: "Votre mot de passe, vos factures et leur historique sont conservés. Par sécurité, les sessions ouvertes ont été fermées : reconnectez-vous avec votre identifiant et votre mot de passe habituel.",
      },
      {
        p: `Si vous n’êtes pas à l’origine de ce changement, contactez sans attendre votre conseiller(e) clientèle.${contactSentence(context)}`,
      },
      { button: "Accéder au portail", href: context.portalUrl },
    ],
    `${context.tenantName} · E-FACTURE`,
  );
}
