import { escapeHtml } from "@kitajs/html";
import type { InvoiceDetailRow, InvoiceEventRow } from "../../db/downloads.queries.js";
import { type InvoicePaView, isDuplicata, type LifecycleStatusView } from "../../db/pa-views.queries.js";
import { LIFECYCLE_LABELS } from "../../domain/pa/cdar.js";
import { isCreditNote } from "../../einvoice/document-types.js";
import { formatsFor, type Ui } from "../../i18n/index.js";
import { ColumnHeads } from "./column-heads.js";
import { ContactLink } from "./contact-block.view.js";
import { ErrorReference } from "./errors.view.js";
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

type FactRow = [string, string | null | undefined, string?];

const present = ([, value]: FactRow) => value !== null && value !== undefined && value !== "";

/**
 * A company is told by what the invoice says of it: a SIREN or a VAT number (the CII's legal registration
 * and tax registration). Without either, the party is taken for a person, whose name is not a « raison sociale ».
 */
export function isCompany(party: Party): boolean {
  return Boolean(party.siren || party.vatId);
}

/** dt/dd pairs; a fact the invoice does not carry is left out rather than shown empty. */
function Facts(props: { rows: FactRow[] }) {
  return (
    <dl class="facts det-facts">
      {props.rows.filter(present).map(([label, value, cls]) => (
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

/** The facts of the seller's or the buyer's card, without those the invoice does not carry. */
export function partyRows(
  ui: Ui,
  kind: "seller" | "buyer",
  party: Party,
  /** The customer number the References card shows: the buyer's number on the invoice is repeated only when it differs. */
  customerNumber: string,
): FactRow[] {
  const t = ui.t.detail.party;
  const id =
    kind === "seller"
      ? ([t.sellerId, party.id] as FactRow)
      : ([t.customerNumber, party.id === customerNumber ? null : party.id] as FactRow);
  return (
    [
      [isCompany(party) ? t.name : t.personName, party.name],
      [t.siren, party.siren],
      [t.vatId, party.vatId],
      id,
      [t.globalId, party.globalId],
      [t.country, party.country],
    ] as FactRow[]
  ).filter(present);
}

/** A party's card; nothing at all when the invoice says nothing of it (a plain PDF). */
function PartyCard(props: { title: string; id: string; rows: FactRow[] }) {
  if (props.rows.length === 0) return "";
  return (
    <section class="card det-card" aria-labelledby={props.id}>
      <h2 id={props.id} safe>
        {props.title}
      </h2>
      <Facts rows={props.rows} />
    </section>
  );
}

/**
 * The PDF in the browser's own viewer, framed from `/factures/{id}/apercu` (its response alone may be framed,
 * by this origin only). A phone's browser often has no viewer to frame: there the link opens it in a tab.
 */
function Preview(props: { ui: Ui; invoiceId: string; title: string }) {
  const T = props.ui.t.detail;
  const src = `/factures/${props.invoiceId}/apercu`;
  return (
    <section class="card det-card det-preview" aria-labelledby="det-preview-title">
      <div class="det-preview-head">
        <h2 id="det-preview-title" safe>
          {T.preview}
        </h2>
        <a class="det-preview-open" href={src} target="_blank" rel="noopener" safe>
          {T.previewOpen}
        </a>
      </div>
      <p class="det-preview-hint" safe>
        {T.previewHint}
      </p>
      {/* PDF open parameters (Adobe's, read by Chromium's and Firefox's viewers): page width, no thumbnails. */}
      <iframe
        class="det-preview-frame"
        src={`${src}#view=FitH&navpanes=0`}
        title={T.previewFrame(props.title)}
        loading="lazy"
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
  /** The invoice's route, transmission and PA statuses (issue #16); absent = shown as an original. */
  pa?: InvoicePaView;
  /** nginx's signed link for the PDF button (already downloaded, DOWNLOAD_OFFLOAD=nginx-signed); otherwise the portal's route. */
  pdfHref?: string;
}

/** A PA status in the page's language: the reform's label (LIFECYCLE_LABELS), else « Statut NNN ». */
export function paStatusLabel(ui: Ui, code: number): string {
  return LIFECYCLE_LABELS[code]?.[ui.locale] ?? ui.t.detail.statusOther(code);
}

/** A reason code of the reform (XP Z12-012) in plain words, the code itself when we have no words for it. */
export function paReasonWords(
  ui: Ui,
  status: Pick<LifecycleStatusView, "reasonCode" | "reasonText">,
): string | null {
  const T = ui.t.detail;
  const words = status.reasonCode ? (T.paReasons[status.reasonCode] ?? status.reasonCode) : null;
  const text = status.reasonText?.trim() || null;
  const capital = words ? `${words.charAt(0).toUpperCase()}${words.slice(1)}` : null;
  const quoted = text ? (ui.locale === "fr" ? `«\u00a0${text}\u00a0»` : `“${text}”`) : null;
  if (capital && quoted) return `${capital} — ${quoted}`;
  return capital ?? text;
}

/**
 * The statuses the plateformes agréées reported (CDAR, source `pa`), as a timeline in plain words: the label,
 * its date, what it means, who reported it and why (dispute, refusal, rejection).
 */
function PaTimeline(props: { ui: Ui; statuses: LifecycleStatusView[] }) {
  const T = props.ui.t.detail;
  const f = props.ui.f;
  return (
    <section class="card det-card det-pa" aria-labelledby="det-pa-title">
      <h2 id="det-pa-title" safe>
        {T.paTitle}
      </h2>
      <p class="det-pa-lead" safe>
        {T.paLead}
      </p>
      {props.statuses.length === 0 ? (
        <p class="det-pa-none" safe>
          {T.paNone}
        </p>
      ) : (
        <ol class="det-timeline">
          {props.statuses.map((status) => {
            const reason = paReasonWords(props.ui, status);
            const role = status.role ? (T.paRoles[status.role] ?? T.paRoleOther(status.role)) : null;
            const tone = [207, 208, 210, 213].includes(status.code)
              ? " is-alert"
              : [205, 209, 211, 212].includes(status.code)
                ? " is-done"
                : "";
            return (
              <li class={`det-step${tone}`} data-code={String(status.code)}>
                <p class="det-step-head">
                  <strong class="det-step-label" safe>
                    {paStatusLabel(props.ui, status.code)}
                  </strong>{" "}
                  <time class="det-step-date" datetime={status.at.toISOString()} safe>
                    {f.longDateTime(status.at)}
                  </time>
                </p>
                {T.paMeaning[status.code] ? (
                  <p class="det-step-text" safe>
                    {T.paMeaning[status.code]}
                  </p>
                ) : (
                  ""
                )}
                {reason ? (
                  <p class="det-step-reason">
                    <span safe>{`${T.paReason}${props.ui.locale === "fr" ? "\u00a0: " : ": "}`}</span>
                    <span safe>{reason}</span>
                  </p>
                ) : (
                  ""
                )}
                {role ? (
                  <p class="det-step-role" safe>
                    {T.paBy(role)}
                  </p>
                ) : (
                  ""
                )}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

/** One invoice: downloads, a preview, facts of its Factur-X, lifecycle history, and (folded) how to check it. */
export function InvoiceDetailPage({ ui, branding, user, invoice, events, pa, pdfHref }: InvoiceDetailProps) {
  const T = ui.t.detail;
  // A B2B original went to the buyer's plateforme agréée: the portal's copy is a duplicata, its own 203/204
  // are no regulated statuses, and the fiscal-value sentence is not said (issue #16 item 5).
  const duplicata = pa !== undefined && isDuplicata(pa);
  const sentAt = pa?.transmission?.submittedAt ?? null;
  const f = ui.f;
  const { seller, buyer, vatBreakdown, buyerReference } = factsOf(invoice);
  const sellerRows = partyRows(
    ui,
    "seller",
    {
      ...seller,
      name: seller.name ?? invoice.sellerName,
      siren: seller.siren ?? invoice.sellerSiren,
      vatId: seller.vatId ?? invoice.sellerVatId,
    },
    invoice.customerNumber,
  );
  const buyerRows = partyRows(
    ui,
    "buyer",
    {
      ...buyer,
      name: buyer.name ?? invoice.buyerName,
      id: buyer.id ?? invoice.buyerId,
      siren: buyer.siren ?? invoice.buyerSiren,
      vatId: buyer.vatId ?? invoice.buyerVatId,
    },
    invoice.customerNumber,
  );
  const type = typeLabel(ui, invoice.typeCode);
  const title = `${type} ${invoice.invoiceNumber}`;
  const removed = invoice.removedAt !== null;
  const currency = invoice.currency;
  const money = (value: string | null) => (value === null ? null : f.money(value, currency));
  const until = `${T.availableUntil(f.longDate(invoice.availableUntil))}.`;
  const history: { at: Date; label: string; code: number | null }[] = events.map((event) =>
    duplicata && T.portalEvents[event.code]
      ? { at: event.at, label: T.portalEvents[event.code]!, code: null }
      : { at: event.at, label: T.statuses[event.code] ?? T.statusOther(event.code), code: event.code },
  );
  // Lifecycle 900 is recorded by the retention run; older tombstones may lack it.
  if (removed && !events.some((event) => event.code === 900))
    history.push({ at: invoice.removedAt!, label: T.removedEvent, code: null });
  const paStatuses = duplicata ? (pa?.paStatuses ?? []) : [];
  // The codes table: the regulated codes are the PA's for a duplicata, the portal's for an original.
  const codes = duplicata
    ? [
        ...paStatuses.map((s) => ({
          at: s.at,
          label: paStatusLabel(ui, s.code),
          code: s.code as number | null,
        })),
        ...history,
      ].sort((a, b) => a.at.getTime() - b.at.getTime())
    : history;
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
          <h1>
            {escapeHtml(type)} <span class="ident">{escapeHtml(invoice.invoiceNumber)}</span>
          </h1>
          <p class="det-sub">
            <span safe>{seller.name ?? invoice.sellerName ?? branding.name}</span>
            <span aria-hidden="true"> · </span>
            <span safe>{T.issuedOn(f.longDay(invoice.issueDate))}</span>
          </p>
          <p class="det-status">
            {duplicata ? (
              <>
                <span class="det-badge det-badge-duplicata" safe>
                  {T.duplicata}
                </span>{" "}
              </>
            ) : (
              ""
            )}
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

      {duplicata ? (
        <section class="det-duplicata" aria-labelledby="det-duplicata-text">
          <p id="det-duplicata-text">
            <strong safe>{sentAt ? T.duplicataSent(f.longDate(sentAt)) : T.duplicataPending}</strong>
          </p>
          <p safe>{T.duplicataExplain}</p>
        </section>
      ) : (
        ""
      )}

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
            <a class="button det-button" href={pdfHref ?? `/factures/${invoice.id}/pdf`} safe>
              {T.downloadPdf}
            </a>
            <span class="det-hint" safe>
              {duplicata
                ? T.pdfHintDuplicata(f.size(invoice.sizeBytes))
                : T.pdfHint(f.size(invoice.sizeBytes))}
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
            <span safe>{duplicata ? T.keepItDuplicata : T.keepIt}</span> <strong safe>{until}</strong>
          </p>
        </section>
      )}

      {removed ? "" : <Preview ui={ui} invoiceId={invoice.id} title={title} />}

      {sellerRows.length > 0 || buyerRows.length > 0 ? (
        <div class="det-grid">
          <PartyCard title={T.seller} id="det-seller" rows={sellerRows} />
          <PartyCard title={T.buyer} id="det-buyer" rows={buyerRows} />
        </div>
      ) : (
        ""
      )}

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
              [
                isCreditNote(invoice.typeCode) ? T.inYourFavour : T.duePayable,
                money(invoice.duePayable),
                "amount det-amount det-strong",
              ],
            ]}
          />
          {vatRows.length > 0 ? (
            // Focusable so that a keyboard can scroll it when a narrow screen cannot show it whole (WCAG 2.1.1).
            <section class="det-scroll" aria-labelledby="det-vat-caption" tabindex="0">
              <table class="det-table">
                <caption id="det-vat-caption" safe>
                  {T.vatTable}
                </caption>
                <ColumnHeads
                  columns={[
                    T.vatCategory,
                    { label: T.vatRate, class: "amount" },
                    { label: T.vatBasis, class: "amount" },
                    { label: T.vatAmount, class: "amount" },
                  ]}
                />
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

      {duplicata ? <PaTimeline ui={ui} statuses={paStatuses} /> : ""}

      <section class="card det-card" aria-labelledby="det-history">
        <h2 id="det-history" safe>
          {T.history}
        </h2>
        <section class="det-scroll" aria-labelledby="det-history-caption" tabindex="0">
          <table class="det-table">
            <caption id="det-history-caption" class="det-sr" safe>
              {T.historyCaption}
            </caption>
            <ColumnHeads columns={[T.historyDate, T.historyStatus]} />
            <tbody>
              {history.map((step) => (
                <tr>
                  <td safe>{f.longDateTime(step.at)}</td>
                  <th scope="row" safe>
                    {step.label}
                  </th>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </section>

      {/* Open by itself once the file has left the portal: checking a saved copy is then what is left to do. */}
      <details class="card det-card det-verify" open={removed}>
        <summary>
          <h2 id="det-integrity" safe>
            {T.integrity}
          </h2>
        </summary>
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
        <section class="det-scroll" aria-labelledby="det-codes-caption" tabindex="0">
          <table class="det-table det-codes">
            <caption id="det-codes-caption" safe>
              {T.lifecycleCaption}
            </caption>
            <ColumnHeads columns={[T.historyCode, T.historyStatus, T.historyDate]} />
            <tbody>
              {codes.map((step) => (
                <tr>
                  <td safe>{step.code === null ? "—" : String(step.code)}</td>
                  <th scope="row" safe>
                    {step.label}
                  </th>
                  <td safe>{f.longDateTime(step.at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </details>
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
        {/* The status and the request id: a small reference at the bottom, as on the other error pages. */}
        <ErrorReference errors={t} status={props.status} requestId={props.requestId} />
      </div>
    </Layout>
  );
}
