import type { ContactDetails, LegalDetails, RequiredDetail } from "../../../domain/tenants/portal-details.js";

/** Whether the customers can see the portal, and if not exactly which details the admin still has to give. */
export interface PortalReadiness {
  missing: readonly RequiredDetail[];
  production: boolean;
}

/** Admin home and portal settings: names every missing detail; silent once the portal may open. */
export function PortalReadinessNotice(props: { readiness?: PortalReadiness }) {
  const r = props.readiness;
  if (!r || r.missing.length === 0) return "";
  return (
    <div class="staff-readiness" role="status">
      <p>
        <strong>
          {r.production
            ? "Votre portail est fermé à vos clients : ils voient « Ce portail n’est pas encore ouvert »."
            : "Mentions légales incomplètes : en production, ce portail serait fermé à vos clients."}
        </strong>{" "}
        Renseignez dans « Réglages du portail » :
      </p>
      <ul>
        {r.missing.map((d) => (
          <li safe>{d.fr}</li>
        ))}
      </ul>
      <p>
        <a href="/conseiller/admin/portail#h-legal">Compléter les mentions légales et le contact</a>
      </p>
    </div>
  );
}

function Field(props: {
  id: string;
  name: string;
  label: string;
  value: string;
  type?: string;
  max?: number;
  hint?: string;
  autocomplete?: string;
}) {
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  return (
    <div class="field">
      <label for={props.id} safe>
        {props.label}
      </label>
      {props.hint ? (
        <span class="hint" id={hintId} safe>
          {props.hint}
        </span>
      ) : (
        ""
      )}
      <input
        type={props.type ?? "text"}
        id={props.id}
        name={props.name}
        maxlength={String(props.max ?? 500)}
        value={props.value}
        aria-describedby={hintId}
        autocomplete={props.autocomplete ?? "off"}
      />
    </div>
  );
}

/** « Mentions légales »: publisher, controller, DPO and hosting provider (LCEN art. 6, RGPD art. 13). */
export function LegalSettingsSection(props: { csrf: string; legal: Partial<LegalDetails> }) {
  const l = props.legal;
  const f = (key: keyof LegalDetails, label: string, extra: { type?: string; hint?: string } = {}) => (
    <Field id={`legal-${key}`} name={key} label={label} value={l[key] ?? ""} {...extra} />
  );
  return (
    <section class="card" aria-labelledby="h-legal">
      <h2 id="h-legal">Mentions légales</h2>
      <p class="hint">
        Toutes sont obligatoires sauf le téléphone de l’hébergeur : tant qu’il en manque une, le portail reste
        fermé à vos clients en production.
      </p>
      <form method="post" action="/conseiller/admin/portail/mentions">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <fieldset>
          <legend>Éditeur et responsable du traitement</legend>
          {f("companyName", "Raison sociale")}
          {f("address", "Adresse du siège")}
          {f("siren", "SIREN", { hint: "9 chiffres, les espaces sont ignorés." })}
          {f("contactEmail", "E-mail de contact", { type: "email" })}
          {f("dpoEmail", "E-mail du délégué à la protection des données", { type: "email" })}
          {f("publisherName", "Directeur·rice de la publication")}
        </fieldset>
        <fieldset>
          <legend>Hébergeur</legend>
          {f("hostName", "Nom ou raison sociale de l’hébergeur")}
          {f("hostAddress", "Adresse de l’hébergeur")}
          {f("hostPhone", "Téléphone de l’hébergeur (facultatif)", { type: "tel" })}
        </fieldset>
        <button type="submit" class="button">
          Enregistrer les mentions légales
        </button>
      </form>
    </section>
  );
}

/** « Contact du service client »: the block customers see on the home and help pages. */
export function ContactSettingsSection(props: { csrf: string; contact: Partial<ContactDetails> }) {
  const c = props.contact;
  return (
    <section class="card" aria-labelledby="h-contact">
      <h2 id="h-contact">Contact du service client</h2>
      <p class="hint">
        Affiché sur la page d’accueil et les pages d’aide, et là où le portail dit « contactez votre
        conseiller(e) clientèle ». Indiquez au moins un téléphone, un e-mail ou un formulaire.
      </p>
      <form method="post" action="/conseiller/admin/portail/contact">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <Field
          id="contact-phone"
          name="phone"
          label="Téléphone"
          type="tel"
          max={25}
          value={c.phone ?? ""}
          hint="Par exemple 01 23 45 67 89 ou +33 1 23 45 67 89."
        />
        <Field
          id="contact-hours"
          name="hours"
          label="Horaires"
          max={200}
          value={c.hours ?? ""}
          hint="Par exemple : du lundi au vendredi, de 9 h à 18 h."
        />
        <Field id="contact-email" name="email" label="E-mail" type="email" max={254} value={c.email ?? ""} />
        <Field
          id="contact-formUrl"
          name="formUrl"
          label="Formulaire en ligne (adresse https://)"
          type="url"
          value={c.formUrl ?? ""}
        />
        <div class="field">
          <label for="contact-address">Adresse postale</label>
          <textarea id="contact-address" name="address" rows="3" maxlength="300" safe>
            {c.address ?? ""}
          </textarea>
        </div>
        <button type="submit" class="button">
          Enregistrer le contact
        </button>
      </form>
    </section>
  );
}
