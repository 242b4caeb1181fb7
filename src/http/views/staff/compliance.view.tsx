import type {
  ComplianceMonthTotals,
  ComplianceRuleCount,
  FailedInvoiceRow,
  StaffInvoiceComplianceRow,
} from "../../../db/compliance.queries.js";
import type { InvoicePaView } from "../../../db/pa-views.queries.js";
import { csvField } from "../../../domain/shared/spreadsheet-text.js";
import { transmissionHold } from "../../../domain/validation/transmission-hold.js";
import { isCreditNote } from "../../../einvoice/document-types.js";
import { shownValidationStatus, storedValidationFindings } from "../../stored-validation.js";
import type { Branding } from "../layout.js";
import { AdminLayout } from "./admin.view.js";
import { InvoiceFindings } from "./invoice-findings.view.js";
import { InvoicePaSection } from "./pa.view.js";
import { frDate, frDateTime, type StaffHeader, StaffLayout } from "./staff-layout.js";

// The back office's view of the compliance check (docs/compliance.md): French only, like the rest
// of the back office (docs/architecture.md, Languages); the explanations shown are the French ones.

export const VALIDATION_STATUS_LABELS: Record<ReturnType<typeof shownValidationStatus>, string> = {
  pending: "Contrôle en attente",
  passed: "Conforme",
  warnings: "Conforme, avec avertissements",
  failed: "Non conforme",
  not_checked: "Non contrôlée",
};

export const ROUTE_LABELS: Record<string, string> = {
  B2B: "B2B — entreprise en France, via la plateforme agréée",
  B2BInt: "B2B international",
  B2C: "B2C — particulier",
  OutOfScope: "Hors champ de la facturation électronique",
  ArchiveOnly: "Archivage seul",
};

const ROUTE_SOURCE_LABELS: Record<string, string> = {
  invoice: "note BAR du fichier",
  metadata: "métadonnées de publication",
  tenant: "réglage par défaut du portail",
};

const HOLD_LABELS = {
  validation_failed: "Bloquée : ne sera pas transmise à la plateforme agréée tant qu’elle n’est pas corrigée",
  validation_pending: "En attente du contrôle avant toute transmission à la plateforme agréée",
} as const;

const statusClass = (status: string) =>
  status === "failed"
    ? "staff-bad"
    : status === "passed"
      ? "staff-ok"
      : status === "warnings"
        ? "staff-warn"
        : "";

/** The compliance state of one invoice in the customer record: a link to its page, red when it failed. */
export function ComplianceBadge(props: {
  invoice: {
    id: string;
    invoiceNumber: string;
    validationStatus: string | null;
    processingRule: string | null;
  };
}) {
  const status = shownValidationStatus(props.invoice.validationStatus);
  const held = transmissionHold(props.invoice)?.reason === "validation_failed";
  return (
    <a
      class={`staff-compliance ${statusClass(status)}`}
      href={`/conseiller/factures/${props.invoice.id}`}
      aria-label={`Conformité de la facture ${props.invoice.invoiceNumber} : ${VALIDATION_STATUS_LABELS[status]}${held ? ", bloquée" : ""}`}
      safe
    >
      {`${VALIDATION_STATUS_LABELS[status]}${held ? " · bloquée" : ""}`}
    </a>
  );
}

/** One invoice's route and the findings of the official rules, in words (back office). */
export function InvoiceCompliancePage(props: {
  branding: Branding;
  staff: StaffHeader;
  invoice: StaffInvoiceComplianceRow;
  /** Its transmission to the PA and the lifecycle the PA reported (issue #16). */
  pa?: InvoicePaView;
}) {
  const i = props.invoice;
  const status = shownValidationStatus(i.validationStatus);
  const hold = transmissionHold(i);
  const findings = storedValidationFindings(i.validationFindings);
  const title = `${isCreditNote(i.typeCode) ? "Avoir" : "Facture"} ${i.invoiceNumber}`;
  return (
    <StaffLayout title={`Conformité · ${title}`} branding={props.branding} staff={props.staff}>
      <p>
        <a href={`/conseiller/clients/${i.customerId}`} safe>
          {`← Fiche du client ${i.customerNumber}`}
        </a>
      </p>
      <h1 safe>{title}</h1>
      <div class="staff-grid">
        <section class="card" aria-labelledby="h-route">
          <h2 id="h-route">Route et contrôle</h2>
          <dl class="facts">
            <dt>Client</dt>
            <dd safe>{`${i.customerName} (${i.customerNumber})`}</dd>
            <dt>Date et montant</dt>
            <dd safe>{`${frDate(i.issueDate)} · ${i.grandTotal.replace(".", ",")} ${i.currency}`}</dd>
            <dt>Route</dt>
            <dd>
              {i.processingRule ? (
                <>
                  <span safe>{ROUTE_LABELS[i.processingRule] ?? i.processingRule}</span>{" "}
                  <code safe>{i.processingRule}</code>
                  <br />
                  <small safe>{`selon : ${ROUTE_SOURCE_LABELS[i.processingRuleSource ?? ""] ?? "—"}`}</small>
                </>
              ) : (
                "Non déterminée (facture publiée avant la réforme)"
              )}
            </dd>
            <dt>SIREN de l’acheteur (BT-47)</dt>
            <dd safe>{i.buyerSiren ?? "Absent"}</dd>
            <dt>Cadre de facturation (BT-23)</dt>
            <dd safe>{i.businessProcess ?? "Non indiqué"}</dd>
            <dt>Contrôle des règles officielles</dt>
            <dd>
              <strong class={statusClass(status)} safe>
                {VALIDATION_STATUS_LABELS[status]}
              </strong>
              {i.validatedAt ? (
                <small
                  safe
                >{` le ${frDateTime(i.validatedAt)} · ${i.validationRulesVersion ?? ""}${i.validationProfile ? ` · profil ${i.validationProfile}` : ""}`}</small>
              ) : (
                ""
              )}
            </dd>
            <dt>Transmission</dt>
            <dd class={hold?.reason === "validation_failed" ? "staff-bad" : ""}>
              {hold
                ? HOLD_LABELS[hold.reason]
                : i.processingRule === "B2B"
                  ? "Peut être transmise à la plateforme agréée"
                  : "Pas de transmission : la facture publiée sur le portail est l’original"}
            </dd>
          </dl>
        </section>
        <section class="card" aria-labelledby="h-publication">
          <h2 id="h-publication">À la publication</h2>
          <p safe>{`Publiée le ${frDateTime(i.publishedAt)}.`}</p>
          <InvoiceFindings findings={i.findings} invoiceNumber={i.invoiceNumber} />
          <p class="hint">
            Les constats ne sont montrés qu’à l’émetteur, jamais au client. La facture reste publiée telle que
            l’émetteur l’a envoyée.
          </p>
        </section>
      </div>
      {props.pa ? <InvoicePaSection pa={props.pa} /> : ""}
      <section aria-labelledby="h-findings">
        <h2 id="h-findings" safe>{`Constats des règles officielles (${findings.length})`}</h2>
        {findings.length === 0 ? (
          <p>
            {status === "pending" || status === "not_checked"
              ? "Le contrôle n’a pas encore eu lieu."
              : "Aucun constat."}
          </p>
        ) : (
          <ol class="staff-finding-list">
            {findings.map((f) => (
              <li class={`card staff-finding ${f.flag === "fatal" ? "is-fatal" : "is-warning"}`}>
                <h3>
                  <code safe>{f.rule}</code>{" "}
                  <span class={f.flag === "fatal" ? "staff-bad" : "staff-warn"}>
                    {f.flag === "fatal" ? "Bloquante" : "Avertissement"}
                  </span>
                </h3>
                {f.explanation ? <p safe>{f.explanation.fr}</p> : ""}
                <dl class="facts">
                  <dt>Message officiel</dt>
                  <dd safe>{f.message}</dd>
                  <dt>Emplacement</dt>
                  <dd>{f.location ? <code safe>{f.location}</code> : "Non précisé"}</dd>
                </dl>
              </li>
            ))}
          </ol>
        )}
      </section>
    </StaffLayout>
  );
}

/** Admins: per month, the invoices checked by status and the count of failed / warned invoices by rule. */
export function ComplianceMonthPage(props: {
  branding: Branding;
  staff: StaffHeader;
  month: string;
  monthLabel: string;
  previous: string;
  next: string | undefined;
  totals: ComplianceMonthTotals;
  rules: ComplianceRuleCount[];
  failed: FailedInvoiceRow[];
}) {
  const t = props.totals;
  const stat = (value: number, label: string, cls = "") => (
    <div class="staff-stat">
      <strong class={cls} safe>
        {String(value)}
      </strong>
      <span safe>{label}</span>
    </div>
  );
  return (
    <AdminLayout
      title="Conformité"
      heading="Conformité aux règles officielles"
      current="/conseiller/admin/conformite"
      branding={props.branding}
      staff={props.staff}
    >
      <nav class="staff-actions staff-month-nav" aria-label="Mois">
        <a href={`/conseiller/admin/conformite?mois=${props.previous}`}>← Mois précédent</a>
        <strong safe>{props.monthLabel}</strong>
        {props.next ? <a href={`/conseiller/admin/conformite?mois=${props.next}`}>Mois suivant →</a> : ""}
        <a href={`/conseiller/admin/conformite.csv?mois=${props.month}`}>Télécharger le CSV</a>
      </nav>
      <h2 safe>{`Factures publiées en ${props.monthLabel}`}</h2>
      <div class="staff-stats">
        {stat(t.published, "publiées")}
        {stat(t.passed, "conformes", "staff-ok")}
        {stat(t.warnings, "avec avertissements")}
        {stat(t.failed, "non conformes", t.failed > 0 ? "staff-bad" : "")}
        {stat(t.heldB2b, "B2B bloquées (non transmises)", t.heldB2b > 0 ? "staff-bad" : "")}
        {stat(t.pending + t.notChecked, "en attente ou non contrôlées")}
      </div>
      <h2>Par règle</h2>
      {props.rules.length === 0 ? (
        <p>Aucune règle n’a relevé de constat ce mois-ci.</p>
      ) : (
        <section class="staff-scroll" aria-label="Constats par règle" tabindex="0">
          <table class="staff-table staff-stack">
            <thead>
              <tr>
                <th scope="col">Règle</th>
                <th scope="col">Factures non conformes</th>
                <th scope="col">Factures avec avertissement</th>
              </tr>
            </thead>
            <tbody>
              {props.rules.map((r) => (
                <tr>
                  <td data-label="Règle">
                    <code safe>{r.rule}</code>
                  </td>
                  <td data-label="Non conformes" safe>
                    {String(r.failedInvoices)}
                  </td>
                  <td data-label="Avertissements" safe>
                    {String(r.warnedInvoices)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <h2>Factures non conformes</h2>
      {props.failed.length === 0 ? (
        <p>Aucune facture non conforme ce mois-ci.</p>
      ) : (
        <section class="staff-scroll" aria-label="Factures non conformes" tabindex="0">
          <table class="staff-table staff-stack">
            <thead>
              <tr>
                <th scope="col">Facture</th>
                <th scope="col">Client</th>
                <th scope="col">Route</th>
                <th scope="col">Règles</th>
                <th scope="col">Publiée le</th>
              </tr>
            </thead>
            <tbody>
              {props.failed.map((f) => (
                <tr>
                  <td data-label="Facture">
                    <a href={`/conseiller/factures/${f.id}`} class="ident" safe>
                      {f.invoiceNumber}
                    </a>
                  </td>
                  <td data-label="Client">
                    <a href={`/conseiller/clients/${f.customerId}`} class="ident" safe>
                      {f.customerNumber}
                    </a>
                  </td>
                  <td data-label="Route" class={f.processingRule === "B2B" ? "staff-bad" : ""} safe>
                    {f.processingRule === "B2B" ? "B2B · bloquée" : (f.processingRule ?? "—")}
                  </td>
                  <td data-label="Règles" safe>
                    {f.rules.join(", ")}
                  </td>
                  <td data-label="Publiée le" safe>
                    {frDate(f.publishedAt)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </AdminLayout>
  );
}

/** The month's counts by rule for French Excel: BOM, `;`, CRLF. */
export function complianceCsv(
  month: string,
  totals: ComplianceMonthTotals,
  rules: ComplianceRuleCount[],
): string {
  const sep = ";";
  const line = (cells: (string | number)[]) => `${cells.map((c) => csvField(String(c), sep)).join(sep)}\r\n`;
  let out = `\uFEFF${line(["Mois", "Règle", "Factures non conformes", "Factures avec avertissement"])}`;
  for (const r of rules) out += line([month, r.rule, r.failedInvoices, r.warnedInvoices]);
  out += line([month, "TOTAL (factures)", totals.failed, totals.warnings]);
  return out;
}
