import { escapeHtml } from "@kitajs/html";
import type {
  InboundProblemRow,
  InvoicePaView,
  LifecycleStatusView,
  PaConnectionView,
  PaMonthRow,
  TransmissionFilter,
  TransmissionListRow,
} from "../../../db/pa-views.queries.js";
import { LIFECYCLE_LABELS } from "../../../domain/pa/cdar.js";
import type { PaHealth } from "../../../domain/pa/flow-api.js";
import { isCreditNote } from "../../../einvoice/document-types.js";
import { csvField } from "../../invoice-csv.js";
import type { Branding } from "../layout.js";
import { AdminLayout } from "./admin.view.js";
import { ROUTE_LABELS } from "./compliance.view.js";
import { frDate, frDateTime, Message, type StaffHeader, StaffLayout } from "./staff-layout.js";

// The reform bridge in the back office (issue #16 item 5): what the tenant's plateforme agréée did with each
// invoice (transmission, acknowledgement, lifecycle), the messages it sent that matched nothing, the monthly
// figures; for admins, the connection itself. French only, like the rest of the back office.

type Msg = { kind: "error" | "success"; text: string } | undefined;

export const TRANSMISSION_LABELS: Record<string, string> = {
  held: "Retenue",
  queued: "En file d’envoi",
  submitted: "Déposée, accusé attendu",
  acknowledged: "Acceptée par la plateforme",
  rejected: "Rejetée par la plateforme",
};

export const HOLD_REASON_LABELS: Record<string, string> = {
  validation_failed: "non conforme aux règles officielles",
  validation_pending: "contrôle des règles en attente",
  no_connection: "aucune plateforme agréée connectée",
};

export const CODE_FILTER_LABELS: Record<string, string> = {
  "207": "En litige (207)",
  "210": "Refusée (210)",
  "213": "Rejetée (213)",
};

const ROLE_LABELS: Record<string, string> = {
  SE: "vendeur",
  BY: "acheteur",
  WK: "plateforme",
  PE: "bénéficiaire du paiement",
  DL: "affactureur",
};

/** A PA status as the back office shows it: « 207 En litige ». */
export function statusLabel(code: number): string {
  return `${code} ${LIFECYCLE_LABELS[code]?.fr ?? "statut inconnu"}`;
}

/** The reason of a status or of the PA's acknowledgement, in one line. */
export function reasonLine(s: Pick<LifecycleStatusView, "reasonCode" | "reasonText" | "role">): string {
  const parts = [
    s.role ? `par ${ROLE_LABELS[s.role] ?? s.role}` : "",
    s.reasonCode ? `motif ${s.reasonCode}` : "",
    s.reasonText ? `«\u00a0${s.reasonText}\u00a0»` : "",
  ].filter(Boolean);
  return parts.join(" · ");
}

/** The PA's acknowledgement details (`{ level, item, reasonCode, reasonMessage }`) or our refusal's reason. */
export function ackReasons(reasons: unknown[]): string[] {
  return reasons.map((r) => {
    if (typeof r === "string") return r;
    if (r && typeof r === "object") {
      const o = r as Record<string, unknown>;
      return [o.reasonCode, o.reasonMessage ?? o.message, o.item ? `(${String(o.item)})` : ""]
        .filter((x) => typeof x === "string" && x !== "")
        .join(" — ");
    }
    return String(r);
  });
}

function TransmissionState(props: {
  t: Pick<TransmissionListRow, "status" | "holdReason" | "attempts" | "lastError">;
}) {
  const t = props.t;
  return (
    <>
      <span
        class={t.status === "rejected" ? "staff-bad" : t.status === "acknowledged" ? "staff-ok" : ""}
        safe
      >
        {TRANSMISSION_LABELS[t.status] ?? t.status}
      </span>
      {t.holdReason ? (
        <small safe>{`\u00a0: ${HOLD_REASON_LABELS[t.holdReason] ?? t.holdReason}`}</small>
      ) : (
        ""
      )}
      {t.status === "queued" && t.lastError ? (
        <small
          class="staff-warn staff-wrap"
          safe
        >{`Dernier essai (${t.attempts})\u00a0: ${t.lastError}`}</small>
      ) : (
        ""
      )}
    </>
  );
}

/** The route, transmission and PA lifecycle of one invoice, for the back office's invoice page. */
export function InvoicePaSection(props: { pa: InvoicePaView }) {
  const { transmission, paStatuses, processingRule } = props.pa;
  return (
    <section class="card" aria-labelledby="h-pa">
      <h2 id="h-pa">Plateforme agréée</h2>
      <dl class="facts">
        <dt>Route</dt>
        <dd>{processingRule ? (ROUTE_LABELS[processingRule] ?? processingRule) : "Non déterminée"}</dd>
        <dt>Transmission</dt>
        <dd>
          {transmission ? (
            <TransmissionState t={transmission} />
          ) : (
            "Aucune\u00a0: l’original est la facture publiée sur le portail"
          )}
        </dd>
        {transmission?.flowId ? (
          <>
            <dt>Flux</dt>
            <dd>
              <code safe>{transmission.flowId}</code>
            </dd>
            <dt>Déposée le</dt>
            <dd safe>{frDateTime(transmission.submittedAt)}</dd>
            <dt>Accusé de la plateforme</dt>
            <dd safe>{transmission.ackStatus ?? "—"}</dd>
          </>
        ) : (
          ""
        )}
        {transmission && transmission.reasons.length > 0 ? (
          <>
            <dt>Motifs du rejet</dt>
            <dd>
              <ul>
                {ackReasons(transmission.reasons).map((r) => (
                  <li safe>{r}</li>
                ))}
              </ul>
            </dd>
          </>
        ) : (
          ""
        )}
      </dl>
      <h3>Cycle de vie déclaré par les plateformes</h3>
      {paStatuses.length === 0 ? (
        <p>Aucun statut reçu.</p>
      ) : (
        <section class="staff-scroll" aria-label="Statuts du cycle de vie" tabindex="0">
          <table class="staff-table staff-stack">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Statut</th>
                <th scope="col">Émis par, motif</th>
              </tr>
            </thead>
            <tbody>
              {paStatuses.map((s) => (
                <tr>
                  <td data-label="Date" safe>
                    {frDateTime(s.at)}
                  </td>
                  <td data-label="Statut" class={[207, 210, 213].includes(s.code) ? "staff-bad" : ""} safe>
                    {statusLabel(s.code)}
                  </td>
                  <td data-label="Émis par, motif" class="staff-wrap" safe>
                    {reasonLine(s) || "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </section>
  );
}

/** The figures of the last months, newest first. */
function MonthTable(props: { months: PaMonthRow[] }) {
  if (props.months.length === 0) return <p>Aucune transmission ni aucun statut sur la période.</p>;
  const monthLabel = (month: string) =>
    new Intl.DateTimeFormat("fr-FR", { month: "long", year: "numeric", timeZone: "UTC" }).format(
      new Date(`${month}-15T00:00:00Z`),
    );
  const cols: [keyof PaMonthRow, string][] = [
    ["transmitted", "Transmises"],
    ["acknowledged", "Acceptées au dépôt"],
    ["rejected", "Rejetées au dépôt"],
    ["disputed", "En litige (207)"],
    ["refused", "Refusées (210)"],
    ["lifecycleRejected", "Rejetées (213)"],
    ["collected", "Encaissées (212)"],
  ];
  return (
    <section class="staff-scroll" aria-labelledby="pa-months-caption" tabindex="0">
      <table class="staff-table staff-stack">
        <caption id="pa-months-caption">Par mois (heure de Paris)</caption>
        <thead>
          <tr>
            <th scope="col">Mois</th>
            {cols.map(([, label]) => (
              <th scope="col" safe>
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.months.map((m) => (
            <tr>
              <th scope="row" safe>
                {monthLabel(m.month)}
              </th>
              {cols.map(([key, label]) => (
                <td data-label={label} safe>
                  {String(m[key])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The query string of the list for these filters (and the CSV's). */
export function transmissionQuery(filter: TransmissionFilter): string {
  const q = new URLSearchParams();
  if (filter.status) q.set("etat", filter.status);
  if (filter.holdReason) q.set("retenue", filter.holdReason);
  if (filter.code) q.set("statut", String(filter.code));
  return q.size ? `?${q}` : "";
}

/** Transmissions to the PA, filtered, with their reasons; the monthly figures. Every staff member sees it. */
export function TransmissionsPage(props: {
  branding: Branding;
  staff: StaffHeader;
  filter: TransmissionFilter;
  rows: TransmissionListRow[];
  more: boolean;
  counts: { byStatus: Record<string, number>; byHoldReason: Record<string, number> };
  months: PaMonthRow[];
  connected: boolean;
  message?: Msg;
}) {
  const f = props.filter;
  const total = Object.values(props.counts.byStatus).reduce((a, b) => a + b, 0);
  return (
    <StaffLayout title="Plateforme agréée" branding={props.branding} staff={props.staff} current="pa">
      <h1>{"Plateforme agréée\u00a0: transmissions"}</h1>
      <Message message={props.message} />
      <p>
        Les factures B2B sont transmises à la plateforme agréée de l’émetteur, qui les remet à celle de
        l’acheteur ; les plateformes renvoient ensuite les statuts du cycle de vie (litiges, refus,
        encaissement…).
        {props.staff.role === "admin" ? (
          <>
            {" "}
            <a href="/conseiller/admin/plateforme">Connexion et messages non rapprochés</a>
          </>
        ) : (
          ""
        )}
      </p>
      {props.connected ? (
        ""
      ) : (
        <p class="staff-warning">
          Aucune plateforme agréée n’est connectée : les factures B2B sont retenues jusqu’à ce qu’un
          administrateur la connecte.
        </p>
      )}
      <div class="staff-stats staff-pa-stats">
        {["held", "queued", "submitted", "acknowledged", "rejected"].map((s) => (
          <div class="staff-stat">
            <strong safe>{String(props.counts.byStatus[s] ?? 0)}</strong>
            <span safe>{TRANSMISSION_LABELS[s]!.toLowerCase()}</span>
          </div>
        ))}
      </div>
      <h2>Filtrer</h2>
      <form method="get" action="/conseiller/plateforme" class="staff-filters">
        <div class="field">
          <label for="f-etat">État de la transmission</label>
          <select id="f-etat" name="etat">
            <option value="">Tous</option>
            {Object.entries(TRANSMISSION_LABELS).map(([value, label]) => (
              <option value={value} selected={f.status === value} safe>
                {`${label} (${props.counts.byStatus[value] ?? 0})`}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-retenue">Motif de retenue</label>
          <select id="f-retenue" name="retenue">
            <option value="">Tous</option>
            {Object.entries(HOLD_REASON_LABELS).map(([value, label]) => (
              <option value={value} selected={f.holdReason === value} safe>
                {`${label} (${props.counts.byHoldReason[value] ?? 0})`}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-statut">Statut reçu</label>
          <select id="f-statut" name="statut">
            <option value="">Tous</option>
            {Object.entries(CODE_FILTER_LABELS).map(([value, label]) => (
              <option value={value} selected={String(f.code ?? "") === value} safe>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div class="staff-actions">
          <button type="submit" class="button">
            Filtrer
          </button>
          <a href="/conseiller/plateforme">Tout afficher</a>
        </div>
      </form>
      <h2 safe>{`Transmissions (${props.rows.length}${props.more ? "+" : ""} sur ${total})`}</h2>
      <p class="staff-actions">
        <a href={`/conseiller/plateforme.csv${transmissionQuery(f)}`}>Exporter cette liste (CSV)</a>
      </p>
      {props.rows.length === 0 ? (
        <p>Aucune transmission ne correspond.</p>
      ) : (
        <section class="staff-scroll" aria-label="Tableau des transmissions" tabindex="0">
          <table class="staff-table staff-stack">
            <thead>
              <tr>
                <th scope="col">Facture</th>
                <th scope="col">Client</th>
                <th scope="col">Route</th>
                <th scope="col">Transmission</th>
                <th scope="col">Dernier statut</th>
                <th scope="col">Motifs</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((r) => (
                <tr>
                  <td data-label="Facture">
                    <a href={`/conseiller/factures/${r.invoiceId}`} safe>
                      {`${isCreditNote(r.typeCode) ? "Avoir" : "Facture"} ${r.invoiceNumber}`}
                    </a>
                    <br />
                    <small
                      safe
                    >{`${frDate(r.issueDate)} · ${r.grandTotal.replace(".", ",")} ${r.currency}`}</small>
                  </td>
                  <td data-label="Client">
                    <a href={`/conseiller/clients/${r.customerId}`} safe>
                      {r.customerNumber}
                    </a>
                    <br />
                    <small safe>{r.customerName}</small>
                  </td>
                  <td data-label="Route">
                    <code safe>{r.processingRule ?? "—"}</code>
                  </td>
                  <td data-label="Transmission">
                    <TransmissionState t={r} />
                    {r.submittedAt ? (
                      <>
                        <br />
                        <small safe>{`Déposée le ${frDateTime(r.submittedAt)}`}</small>
                      </>
                    ) : (
                      ""
                    )}
                  </td>
                  <td data-label="Dernier statut">
                    {r.lastStatus ? (
                      <>
                        <span class={[207, 210, 213].includes(r.lastStatus.code) ? "staff-bad" : ""} safe>
                          {statusLabel(r.lastStatus.code)}
                        </span>
                        <br />
                        <small safe>{frDateTime(r.lastStatus.at)}</small>
                      </>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td data-label="Motifs" class="staff-wrap">
                    {r.reasonedStatuses.length === 0 && r.reasons.length === 0 ? (
                      "—"
                    ) : (
                      <ul class="staff-reasons">
                        {ackReasons(r.reasons).map((line) => (
                          <li safe>{`Dépôt\u00a0: ${line}`}</li>
                        ))}
                        {r.reasonedStatuses.map((s) => (
                          <li safe>{`${statusLabel(s.code)}\u00a0: ${reasonLine(s)}`}</li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {props.more ? (
        <p>Seules les transmissions les plus récentes sont listées : affinez les filtres ou exportez.</p>
      ) : (
        ""
      )}
      <h2>Statistiques</h2>
      <MonthTable months={props.months} />
    </StaffLayout>
  );
}

/** The transmissions as CSV (`;`, UTF-8 with BOM for French Excel), route included. */
export function transmissionsCsv(rows: TransmissionListRow[]): string {
  const sep = ";";
  const head = [
    "numero_facture",
    "date_emission",
    "montant_ttc",
    "devise",
    "numero_client",
    "client",
    "route",
    "etat_transmission",
    "motif_retenue",
    "flux",
    "deposee_le",
    "accuse",
    "dernier_statut",
    "date_dernier_statut",
    "motifs",
  ];
  const lines = rows.map((r) =>
    [
      r.invoiceNumber,
      r.issueDate,
      r.grandTotal.replace(".", ","),
      r.currency,
      r.customerNumber,
      r.customerName,
      r.processingRule ?? "",
      r.status,
      r.holdReason ?? "",
      r.flowId ?? "",
      r.submittedAt ? r.submittedAt.toISOString() : "",
      r.ackStatus ?? "",
      r.lastStatus ? String(r.lastStatus.code) : "",
      r.lastStatus ? r.lastStatus.at.toISOString() : "",
      [...ackReasons(r.reasons), ...r.reasonedStatuses.map((s) => `${s.code} ${reasonLine(s)}`)].join(" | "),
    ]
      .map((v) => csvField(v, sep))
      .join(sep),
  );
  return `\uFEFF${[head.join(sep), ...lines].join("\r\n")}\r\n`;
}

const HEALTH_WORDS = {
  token: {
    ok: ["staff-ok", "Jeton\u00a0: obtenu auprès du serveur d’autorisation."],
    refused: ["staff-bad", "Jeton\u00a0: refusé (identifiant client ou secret incorrect)."],
    unreachable: ["staff-bad", "Jeton\u00a0: serveur d’autorisation injoignable."],
    not_used: ["", "Jeton\u00a0: jeton permanent, pas de serveur d’autorisation."],
  },
  service: {
    ok: ["staff-ok", "Service Flow\u00a0: il répond (GET /v1/healthcheck)."],
    unavailable: ["staff-bad", "Service Flow\u00a0: indisponible pour le moment."],
    unreachable: ["staff-bad", "Service Flow\u00a0: injoignable à cette adresse."],
  },
  access: {
    ok: ["staff-ok", "Accès\u00a0: les identifiants ouvrent l’API Flow."],
    refused: ["staff-bad", "Accès\u00a0: refusé par la plateforme."],
    unknown: ["", "Accès\u00a0: non vérifié (le service ne répond pas)."],
  },
} as const;

/** The admin page: the connection (the secret is never shown), its test, the messages that matched nothing. */
export function PaAdminPage(props: {
  branding: Branding;
  staff: StaffHeader;
  connection?: PaConnectionView;
  health?: PaHealth;
  problems: { rows: InboundProblemRow[]; total: number };
  /** What the admin typed, back after an error (never a secret). */
  form?: Record<string, string>;
  message?: Msg;
}) {
  const c = props.connection;
  const form = props.form ?? {};
  const kind = form.authKind ?? c?.authKind ?? "oauth2";
  const healthy = props.health && props.health.service === "ok" && props.health.access === "ok";
  return (
    <AdminLayout
      title="Plateforme agréée"
      heading="Plateforme agréée"
      current="/conseiller/admin/plateforme"
      branding={props.branding}
      staff={props.staff}
      message={props.message}
    >
      <p>
        La plateforme agréée reçoit les factures B2B de l’émetteur (norme AFNOR XP Z12-013, API Flow) et
        renvoie les statuts de leur cycle de vie.{" "}
        <a href="/conseiller/plateforme">Voir les transmissions et les statistiques</a>
      </p>
      <div class="staff-grid">
        <section class="card" aria-labelledby="h-pa-connection">
          <h2 id="h-pa-connection">Connexion actuelle</h2>
          {c ? (
            <>
              <dl class="facts">
                <dt>Service Flow</dt>
                <dd>
                  <code class="staff-wrap" safe>
                    {c.flowUrl}
                  </code>
                </dd>
                <dt>Authentification</dt>
                <dd>
                  {c.authKind === "oauth2"
                    ? `OAuth2, client ${escapeHtml(c.clientId ?? "")}`
                    : "Jeton permanent"}
                </dd>
                {c.tokenUrl ? (
                  <>
                    <dt>Serveur d’autorisation</dt>
                    <dd>
                      <code class="staff-wrap" safe>
                        {c.tokenUrl}
                      </code>
                    </dd>
                  </>
                ) : (
                  ""
                )}
                <dt>Secret</dt>
                <dd>Enregistré chiffré ; il n’est jamais réaffiché.</dd>
                <dt>Relève des statuts</dt>
                <dd
                  safe
                >{`Toutes les ${c.pollSeconds} secondes · ${c.polledAt ? `dernière le ${frDateTime(c.polledAt)}` : "pas encore relevée"}`}</dd>
                <dt>Modifiée le</dt>
                <dd safe>{frDateTime(c.updatedAt)}</dd>
              </dl>
              <form method="post" action="/conseiller/admin/plateforme/test" class="staff-pa-test">
                <input type="hidden" name="_csrf" value={props.staff.csrf} />
                <button type="submit" class="button secondary">
                  Tester la connexion
                </button>
              </form>
            </>
          ) : (
            <p>Aucune plateforme agréée n’est connectée : les factures B2B sont retenues.</p>
          )}
          {props.health ? (
            <section aria-labelledby="h-pa-health" role="status">
              <h3 id="h-pa-health">
                {healthy ? "Résultat du test\u00a0: tout fonctionne" : "Résultat du test\u00a0: un problème"}
              </h3>
              <ul>
                <li class={HEALTH_WORDS.token[props.health.token][0]}>
                  {HEALTH_WORDS.token[props.health.token][1]}
                </li>
                <li class={HEALTH_WORDS.service[props.health.service][0]}>
                  {HEALTH_WORDS.service[props.health.service][1]}
                </li>
                <li class={HEALTH_WORDS.access[props.health.access][0]}>
                  {HEALTH_WORDS.access[props.health.access][1]}
                </li>
              </ul>
              {props.health.problems.length > 0 ? (
                <details>
                  <summary>Détail technique</summary>
                  <ul>
                    {props.health.problems.map((p) => (
                      <li class="staff-wrap" safe>
                        {p}
                      </li>
                    ))}
                  </ul>
                </details>
              ) : (
                ""
              )}
              <p>
                {healthy
                  ? "Les factures B2B peuvent être transmises."
                  : "Les transmissions attendent (elles sont réessayées) jusqu’à ce que cela fonctionne."}
              </p>
            </section>
          ) : (
            ""
          )}
        </section>
        <section class="card" aria-labelledby="h-pa-form">
          <h2 id="h-pa-form">{c ? "Remplacer la connexion" : "Connecter la plateforme"}</h2>
          <form method="post" action="/conseiller/admin/plateforme/connexion" autocomplete="off">
            <input type="hidden" name="_csrf" value={props.staff.csrf} />
            <div class="field">
              <label for="pa-flow-url">Adresse du service Flow</label>
              <span class="hint" id="pa-flow-url-hint">
                Par exemple https://api.flow.pa.example/flow-service (les chemins /v1/… y sont ajoutés).
              </span>
              <input
                type="text"
                id="pa-flow-url"
                name="flowUrl"
                required
                maxlength="2000"
                aria-describedby="pa-flow-url-hint"
                value={form.flowUrl ?? c?.flowUrl ?? ""}
              />
            </div>
            <fieldset>
              <legend>Authentification</legend>
              <div class="field checkbox">
                <input
                  type="radio"
                  id="pa-kind-oauth2"
                  name="authKind"
                  value="oauth2"
                  checked={kind === "oauth2"}
                />
                <label for="pa-kind-oauth2">OAuth2 (identifiant client et secret)</label>
              </div>
              <div class="field">
                <label for="pa-token-url">Adresse du serveur d’autorisation (jeton)</label>
                <input
                  type="text"
                  id="pa-token-url"
                  name="tokenUrl"
                  maxlength="2000"
                  value={form.tokenUrl ?? c?.tokenUrl ?? ""}
                />
              </div>
              <div class="field">
                <label for="pa-client-id">Identifiant client</label>
                <input
                  type="text"
                  id="pa-client-id"
                  name="clientId"
                  maxlength="200"
                  value={form.clientId ?? c?.clientId ?? ""}
                />
              </div>
              <div class="field">
                <label for="pa-client-secret">Secret client</label>
                <span class="hint" id="pa-secret-hint">
                  Enregistré chiffré, jamais réaffiché : saisissez-le à chaque modification.
                </span>
                <input
                  type="password"
                  id="pa-client-secret"
                  name="clientSecret"
                  maxlength="4096"
                  autocomplete="new-password"
                  aria-describedby="pa-secret-hint"
                />
              </div>
              <div class="field checkbox">
                <input
                  type="radio"
                  id="pa-kind-token"
                  name="authKind"
                  value="token"
                  checked={kind === "token"}
                />
                <label for="pa-kind-token">Jeton permanent</label>
              </div>
              <div class="field">
                <label for="pa-token">Jeton</label>
                <input
                  type="password"
                  id="pa-token"
                  name="token"
                  maxlength="4096"
                  autocomplete="new-password"
                />
              </div>
            </fieldset>
            <div class="field">
              <label for="pa-poll">Relève des statuts, en secondes</label>
              <span class="hint" id="pa-poll-hint">
                De 10 à 86 400 ; 300 par défaut.
              </span>
              <input
                type="text"
                inputmode="numeric"
                id="pa-poll"
                name="pollSeconds"
                maxlength="6"
                aria-describedby="pa-poll-hint"
                value={form.pollSeconds ?? String(c?.pollSeconds ?? 300)}
              />
            </div>
            <button type="submit" class="button">
              {c ? "Remplacer la connexion" : "Connecter"}
            </button>
          </form>
        </section>
      </div>
      <section aria-labelledby="h-pa-problems">
        <h2
          id="h-pa-problems"
          safe
        >{`Messages de la plateforme non rapprochés ou invalides (${props.problems.total})`}</h2>
        <p>
          Chaque message reçu de la plateforme est conservé, même quand il ne correspond à aucune facture ou
          ne peut pas être lu.
        </p>
        {props.problems.rows.length === 0 ? (
          <p>Aucun.</p>
        ) : (
          <ol class="staff-finding-list">
            {props.problems.rows.map((m) => (
              <li class={`card staff-finding ${m.outcome === "invalid" ? "is-fatal" : ""}`}>
                <h3>
                  <span class={m.outcome === "invalid" ? "staff-bad" : "staff-warn"}>
                    {m.outcome === "invalid" ? "Invalide" : "Non rapproché"}
                  </span>{" "}
                  <code safe>{m.flowId}</code>
                </h3>
                <dl class="facts">
                  <dt>Reçu le</dt>
                  <dd
                    safe
                  >{`${frDateTime(m.receivedAt)} (${m.receivedVia === "poll" ? "relève" : "notification"})`}</dd>
                  <dt>Détail</dt>
                  <dd class="staff-wrap" safe>
                    {m.detail ?? "—"}
                  </dd>
                </dl>
                {m.document ? (
                  <details>
                    <summary safe>{`Document reçu (${m.documentLength} caractères)`}</summary>
                    <pre class="staff-document" tabindex="0" safe>
                      {m.document}
                    </pre>
                  </details>
                ) : (
                  <p>La plateforme n’a pas fourni le document.</p>
                )}
              </li>
            ))}
          </ol>
        )}
      </section>
    </AdminLayout>
  );
}
