import { MIN_PASSWORD_LENGTH } from "../../../domain/accounts/password-policy.js";
import { PasswordField } from "../auth.view.js";
import type { Branding } from "../layout.js";
import { Message, StaffLayout } from "./staff-layout.js";

type Msg = { kind: "error" | "success"; text: string } | undefined;

/** A password input of the staff forms: 4096 characters at most, as the body schemas. */
function StaffPasswordField(props: {
  id: string;
  label: string;
  autocomplete: "current-password" | "new-password";
  describedBy?: string;
}) {
  return <PasswordField {...props} maxLength={4096} />;
}

/** Step 1 of the staff login: e-mail and password. */
export function StaffLoginPage(props: { branding: Branding; csrf: string; email?: string; message?: Msg }) {
  return (
    <StaffLayout title="Connexion" branding={props.branding}>
      <div class="narrow card">
        <h1>Espace conseiller : connexion</h1>
        <p>
          Réservé aux équipes de service client. Votre accès demande un mot de passe et un code de votre
          application d’authentification.
        </p>
        <Message message={props.message} />
        <form method="post" action="/conseiller/connexion" novalidate>
          <input type="hidden" name="_csrf" value={props.csrf} />
          <div class="field">
            <label for="email">Adresse e-mail professionnelle</label>
            <input
              type="email"
              id="email"
              name="email"
              autocomplete="username"
              maxlength="320"
              required
              value={props.email ?? ""}
            />
          </div>
          <StaffPasswordField id="password" label="Mot de passe" autocomplete="current-password" />
          <button type="submit" class="button">
            Continuer
          </button>
        </form>
      </div>
    </StaffLayout>
  );
}

/** Step 2: the TOTP code (or a recovery code). */
export function StaffCodePage(props: { branding: Branding; csrf: string; message?: Msg }) {
  return (
    <StaffLayout title="Code de vérification" branding={props.branding}>
      <div class="narrow card">
        <h1>Code de vérification</h1>
        <Message message={props.message} />
        <form method="post" action="/conseiller/code" novalidate>
          <input type="hidden" name="_csrf" value={props.csrf} />
          <div class="field">
            <label for="code">Code à 6 chiffres de votre application, ou code de secours</label>
            <input
              type="text"
              id="code"
              name="code"
              inputmode="numeric"
              autocomplete="one-time-code"
              maxlength="64"
              required
              aria-describedby="code-hint"
            />
            <p class="hint" id="code-hint">
              Le code change toutes les 30 secondes. Si vous n’avez plus votre téléphone, saisissez l’un de
              vos codes de secours (chacun ne sert qu’une fois).
            </p>
          </div>
          <button type="submit" class="button">
            Se connecter
          </button>
        </form>
        <p class="links">
          <a href="/conseiller/connexion">← Recommencer la connexion</a>
        </p>
      </div>
    </StaffLayout>
  );
}

/** Enrolment: password, QR code, a code to prove the app works. */
export function StaffEnrolPage(props: {
  branding: Branding;
  csrf: string;
  action: string;
  email: string;
  qrDataUrl: string;
  secret: string;
  message?: Msg;
}) {
  return (
    <StaffLayout title="Inscription" branding={props.branding}>
      <div class="card">
        <h1>Créer votre accès à l’espace conseiller</h1>
        <p>
          Compte : <strong safe>{props.email}</strong>
        </p>
        <Message message={props.message} />
        <form method="post" action={props.action} novalidate class="stack">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <h2>1. Choisissez votre mot de passe</h2>
          <p class="hint" id="password-rule">
            {`Au moins ${MIN_PASSWORD_LENGTH} caractères, sans autre règle : une phrase de plusieurs mots est idéale. Les mots de passe trop courants sont refusés.`}
          </p>
          <StaffPasswordField
            id="password"
            label="Mot de passe"
            autocomplete="new-password"
            describedBy="password-rule"
          />
          <StaffPasswordField
            id="confirmation"
            label="Confirmez le mot de passe"
            autocomplete="new-password"
          />
          <h2>2. Ajoutez le compte à votre application d’authentification</h2>
          <p>
            Scannez ce QR code avec votre application (par exemple FreeOTP, Aegis, Google Authenticator ou
            Microsoft Authenticator).
          </p>
          <p class="staff-qr">
            <img
              src={props.qrDataUrl}
              alt="QR code à scanner avec votre application d’authentification"
              width="224"
              height="224"
            />
          </p>
          <p>
            Sans appareil photo, saisissez cette clé dans l’application (type « basé sur le temps ») :{" "}
            <code class="staff-secret" safe>
              {props.secret}
            </code>
          </p>
          <p class="hint">
            Cette clé a été tirée pour ce navigateur seulement et reste valable 30 minutes : terminez
            l’inscription ici. Elle n’est enregistrée qu’une fois confirmée par le code ci-dessous.
          </p>
          <h2>3. Saisissez le code affiché par l’application</h2>
          <div class="field">
            <label for="code">Code à 6 chiffres</label>
            <input
              type="text"
              id="code"
              name="code"
              inputmode="numeric"
              autocomplete="one-time-code"
              maxlength="16"
              required
            />
          </div>
          <button type="submit" class="button">
            Terminer l’inscription
          </button>
        </form>
      </div>
    </StaffLayout>
  );
}

/** The recovery codes, shown once. */
export function StaffEnrolDonePage(props: { branding: Branding; codes: string[] }) {
  return (
    <StaffLayout title="Codes de secours" branding={props.branding}>
      <div class="narrow card">
        <h1>Vos codes de secours</h1>
        <p class="success" role="status">
          Votre accès est créé.
        </p>
        <p class="staff-warning">
          Notez ou imprimez ces 10 codes maintenant et gardez-les en lieu sûr : ils ne seront plus jamais
          affichés. Chacun remplace une fois le code de l’application si vous perdez votre téléphone.
        </p>
        <ul class="staff-codes" aria-label="Codes de secours">
          {props.codes.map((code) => (
            <li class="ident" safe>
              {code}
            </li>
          ))}
        </ul>
        <p>
          <a class="button" href="/conseiller/connexion?message=enrolled">
            J’ai noté mes codes : aller à la connexion
          </a>
        </p>
      </div>
    </StaffLayout>
  );
}

export function StaffEnrolInvalidPage(props: { branding: Branding }) {
  return (
    <StaffLayout title="Lien non valable" branding={props.branding}>
      <div class="narrow card">
        <h1>Ce lien d’inscription n’est plus valable</h1>
        <p>
          Il a déjà servi, a expiré (72 heures) ou a été remplacé par un lien plus récent. Demandez un nouveau
          lien à un administrateur de votre équipe.
        </p>
      </div>
    </StaffLayout>
  );
}
