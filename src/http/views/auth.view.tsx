import { MIN_PASSWORD_LENGTH } from "../../domain/accounts/password-policy.js";
import { type Branding, Layout } from "./layout.js";

/** "Mot de passe ou identifiant oublié" — also the first connection, as the guide tells it. */
export function ForgotPage(props: { branding: Branding; csrf: string; error?: string; email?: string }) {
  return (
    <Layout title="Mot de passe ou identifiant oublié" branding={props.branding}>
      <div class="narrow card">
        <h1>Mot de passe ou identifiant oublié ?</h1>
        <p>
          Saisissez l’adresse mail sur laquelle vous avez reçu votre mail d’activation de compte. Vous
          recevrez un mail de réinitialisation qui vous permettra de personnaliser votre mot de passe ; votre
          identifiant sera affiché sur la page de réinitialisation.
        </p>
        <p class="muted">C’est aussi ainsi que l’on définit son mot de passe avant la première connexion.</p>
        {props.error ? (
          <p class="error" role="alert" safe>
            {props.error}
          </p>
        ) : (
          ""
        )}
        <form method="post" action="/mot-de-passe-oublie" novalidate>
          <input type="hidden" name="_csrf" value={props.csrf} />
          <div class="field">
            <label for="email">Adresse mail</label>
            <input
              type="email"
              id="email"
              name="email"
              autocomplete="email"
              maxlength="320"
              required
              value={props.email ?? ""}
            />
          </div>
          <button type="submit" class="button">
            Recevoir le mail de réinitialisation
          </button>
        </form>
        <p class="links">
          <a href="/">← Retour à la connexion</a>
        </p>
      </div>
    </Layout>
  );
}

/** The one answer to every forgot request, whatever the address (SECURITY.md R1). */
export function ForgotSentPage(props: { branding: Branding }) {
  return (
    <Layout title="Demande enregistrée" branding={props.branding}>
      <div class="narrow card">
        <h1>Vérifiez votre messagerie</h1>
        <p class="success" role="status">
          Si un compte correspond à cette adresse, vous allez recevoir un e-mail contenant un lien pour
          personnaliser votre mot de passe. Ce lien est valable 60 minutes.
        </p>
        <p>
          Pensez à vérifier vos courriers indésirables. Si vous ne recevez rien, votre adresse n’est peut-être
          pas celle enregistrée : contactez votre conseiller(e) clientèle, muni(e) de votre ou vos numéros
          clients.
        </p>
        <p class="links">
          <a href="/">← Retour à la connexion</a>
        </p>
      </div>
    </Layout>
  );
}

export function PasswordRule() {
  return (
    <p class="hint" id="password-rule">
      {`Choisissez au moins ${MIN_PASSWORD_LENGTH} caractères. Pas de règle de majuscules ni de caractères spéciaux : une phrase de plusieurs mots, facile à retenir pour vous, est idéale (par exemple « le vélo bleu dort au garage »). Les mots de passe trop courants sont refusés.`}
    </p>
  );
}

/** Reached only through the mailed link: shows the identifier (R9) and asks for the new password twice. */
export function ResetPage(props: {
  branding: Branding;
  csrf: string;
  identifier: string;
  action: string;
  error?: string;
}) {
  return (
    <Layout title="Personnaliser votre mot de passe" branding={props.branding}>
      <div class="narrow card">
        <h1>Personnalisez votre mot de passe</h1>
        <p>Votre identifiant de connexion est :</p>
        <p class="identifier" safe>
          {props.identifier}
        </p>
        <p class="muted">
          Notez-le : c’est lui que vous saisirez, avec votre mot de passe, pour vous connecter.
        </p>
        {props.error ? (
          <p class="error" role="alert" safe>
            {props.error}
          </p>
        ) : (
          ""
        )}
        <form method="post" action={props.action} novalidate>
          <input type="hidden" name="_csrf" value={props.csrf} />
          <div class="field">
            <label for="password">Nouveau mot de passe</label>
            <PasswordRule />
            <input
              type="password"
              id="password"
              name="password"
              autocomplete="new-password"
              minlength={String(MIN_PASSWORD_LENGTH)}
              maxlength="1024"
              required
              aria-describedby="password-rule"
              aria-invalid={props.error ? "true" : "false"}
            />
          </div>
          <div class="field">
            <label for="confirmation">Confirmez le mot de passe</label>
            <input
              type="password"
              id="confirmation"
              name="confirmation"
              autocomplete="new-password"
              maxlength="1024"
              required
            />
          </div>
          <button type="submit" class="button">
            Enregistrer mon mot de passe
          </button>
        </form>
      </div>
    </Layout>
  );
}

export function ResetInvalidPage(props: { branding: Branding }) {
  return (
    <Layout title="Lien expiré ou déjà utilisé" branding={props.branding}>
      <div class="narrow card">
        <h1>Ce lien n’est plus valable</h1>
        <p>
          Un lien de réinitialisation ne sert qu’une fois et expire au bout de 60 minutes ; une nouvelle
          demande annule aussi les liens précédents.
        </p>
        <p>
          <a class="button" href="/mot-de-passe-oublie">
            Faire une nouvelle demande
          </a>
        </p>
      </div>
    </Layout>
  );
}
