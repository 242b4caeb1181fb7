import { PASSWORD_PROBLEM_MESSAGES, type PasswordProblem } from "../../../domain/accounts/password-policy.js";

/** A notice at the top of a back-office page. */
export type StaffMessage = { kind: "error" | "success"; text: string };

/** Every fixed French text of the back office that routes choose between (views hold the rest). */
export const STAFF_MESSAGES: Record<string, StaffMessage> = {
  session: { kind: "error", text: "Votre session a expiré ou a été fermée. Merci de vous reconnecter." },
  "logged-out": { kind: "success", text: "Vous êtes déconnecté(e) de l’espace conseiller." },
  "code-expired": {
    kind: "error",
    text: "Le délai pour saisir le code est dépassé. Saisissez de nouveau votre adresse e-mail et votre mot de passe.",
  },
  enrolled: {
    kind: "success",
    text: "Votre compte est prêt. Connectez-vous avec votre adresse e-mail, votre mot de passe et un code de votre application.",
  },
  "email-corrected": {
    kind: "success",
    text: "L’adresse e-mail est corrigée. L’ancienne adresse a été prévenue.",
  },
  "activation-sent": {
    kind: "success",
    text: "Le mail d’activation part dans un instant vers l’adresse enregistrée.",
  },
  "activation-throttled": {
    kind: "error",
    text: "Le mail d’activation a déjà été envoyé 3 fois dans l’heure pour ce client. Réessayez plus tard.",
  },
  "activation-not-needed": {
    kind: "error",
    text: "Ce compte est déjà activé : le client se connecte avec son identifiant et « Mot de passe ou identifiant oublié ? » s’il a oublié son mot de passe.",
  },
  "no-email": {
    kind: "error",
    text: "Ce client n’a pas d’adresse e-mail enregistrée : corrigez-la d’abord.",
  },
  unlocked: { kind: "success", text: "Le compte est déverrouillé." },
  "not-locked": { kind: "error", text: "Ce compte n’était pas verrouillé." },
  "sessions-revoked": { kind: "success", text: "Toutes les sessions du client sont fermées." },
  "staff-disabled": { kind: "success", text: "Le compte est désactivé et ses sessions fermées." },
  "key-revoked": { kind: "success", text: "La clé d’API est révoquée : elle est refusée dès maintenant." },
  "branding-saved": { kind: "success", text: "L’apparence du portail est enregistrée." },
  "retention-saved": { kind: "success", text: "La durée de conservation est enregistrée." },
  "route-saved": {
    kind: "success",
    text: "La route par défaut est enregistrée : elle s’applique aux factures publiées à partir de maintenant.",
  },
  "faq-saved": { kind: "success", text: "La FAQ est enregistrée." },
  "legal-saved": { kind: "success", text: "Les mentions légales sont enregistrées." },
  // Issue #13 items 8 and 9: seller identities and withdrawal.
  "seller-added": {
    kind: "success",
    text: "Le vendeur est ajouté : les factures d’autres vendeurs sont refusées.",
  },
  "seller-removed": { kind: "success", text: "Le vendeur est retiré de la liste." },
  "invoice-withdrawn": {
    kind: "success",
    text: "La facture est retirée du portail : le client ne la voit plus. Publiez-la maintenant pour le bon client.",
  },
  "contact-saved": { kind: "success", text: "Le contact du service client est enregistré." },
};

export const LOGIN_FAILED =
  "Adresse e-mail ou mot de passe incorrect. En cas d’oubli, demandez à un administrateur de votre équipe de réinitialiser votre accès.";
export const CODE_FAILED =
  "Ce code n’est pas valable. Saisissez le code à 6 chiffres affiché maintenant par votre application, ou un code de secours.";
export const CODE_REPLAYED =
  "Ce code a déjà été utilisé. Attendez le code suivant de votre application (il change toutes les 30 secondes).";
export const ACCOUNT_LOCKED =
  "Trop de codes erronés : votre accès est bloqué pendant 30 minutes. Un administrateur peut réinitialiser votre double authentification.";

/** The password step's refusal: one text for every wrong pair (L1, L2), the wait when throttled. */
export function loginRefusedText(
  refusal: { reason: "invalid" } | { reason: "throttled"; retryAfterSeconds: number },
): string {
  if (refusal.reason !== "throttled") return LOGIN_FAILED;
  const minutes = Math.max(1, Math.ceil(refusal.retryAfterSeconds / 60));
  return `Trop de tentatives de connexion. Réessayez dans ${minutes} minute${minutes > 1 ? "s" : ""}.`;
}

/** The code step's refusals. */
export const CODE_REFUSED: Record<"invalid" | "replayed" | "locked", string> = {
  invalid: CODE_FAILED,
  replayed: CODE_REPLAYED,
  locked: ACCOUNT_LOCKED,
};

/** Why the enrolment form was refused: the code, the secret shown, or the password rules (P1-P4). */
export function enrolProblemText(problem: PasswordProblem | "bad_code" | "secret_expired"): string {
  if (problem === "bad_code")
    return "Ce code ne correspond pas. Vérifiez que l’heure de votre téléphone est à l’heure et saisissez le code affiché maintenant.";
  if (problem === "secret_expired")
    return "La clé affichée sur cette page a expiré ou a été ouverte dans un autre navigateur : voici une nouvelle clé. Supprimez l’ancienne entrée de votre application, ajoutez celle-ci, puis saisissez le code qu’elle affiche.";
  return PASSWORD_PROBLEM_MESSAGES[problem];
}

export const ROLE_LABELS: Record<string, string> = {
  advisor: "Conseiller·ère",
  admin: "Administrateur·rice",
};
export const STAFF_STATUS_LABELS: Record<string, string> = {
  invited: "Invité·e (inscription en attente)",
  active: "Actif",
  disabled: "Désactivé",
};

/** The mail kinds as the advisor reads them in the mail log. */
export const MAIL_KIND_LABELS: Record<string, string> = {
  activation: "Mail d’activation (identifiant)",
  "password-reset": "Lien de réinitialisation du mot de passe",
  "password-changed": "Avis de changement de mot de passe",
  "new-invoices": "Avis de nouvelles factures",
  "email-changed": "Avis de changement d’adresse (ancienne adresse)",
  "email-changed-new": "Avis de changement d’adresse (nouvelle adresse, même identifiant)",
  // Outside tester, item 20: every kind of src/mail/templates has its words.
  "retention-reminder": "Rappel avant la fin de conservation des factures",
  "integrity-alert": "Alerte d’intégrité (document altéré)",
};

export const MAIL_STATUS_LABELS: Record<string, string> = {
  queued: "En file d’attente",
  sent: "Remis au serveur de messagerie",
  failed: "Échec d’envoi",
  sending: "Envoi en cours",
  // The SMTP server may or may not have it (an attempt was cut off): never resent automatically.
  uncertain: "Envoi incertain (non renvoyé)",
};

/** Audit actions in words (the journal shows the code too). */
export const AUDIT_ACTION_LABELS: Record<string, string> = {
  "staff.login_succeeded": "Connexion à l’espace conseiller",
  "staff.login_failed": "Échec de connexion à l’espace conseiller",
  "staff.login_throttled": "Connexion conseiller freinée",
  "staff.locked": "Accès conseiller bloqué",
  "staff.logged_out": "Déconnexion de l’espace conseiller",
  "staff.invited": "Invitation d’un membre de l’équipe",
  "staff.invitation_renewed": "Nouveau lien d’inscription",
  "staff.enrolled": "Inscription terminée (mot de passe et double authentification)",
  "staff.totp_reset": "Double authentification réinitialisée",
  "staff.disabled": "Membre de l’équipe désactivé",
  "customer.viewed": "Consultation d’une fiche client",
  "customer.searched": "Recherche de clients",
  "customer.email_corrected": "Correction de l’adresse e-mail",
  "customer.email_changed": "Changement d’adresse e-mail",
  "customer.created": "Création d’un client",
  "account.unlocked": "Déverrouillage du compte",
  "account.sessions_revoked": "Fermeture des sessions du client",
  "account.activation_resent": "Renvoi du mail d’activation",
  "account.activated": "Activation du compte",
  "account.locked": "Verrouillage du compte",
  "login.succeeded": "Connexion client",
  "login.failed": "Échec de connexion client",
  "audit.exported": "Export du journal",
  "tenant.branding_changed": "Apparence du portail modifiée",
  "tenant.retention_changed": "Durée de conservation modifiée",
  "tenant.default_route_changed": "Route par défaut des factures modifiée",
  "invoice.compliance_viewed": "Consultation du contrôle de conformité d’une facture",
  "tenant.faq_changed": "FAQ modifiée",
  "tenant.legal_changed": "Mentions légales modifiées",
  "api_key.created": "Clé d’API créée",
  "api_key.revoked": "Clé d’API révoquée",
  "tenant.seller_added": "Vendeur autorisé ajouté",
  "tenant.seller_removed": "Vendeur autorisé retiré",
  "invoice.withdrawn": "Facture retirée par l’émetteur",
  "contract.detached": "Contrat détaché du client",
  // Outside tester, item 9: every action the code writes has its words (test/staff-labels.test.ts checks).
  "tenant.contact_changed": "Contact du service client modifié",
  "tenant.created": "Création du portail",
  "invoice.published": "Facture publiée",
  "pa.connected": "Plateforme agréée connectée",
  "pa.connection_replaced": "Connexion à la plateforme agréée remplacée",
  "pa.transmitted": "Facture transmise à la plateforme agréée",
  "pa.refused": "Facture refusée par la plateforme agréée au dépôt",
  "pa.acknowledged": "Dépôt accepté par la plateforme agréée",
  "pa.rejected": "Dépôt rejeté par la plateforme agréée",
  "pa.status_recorded": "Statut de cycle de vie reçu de la plateforme agréée",
  "pa.webhook_subscribed": "Notifications de la plateforme agréée (webhook) abonnées",
  "pa.payment_recorded": "Encaissement enregistré (statut 212)",
  "pa.payment_transmitted": "Encaissement (212) transmis à la plateforme agréée",
  "pa.payment_acknowledged": "Encaissement (212) accepté par la plateforme agréée",
  "pa.payment_rejected": "Encaissement (212) rejeté par la plateforme agréée",
  "pa.payment_refused": "Encaissement (212) non transmis, message refusé par les règles",
  "invoice.downloaded": "Premier téléchargement d’une facture",
  "invoice.removed": "Facture supprimée en fin de conservation",
  "invoice.proof_taken_by_staff": "Preuve de mise à disposition téléchargée par un conseiller",
  "integrity.failed": "Contrôle d’intégrité en échec",
  "blob.orphan_removed": "Fichier orphelin supprimé",
  "retention.reminder_queued": "Rappel de fin de conservation programmé",
  "mail.queued": "Mail mis en file d’attente",
  "mail.sent": "Mail remis au serveur de messagerie",
  "mail.failed": "Échec d’envoi d’un mail",
  "mail.uncertain": "Envoi de mail incertain",
  "login.throttled": "Connexion client freinée",
  "password.changed": "Mot de passe modifié par le client",
  "password.change_refused": "Changement de mot de passe refusé",
  "password_reset.requested": "Demande de réinitialisation du mot de passe",
  "password_reset.throttled": "Demande de réinitialisation freinée",
  "password_reset.mailed": "Lien de réinitialisation envoyé",
  "password_reset.completed": "Mot de passe réinitialisé par le client",
  "account.preferences_changed": "Préférences du client modifiées",
  "sessions.revoked": "Sessions fermées par le client",
  "audit.chain_version": "Passage du journal à la version 2 du chaînage",
};
