import type { InvoiceDetailRow, InvoiceEventRow } from "../../db/downloads.repository.js";
import { invoiceTypeLabel } from "../../domain/invoices/zip-index.js";
import { type Branding, Layout, type SignedIn } from "./layout.js";

// The texts of the detail and download pages, in one place (French first; English comes with the shared message files).
const T = {
  back: "Mes factures",
  new: "Nouvelle",
  downloadedOn: (d: string) => `Téléchargée le ${d}`,
  amountIncl: "Montant TTC",
  availableUntil: (d: string) => `Disponible jusqu’au ${d}`,
  removedOn: (d: string) => `Retirée du portail le ${d}`,
  removedText:
    "Cette facture a atteint la fin de sa durée de mise à disposition : son fichier n’est plus téléchargeable sur le portail. Les informations ci-dessous restent consultables.",
  keepIt:
    "Pensez à télécharger et sauvegarder cette facture avant cette date : l’original a la même valeur fiscale que la facture papier.",
  downloadPdf: "Télécharger le PDF",
  downloadXml: "Télécharger les données (XML)",
  pdfHint: (size: string) => `Original PDF, ${size}`,
  xmlHint: "Données structurées Factur-X (EN 16931), pour votre logiciel comptable",
  seller: "Émetteur",
  buyer: "Client",
  references: "Références",
  amounts: "Montants",
  vatTable: "Détail de la TVA",
  integrity: "Intégrité du fichier",
  history: "Historique",
} as const;

const STATUS_LABELS: Record<number, string> = {
  200: "Déposée",
  203: "Mise à disposition",
  204: "Prise en charge",
  205: "Approuvée",
  207: "En litige",
  210: "Refusée",
  212: "Encaissée",
  213: "Rejetée",
};

const VAT_CATEGORIES: Record<string, string> = {
  S: "Taux normal",
  Z: "Taux zéro",
  E: "Exonérée",
  AE: "Autoliquidation",
  K: "Livraison intracommunautaire",
  G: "Exportation hors UE",
  O: "Hors champ de la TVA",
  L: "Canaries (IGIC)",
  M: "Ceuta et Melilla (IPSI)",
};

const PROFILE_LABELS: Record<string, string> = {
  MINIMUM: "Factur-X MINIMUM",
  "BASIC WL": "Factur-X BASIC WL",
  BASIC: "Factur-X BASIC",
  "EN 16931": "Factur-X EN 16931",
  EXTENDED: "Factur-X EXTENDED",
  XRECHNUNG: "XRechnung",
  UNKNOWN: "Factur-X (profil non reconnu)",
};

const longDate = new Intl.DateTimeFormat("fr-FR", { dateStyle: "long", timeZone: "UTC" });
const longInstant = new Intl.DateTimeFormat("fr-FR", {
  dateStyle: "long",
  timeStyle: "short",
  timeZone: "Europe/Paris",
});
const dayOf = new Intl.DateTimeFormat("fr-FR", { dateStyle: "long", timeZone: "Europe/Paris" });
const kilobytes = new Intl.NumberFormat("fr-FR", {
  style: "unit",
  unit: "kilobyte",
  maximumFractionDigits: 0,
});
const megabytes = new Intl.NumberFormat("fr-FR", {
  style: "unit",
  unit: "megabyte",
  maximumFractionDigits: 1,
});
const plain = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 20 });

/** A document date (`YYYY-MM-DD`) in French: "5 novembre 2026". */
export function frenchDate(iso: string): string {
  return longDate.format(new Date(`${iso}T00:00:00Z`));
}

/**
 * An amount from its decimal string, in French with its currency. Intl formats the string as an exact
 * decimal (ECMA-402 "StringNumericLiteral"), so no float ever rounds it.
 */
export function frenchMoney(value: string, currency: string): string {
  try {
    return new Intl.NumberFormat("fr-FR", { style: "currency", currency }).format(value as unknown as number);
  } catch {
    return `${plain.format(value as unknown as number)} ${currency}`;
  }
}

function sizeText(bytes: number): string {
  return bytes >= 1_000_000
    ? megabytes.format(bytes / 1_000_000)
    : kilobytes.format(Math.max(1, Math.round(bytes / 1000)));
}

interface Party {
  name?: string | null;
  id?: string | null;
  globalId?: string | null;
  siren?: string | null;
  vatId?: string | null;
  country?: string | null;
}

interface VatLine {
  categoryCode?: string;
  ratePercent?: string;
  basisAmount?: string;
  taxAmount?: string;
  exemptionReason?: string;
}

function factsOf(invoice: InvoiceDetailRow) {
  const facts = invoice.facts ?? {};
  const seller = (facts.seller ?? {}) as Party;
  const buyer = (facts.buyer ?? {}) as Party;
  const vatBreakdown = Array.isArray(facts.vatBreakdown) ? (facts.vatBreakdown as VatLine[]) : [];
  const buyerReference = typeof facts.buyerReference === "string" ? facts.buyerReference : null;
  return { seller, buyer, vatBreakdown, buyerReference };
}

/** dt/dd pairs; a fact the invoice does not carry is left out rather than shown empty. */
function Facts(props: { rows: [string, string | null | undefined, string?][] }) {
  return (
    <dl class="facts det-facts">
      {props.rows
        .filter(([, value]) => value !== null && value !== undefined && value !== "")
        .map(([label, value, cls]) => (
          <>
            <dt safe>{label}</dt>
            <dd class={cls} safe>
              {value}
            </dd>
          </>
        ))}
    </dl>
  );
}

function PartyCard(props: { title: string; id: string; party: Party; fallbackName: string | null }) {
  const { party } = props;
  return (
    <section class="card det-card" aria-labelledby={props.id}>
      <h2 id={props.id} safe>
        {props.title}
      </h2>
      <Facts
        rows={[
          ["Raison sociale", party.name ?? props.fallbackName],
          ["SIREN", party.siren],
          ["N° TVA intracommunautaire", party.vatId],
          ["Identifiant", party.id],
          ["Identifiant global", party.globalId],
          ["Pays", party.country],
        ]}
      />
    </section>
  );
}

export interface InvoiceDetailProps {
  branding: Branding;
  user: SignedIn;
  invoice: InvoiceDetailRow;
  events: InvoiceEventRow[];
}

/** One invoice: facts of its Factur-X, downloads, SHA-256 and how to check it, lifecycle history. */
export function InvoiceDetailPage({ branding, user, invoice, events }: InvoiceDetailProps) {
  const { seller, buyer, vatBreakdown, buyerReference } = factsOf(invoice);
  const type = invoiceTypeLabel(invoice.typeCode);
  const title = `${type} ${invoice.invoiceNumber}`;
  const removed = invoice.removedAt !== null;
  const currency = invoice.currency;
  const money = (value: string | null) => (value === null ? null : frenchMoney(value, currency));
  const until = `${T.availableUntil(dayOf.format(invoice.availableUntil))}.`;
  const vatRows = vatBreakdown.map((line) => ({
    category: line.categoryCode ? (VAT_CATEGORIES[line.categoryCode] ?? line.categoryCode) : "—",
    rate: line.ratePercent !== undefined ? `${plain.format(line.ratePercent as unknown as number)} %` : "—",
    basis: line.basisAmount !== undefined ? frenchMoney(line.basisAmount, currency) : "—",
    tax: line.taxAmount !== undefined ? frenchMoney(line.taxAmount, currency) : "—",
  }));
  return (
    <Layout title={title} branding={branding} user={user}>
      <nav class="det-breadcrumb" aria-label="Fil d’Ariane">
        <a href="/factures">
          <span aria-hidden="true">← </span>
          {T.back}
        </a>
      </nav>
      <div class="det-head">
        <div class="det-title">
          <h1 safe>{title}</h1>
          <p class="det-sub">
            <span safe>{seller.name ?? invoice.sellerName ?? branding.name}</span>
            <span aria-hidden="true"> · </span>
            <span safe>{`émise le ${frenchDate(invoice.issueDate)}`}</span>
          </p>
          <p class="det-status">
            {removed ? (
              <span class="det-badge det-badge-removed" safe>
                {T.removedOn(dayOf.format(invoice.removedAt!))}
              </span>
            ) : invoice.firstDownloadedAt ? (
              <span class="det-badge det-badge-done" safe>
                {T.downloadedOn(dayOf.format(invoice.firstDownloadedAt))}
              </span>
            ) : (
              <span class="det-badge det-badge-new">{T.new}</span>
            )}
          </p>
        </div>
        <div class="det-total">
          <span class="det-total-label">{T.amountIncl}</span>
          <span class="det-total-value" safe>
            {frenchMoney(invoice.grandTotal, currency)}
          </span>
          {removed ? (
            ""
          ) : (
            <span class="det-until" safe>
              {T.availableUntil(dayOf.format(invoice.availableUntil))}
            </span>
          )}
        </div>
      </div>

      {removed ? (
        <div class="det-removed" role="status">
          <p>
            <strong safe>{`${T.removedOn(dayOf.format(invoice.removedAt!))}.`}</strong>
          </p>
          <p>{T.removedText}</p>
        </div>
      ) : (
        <section class="card det-actions" aria-label="Téléchargements">
          <div class="det-action">
            <a class="button det-button" href={`/factures/${invoice.id}/pdf`}>
              {T.downloadPdf}
            </a>
            <span class="det-hint" safe>
              {T.pdfHint(sizeText(invoice.sizeBytes))}
            </span>
          </div>
          {invoice.xmlSha256 ? (
            <div class="det-action">
              <a class="button secondary det-button" href={`/factures/${invoice.id}/xml`}>
                {T.downloadXml}
              </a>
              <span class="det-hint">{T.xmlHint}</span>
            </div>
          ) : (
            ""
          )}
          <p class="det-keep">
            <span>{T.keepIt}</span> <strong safe>{until}</strong>
          </p>
        </section>
      )}

      <div class="det-grid">
        <PartyCard
          title={T.seller}
          id="det-seller"
          party={{
            ...seller,
            siren: seller.siren ?? invoice.sellerSiren,
            vatId: seller.vatId ?? invoice.sellerVatId,
          }}
          fallbackName={invoice.sellerName}
        />
        <PartyCard
          title={T.buyer}
          id="det-buyer"
          party={{
            ...buyer,
            id: buyer.id ?? invoice.buyerId,
            siren: buyer.siren ?? invoice.buyerSiren,
            vatId: buyer.vatId ?? invoice.buyerVatId,
          }}
          fallbackName={invoice.buyerName}
        />
      </div>

      <div class="det-grid">
        <section class="card det-card" aria-labelledby="det-refs">
          <h2 id="det-refs">{T.references}</h2>
          <Facts
            rows={[
              ["Numéro", invoice.invoiceNumber],
              ["Type", `${type} (${invoice.typeCode})`],
              ["Date d’émission", frenchDate(invoice.issueDate)],
              ["Date d’échéance", invoice.dueDate ? frenchDate(invoice.dueDate) : null],
              ["Référence de paiement", invoice.paymentReference],
              ["Contrat", invoice.contractNumber],
              ["N° client", invoice.customerNumber],
              ["Référence acheteur", buyerReference],
              [
                "Format",
                invoice.profile
                  ? (PROFILE_LABELS[invoice.profile] ?? invoice.profile)
                  : "PDF sans données structurées",
              ],
              ["Mise en ligne", longInstant.format(invoice.publishedAt)],
            ]}
          />
        </section>
        <section class="card det-card" aria-labelledby="det-amounts">
          <h2 id="det-amounts">{T.amounts}</h2>
          <Facts
            rows={[
              ["Total HT", money(invoice.taxBasisTotal), "amount det-amount"],
              ["Total TVA", money(invoice.taxTotal), "amount det-amount"],
              ["Total TTC", money(invoice.grandTotal), "amount det-amount det-strong"],
              ["Net à payer", money(invoice.duePayable), "amount det-amount det-strong"],
            ]}
          />
          {vatRows.length > 0 ? (
            // Focusable so that a keyboard can scroll it when a narrow screen cannot show it whole (WCAG 2.1.1).
            <section class="det-scroll" aria-labelledby="det-vat-caption" tabindex="0">
              <table class="det-table">
                <caption id="det-vat-caption">{T.vatTable}</caption>
                <thead>
                  <tr>
                    <th scope="col">Catégorie</th>
                    <th scope="col" class="amount">
                      Taux
                    </th>
                    <th scope="col" class="amount">
                      Base HT
                    </th>
                    <th scope="col" class="amount">
                      TVA
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {vatRows.map((row) => (
                    <tr>
                      <th scope="row" safe>
                        {row.category}
                      </th>
                      <td class="amount" safe>
                        {row.rate}
                      </td>
                      <td class="amount" safe>
                        {row.basis}
                      </td>
                      <td class="amount" safe>
                        {row.tax}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ) : (
            ""
          )}
        </section>
      </div>

      <section class="card det-card" aria-labelledby="det-integrity">
        <h2 id="det-integrity">{T.integrity}</h2>
        <p class="det-hash-label">Empreinte SHA-256 du PDF original</p>
        <p class="det-hash">
          <code safe>{invoice.sha256}</code>
        </p>
        <p class="det-explain">
          Pour vérifier que le fichier téléchargé est bien l’original, calculez son empreinte : le résultat
          doit être identique à celui-ci (PowerShell l’affiche en majuscules).
        </p>
        <ul class="det-commands">
          <li>
            <span class="det-os">Linux, macOS</span> <code>sha256sum fichier.pdf</code>
          </li>
          <li>
            <span class="det-os">Windows (PowerShell)</span> <code>Get-FileHash fichier.pdf</code>
          </li>
        </ul>
      </section>

      <section class="card det-card" aria-labelledby="det-history">
        <h2 id="det-history">{T.history}</h2>
        <section class="det-scroll" aria-labelledby="det-history-caption" tabindex="0">
          <table class="det-table">
            <caption id="det-history-caption" class="det-sr">
              Statuts successifs de la facture
            </caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Statut</th>
                <th scope="col">Code</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr>
                  <td safe>{longInstant.format(event.at)}</td>
                  <th scope="row" safe>
                    {STATUS_LABELS[event.code] ?? `Statut ${event.code}`}
                  </th>
                  <td safe>{String(event.code)}</td>
                </tr>
              ))}
              {removed ? (
                <tr>
                  <td safe>{longInstant.format(invoice.removedAt!)}</td>
                  <th scope="row">Retirée du portail</th>
                  <td>—</td>
                </tr>
              ) : (
                ""
              )}
            </tbody>
          </table>
        </section>
      </section>
    </Layout>
  );
}

/** A refusal or failure on the download side, in the tenant's pages, with the way back to the list. */
export function DownloadProblemPage(props: {
  branding: Branding;
  user?: SignedIn;
  status: number;
  title: string;
  message: string;
  requestId?: string;
}) {
  return (
    <Layout title={props.title} branding={props.branding} user={props.user}>
      <div class="center card det-problem">
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
        <p>
          <a class="button secondary" href="/factures">
            Retour à mes factures
          </a>
        </p>
      </div>
    </Layout>
  );
}
