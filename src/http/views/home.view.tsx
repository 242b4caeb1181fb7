import { type Branding, Layout } from "./layout.js";

export interface HomeProps {
  branding: Branding;
  retentionMonths: number;
  csrf: string;
  /** Shown above the form: a failed login, throttling, a completed reset, a logout. */
  message?: { kind: "error" | "success"; text: string };
  identifier?: string;
}

function retentionText(months: number): string {
  return months % 12 === 0 ? `${months / 12} an${months === 12 ? "" : "s"}` : `${months} mois`;
}

/** A tenant portal's home: what the service is, the first-connection steps of the guide, and the FAQ. */
export function HomePage({ branding, retentionMonths, csrf, message, identifier }: HomeProps) {
  const duration = retentionText(retentionMonths);
  return (
    <Layout title="Accueil" branding={branding}>
      <h1 safe>{`Vos factures ${branding.name} en ligne`}</h1>
      <p class="lead">
        Associé à vos contrats, le service E-FACTURE vous permet d’obtenir directement sur internet vos
        originaux de factures, en lieu et place de la facture papier.
      </p>
      <p class="notice">
        Vos factures restent disponibles <strong safe>{duration}</strong> sur ce portail. Pensez à les
        récupérer et à les sauvegarder pendant ce délai afin d’être en conformité fiscale.
      </p>
      <div class="grid">
        <section class="card" aria-labelledby="login">
          <h2 id="login">Accéder à mes factures</h2>
          {message ? (
            <p class={message.kind} role={message.kind === "error" ? "alert" : "status"} safe>
              {message.text}
            </p>
          ) : (
            ""
          )}
          <form method="post" action="/connexion" novalidate>
            <input type="hidden" name="_csrf" value={csrf} />
            <div class="field">
              <label for="identifier">Identifiant</label>
              <span class="hint" id="identifier-hint">
                Il figure dans votre mail d’activation (par exemple K7QM-4TZP).
              </span>
              <input
                type="text"
                id="identifier"
                name="identifier"
                autocomplete="username"
                autocapitalize="characters"
                spellcheck="false"
                maxlength="64"
                required
                aria-describedby="identifier-hint"
                value={identifier ?? ""}
              />
            </div>
            <div class="field">
              <label for="password">Mot de passe</label>
              <input
                type="password"
                id="password"
                name="password"
                autocomplete="current-password"
                maxlength="1024"
                required
              />
            </div>
            <button type="submit" class="button">
              Se connecter
            </button>
          </form>
          <p class="links">
            <a href="/mot-de-passe-oublie">Mot de passe ou identifiant oublié ?</a>
          </p>
        </section>
        <section class="card" aria-labelledby="first-connection">
          <h2 id="first-connection">Première connexion</h2>
          <ol class="steps">
            <li>
              Vous recevez un mail d’activation de compte, contenant votre identifiant, lorsque votre
              prochaine facture est émise.
            </li>
            <li>
              Cliquez sur le lien « Mot de passe ou identifiant oublié ? » et saisissez l’adresse mail sur
              laquelle vous avez reçu ce mail d’activation.
            </li>
            <li>
              Vous recevez un mail de réinitialisation qui vous permet de personnaliser votre mot de passe.
            </li>
            <li>Connectez-vous avec votre identifiant et votre nouveau mot de passe.</li>
          </ol>
        </section>
      </div>
      <section class="card faq" aria-labelledby="faq">
        <h2 id="faq">Questions fréquentes</h2>
        <details>
          <summary>Je n’ai pas reçu de mail d’activation</summary>
          <p>
            Contactez votre conseiller(e) clientèle afin qu’il vérifie l’adresse mail enregistrée.
            Munissez-vous de votre ou vos numéros clients et indiquez l’adresse sur laquelle vous souhaitez
            recevoir le mail d’activation contenant votre identifiant. Vous le recevrez lorsque la prochaine
            facture sera émise.
          </p>
        </details>
        <details>
          <summary>C’est ma première connexion</summary>
          <p>
            Avant votre première connexion, cliquez sur « Mot de passe ou identifiant oublié ? » pour définir
            votre mot de passe. Saisissez l’adresse mail sur laquelle vous avez reçu le mail d’activation :
            vous recevrez un mail de réinitialisation qui vous permettra de personnaliser votre mot de passe.
          </p>
        </details>
        <details>
          <summary>J’ai oublié mon mot de passe</summary>
          <p>Cliquez sur le lien « Mot de passe ou identifiant oublié ? » et suivez les instructions.</p>
        </details>
        <details>
          <summary>J’ai oublié mon identifiant</summary>
          <p>
            Cliquez sur le lien « Mot de passe ou identifiant oublié ? » et suivez les instructions : votre
            identifiant est affiché sur la page de réinitialisation du mot de passe.
          </p>
        </details>
        <details>
          <summary>Combien de temps mes factures restent-elles disponibles ?</summary>
          <p safe>
            {`Chaque facture reste disponible ${duration} après sa mise en ligne. La date de retrait est indiquée pour chaque facture, et un rappel vous est envoyé avant son retrait.`}
          </p>
        </details>
        <details>
          <summary>Ces factures ont-elles une valeur fiscale ?</summary>
          <p>
            Oui. Les originaux de factures transmis sur E-FACTURE ont la même valeur fiscale que les factures
            au format papier, notamment au regard du droit à déduction de la TVA. Le fichier téléchargé est
            l’original publié, octet pour octet.
          </p>
        </details>
        <details>
          <summary>Comment sauvegarder mes factures ?</summary>
          <p>
            Téléchargez chaque facture (PDF) ou toutes vos factures en une fois, et conservez-les sur votre
            ordinateur ou votre outil d’archivage. La loi impose de conserver les factures 6 ans (10 ans pour
            les pièces comptables) : le portail ne les garde en ligne que pendant la durée indiquée ci-dessus.
          </p>
        </details>
        <details>
          <summary>Qui contacter ?</summary>
          <p>
            Pour toute question sur vos factures, vos contrats ou l’adresse mail enregistrée, contactez votre
            conseiller(e) clientèle, muni(e) de votre ou vos numéros clients.
          </p>
        </details>
      </section>
    </Layout>
  );
}
