import type { PasswordChangedParams } from "../../domain/mail/mail-request.js";
import { contactSentence } from "./contact-url.js";
import { type MailContext, parisDateTime, type RenderedMail, renderMail } from "./layout.js";

/** Notice after any password change (reset, first connection, account page): docs/security.md R11. */
export function passwordChangedMail(context: MailContext, params: PasswordChangedParams): RenderedMail {
  if (context.language === "en") {
    return renderMail(
      context,
      `Your ${context.tenantName} E-FACTURE password was changed`,
      [
        { p: "Hello," },
        {
          p: `The password of your E-FACTURE account ${params.identifier} was set on ${parisDateTime(params.at, "en")} (Paris time). Every open session was closed.`,
        },
        {
          p: `If this was not you, use "Forgot password or identifier?" on the portal at once and contact your customer-service advisor.${contactSentence(context)}`,
        },
        { button: "Open the portal", href: context.portalUrl },
      ],
      `${context.tenantName} · E-FACTURE`,
    );
  }
  return renderMail(
    context,
    `Votre mot de passe E-FACTURE ${context.tenantName} a été modifié`,
    [
      { p: "Bonjour," },
      {
        p: `Le mot de passe de votre compte E-FACTURE ${params.identifier} a été défini le ${parisDateTime(params.at, "fr")} (heure de Paris). Toutes les sessions ouvertes ont été fermées.`,
      },
      {
        p: `Si vous n’êtes pas à l’origine de ce changement, utilisez sans attendre le lien « Mot de passe ou identifiant oublié ? » du portail et contactez votre conseiller(e) clientèle.${contactSentence(context)}`,
      },
      { button: "Accéder au portail", href: context.portalUrl },
    ],
    `${context.tenantName} · E-FACTURE`,
  );
}
