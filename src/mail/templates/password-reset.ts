import { type MailContext, type RenderedMail, renderMail } from "./layout.js";

/**
 * The link to set a password (first connection or forgotten password). Rendered at send time only:
 * the link holds the token, which is never stored (only its hash is).
 */
export function passwordResetMail(
  context: MailContext,
  params: { resetUrl: string; validMinutes: number },
): RenderedMail {
  if (context.language === "en") {
    return renderMail(
      context,
      `Set your ${context.tenantName} E-FACTURE password`,
      [
        { p: "Hello," },
        {
          p: "You asked to set or reset the password of your E-FACTURE account. Open this link to choose your password; your identifier is shown on that page.",
        },
        { button: "Choose my password", href: params.resetUrl },
        {
          p: `This link works once and expires in ${params.validMinutes} minutes. If it has expired, ask for a new one from the portal's home page.`,
        },
        { p: "If you did not ask for this, ignore this e-mail: your account is unchanged." },
      ],
      `${context.tenantName} · E-FACTURE. Never share this link.`,
    );
  }
  return renderMail(
    context,
    `Définissez votre mot de passe E-FACTURE ${context.tenantName}`,
    [
      { p: "Bonjour," },
      {
        p: "Vous avez demandé à définir ou à réinitialiser le mot de passe de votre compte E-FACTURE. Ouvrez ce lien pour personnaliser votre mot de passe ; votre identifiant est affiché sur cette page.",
      },
      { button: "Personnaliser mon mot de passe", href: params.resetUrl },
      {
        p: `Ce lien ne fonctionne qu’une fois et expire dans ${params.validMinutes} minutes. S’il a expiré, faites une nouvelle demande depuis la page d’accueil du portail.`,
      },
      {
        p: "Si vous n’êtes pas à l’origine de cette demande, ignorez ce message : votre compte n’est pas modifié.",
      },
    ],
    `${context.tenantName} · E-FACTURE. Ne transmettez jamais ce lien.`,
  );
}
