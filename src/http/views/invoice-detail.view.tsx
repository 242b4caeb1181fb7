import { escapeHtml } from "@kitajs/html";
import type { InvoiceDetailRow, InvoiceEventRow } from "../../db/downloads.repository.js";
import { formatsFor, type Ui } from "../../i18n/index.js";
import { ContactLink } from "./contact-block.view.js";
import { type Branding, Layout, type SignedIn } from "./layout.js";

/** A document date (`YYYY-MM-DD`) in French: "5 novembre 2026". */
export function frenchDate(iso: string): string {
  return formatsFor("fr").longDay(iso);
}

/** An amount from its decimal string, in French with its currency (exact: Intl formats the string). */
export function frenchMoney(value: string, currency: string): string {
  return formatsFor("fr").money(value, currency);
}

/** The name of an invoice type code (UNTDID 1001) in the page's language. */
export function typeLabel(ui: Ui, typeCode: string): string {
  return ui.t.detail.types[typeCode] ?? ui.t.detail.typeOther(typeCode);
}

/** Profile names are the standard's own, the same in every language. */
const PROFILE_LABELS: Record<string, string> = {
  MINIMUM: "Factur-X MINIMUM",
  "BASIC WL": "Factur-X BASIC WL",
  BASIC: "Factur-X BASIC",
  "EN 16931": "Factur-X EN 16931",
  EXTENDED: "Factur-X EXTENDED",
  XRECHNUNG: "XRechnung",
};

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

function PartyCard(props: { ui: Ui; title: string; id: string; party: Party; fallbackName: string | null }) {
  const { party } = props;
  const t = props.ui.t.detail.party;
  return (
    <section class="card det-card" aria-labelledby={props.id}>
      <h2 id={props.id} safe>
        {props.title}
      </h2>
      <Facts
        rows={[
          [t.name, party.name ?? props.fallbackName],
          [t.siren, party.siren],
          [t.vatId, party.vatId],
          [t.id, party.id],
          [t.globalId, party.globalId],
          [t.country, party.country],
        ]}
      />
    </section>
  );
}

export interface InvoiceDetailProps {
  ui: Ui;
  branding: Branding;
  user: SignedIn;
  invoice: InvoiceDetailRow;
  events: InvoiceEventRow[];
}

/** One invoice: facts of its Factur-X, downloads, SHA-256 and how to check it, lifecycle history. */
export function InvoiceDetailPage({ ui, branding, user, invoice, events }: InvoiceDetailProps) {
  const T = ui.t.detail;
  const f = ui.f;
  const { seller, buyer, vatBreakdown, buyerReference } = factsOf(invoice);
  const type = typeLabel(ui, invoice.typeCode);
  const title = `${type} ${invoice.invoiceNumber}`;
  const removed = invoice.removedAt !== null;
  const currency = invoice.currency;
  const money = (value: string | null) => (value === null ? null : f.money(value, currency));
  const until = `${T.availableUntil(f.longDate(invoice.availableUntil))}.`;
  const vatRows = vatBreakdown.map((line) => ({
    category: line.categoryCode ? (T.vatCategories[line.categoryCode] ?? line.categoryCode) : "—",
    rate:
      line.ratePercent !== undefined
        ? `${f.decimal(line.ratePercent)}${ui.locale === "fr" ? "\u00a0%" : "%"}`
        : "—",
    basis: line.basisAmount !== undefined ? f.money(line.basisAmount, currency) : "—",
    tax: line.taxAmount !== undefined ? f.money(line.taxAmount, currency) : "—",
  }));
  return (
    <Layout title={title} branding={branding} ui={ui} user={user}>
      <nav class="det-breadcrumb" aria-label={T.breadcrumb}>
        <a href="/factures">
          <span aria-hidden="true">← </span>
          {escapeHtml(T.back)}
        </a>
      </nav>
      <div class="det-head">
        <div class="det-title">
          <h1 safe>{title}</h1>
          <p class="det-sub">
            <span safe>{seller.name ?? invoice.sellerName ?? branding.name}</span>
            <span aria-hidden="true"> · </span>
            <span safe>{T.issuedOn(f.longDay(invoice.issueDate))}</span>
          </p>
          <p class="det-status">
            {removed ? (
              <span class="det-badge det-badge-removed" safe>
                {T.removedOn(f.longDate(invoice.removedAt!))}
              </span>
            ) : invoice.firstDownloadedAt ? (
              <span class="det-badge det-badge-done" safe>
                {T.downloadedOn(f.longDate(invoice.firstDownloadedAt))}
              </span>
            ) : (
              <span class="det-badge det-badge-new" safe>
                {T.new}
              </span>
            )}
          </p>
        </div>
        <div class="det-total">
          <span class="det-total-label" safe>
            {T.amountIncl}
          </span>
          <span class="det-total-value" safe>
            {f.money(invoice.grandTotal, currency)}
          </span>
          {removed ? (
            ""
          ) : (
            <span class="det-until" safe>
              {T.availableUntil(f.longDate(invoice.availableUntil))}
            </span>
          )}
        </div>
      </div>

      {removed ? (
        <section class="det-removed" aria-label={T.downloads}>
          <p>
            <strong safe>{T.removedNotice(f.longDate(invoice.removedAt!))}</strong>
          </p>
          <p safe>{T.removedText}</p>
        </section>
      ) : (
        <section class="card det-actions" aria-label={T.downloads}>
          <div class="det-action">
            <a class="button det-button" href={`/factures/${invoice.id}/pdf`} safe>
              {T.downloadPdf}
            </a>
            <span class="det-hint" safe>
              {T.pdfHint(f.size(invoice.sizeBytes))}
            </span>
          </div>
          {invoice.xmlSha256 ? (
            <div class="det-action">
              <a class="button secondary det-button" href={`/factures/${invoice.id}/xml`} safe>
                {T.downloadXml}
              </a>
              <span class="det-hint" safe>
                {T.xmlHint}
              </span>
            </div>
          ) : (
            ""
          )}
          <div class="det-action">
            <a class="button secondary det-button" href={`/factures/${invoice.id}/preuve`} safe>
              {T.downloadProof}
            </a>
            <span class="det-hint" safe>
              {T.proofHint}
            </span>
          </div>
          <p class="det-keep">
            <span safe>{T.keepIt}</span> <strong safe>{until}</strong>
          </p>
        </section>
      )}

      <div class="det-grid">
        <PartyCard
          ui={ui}
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
          ui={ui}
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
          <h2 id="det-refs" safe>
            {T.references}
          </h2>
          <Facts
            rows={[
              [T.number, invoice.invoiceNumber],
              [T.type, `${type} (${invoice.typeCode})`],
              [T.issueDate, f.longDay(invoice.issueDate)],
              [T.dueDate, invoice.dueDate ? f.longDay(invoice.dueDate) : null],
              [T.paymentReference, invoice.paymentReference],
              [T.contract, invoice.contractNumber],
              [T.customerNumber, invoice.customerNumber],
              [T.buyerReference, buyerReference],
              [
                T.format,
                invoice.profile
                  ? invoice.profile === "UNKNOWN"
                    ? T.unknownProfile
                    : (PROFILE_LABELS[invoice.profile] ?? invoice.profile)
                  : T.noStructuredData,
              ],
              [T.publishedAt, f.longDateTime(invoice.publishedAt)],
            ]}
          />
        </section>
        <section class="card det-card" aria-labelledby="det-amounts">
          <h2 id="det-amounts" safe>
            {T.amounts}
          </h2>
          <Facts
            rows={[
              [T.taxBasisTotal, money(invoice.taxBasisTotal), "amount det-amount"],
              [T.taxTotal, money(invoice.taxTotal), "amount det-amount"],
              [T.grandTotal, money(invoice.grandTotal), "amount det-amount det-strong"],
              [T.duePayable, money(invoice.duePayable), "amount det-amount det-strong"],
            ]}
          />
          {vatRows.length > 0 ? (
            // Focusable so that a keyboard can scroll it when a narrow screen cannot show it whole (WCAG 2.1.1).
            <section class="det-scroll" aria-labelledby="det-vat-caption" tabindex="0">
              <table class="det-table">
                <caption id="det-vat-caption" safe>
                  {T.vatTable}
                </caption>
                <thead>
                  <tr>
                    <th scope="col" safe>
                      {T.vatCategory}
                    </th>
                    <th scope="col" class="amount" safe>
                      {T.vatRate}
                    </th>
                    <th scope="col" class="amount" safe>
                      {T.vatBasis}
                    </th>
                    <th scope="col" class="amount" safe>
                      {T.vatAmount}
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
        <h2 id="det-integrity" safe>
          {T.integrity}
        </h2>
        <p class="det-hash-label" safe>
          {T.hashLabel}
        </p>
        <p class="det-hash">
          <code safe>{invoice.sha256}</code>
        </p>
        <p class="det-explain" safe>
          {T.hashExplain}
        </p>
        <ul class="det-commands">
          <li>
            <span class="det-os" safe>
              {T.hashLinux}
            </span>{" "}
            <code safe>{`sha256sum ${T.fileName}`}</code>
          </li>
          <li>
            <span class="det-os" safe>
              {T.hashWindows}
            </span>{" "}
            <code safe>{`Get-FileHash ${T.fileName}`}</code>
          </li>
        </ul>
        <p class="det-explain">
          <a href="/aide/sauvegarder" safe>
            {T.hashHelp}
          </a>
        </p>
      </section>

      <section class="card det-card" aria-labelledby="det-history">
        <h2 id="det-history" safe>
          {T.history}
        </h2>
        <section class="det-scroll" aria-labelledby="det-history-caption" tabindex="0">
          <table class="det-table">
            <caption id="det-history-caption" class="det-sr" safe>
              {T.historyCaption}
            </caption>
            <thead>
              <tr>
                <th scope="col" safe>
                  {T.historyDate}
                </th>
                <th scope="col" safe>
                  {T.historyStatus}
                </th>
                <th scope="col" safe>
                  {T.historyCode}
                </th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr>
                  <td safe>{f.longDateTime(event.at)}</td>
                  <th scope="row" safe>
                    {T.statuses[event.code] ?? T.statusOther(event.code)}
                  </th>
                  <td safe>{String(event.code)}</td>
                </tr>
              ))}
              {/* Lifecycle 900 is recorded by the retention run; older tombstones may lack it. */}
              {removed && !events.some((event) => event.code === 900) ? (
                <tr>
                  <td safe>{f.longDateTime(invoice.removedAt!)}</td>
                  <th scope="row" safe>
                    {T.removedEvent}
                  </th>
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
  ui: Ui;
  branding: Branding;
  user?: SignedIn;
  status: number;
  title: string;
  message: string;
  hint?: string;
  /** A second way out (the invoice's own page, for a removed invoice). */
  link?: { href: string; label: string };
  requestId?: string;
}) {
  const t = props.ui.t.errors;
  return (
    <Layout title={props.title} branding={props.branding} ui={props.ui} user={props.user}>
      <div class="center card det-problem">
        <p class="code" safe>
          {String(props.status)}
        </p>
        <h1 safe>{props.title}</h1>
        <p safe>{props.message}</p>
        {props.hint ? (
          <p class="muted" safe>
            {props.hint}
          </p>
        ) : (
          ""
        )}
        {/* 410 (removed) and 5xx (unverifiable file) texts end with « contactez votre conseiller(e) clientèle ». */}
        {props.status === 410 || props.status >= 500 ? (
          <p>
            <ContactLink ui={props.ui} />
          </p>
        ) : (
          ""
        )}
        {props.requestId ? (
          <p class="muted">
            {escapeHtml(t.requestRef)} <code safe>{props.requestId}</code>
          </p>
        ) : (
          ""
        )}
        <p class="det-problem-links">
          <a class="button secondary" href="/factures" safe>
            {t.backToInvoices}
          </a>
          {props.link ? (
            <a href={props.link.href} safe>
              {props.link.label}
            </a>
          ) : (
            ""
          )}
        </p>
      </div>
    </Layout>
  );
}
