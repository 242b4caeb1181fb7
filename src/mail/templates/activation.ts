import type { ActivationParams } from "../../domain/mail/mail-request.js";
import { contactSentence } from "./contact-url.js";
import { type MailContext, type RenderedMail, renderMail } from "./layout.js";

/** Sent when an invoice is published for an account that has no password yet: gives the identifier and the first-connection steps. */
export function activationMail(context: MailContext, params: ActivationParams): RenderedMail {
  if (context.language === "en") {
    return renderMail(
      context,
      `Your ${context.tenantName} E-FACTURE account: your identifier`,
      [
        { p: "Hello," },
        {
          p: `A new invoice from ${context.tenantName} is available on your E-FACTURE portal, where the originals of your invoices are published instead of paper.`,
        },
        { strong: "Your identifier:", value: params.identifier },
        {
          p: `Before your first connection, click "Forgot password or identifier?" on the portal and enter this e-mail address (${params.email}). You will receive a reset e-mail to choose your password.`,
        },
        { button: "Open the portal", href: context.portalUrl },
        {
          p: `Your invoices stay available for ${params.retentionMonths} months. Remember to download and keep them.`,
        },
      ],
      `You receive this e-mail because ${context.tenantName} registered this address for your customer account. If it is not yours, contact your customer-service advisor.${contactSentence(context)}`,
    );
  }
  return renderMail(
    context,
    `Activation de votre compte E-FACTURE ${context.tenantName} : votre identifiant`,
    [
      { p: "Bonjour," },
      {
        p: `Une nouvelle facture ${context.tenantName} est disponible sur votre portail E-FACTURE, qui met à votre disposition les originaux de vos factures en lieu et place de la facture papier.`,
      },
      { strong: "Votre identifiant :", value: params.identifier },
      {
        p: `Avant votre première connexion, cliquez sur le lien « Mot de passe ou identifiant oublié ? » du portail et saisissez cette adresse e-mail (${params.email}). Vous recevrez un e-mail de réinitialisation qui vous permettra de personnaliser votre mot de passe.`,
      },
      { button: "Accéder au portail", href: context.portalUrl },
      {
        p: `Vos factures sont archivées pendant ${params.retentionMonths} mois. Pensez à les récupérer et à les sauvegarder pendant ce délai afin d’être en conformité fiscale.`,
      },
    ],
    `Vous recevez cet e-mail car ${context.tenantName} a enregistré cette adresse pour votre compte client. S’il ne vous est pas destiné, contactez votre conseiller(e) clientèle.${contactSentence(context)}`,
  );
}
