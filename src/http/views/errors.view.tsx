import { Layout, PLATFORM_BRANDING } from "./layout.js";

/** A host that names no portal (unknown issuer): says so plainly, reveals nothing else. */
export function NoPortalPage(props: { host: string }) {
  return (
    <Layout title="Aucun portail à cette adresse" branding={PLATFORM_BRANDING}>
      <div class="center card">
        <p class="code">404</p>
        <h1>Aucun portail à cette adresse</h1>
        <p>
          Il n’existe pas de portail E-FACTURE à l’adresse <strong safe>{props.host}</strong>.
        </p>
        <p class="muted">
          Vérifiez le lien figurant dans le mail d’activation ou sur vos documents, ou contactez votre
          conseiller(e) clientèle.
        </p>
        <p class="muted" lang="en">
          There is no E-FACTURE portal at this address.
        </p>
      </div>
    </Layout>
  );
}

export function ErrorPage(props: { status: number; title: string; message: string; requestId?: string }) {
  return (
    <Layout title={props.title} branding={PLATFORM_BRANDING}>
      <div class="center card">
        <p class="code" safe>
          {String(props.status)}
        </p>
        <h1 safe>{props.title}</h1>
        <p safe>{props.message}</p>
        {props.requestId ? (
          <p class="muted">
            Référence de la demande : <code safe>{props.requestId}</code>
          </p>
        ) : (
          ""
        )}
      </div>
    </Layout>
  );
}
