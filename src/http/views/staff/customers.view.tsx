import { escapeHtml } from "@kitajs/html";
import type { CustomerHit } from "../../../db/backoffice.queries.js";
import type { EmailCorrectionCheck } from "../../../domain/accounts/correct-email.js";
import type { AccountState, CustomerRecord } from "../../../domain/staff/customer-record.js";
import { isCreditNote } from "../../../einvoice/document-types.js";
import { EmailAddress } from "../email-address.js";
import type { Branding } from "../layout.js";
import { ComplianceBadge } from "./compliance.view.js";
import { InvoiceFindings } from "./invoice-findings.view.js";
import { MAIL_KIND_LABELS, MAIL_STATUS_LABELS } from "./messages.fr.js";
import { frDate, frDateTime, Message, type StaffHeader, StaffLayout } from "./staff-layout.js";
import { WithdrawInvoiceLink } from "./withdraw-invoice.view.js";

type Msg = { kind: "error" | "success"; text: string } | undefined;

const MATCHED_BY: Record<CustomerHit["matchedBy"], string> = {
  customer_number: "Numéro client",
  contract_number: "Numéro de contrat",
  invoice_number: "Numéro de facture",
  email: "Adresse e-mail",
  name: "Nom",
};

const ACCOUNT_STATUS: Record<string, string> = {
  pending: "Pas encore activé",
  active: "Actif",
  locked: "Verrouillé",
};

export function SearchPage(props: {
  branding: Branding;
  staff: StaffHeader;
  query: string;
  hits?: CustomerHit[];
  message?: Msg;
}) {
  return (
    <StaffLayout title="Recherche" branding={props.branding} staff={props.staff} current="search">
      <h1>Rechercher un client</h1>
      <Message message={props.message} />
      <form method="get" action="/conseiller" class="staff-search">
        <div class="field">
          <label for="q">Numéro client, numéro de contrat, numéro de facture, e-mail ou nom</label>
          <input
            type="search"
            id="q"
            name="q"
            value={props.query}
            maxlength="200"
            autocomplete="off"
            aria-describedby="q-hint"
          />
          <p class="hint" id="q-hint">
            Un numéro client exact ouvre directement la fiche. Le nom et l’e-mail se cherchent par leur début,
            sans tenir compte des accents ni des majuscules.
          </p>
        </div>
        <button type="submit" class="button">
          Rechercher
        </button>
      </form>
      {props.hits === undefined ? (
        ""
      ) : props.hits.length === 0 ? (
        <p role="status">
          Aucun client ne correspond à « <span safe>{props.query}</span> ».
        </p>
      ) : (
        <section class="staff-scroll" aria-label="Résultats de la recherche" tabindex="0">
          <table class="staff-table">
            <caption safe>{`${props.hits.length} résultat${props.hits.length > 1 ? "s" : ""}`}</caption>
            <thead>
              <tr>
                <th scope="col">Numéro client</th>
                <th scope="col">Nom</th>
                <th scope="col">E-mail enregistré</th>
                <th scope="col">Compte</th>
                <th scope="col">Trouvé par</th>
              </tr>
            </thead>
            <tbody>
              {props.hits.map((h) => (
                <tr>
                  <td>
                    <a href={`/conseiller/clients/${h.id}`} class="ident" safe>
                      {h.customerNumber}
                    </a>
                  </td>
                  <td safe>{h.name}</td>
                  <td safe>{h.email ?? "—"}</td>
                  <td>{h.accountStatus ? ACCOUNT_STATUS[h.accountStatus] : "Pas de compte"}</td>
                  <td>
                    <span safe>{`${MATCHED_BY[h.matchedBy]} : `}</span>
                    <span safe>{h.matched}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </StaffLayout>
  );
}

function stateText(state: AccountState): string {
  switch (state.kind) {
    case "no_email":
      return "Pas encore de compte : aucune adresse e-mail n’est enregistrée pour ce client.";
    case "no_account_yet":
      return "Pas encore de compte : le mail d’activation partira avec la prochaine facture (ou maintenant, avec le bouton ci-dessous).";
    case "activation_queued":
      return `Mail d’activation en cours d’envoi depuis le ${frDateTime(state.at)} à ${state.to}.`;
    case "activation_sent":
      return `Mail d’activation envoyé le ${frDateTime(state.at)} à ${state.to}.`;
    case "activation_failed":
      return `L’envoi du mail d’activation à ${state.to} a échoué le ${frDateTime(state.at)} : vérifiez l’adresse.`;
    case "active":
      return state.since ? `Actif depuis le ${frDateTime(state.since)}.` : "Actif.";
    case "locked":
      return state.until
        ? `Verrouillé jusqu’au ${frDateTime(state.until)} (trop d’essais de connexion).`
        : "Verrouillé après trop d’essais de connexion : déverrouillez-le, ou le client peut choisir un nouveau mot de passe avec « Mot de passe ou identifiant oublié ? ».";
  }
}

export function CustomerRecordPage(props: {
  branding: Branding;
  staff: StaffHeader;
  record: CustomerRecord;
  message?: Msg;
}) {
  const { customer, state } = props.record;
  const account = customer.account;
  const base = `/conseiller/clients/${customer.id}`;
  const pages = Math.max(1, Math.ceil(props.record.invoiceTotal / 20));
  const canActivate = account?.status === "pending";
  const locked = state.kind === "locked";
  return (
    <StaffLayout
      title={`Client ${customer.customerNumber}`}
      branding={props.branding}
      staff={props.staff}
      current="search"
    >
      <p class="links">
        <a href="/conseiller">← Nouvelle recherche</a>
      </p>
      <h1>
        <span safe>{customer.name}</span> · client n°{" "}
        <span class="ident" safe>
          {customer.customerNumber}
        </span>
      </h1>
      <Message message={props.message} />
      <div class="staff-grid">
        <section class="card" aria-labelledby="h-account">
          <h2 id="h-account">Compte et adresse</h2>
          <dl class="facts">
            <dt>E-mail enregistré</dt>
            <dd>{customer.email ? <EmailAddress email={customer.email} /> : "aucun"}</dd>
            <dt>Statut du compte</dt>
            <dd class="staff-status" safe>
              {stateText(state)}
            </dd>
            <dt>Identifiant</dt>
            <dd>
              <span class="ident" safe>
                {account?.identifier ?? "—"}
              </span>
            </dd>
            <dt>Dernière connexion</dt>
            <dd>{account?.lastLoginAt ? frDateTime(account.lastLoginAt) : "jamais"}</dd>
            <dt>Numéros clients du compte</dt>
            <dd>
              {props.record.sharing.length === 0
                ? "—"
                : props.record.sharing.map((c, i) => (
                    <>
                      {i > 0 ? ", " : ""}
                      {c.id === customer.id ? (
                        <span class="ident" safe>
                          {c.customerNumber}
                        </span>
                      ) : (
                        <a href={`/conseiller/clients/${c.id}`} class="ident" safe>
                          {c.customerNumber}
                        </a>
                      )}
                    </>
                  ))}
            </dd>
            <dt>Contrats</dt>
            <dd>
              {props.record.contracts.length === 0
                ? "—"
                : props.record.contracts.map((contract, i) => (
                    <>
                      {i > 0 ? ", " : ""}
                      <span class="ident" safe>
                        {contract}
                      </span>
                    </>
                  ))}
            </dd>
          </dl>
        </section>
        <section class="card" aria-labelledby="h-actions">
          <h2 id="h-actions">Actions</h2>
          <p>
            <a class="button" href={`${base}/email`}>
              Corriger l’adresse e-mail
            </a>
          </p>
          <div class="staff-actions">
            {canActivate ? (
              <form method="post" action={`${base}/activation`}>
                <input type="hidden" name="_csrf" value={props.staff.csrf} />
                <button type="submit" class="button secondary">
                  Envoyer le mail d’activation maintenant
                </button>
              </form>
            ) : (
              ""
            )}
            {locked ? (
              <form method="post" action={`${base}/deverrouiller`}>
                <input type="hidden" name="_csrf" value={props.staff.csrf} />
                <button type="submit" class="button secondary">
                  Déverrouiller le compte
                </button>
              </form>
            ) : (
              ""
            )}
            {account ? (
              <form method="post" action={`${base}/sessions`}>
                <input type="hidden" name="_csrf" value={props.staff.csrf} />
                <button type="submit" class="button secondary">
                  Fermer toutes les sessions du client
                </button>
              </form>
            ) : (
              ""
            )}
          </div>
          <p class="muted">
            Aucune action ne montre ni ne fixe de mot de passe : le client le choisit lui-même avec « Mot de
            passe ou identifiant oublié ? ».
          </p>
        </section>
      </div>
      <section aria-labelledby="h-mails">
        <h2 id="h-mails">Mails envoyés</h2>
        {props.record.mails.length === 0 ? (
          <p>Aucun mail n’a encore été envoyé pour ce client.</p>
        ) : (
          <section class="staff-scroll" aria-label="Tableau des mails envoyés" tabindex="0">
            <table class="staff-table">
              <thead>
                <tr>
                  <th scope="col">Mail</th>
                  <th scope="col">Adresse</th>
                  <th scope="col">État</th>
                  <th scope="col">Mis en file</th>
                  <th scope="col">Envoyé / échec</th>
                  <th scope="col">Réponse du serveur</th>
                </tr>
              </thead>
              <tbody>
                {props.record.mails.map((m) => (
                  <tr>
                    <td>
                      <span safe>{MAIL_KIND_LABELS[m.kind] ?? m.kind}</span>
                      {m.openedAt ? (
                        <>
                          <br />
                          <span class="staff-ok" safe>{`A ouvert le lien le ${frDateTime(m.openedAt)}`}</span>
                        </>
                      ) : (
                        ""
                      )}
                    </td>
                    <td safe>{m.toAddress}</td>
                    <td class={m.status === "failed" ? "staff-bad" : m.status === "sent" ? "staff-ok" : ""}>
                      <span safe>{MAIL_STATUS_LABELS[m.status] ?? m.status}</span>
                      {m.attempts > 1 ? ` (${m.attempts} tentatives)` : ""}
                    </td>
                    <td safe>{frDateTime(m.queuedAt)}</td>
                    <td>{m.sentAt ? frDateTime(m.sentAt) : m.failedAt ? frDateTime(m.failedAt) : "—"}</td>
                    <td safe>{m.smtpResponse ?? m.lastError ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
      </section>
      <section aria-labelledby="h-invoices">
        <h2 id="h-invoices" safe>{`Factures (${props.record.invoiceTotal})`}</h2>
        {props.record.invoicesFailed > 0 ? (
          <p class="staff-failed-notice" safe>
            {props.record.invoicesFailed === 1
              ? "1 facture de ce client ne respecte pas les règles officielles de la facturation électronique : ouvrez-la pour voir pourquoi."
              : `${props.record.invoicesFailed} factures de ce client ne respectent pas les règles officielles de la facturation électronique : ouvrez-les pour voir pourquoi.`}
          </p>
        ) : (
          ""
        )}
        {props.record.invoices.length === 0 ? (
          <p>Aucune facture publiée pour ce client.</p>
        ) : (
          <section class="staff-scroll" aria-label="Tableau des factures" tabindex="0">
            <table class="staff-table">
              <thead>
                <tr>
                  <th scope="col">Numéro</th>
                  <th scope="col">Date</th>
                  <th scope="col">Montant TTC</th>
                  <th scope="col">Route</th>
                  <th scope="col">Publiée le</th>
                  <th scope="col">Téléchargement</th>
                  <th scope="col">Disponible jusqu’au</th>
                  <th scope="col">Preuve</th>
                </tr>
              </thead>
              <tbody>
                {props.record.invoices.map((i) => (
                  <tr>
                    <td>
                      {isCreditNote(i.typeCode) ? "Avoir " : ""}
                      <span class="ident" safe>
                        {i.invoiceNumber}
                      </span>
                      <InvoiceFindings findings={i.findings} invoiceNumber={i.invoiceNumber} />
                      <br />
                      <ComplianceBadge invoice={i} />
                    </td>
                    <td safe>{frDate(i.issueDate)}</td>
                    <td safe>{`${i.grandTotal.replace(".", ",")} ${i.currency}`}</td>
                    <td>
                      <code safe>{i.processingRule ?? "—"}</code>
                    </td>
                    <td safe>{frDateTime(i.publishedAt)}</td>
                    <td>
                      {i.withdrawnAt
                        ? `Retirée par l’émetteur le ${frDateTime(i.withdrawnAt)}`
                        : i.removedAt
                          ? "Retirée du portail"
                          : i.firstDownloadedAt
                            ? `Téléchargée le ${frDateTime(i.firstDownloadedAt)}`
                            : "Jamais téléchargée"}
                    </td>
                    {/* Outside tester, item 12: a withdrawn invoice is not « available until » a date to come. */}
                    {i.withdrawnAt ? (
                      <td class="staff-withdrawn">
                        {escapeHtml(`Retirée le ${frDate(i.withdrawnAt)}`)}
                        {i.withdrawalReason ? (
                          <small class="staff-withdrawn-reason" safe>
                            {`Motif\u00a0: ${i.withdrawalReason}`}
                          </small>
                        ) : (
                          ""
                        )}
                      </td>
                    ) : (
                      <td safe>{frDate(i.availableUntil)}</td>
                    )}
                    <td>
                      {i.removedAt ? (
                        "—"
                      ) : (
                        <a
                          href={`/conseiller/factures/${i.id}/preuve`}
                          aria-label={`Télécharger la preuve de la facture ${i.invoiceNumber}`}
                        >
                          Télécharger
                        </a>
                      )}
                      {i.removedAt ? "" : <WithdrawInvoiceLink staff={props.staff} invoice={i} />}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
        {pages > 1 ? (
          <nav aria-label="Pages de factures" class="staff-actions">
            {props.record.page > 1 ? (
              <a href={`${base}?page=${props.record.page - 1}`}>← Page précédente</a>
            ) : (
              ""
            )}
            <span safe>{`Page ${props.record.page} sur ${pages}`}</span>
            {props.record.page < pages ? (
              <a href={`${base}?page=${props.record.page + 1}`}>Page suivante →</a>
            ) : (
              ""
            )}
          </nav>
        ) : (
          ""
        )}
      </section>
    </StaffLayout>
  );
}

export function CorrectEmailPage(props: {
  branding: Branding;
  staff: StaffHeader;
  customer: { id: string; customerNumber: string; name: string; email: string | null };
  values?: { email: string; confirmation: string; reason: string; scope?: string };
  error?: string;
  merge?: EmailCorrectionCheck["joins"];
  /** The customer's account, whether it is shared, and how many invoices would move. */
  situation?: Omit<EmailCorrectionCheck, "email" | "joins">;
  /** Set once the address is known and the account is shared: the advisor must choose who follows. */
  askScope?: boolean;
}) {
  const base = `/conseiller/clients/${props.customer.id}`;
  const v = props.values ?? { email: "", confirmation: "", reason: "" };
  const situation = props.situation;
  const number = props.customer.customerNumber;
  const leave = (identifier: string) => invoicesLeave(situation?.invoices ?? 0, identifier);
  return (
    <StaffLayout
      title="Corriger l’adresse e-mail"
      branding={props.branding}
      staff={props.staff}
      current="search"
    >
      <p class="links">
        <a href={base}>← Retour à la fiche client</a>
      </p>
      <div class="card narrow">
        <h1>Corriger l’adresse e-mail</h1>
        <p>
          Client n°{" "}
          <strong class="ident" safe>
            {props.customer.customerNumber}
          </strong>{" "}
          (<span safe>{props.customer.name}</span>). Adresse actuelle :{" "}
          <strong safe>{props.customer.email ?? "aucune"}</strong>.
        </p>
        {situation?.account ? (
          <p class="correction-effect">
            {situation.account.status === "pending"
              ? "Compte pas encore activé (identifiant "
              : "Compte activé (identifiant "}
            <strong safe>{situation.account.identifier}</strong>
            {situation.shared ? (
              <>
                {"), partagé avec le(s) client(s) n° "}
                <strong safe>{situation.shared.customerNumbers.join(", ")}</strong>
                {". Vous choisirez si ces clients suivent la nouvelle adresse."}
              </>
            ) : situation.account.status === "pending" ? (
              "). La correction change l’adresse du compte : le client garde son identifiant et ses factures."
            ) : (
              "). La correction change l’adresse du compte : le client garde son identifiant, son mot de passe, son historique et ses factures."
            )}
          </p>
        ) : (
          ""
        )}
        <p class="muted">
          L’ancienne adresse sera prévenue, les liens qui lui ont été envoyés ne fonctionneront plus et les
          sessions ouvertes du compte seront fermées ; le client se reconnecte avec le même identifiant et le
          même mot de passe. Un compte pas encore activé reçoit son mail d’activation à la nouvelle adresse
          avec la prochaine facture, ou tout de suite avec le bouton de la fiche.
        </p>
        {props.error ? (
          <p class="error" role="alert" safe>
            {props.error}
          </p>
        ) : (
          ""
        )}
        {props.merge ? (
          <div class="staff-warning" role="alert">
            <p>
              <strong>Cette adresse est déjà celle d’un autre compte</strong> (identifiant{" "}
              <span safe>{props.merge.identifier}</span>, client(s) n°{" "}
              <span safe>{props.merge.customerNumbers.join(", ")}</span>).
            </p>
            <p>
              Si vous confirmez, le client n° <span safe>{props.customer.customerNumber}</span> rejoindra ce
              compte : ses factures seront visibles avec le même identifiant et le même mot de passe que ces
              clients.
            </p>
            {situation?.account ? (
              <p>
                <strong safe>{leave(situation.account.identifier)}</strong>
                {situation.invoices > 0 ? " : le client ne les verra plus avec son identifiant actuel." : "."}
              </p>
            ) : (
              ""
            )}
          </div>
        ) : (
          ""
        )}
        {props.askScope && situation?.shared && situation.account ? (
          <div class="staff-warning" role="alert">
            <p>
              <strong>Ce compte est partagé</strong> (identifiant{" "}
              <span safe>{situation.account.identifier}</span>) avec le(s) client(s) n°{" "}
              <span safe>{situation.shared.customerNumbers.join(", ")}</span>. Choisissez ce qui change :
            </p>
            <fieldset class="field">
              <legend>Portée de la correction</legend>
              <label>
                <input type="radio" name="scope" value="account" form="correct-email" required />{" "}
                {
                  "Tous les clients du compte passent à la nouvelle adresse : même identifiant, même mot de passe, factures conservées."
                }
              </label>
              <label>
                <input type="radio" name="scope" value="customer" form="correct-email" required />{" "}
                <span
                  safe
                >{`Seul le client n° ${number} change : il passe sur un nouveau compte à activer (nouvel identifiant). ${leave(situation.account.identifier)}.`}</span>
              </label>
            </fieldset>
          </div>
        ) : (
          ""
        )}
        <form method="post" action={`${base}/email`} id="correct-email" novalidate>
          <input type="hidden" name="_csrf" value={props.staff.csrf} />
          <div class="field">
            <label for="email">Nouvelle adresse e-mail</label>
            <input
              type="email"
              id="email"
              name="email"
              maxlength="320"
              required
              value={v.email}
              autocomplete="off"
            />
          </div>
          <div class="field">
            <label for="confirmation">Nouvelle adresse e-mail (une seconde fois)</label>
            <input
              type="email"
              id="confirmation"
              name="confirmation"
              maxlength="320"
              required
              value={v.confirmation}
              autocomplete="off"
            />
          </div>
          <div class="field">
            <label for="reason">Motif de la correction</label>
            <input
              type="text"
              id="reason"
              name="reason"
              maxlength="500"
              required
              value={v.reason}
              aria-describedby="reason-hint"
            />
            <p class="hint" id="reason-hint">
              Par exemple « appel du client le 12/03, faute de frappe dans l’adresse ». Il figure au journal
              avec votre nom.
            </p>
          </div>
          {props.merge ? (
            <div class="field">
              <label>
                <input type="checkbox" name="confirmMerge" value="1" required /> Je confirme que le client
                rejoint ce compte
              </label>
            </div>
          ) : (
            ""
          )}
          <button type="submit" class="button">
            {props.merge
              ? "Confirmer la correction et le rattachement"
              : props.askScope
                ? "Confirmer la correction"
                : "Corriger l’adresse"}
          </button>
        </form>
      </div>
    </StaffLayout>
  );
}

function invoicesLeave(n: number, identifier: string): string {
  if (n === 0) return `Aucune facture ne quittera le compte ${identifier}`;
  if (n === 1) return `Sa facture quittera le compte ${identifier}`;
  return `Ses ${n} factures quitteront le compte ${identifier}`;
}
