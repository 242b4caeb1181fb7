import type { listSellerIdentities } from "../../../domain/tenants/seller-identities.js";
import { frDateTime } from "./staff-layout.js";

/** A seller identity as the admin's list shows it. */
export type SellerIdentity = Awaited<ReturnType<typeof listSellerIdentities>>[number];

/**
 * The admin's list of the legal entities this portal publishes for (issue #13 item 8): with none, any
 * seller is accepted; with one or more, an invoice whose seller is none of them is refused.
 */
export function SellerIdentitiesSection(props: { sellers: SellerIdentity[]; csrf: string }) {
  return (
    <section class="card" aria-labelledby="h-sellers">
      <h2 id="h-sellers">Vendeurs autorisés</h2>
      <p>
        Les sociétés dont ce portail publie les factures, par SIREN ou numéro de TVA. Tant qu’aucune n’est
        déclarée, toute facture est acceptée ; dès qu’une l’est, une facture dont le vendeur n’est pas dans
        cette liste est refusée (code <code>seller_not_declared</code>). Un PDF sans données Factur-X, qui ne
        dit pas son vendeur, reste accepté.
      </p>
      {props.sellers.length === 0 ? (
        <p class="staff-warning">
          Aucun vendeur déclaré : les factures de n’importe quelle société sont acceptées.
        </p>
      ) : (
        <section class="staff-scroll" aria-label="Liste des vendeurs autorisés" tabindex="0">
          <table class="staff-table">
            <thead>
              <tr>
                <th scope="col">Vendeur</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {props.sellers.map((s) => (
                <tr>
                  <td>
                    <code safe>{s.value}</code>
                    <br />
                    <span class="muted" safe>
                      {`${s.kind === "siren" ? "SIREN" : "N° de TVA intracommunautaire"} · déclaré le ${frDateTime(s.createdAt)}`}
                    </span>
                  </td>
                  <td>
                    <form method="post" action="/conseiller/admin/portail/vendeurs/retirer">
                      <input type="hidden" name="_csrf" value={props.csrf} />
                      <input type="hidden" name="value" value={s.value} />
                      <button
                        type="submit"
                        class="button secondary"
                        aria-label={`Retirer le vendeur ${s.value}`}
                      >
                        Retirer
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <form method="post" action="/conseiller/admin/portail/vendeurs" class="seller-add">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <div class="field">
          <label for="seller-value">SIREN ou numéro de TVA à ajouter</label>
          <span class="hint" id="seller-hint">
            Par exemple 443 061 841 ou FR64443061841 (la clé est vérifiée).
          </span>
          <input
            type="text"
            id="seller-value"
            name="value"
            required
            maxlength="40"
            autocomplete="off"
            aria-describedby="seller-hint"
          />
        </div>
        <button type="submit" class="button">
          Ajouter ce vendeur
        </button>
      </form>
    </section>
  );
}
