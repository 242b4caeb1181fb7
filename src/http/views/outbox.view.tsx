import { Layout, PLATFORM_BRANDING } from "./layout.js";

export interface OutboxItem {
  name: string;
  date: string;
  to: string;
  subject: string;
  kind: string;
}

/** Development outbox: every mail the platform "sent", newest first. */
export function OutboxPage(props: { items: OutboxItem[]; total: number }) {
  return (
    <Layout title="Boîte d’envoi (développement)" branding={PLATFORM_BRANDING}>
      <h1>Boîte d’envoi</h1>
      <p class="lead">
        Sans serveur SMTP configuré, les mails sont écrits ici. Ouvrez-en un pour suivre ses liens comme le
        ferait un client.
      </p>
      {props.items.length === 0 ? (
        <p class="card">Aucun mail pour l’instant.</p>
      ) : (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Destinataire</th>
              <th scope="col">Objet</th>
              <th scope="col">Type</th>
            </tr>
          </thead>
          <tbody>
            {props.items.map((item) => (
              <tr>
                <td safe>{item.date}</td>
                <td safe>{item.to}</td>
                <td>
                  <a href={`/_dev/outbox/${encodeURIComponent(item.name)}`} safe>
                    {item.subject}
                  </a>
                </td>
                <td>
                  <span class="badge" safe>
                    {item.kind}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.total > props.items.length ? (
        <p class="muted" safe>{`${props.items.length} mails affichés sur ${props.total}.`}</p>
      ) : (
        ""
      )}
    </Layout>
  );
}

export function OutboxMailPage(props: {
  name: string;
  date: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  links: string[];
}) {
  return (
    <Layout title={props.subject} branding={PLATFORM_BRANDING}>
      <p>
        <a href="/_dev/outbox">← Boîte d’envoi</a>
      </p>
      <h1 safe>{props.subject}</h1>
      <p class="muted" safe>{`De ${props.from} · à ${props.to} · ${props.date}`}</p>
      {props.links.length > 0 ? (
        <section class="card">
          <h2>Liens du mail</h2>
          <ul>
            {props.links.map((link) => (
              <li>
                <a href={link} safe>
                  {link}
                </a>
              </li>
            ))}
          </ul>
        </section>
      ) : (
        ""
      )}
      <section class="card">
        <h2>Version HTML</h2>
        <iframe
          class="mail"
          title="Version HTML du mail"
          sandbox="allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
          src={`/_dev/outbox/${encodeURIComponent(props.name)}/html`}
        ></iframe>
      </section>
      <section class="card">
        <h2>Version texte</h2>
        <pre class="mailtext" safe>
          {props.text}
        </pre>
      </section>
    </Layout>
  );
}
