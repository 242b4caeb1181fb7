import { Layout, PLATFORM_BRANDING } from "./layout.js";

/** The platform host itself: no tenant list (tenants are not advertised), a pointer for developers. */
export function PlatformHomePage(props: { devOutbox: boolean }) {
  return (
    <Layout title="Portail des factures" branding={PLATFORM_BRANDING}>
      <div class="center card">
        <h1>E-FACTURE</h1>
        <p>
          Chaque émetteur dispose de son propre portail, à l’adresse indiquée dans votre mail d’activation ou
          sur vos documents.
        </p>
        {props.devOutbox ? (
          <p class="muted">
            Développement : les mails envoyés sont visibles dans <a href="/_dev/outbox">la boîte d’envoi</a>.
          </p>
        ) : (
          ""
        )}
      </div>
    </Layout>
  );
}
