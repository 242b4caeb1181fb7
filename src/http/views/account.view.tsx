import type { SessionRow } from "../../db/sessions.repository.js";
import type { AccountView } from "../../domain/accounts/manage-account.js";
import { PasswordRule } from "./auth.view.js";
import { type Branding, Layout } from "./layout.js";

const dateTime = (d: Date) =>
  new Intl.DateTimeFormat("fr-FR", {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: "Europe/Paris",
  }).format(d);

function device(userAgent: string | null): string {
  if (!userAgent) return "Navigateur inconnu";
  const browser = /Edg\//.test(userAgent)
    ? "Edge"
    : /Firefox\//.test(userAgent)
      ? "Firefox"
      : /Chrome\//.test(userAgent)
        ? "Chrome"
        : /Safari\//.test(userAgent)
          ? "Safari"
          : "Navigateur";
  const os = /Windows/.test(userAgent)
    ? "Windows"
    : /Android/.test(userAgent)
      ? "Android"
      : /iPhone|iPad/.test(userAgent)
        ? "iOS"
        : /Mac OS X/.test(userAgent)
          ? "macOS"
          : /Linux/.test(userAgent)
            ? "Linux"
            : "";
  return os ? `${browser} sur ${os}` : browser;
}

export function AccountPage(props: {
  branding: Branding;
  csrf: string;
  account: AccountView;
  sessions: SessionRow[];
  currentSession: string;
  message?: { kind: "error" | "success"; text: string };
}) {
  const { account } = props;
  return (
    <Layout
      title="Mon compte"
      branding={props.branding}
      user={{ identifier: account.identifier, csrf: props.csrf }}
    >
      <h1>Mon compte</h1>
      {props.message ? (
        <p class={props.message.kind} role={props.message.kind === "error" ? "alert" : "status"} safe>
          {props.message.text}
        </p>
      ) : (
        ""
      )}
      <div class="grid">
        <section class="card" aria-labelledby="identity">
          <h2 id="identity">Mes informations</h2>
          <dl class="facts">
            <dt>Identifiant</dt>
            <dd class="identifier" safe>
              {account.identifier}
            </dd>
            <dt>Adresse mail enregistrée</dt>
            <dd safe>{account.email}</dd>
            <dt>Numéro(s) client</dt>
            <dd safe>{account.customerNumbers.join(", ")}</dd>
          </dl>
          <p class="muted">
            Pour modifier votre adresse mail, contactez votre conseiller(e) clientèle, muni(e) de votre ou vos
            numéros clients.
          </p>
        </section>
        <section class="card" aria-labelledby="preferences">
          <h2 id="preferences">Préférences</h2>
          <form method="post" action="/compte/preferences">
            <input type="hidden" name="_csrf" value={props.csrf} />
            <div class="field">
              <label for="language">Langue des e-mails et du portail</label>
              <select id="language" name="language">
                <option value="fr" selected={account.language === "fr"}>
                  Français
                </option>
                <option value="en" selected={account.language === "en"}>
                  English
                </option>
              </select>
            </div>
            <div class="field">
              <label>
                <input type="checkbox" name="notify" value="1" checked={account.notifyNewInvoice} /> M’avertir
                par e-mail de chaque nouvelle facture
              </label>
            </div>
            <button type="submit" class="button secondary">
              Enregistrer mes préférences
            </button>
          </form>
        </section>
      </div>
      <section class="card" aria-labelledby="change-password">
        <h2 id="change-password">Changer mon mot de passe</h2>
        <form method="post" action="/compte/mot-de-passe" novalidate>
          <input type="hidden" name="_csrf" value={props.csrf} />
          <div class="field">
            <label for="current">Mot de passe actuel</label>
            <input
              type="password"
              id="current"
              name="current"
              autocomplete="current-password"
              maxlength="1024"
              required
            />
          </div>
          <div class="field">
            <label for="password">Nouveau mot de passe</label>
            <PasswordRule />
            <input
              type="password"
              id="password"
              name="password"
              autocomplete="new-password"
              maxlength="1024"
              required
              aria-describedby="password-rule"
            />
          </div>
          <div class="field">
            <label for="confirmation">Confirmez le nouveau mot de passe</label>
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
            Changer mon mot de passe
          </button>
        </form>
      </section>
      <section class="card" aria-labelledby="sessions">
        <h2 id="sessions">Sessions ouvertes</h2>
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Appareil</th>
              <th scope="col">Adresse IP</th>
              <th scope="col">Ouverte le</th>
              <th scope="col">Dernière activité</th>
            </tr>
          </thead>
          <tbody>
            {props.sessions.map((s) => (
              <tr>
                <td
                  safe
                >{`${device(s.userAgent)}${s.idHash === props.currentSession ? " (cette session)" : ""}`}</td>
                <td safe>{s.ip ?? ""}</td>
                <td safe>{dateTime(s.createdAt)}</td>
                <td safe>{dateTime(s.lastSeenAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <form method="post" action="/compte/sessions/revoquer" class="links">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <button type="submit" class="button secondary">
            Se déconnecter partout
          </button>
        </form>
      </section>
    </Layout>
  );
}
