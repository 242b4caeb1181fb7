import type { InvoiceToWithdraw } from "../../../db/invoices.queries.js";
import { isCreditNote } from "../../../einvoice/document-types.js";
import type { Branding } from "../layout.js";
import { frDate, frDateTime, Message, type StaffHeader, StaffLayout } from "./staff-layout.js";

/** The row action of the customer record: admins only, on invoices still online. */
export function WithdrawInvoiceLink(props: {
  staff: StaffHeader;
  invoice: { id: string; invoiceNumber: string };
}) {
  if (props.staff.role !== "admin") return "";
  return (
    <>
      <br />
      <a
        href={`/conseiller/factures/${props.invoice.id}/retirer`}
        class="staff-bad"
        aria-label={`Retirer la facture ${props.invoice.invoiceNumber} du portail`}
      >
        Retirer…
      </a>
    </>
  );
}

/**
 * The confirmation step of a withdrawal (issue #13 item 9): what will happen, the reason (kept in the
 * audit trail), and an explicit confirmation before the POST does anything.
 */
export function WithdrawInvoicePage(props: {
  branding: Branding;
  staff: StaffHeader;
  invoice: InvoiceToWithdraw;
  reason?: string;
  error?: string;
}) {
  const i = props.invoice;
  const label = `${isCreditNote(i.typeCode) ? "l’avoir" : "la facture"} ${i.invoiceNumber}`;
  const back = `/conseiller/clients/${i.customerId}`;
  return (
    <StaffLayout
      title={`Retirer ${i.invoiceNumber}`}
      branding={props.branding}
      staff={props.staff}
      current="search"
    >
      <p class="links">
        <a href={back} safe>{`← Client n° ${i.customerNumber}`}</a>
      </p>
      <h1 safe>{`Retirer ${label} du portail`}</h1>
      <Message message={props.error ? { kind: "error", text: props.error } : undefined} />
      {i.withdrawnAt ? (
        <p class="staff-warning" safe>
          {`Cette facture a déjà été retirée le ${frDateTime(i.withdrawnAt)} (motif : ${i.withdrawalReason ?? "—"}).`}
        </p>
      ) : (
        <div class="withdraw-grid">
          <section class="card" aria-labelledby="h-invoice">
            <h2 id="h-invoice">Facture</h2>
            <dl class="facts">
              <dt>Numéro</dt>
              <dd safe>{i.invoiceNumber}</dd>
              <dt>Client</dt>
              <dd safe>{`n° ${i.customerNumber}`}</dd>
              <dt>Date</dt>
              <dd safe>{frDate(i.issueDate)}</dd>
              <dt>Montant TTC</dt>
              <dd safe>{`${i.grandTotal.replace(".", ",")} ${i.currency}`}</dd>
              <dt>Téléchargement</dt>
              <dd>
                {i.firstDownloadedAt
                  ? `Téléchargée par le client le ${frDateTime(i.firstDownloadedAt)}`
                  : "Jamais téléchargée"}
              </dd>
            </dl>
          </section>
          <section class="card" aria-labelledby="h-confirm">
            <h2 id="h-confirm">Ce que fait le retrait</h2>
            <ul class="withdraw-effects">
              <li>
                La facture disparaît aussitôt de la liste du client ; ses liens affichent « retirée par
                l’émetteur ».
              </li>
              <li>
                Une trace reste pour l’audit : statut 901, votre nom, la date et le motif dans le journal.
              </li>
              <li>
                Son fichier est effacé au prochain passage de la conservation, sauf s’il sert à une autre
                facture.
              </li>
              <li>Son numéro redevient libre : publiez ensuite le même fichier pour le bon client.</li>
            </ul>
            {i.firstDownloadedAt ? (
              <p class="staff-warning">
                Le client l’a déjà téléchargée : le retrait n’efface pas sa copie. Suivez la procédure de
                violation de données de votre établissement.
              </p>
            ) : (
              ""
            )}
            <form method="post" action={`/conseiller/factures/${i.id}/retirer`}>
              <input type="hidden" name="_csrf" value={props.staff.csrf} />
              <div class="field">
                <label for="reason">Motif du retrait (obligatoire, conservé dans le journal)</label>
                <textarea id="reason" name="reason" rows="3" required minlength="3" maxlength="500" safe>
                  {props.reason ?? ""}
                </textarea>
              </div>
              <div class="field checkbox">
                <input type="checkbox" id="confirm" name="confirm" value="1" required />
                <label for="confirm" safe>{`Je confirme le retrait de ${label} du portail.`}</label>
              </div>
              <div class="staff-actions">
                <button type="submit" class="button danger">
                  Retirer la facture
                </button>
                <a href={back} class="button secondary">
                  Annuler
                </a>
              </div>
            </form>
          </section>
        </div>
      )}
    </StaffLayout>
  );
}
