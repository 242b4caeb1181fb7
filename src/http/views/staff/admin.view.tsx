import type { Children } from "@kitajs/html";
import type { TenantStats } from "../../../db/backoffice.queries.js";
import type { StaffMember } from "../../../db/staff.queries.js";
import type { listApiKeys } from "../../../domain/api-keys/list-api-keys.js";
import type { ContactDetails, LegalDetails } from "../../../domain/staff/tenant-settings.js";
import type { Branding } from "../layout.js";
import { ROLE_LABELS, STAFF_STATUS_LABELS } from "./messages.fr.js";
import {
  ContactSettingsSection,
  LegalSettingsSection,
  type PortalReadiness,
  PortalReadinessNotice,
} from "./portal-details.view.js";
import { SellerIdentitiesSection, type SellerIdentity } from "./seller-identities.view.js";
import { frDateTime, Message, type StaffHeader, StaffLayout } from "./staff-layout.js";

type Msg = { kind: "error" | "success"; text: string } | undefined;

function AdminNav(props: { current: string }) {
  const items = [
    ["/conseiller/admin", "Tableau de bord"],
    ["/conseiller/admin/equipe", "Équipe"],
    ["/conseiller/admin/cles", "Clés d’API"],
    ["/conseiller/admin/portail", "Portail"],
    ["/conseiller/admin/conformite", "Conformité"],
    ["/conseiller/admin/plateforme", "Plateforme agréée"],
  ];
  return (
    <nav aria-label="Administration" class="staff-actions">
      {items.map(([href, label]) => (
        <a href={href} aria-current={props.current === href ? "page" : undefined} safe>
          {label}
        </a>
      ))}
    </nav>
  );
}

/** What every admin page gets: the portal's look, the signed-in staff member, a notice. */
type AdminPageProps = { branding: Branding; staff: StaffHeader; message?: Msg };

/** The shell of the admin pages: the staff layout, the page's heading, the admin tabs and the notice. */
export function AdminLayout(
  props: AdminPageProps & {
    title: string;
    heading: string;
    current: string;
    children: Children;
  },
) {
  return (
    <StaffLayout title={props.title} branding={props.branding} staff={props.staff} current="admin">
      <h1 safe>{props.heading}</h1>
      <AdminNav current={props.current} />
      <Message message={props.message} />
      {props.children}
    </StaffLayout>
  );
}

const pct = (part: number, total: number) => (total === 0 ? "—" : `${Math.round((part / total) * 100)} %`);

export function AdminHomePage(
  props: AdminPageProps & {
    stats: TenantStats;
    month: string;
    readiness?: PortalReadiness;
  },
) {
  const s = props.stats;
  const stat = (value: string | number, label: string) => (
    <div class="staff-stat">
      <strong safe>{String(value)}</strong>
      <span safe>{label}</span>
    </div>
  );
  return (
    <AdminLayout title="Administration" heading="Administration" current="/conseiller/admin" {...props}>
      <PortalReadinessNotice readiness={props.readiness} />
      <h2>Comptes clients</h2>
      <div class="staff-stats">
        {stat(s.accountsActive, "comptes activés")}
        {stat(s.accountsPending, "comptes en attente d’activation")}
        {stat(s.accountsLocked, "comptes verrouillés")}
        {stat(s.customersWithoutEmail, "clients sans adresse e-mail")}
      </div>
      <h2 safe>{`Factures de ${props.month}`}</h2>
      <div class="staff-stats">
        {stat(s.invoicesThisMonth, "factures publiées ce mois-ci")}
        {stat(pct(s.downloadedThisMonth, s.invoicesThisMonth), "déjà téléchargées")}
        {stat(s.withWarningsThisMonth, "publiées avec des avertissements ce mois-ci")}
      </div>
      <h2>Mails des 30 derniers jours</h2>
      <div class="staff-stats">
        {stat(s.mailsSent30d, "mails remis")}
        {stat(s.mailsFailed30d, "mails en échec")}
      </div>
    </AdminLayout>
  );
}

const ROUTE_OPTIONS: [string, string][] = [
  ["B2C", "B2C — particuliers (réglage d’origine)"],
  ["B2B", "B2B — entreprises en France, via la plateforme agréée"],
  ["B2BInt", "B2B international"],
  ["OutOfScope", "Hors champ de la facturation électronique"],
  ["ArchiveOnly", "Archivage seul"],
];

/** The route of invoices that state none (docs/compliance.md): the file's BAR note and the metadata come first. */
function DefaultRouteSection(props: { csrf: string; rule: string }) {
  return (
    <section class="card" aria-labelledby="h-route">
      <h2 id="h-route">Route par défaut des factures</h2>
      <p>
        Elle s’applique aux factures dont le fichier ne porte pas de note BAR et dont la publication ne
        précise pas de route (champ processingRule). Une facture B2B qui ne respecte pas les règles
        officielles n’est pas transmise à la plateforme agréée.
      </p>
      <form method="post" action="/conseiller/admin/portail/route" class="staff-route-form">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <div class="field">
          <label for="processingRule">Route</label>
          <select id="processingRule" name="processingRule">
            {ROUTE_OPTIONS.map(([value, label]) => (
              <option value={value} selected={value === props.rule} safe>
                {label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="button">
          Enregistrer la route
        </button>
      </form>
    </section>
  );
}

/** A row action: a form of one secondary button, CSRF token included; `label` names the row for screen readers. */
function PostButton(props: { action: string; csrf: string; label: string; text: string }) {
  return (
    <form method="post" action={props.action}>
      <input type="hidden" name="_csrf" value={props.csrf} />
      <button type="submit" class="button secondary" aria-label={props.label} safe>
        {props.text}
      </button>
    </form>
  );
}

/** A narrow card of one POST form: its title, the CSRF token, the fields given and one submit button. */
function CardForm(props: {
  id: string;
  title: string;
  action: string;
  csrf: string;
  submit: string;
  children: Children;
}) {
  return (
    <section class="card narrow" aria-labelledby={props.id}>
      <h2 id={props.id} safe>
        {props.title}
      </h2>
      <form method="post" action={props.action}>
        <input type="hidden" name="_csrf" value={props.csrf} />
        {props.children}
        <button type="submit" class="button" safe>
          {props.submit}
        </button>
      </form>
    </section>
  );
}

export function TeamPage(
  props: AdminPageProps & {
    selfId: string;
    members: StaffMember[];
    link?: { email: string; url: string };
  },
) {
  return (
    <AdminLayout title="Équipe" heading="Équipe" current="/conseiller/admin/equipe" {...props}>
      {props.link ? (
        <div class="staff-warning" role="status">
          <p>
            Lien d’inscription pour <strong safe>{props.link.email}</strong> (valable 72 heures, une seule
            fois) : transmettez-le à la personne par un canal sûr.
          </p>
          <p>
            <code class="staff-secret" safe>
              {props.link.url}
            </code>
          </p>
        </div>
      ) : (
        ""
      )}
      <section class="staff-scroll" aria-label="Membres de l’équipe" tabindex="0">
        <table class="staff-table">
          <thead>
            <tr>
              <th scope="col">Personne</th>
              <th scope="col">Rôle</th>
              <th scope="col">État</th>
              <th scope="col">Dernière connexion</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {props.members.map((m) => (
              <tr>
                <td>
                  <span safe>{m.displayName || m.email}</span>
                  <br />
                  <span class="muted" safe>
                    {m.email}
                  </span>
                </td>
                <td safe>{ROLE_LABELS[m.role]}</td>
                <td safe>{STAFF_STATUS_LABELS[m.status]}</td>
                <td safe>{frDateTime(m.lastLoginAt ?? null).replace("—", "jamais")}</td>
                <td>
                  {m.id === props.selfId || m.status === "disabled" ? (
                    ""
                  ) : (
                    <div class="staff-actions">
                      <PostButton
                        action={`/conseiller/admin/equipe/${m.id}/reinitialiser`}
                        csrf={props.staff.csrf}
                        label={`Réinitialiser la double authentification de ${m.email}`}
                        text="Réinitialiser la double authentification"
                      />
                      <PostButton
                        action={`/conseiller/admin/equipe/${m.id}/desactiver`}
                        csrf={props.staff.csrf}
                        label={`Désactiver ${m.email}`}
                        text="Désactiver"
                      />
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <CardForm
        id="h-invite"
        title="Inviter une personne"
        action="/conseiller/admin/equipe"
        csrf={props.staff.csrf}
        submit="Créer le lien d’inscription"
      >
        <div class="field">
          <label for="invite-email">Adresse e-mail professionnelle</label>
          <input type="email" id="invite-email" name="email" required maxlength="320" />
        </div>
        <div class="field">
          <label for="invite-name">Nom affiché</label>
          <input type="text" id="invite-name" name="name" maxlength="120" />
        </div>
        <div class="field">
          <label for="invite-role">Rôle</label>
          <select id="invite-role" name="role">
            <option value="advisor">Conseiller·ère</option>
            <option value="admin">Administrateur·rice</option>
          </select>
        </div>
      </CardForm>
    </AdminLayout>
  );
}

export function ApiKeysPage(
  props: AdminPageProps & {
    keys: Awaited<ReturnType<typeof listApiKeys>>;
    created?: { key: string; prefix: string };
  },
) {
  return (
    <AdminLayout title="Clés d’API" heading="Clés d’API" current="/conseiller/admin/cles" {...props}>
      {props.created ? (
        <div class="staff-warning" role="status">
          <p>Copiez cette clé maintenant : elle ne sera plus jamais affichée.</p>
          <p>
            <code class="staff-secret" safe>
              {props.created.key}
            </code>
          </p>
        </div>
      ) : (
        ""
      )}
      {props.keys.length === 0 ? (
        <p>Aucune clé d’API pour l’instant.</p>
      ) : (
        <section class="staff-scroll" aria-label="Clés d’API" tabindex="0">
          <table class="staff-table">
            <thead>
              <tr>
                <th scope="col">Préfixe</th>
                <th scope="col">Libellé</th>
                <th scope="col">Créée le</th>
                <th scope="col">Dernière utilisation</th>
                <th scope="col">État</th>
              </tr>
            </thead>
            <tbody>
              {props.keys.map((k) => (
                <tr>
                  <td>
                    <code safe>{k.prefix}</code>
                  </td>
                  <td safe>{k.label || "—"}</td>
                  <td safe>{frDateTime(k.createdAt)}</td>
                  <td safe>{frDateTime(k.lastUsedAt ?? null).replace("—", "jamais")}</td>
                  <td>
                    {k.revokedAt ? (
                      <span safe>{`Révoquée le ${frDateTime(k.revokedAt)}`}</span>
                    ) : (
                      <PostButton
                        action={`/conseiller/admin/cles/${k.prefix}/revoquer`}
                        csrf={props.staff.csrf}
                        label={`Révoquer la clé ${k.prefix}`}
                        text="Révoquer"
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <CardForm
        id="h-new-key"
        title="Nouvelle clé"
        action="/conseiller/admin/cles"
        csrf={props.staff.csrf}
        submit="Créer la clé"
      >
        <div class="field">
          <label for="label">Libellé (par exemple « facturation SAP »)</label>
          <input type="text" id="label" name="label" maxlength="100" />
        </div>
      </CardForm>
    </AdminLayout>
  );
}

export function PortalSettingsPage(
  props: AdminPageProps & {
    tenant: {
      displayName: string;
      primaryColor: string;
      retentionMonths: number;
      defaultProcessingRule: string;
      faqMarkdown: string;
      legal: Partial<LegalDetails>;
      contact: Partial<ContactDetails>;
    };
    readiness?: PortalReadiness;
    /** HTML made by markdown-it with `html: false`: every tag the admin typed is escaped. */
    /** HTML made by markdown-it with `html: false`: every tag the admin typed comes out escaped. */
    safeFaqPreviewHtml?: string;
    sellers?: SellerIdentity[];
  },
) {
  const t = props.tenant;
  return (
    <AdminLayout title="Portail" heading="Réglages du portail" current="/conseiller/admin/portail" {...props}>
      <PortalReadinessNotice readiness={props.readiness} />
      <section class="card" aria-labelledby="h-branding">
        <h2 id="h-branding">Apparence</h2>
        <form method="post" action="/conseiller/admin/portail/apparence" enctype="multipart/form-data">
          <input type="hidden" name="_csrf" value={props.staff.csrf} />
          <div class="field">
            <label for="displayName">Nom affiché</label>
            <input
              type="text"
              id="displayName"
              name="displayName"
              maxlength="100"
              required
              value={t.displayName}
            />
          </div>
          <div class="field">
            <label for="primaryColor">Couleur principale (#rrggbb)</label>
            <input
              type="text"
              id="primaryColor"
              name="primaryColor"
              maxlength="7"
              required
              value={t.primaryColor}
              aria-describedby="color-hint"
            />
            <p class="hint" id="color-hint">
              Le texte blanc doit rester lisible sur cette couleur : un contraste d’au moins 4,5:1 (WCAG AA)
              est exigé.
            </p>
          </div>
          <div class="field">
            <label for="logo">Logo (PNG ou SVG, 512 Ko au plus ; laisser vide pour garder l’actuel)</label>
            <input type="file" id="logo" name="logo" accept="image/png,image/svg+xml" />
          </div>
          <button type="submit" class="button">
            Enregistrer l’apparence
          </button>
        </form>
      </section>
      <section class="card" aria-labelledby="h-retention">
        <h2 id="h-retention">Durée de conservation en ligne</h2>
        <p>
          Elle s’applique aux factures publiées à partir de maintenant : la date de retrait des factures déjà
          publiées ne change pas.
        </p>
        <form method="post" action="/conseiller/admin/portail/conservation">
          <input type="hidden" name="_csrf" value={props.staff.csrf} />
          <div class="field">
            <label for="months">Durée en mois (1 à 120)</label>
            <input
              type="number"
              id="months"
              name="months"
              min="1"
              max="120"
              required
              value={String(t.retentionMonths)}
            />
          </div>
          <button type="submit" class="button">
            Enregistrer la durée
          </button>
        </form>
      </section>
      <DefaultRouteSection csrf={props.staff.csrf} rule={t.defaultProcessingRule} />
      <section class="card" aria-labelledby="h-faq">
        <h2 id="h-faq">FAQ de la page d’accueil</h2>
        <form method="post" action="/conseiller/admin/portail/faq">
          <input type="hidden" name="_csrf" value={props.staff.csrf} />
          <div class="field">
            <label for="faq">
              Texte (Markdown : ## pour un titre de question, une ligne vide entre deux paragraphes)
            </label>
            <textarea id="faq" name="faq" rows="12" maxlength="20000" safe>
              {t.faqMarkdown}
            </textarea>
          </div>
          <div class="staff-actions">
            <button type="submit" name="intent" value="preview" class="button secondary">
              Prévisualiser
            </button>
            <button type="submit" name="intent" value="save" class="button">
              Enregistrer la FAQ
            </button>
          </div>
        </form>
        {props.safeFaqPreviewHtml !== undefined ? (
          <section class="staff-preview" aria-label="Aperçu de la FAQ">
            {props.safeFaqPreviewHtml as "safe"}
          </section>
        ) : (
          ""
        )}
      </section>
      <LegalSettingsSection csrf={props.staff.csrf} legal={t.legal} />
      <ContactSettingsSection csrf={props.staff.csrf} contact={t.contact} />
      <SellerIdentitiesSection sellers={props.sellers ?? []} csrf={props.staff.csrf} />
    </AdminLayout>
  );
}
