import { type Branding, Layout } from "./layout.js";

export interface HomeProps {
  branding: Branding;
  retentionMonths: number;
}

function retentionText(months: number): string {
  return months % 12 === 0 ? `${months / 12} an${months === 12 ? "" : "s"}` : `${months} mois`;
}

/** A tenant portal's home: what the service is, the first-connection steps of the guide, and the FAQ. */
export function HomePage({ branding, retentionMonths }: HomeProps) {
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
        <section class="card" aria-labelledby="faq">
          <h2 id="faq">Questions fréquentes</h2>
          <details>
            <summary>Je n’ai pas reçu de mail d’activation</summary>
            <p>
              Contactez votre conseiller(e) clientèle afin qu’il vérifie l’adresse mail enregistrée.
              Munissez-vous de votre ou vos numéros clients et indiquez l’adresse sur laquelle vous souhaitez
              recevoir le mail d’activation. Vous le recevrez lorsque la prochaine facture sera émise.
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
              {`Chaque facture reste disponible ${duration} après sa mise en ligne. La date de retrait est indiquée pour chaque facture ; un rappel vous est envoyé avant son retrait.`}
            </p>
          </details>
          <details>
            <summary>Ces factures ont-elles une valeur fiscale ?</summary>
            <p>
              Oui. Les originaux transmis sur E-FACTURE ont la même valeur fiscale que les factures papier,
              notamment au regard du droit à déduction de la TVA. Le fichier que vous téléchargez est
              l’original publié, octet pour octet.
            </p>
          </details>
        </section>
      </div>
    </Layout>
  );
}
